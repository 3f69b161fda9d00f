package generate_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/generate"
)

// --backfill-snapshot on a folder in drizzle-kit 1.0's layout whose newest
// migration was written by hand (no snapshot.json): when the schema is
// unchanged, the snapshot is written into that migration's folder, chained
// to the newest earlier snapshot; no migration, no journal, no meta. A
// second run finds it there and writes nothing; without the option nothing
// is written either.
func TestBackfillSnapshotFolders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const a, b, c = `CREATE TABLE "a" ("id" integer PRIMARY KEY);`, `CREATE TABLE "b" ("id" integer PRIMARY KEY);`, `CREATE TABLE "c" ("id" integer PRIMARY KEY);`
	e.writeFolder("20240101000000_a", a)
	second := e.generate(a+"\n"+b, "b") // drizzle-kit 1.0's layout: a folder with its snapshot.json
	if !second.Written || !strings.HasSuffix(second.Snapshot, "_b/snapshot.json") {
		t.Fatalf("second migration: %+v", second)
	}
	var prev struct{ ID string }
	drizzletest.ReadJSON(t, filepath.Join(e.dir, filepath.FromSlash(second.Snapshot)), &prev)
	const manual = "20991231000000_manual"
	e.writeFolder(manual, c)
	before := tree(t, e.dir)

	o := e.options(a + "\n" + b + "\n" + c)
	if res, err := generate.Generate(t.Context(), o); err != nil || res.Changed || res.Written {
		t.Fatalf("without the option: %+v, %v", res, err)
	}
	o.BackfillSnapshot = true
	res, err := generate.Generate(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || !res.Written || res.Snapshot != manual+"/snapshot.json" || res.File != "" || res.JournalJSON() != nil {
		t.Fatalf("backfill: %+v", res)
	}
	after := tree(t, e.dir)
	if len(after) != len(before)+1 || after[manual+"/snapshot.json"] == "" {
		t.Fatalf("files after the backfill: %v (before %v)", keys(after), keys(before))
	}
	var snap struct {
		Version string           `json:"version"`
		PrevIDs []string         `json:"prevIds"`
		DDL     []map[string]any `json:"ddl"`
	}
	drizzletest.ReadJSON(t, filepath.Join(e.dir, manual, "snapshot.json"), &snap)
	var tables []string
	for _, ent := range snap.DDL {
		if ent["entityType"] == "tables" {
			tables = append(tables, ent["name"].(string))
		}
	}
	slices.Sort(tables)
	if snap.Version != "8" || !slices.Equal(snap.PrevIDs, []string{prev.ID}) || !slices.Equal(tables, []string{"a", "b", "c"}) {
		t.Fatalf("backfilled snapshot: version %s prevIds %v (want [%s]) tables %v", snap.Version, snap.PrevIDs, prev.ID, tables)
	}

	res, err = generate.Generate(t.Context(), o)
	if err != nil || res.Written || !sameTree(after, tree(t, e.dir)) {
		t.Fatalf("a second backfill: %+v, %v", res, err)
	}
}

// A migration generated after a hand-written one (no snapshot.json) on a
// folder in drizzle-kit 1.0's layout chains to the newest snapshot there
// is, as drizzle-kit 1.0 does: chained to none (the zero id, like the
// first migration's), drizzle-kit 1.0 check refuses the folder
// ("non-commutative migrations": two snapshots share the zero id). It
// takes no entity from that older snapshot: the hand-written migration
// may have changed an object since (here b.id's type), which is then
// "unchanged" between the folder and the desired schema.
func TestGenerateAfterHandWrittenFolderChains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const a, b = `CREATE TABLE "a" ("id" integer PRIMARY KEY);`, `CREATE TABLE "b" ("id" integer PRIMARY KEY);`
	e.writeFolder("20240101000000_a", a)
	second := e.generate(a+"\n"+b, "b")
	var prev struct{ ID string }
	drizzletest.ReadJSON(t, filepath.Join(e.dir, filepath.FromSlash(second.Snapshot)), &prev)
	e.writeFolder("20991231000000_manual", `ALTER TABLE "b" ALTER COLUMN "id" TYPE bigint;`)

	const bigB = `CREATE TABLE "b" ("id" bigint PRIMARY KEY);`
	res := e.generate(a+"\n"+bigB+"\n"+`CREATE TABLE "d" ("id" integer);`, "d")
	if !res.Written || !strings.HasSuffix(res.Snapshot, "_d/snapshot.json") {
		t.Fatalf("generate: %+v", res)
	}
	var snap struct {
		PrevIDs []string         `json:"prevIds"`
		DDL     []map[string]any `json:"ddl"`
	}
	drizzletest.ReadJSON(t, filepath.Join(e.dir, filepath.FromSlash(res.Snapshot)), &snap)
	if !slices.Equal(snap.PrevIDs, []string{prev.ID}) {
		t.Errorf("prevIds %v, want [%s] (the snapshot of 20240101..._b, the newest there is)", snap.PrevIDs, prev.ID)
	}
	for _, ent := range snap.DDL {
		if ent["entityType"] == "columns" && ent["table"] == "b" && ent["name"] == "id" && ent["type"] != "bigint" {
			t.Errorf("b.id is %v in the snapshot, want bigint (what the hand-written migration made it)", ent["type"])
		}
	}
}
