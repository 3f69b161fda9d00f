package generate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// A folder drizzle-kit generated (v1..v4), extended by generate with SQL
// equivalent to schema/v5.ts: drizzle-kit accepts the folder, finds nothing
// left to generate from v5.ts, and drizzle-orm's migrator applies it.
func TestDrizzleKitFolderExtendedByGenerate(t *testing.T) {
	drizzletest.Require(t)
	e := newEnv(t)
	copyDir(t, filepath.Join(drizzletest.Dir(t), "migrations"), e.dir)
	desiredB, err := os.ReadFile(filepath.Join(root(t), "testdata", "generate", "drizzle_v5.sql"))
	if err != nil {
		t.Fatal(err)
	}
	desired := string(desiredB)

	res := e.generate(desired, "v5")
	if !res.Changed || res.Tag != "0004_v5" {
		t.Fatalf("want 0004_v5 written, got %+v", res)
	}
	t.Logf("%s", res.SQL())
	drizzletest.Check(t, e.dir)
	if drizzletest.Generate(t, filepath.Join(drizzletest.Dir(t), "schema", "v5.ts"), e.dir, "") {
		out, _ := os.ReadDir(e.dir)
		var names []string
		for _, f := range out {
			names = append(names, f.Name())
		}
		last, _ := os.ReadFile(filepath.Join(e.dir, names[len(names)-2]))
		t.Fatalf("drizzle-kit found changes after generate:\n%s", last)
	}
	// A second run writes nothing.
	e.wantNothingMore(desired)

	db := pgtest.New(t)
	before, after := drizzletest.Migrate(t, db.URL, e.dir, "", "")
	if before != 0 || after != 5 {
		t.Fatalf("drizzle migrator applied %d -> %d rows, want 0 -> 5", before, after)
	}
	e.compare(db.URL, desired)
}

// From the same drizzle-kit folder, generate (from SQL) and drizzle-kit
// (from the equivalent TypeScript) write the same snapshot, ids aside, and
// the same statements up to the order of independent ones.
func TestSnapshotAndSQLMatchDrizzleKit(t *testing.T) {
	drizzletest.Require(t)
	e := newEnv(t)
	copyDir(t, filepath.Join(drizzletest.Dir(t), "migrations"), e.dir)
	kit := filepath.Join(t.TempDir(), "kit")
	copyDir(t, filepath.Join(drizzletest.Dir(t), "migrations"), kit)
	desired, err := os.ReadFile(filepath.Join(root(t), "testdata", "generate", "drizzle_v5.sql"))
	if err != nil {
		t.Fatal(err)
	}
	e.generate(string(desired), "v5")
	if !drizzletest.Generate(t, filepath.Join(drizzletest.Dir(t), "schema", "v5.ts"), kit, "v5") {
		t.Fatal("drizzle-kit generated nothing")
	}
	var ours, theirs map[string]any
	drizzletest.ReadJSON(t, filepath.Join(e.dir, "meta", "0004_snapshot.json"), &ours)
	drizzletest.ReadJSON(t, filepath.Join(kit, "meta", "0004_snapshot.json"), &theirs)
	if ours["prevId"] != theirs["prevId"] {
		t.Errorf("prevId %v, drizzle-kit %v", ours["prevId"], theirs["prevId"])
	}
	delete(ours, "id")
	delete(theirs, "id")
	if !reflect.DeepEqual(ours, theirs) {
		a, _ := json.MarshalIndent(ours, "", " ")
		b, _ := json.MarshalIndent(theirs, "", " ")
		t.Errorf("snapshots differ:\nours:\n%s\ndrizzle-kit:\n%s", a, b)
	}
	statements := func(p string) []string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Split(string(b), "--> statement-breakpoint\n")
		sort.Strings(s)
		return s
	}
	a, b := statements(filepath.Join(e.dir, "0004_v5.sql")), statements(filepath.Join(kit, "0004_v5.sql"))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("statements differ:\nours:\n%s\ndrizzle-kit:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}
