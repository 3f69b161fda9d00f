package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ReleaseTable records which engine release (and which hogsend-db) last
// migrated a track. It is a side table in the drizzle schema, never a column
// of a drizzle ledger: drizzle 1.0 treats a ledger with extra columns as an
// upgraded one and would re-run its rows.
var ReleaseTable = Table{Schema: "drizzle", Name: "__hogsend_releases"}

// Release is one row of ReleaseTable.
type Release struct {
	Track       string `json:"track"`
	Version     string `json:"version"`     // the engine release, semantic version
	ToolVersion string `json:"toolVersion"` // the hogsend-db that recorded it
	RecordedAt  string `json:"recordedAt"`
}

const releaseDDL = `CREATE TABLE IF NOT EXISTS %s (
	track text PRIMARY KEY,
	version text NOT NULL,
	tool_version text NOT NULL,
	recorded_at timestamptz NOT NULL DEFAULT now()
)`

// UnknownToolVersion is recorded as the tool version when the caller gives
// none (a library caller; the CLI always gives its own version).
const UnknownToolVersion = "dev"

// RecordRelease upserts the release of a track in the caller's transaction.
// The caller decides whether the version may move (tracks.ShouldRecordRelease:
// never record an older release over a newer one). An empty toolVersion is
// recorded as UnknownToolVersion.
func RecordRelease(ctx context.Context, q Querier, track, version, toolVersion string) error {
	if toolVersion == "" {
		toolVersion = UnknownToolVersion
	}
	// Like Ensure: no CREATE SCHEMA when the schema exists, since
	// PostgreSQL checks CREATE on the database before IF NOT EXISTS.
	exists, err := SchemaExists(ctx, q, ReleaseTable)
	if err != nil {
		return err
	}
	if !exists {
		if _, err := q.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{ReleaseTable.Schema}.Sanitize()); err != nil {
			return fmt.Errorf("ledger: create %s: %w", ReleaseTable, err)
		}
	}
	if _, err := q.Exec(ctx, fmt.Sprintf(releaseDDL, ReleaseTable.Ident())); err != nil {
		return fmt.Errorf("ledger: create %s: %w", ReleaseTable, err)
	}
	_, err = q.Exec(ctx, fmt.Sprintf(`insert into %s (track, version, tool_version) values ($1, $2, $3)
		on conflict (track) do update set version = excluded.version, tool_version = excluded.tool_version, recorded_at = now()`,
		ReleaseTable.Ident()), track, version, toolVersion)
	if err != nil {
		return fmt.Errorf("ledger: record release in %s: %w", ReleaseTable, err)
	}
	return nil
}
