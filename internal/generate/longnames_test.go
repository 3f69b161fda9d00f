package generate_test

import (
	"path/filepath"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
)

// drizzle-kit 1.0 writes a column's .unique() (and an unnamed
// unique().on(column)) as a bare UNIQUE, so PostgreSQL names it, and past
// 63 bytes it shortens the table and column parts, not the end of
// <table>_<column>_key. That name is still the implicit one: with
// nameExplicit true, drizzle-kit 1.0's next generate from the same
// TypeScript stops at an unresolved "rename or create" for the unique
// constraint (checked with drizzle-kit 1.0.0-rc.5: exit 2). The same holds
// for a primary key PostgreSQL names.
func TestNameExplicitForNamesPostgreSQLShortens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := `CREATE TABLE "base" ("id" integer PRIMARY KEY);`
	e.writeFolder("20240101000000_base", base)
	// drizzle-kit 1.0's export of a table with a column .unique() and of one
	// with an unnamed composite primary key written by hand without a name.
	const long = "a_table_name_that_is_quite_long_enough_to_exceed_limits_x1"
	const pkTable = "another_table_whose_name_is_long_enough_to_shorten_its_pkey_x"
	desired := base + `
CREATE TABLE "` + long + `" (
	"id" integer PRIMARY KEY,
	"some_rather_long_column_name_here" text UNIQUE
);
CREATE TABLE "` + pkTable + `" ("a" integer, "b" integer, PRIMARY KEY ("a", "b"));`
	res := e.generate(desired, "long")
	var snap struct {
		DDL []map[string]any `json:"ddl"`
	}
	drizzletest.ReadJSON(t, filepath.Join(e.dir, filepath.FromSlash(res.Snapshot)), &snap)
	want := map[string]string{
		"uniques": "a_table_name_that_is_quite_lo_some_rather_long_column_name__key", // PostgreSQL's own choice
		"pks":     pkTable[:58] + "_pkey",
	}
	seen := 0
	for _, ent := range snap.DDL {
		kind, _ := ent["entityType"].(string)
		name, ok := want[kind]
		if !ok || ent["name"] != name {
			continue
		}
		seen++
		if ent["nameExplicit"] != false {
			t.Errorf("%s %s: nameExplicit %v, want false (PostgreSQL's name for an unnamed one)", kind, name, ent["nameExplicit"])
		}
	}
	if seen != len(want) {
		t.Fatalf("snapshot has %d of the entities %v:\n%+v", seen, want, snap.DDL)
	}
}
