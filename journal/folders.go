package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Layout is how a folder stores its migrations.
type Layout int

const (
	// LayoutJournal is drizzle-kit 0.x: meta/_journal.json lists the
	// migrations, each a <tag>.sql file; created_at is the entry's "when".
	LayoutJournal Layout = iota
	// LayoutFolders is drizzle-kit 1.0: one folder per migration,
	// <YYYYMMDDHHMMSS>_<name>/migration.sql, no journal; created_at is the
	// folder's UTC time in milliseconds (whole seconds) and the ledger
	// records the folder name.
	LayoutFolders
)

func (l Layout) String() string {
	if l == LayoutFolders {
		return "drizzle-kit 1.0 (a folder per migration)"
	}
	return "drizzle-kit 0.x (meta/_journal.json)"
}

// MigrationFile is the SQL file inside each folder of the 1.0 layout.
const MigrationFile = "migration.sql"

// SnapshotFile is the schema snapshot beside it.
const SnapshotFile = "snapshot.json"

// folderTimeLayout is the UTC time that starts a 1.0 folder name.
const folderTimeLayout = "20060102150405"

// FolderTime parses the UTC time that starts a 1.0 folder name and returns
// it in epoch milliseconds, drizzle-orm 1.0's folderMillis. ok is false
// unless the name starts with 14 digits that make a valid time.
func FolderTime(name string) (millis int64, ok bool) {
	if len(name) < len(folderTimeLayout) {
		return 0, false
	}
	prefix := name[:len(folderTimeLayout)]
	for i := 0; i < len(prefix); i++ {
		if prefix[i] < '0' || prefix[i] > '9' {
			return 0, false
		}
	}
	// time.Parse rejects out-of-range fields (month 13, February 30) that
	// Date.UTC would silently roll over into the next month.
	tm, err := time.Parse(folderTimeLayout, prefix)
	if err != nil {
		return 0, false
	}
	return tm.UnixMilli(), true
}

// FolderName is the folder drizzle-kit 1.0 writes for a migration made at
// t called name: "20260102150405_name".
func FolderName(t time.Time, name string) string {
	return t.UTC().Format(folderTimeLayout) + "_" + name
}

// Retimed is the 1.0 folder name with its leading UTC time replaced by the
// second of millis (epoch milliseconds), the rest kept: what the folder was
// called at that time, if only its time changed.
func Retimed(name string, millis int64) string {
	prefix := time.UnixMilli(millis).UTC().Format(folderTimeLayout)
	if len(name) < len(folderTimeLayout) {
		return prefix
	}
	return prefix + name[len(folderTimeLayout):]
}

// CompareNames orders 1.0 folder names as drizzle-orm 1.0 applies them
// (String.prototype.localeCompare). It compares bytes: every name starts
// with 14 ASCII digits, so only names made in the same second reach the
// rest, and for those byte order (code point order for UTF-8) stands in
// for the ICU collation, which also orders case and punctuation
// differently; such folders have distinct names either way, and the ledger
// matches them by name, not by order.
func CompareNames(a, b string) int { return strings.Compare(a, b) }

// folderMigrations lists the entries of the root that hold a migration.sql
// (drizzle-orm 1.0 ignores the others), in directory order.
func folderMigrations(fsys fs.FS) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, &Error{File: ".", Err: fmt.Errorf("%w: %v", ErrUnreadable, err)}
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		// Regular files (a 0.x folder's .sql files) cannot hold a
		// migration.sql: skip them without a stat each. Directories and
		// symlinks are looked into, as drizzle's existsSync follows links.
		if e.Type().IsRegular() || name == "meta" || !plainName(name) {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(name, MigrationFile)); err == nil {
			names = append(names, name)
		}
	}
	return names, nil
}

// openFolders reads the 1.0 layout from the listed folders.
func openFolders(fsys fs.FS, names []string) (*Journal, error) {
	slices.SortFunc(names, CompareNames)
	j := &Journal{Version: "8", Dialect: "postgresql", Layout: LayoutFolders}
	for i, name := range names {
		millis, ok := FolderTime(name)
		if !ok {
			return nil, &Error{File: name, Err: fmt.Errorf("%w: %q", ErrBadFolderName, name),
				Hint: "a drizzle-kit 1.0 migration folder is named <YYYYMMDDHHMMSS>_<name> with its UTC creation time; rename it"}
		}
		e := Entry{Idx: i, Version: "8", When: millis, Tag: name, Breakpoints: true}
		m, err := readFile(fsys, e, path.Join(name, MigrationFile),
			fmt.Sprintf("restore %s/%s", name, MigrationFile))
		if err != nil {
			return nil, err
		}
		m.Name = name
		j.Migrations = append(j.Migrations, m)
	}
	return j, nil
}
