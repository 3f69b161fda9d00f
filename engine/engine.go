// Package engine holds the bundled engine track of Hogsend: the migrations
// that build the lifecycle-email engine's own tables, the release version
// they belong to, and the desired-state schema they add up to.
//
// The migrations are a drizzle-kit 0.31 folder (meta/_journal.json plus
// NNNN_tag.sql files, statements split by "--> statement-breakpoint") so the
// drizzle-orm migrator and hogsend-db read the same bytes and compute the
// same ledger hashes. Every migration is expand-only (no drops, renames or
// NOT NULL without a default) so an older engine keeps working against a
// newer schema during a rolling deploy.
//
// The package imports only the standard library: servers link it through
// guard and must stay light.
package engine

import (
	"embed"
	"io/fs"
)

// Version is the Hogsend engine release this track belongs to, as a
// semantic version (MAJOR.MINOR.PATCH, no "v" prefix). It changes whenever a
// migration is added to migrations/: a new migration means at least a new
// minor release. Tools report it next to the engine track's status so an
// operator can tell which engine build a database was last migrated by.
const Version = "1.4.0"

// The patterns name files, not the folder: embedding a directory skips names
// starting with "_", which would silently drop meta/_journal.json.
//
//go:embed migrations/*.sql migrations/meta/*.json
var migrations embed.FS

//go:embed schema.sql
var desiredSchema string

// Migrations returns the engine's drizzle-kit migrations folder, rooted so
// that "meta/_journal.json" and "0000_initial_core.sql" are at its top.
// The returned FS is read-only and safe for concurrent use.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		// fs.Sub fails only for an invalid path; "migrations" is a
		// constant valid path, so this cannot happen at run time.
		panic("engine: sub migrations: " + err.Error())
	}
	return sub
}

// DesiredSchema returns schema.sql: the engine schema after every bundled
// migration, as plain PostgreSQL DDL with the same object names. Applying it
// to an empty database yields the same tables, columns, constraints, indexes
// and enum labels as applying all migrations in journal order (the package
// tests check this against a real server). It is the target that
// `hogsend-db generate` diffs against.
func DesiredSchema() string {
	return desiredSchema
}
