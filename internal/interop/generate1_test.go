package interop

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// `hogsend-db generate` extends a folder drizzle-kit 1.0 wrote (v1..v4) from
// the SQL twin of schema/v5.ts: it writes the 1.0 layout (a new folder with
// migration.sql and a version-8 snapshot.json, no journal), drizzle-kit 1.0
// check accepts the folder, drizzle-kit 1.0 generate with v5.ts finds
// nothing to do, and drizzle-orm 1.0 applies it to the desired schema.
func TestGenerateExtendsDrizzleKit1Folder(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := copyFolder(t, filepath.Join(drizzletest.V1.Dir(t), "migrations"))
	desiredFile := filepath.Join(root(t), "testdata", "generate", "drizzle_v5.sql")
	desired, err := os.ReadFile(desiredFile)
	if err != nil {
		t.Fatal(err)
	}
	dev := pgtest.New(t)
	before := folderNames(t, dir)

	gen := []string{"generate", "--schema", desiredFile, "--dir", dir, "--dev-url", dev.URL}
	r := mustExit(t, 0, append(gen, "--name", "v5")...)
	after := folderNames(t, dir)
	if len(after) != len(before)+1 || !slices.Equal(after[:len(before)], before) || !strings.HasSuffix(after[len(before)], "_v5") {
		t.Fatalf("folders after generate: %v (before %v)\n%s", after, before, r)
	}
	next := after[len(before)]
	for _, f := range []string{"migration.sql", "snapshot.json"} {
		if !fileExists(filepath.Join(dir, next, f)) {
			t.Errorf("generate did not write %s/%s", next, f)
		}
	}
	if fileExists(filepath.Join(dir, "meta")) {
		t.Error("generate wrote a meta folder into a 1.0 folder")
	}

	kitFindsNothing(t, drizzletest.V1, schemaFile(t, "v5"), dir)
	wroteNothing(t, drizzletest.V1, dir, after, mustExit(t, 0, gen...))

	db, _ := drizzleBuilds(t, drizzletest.V1, dir, len(after), string(desired), sameSchema)

	// status verifies the database against the version-8 snapshot that
	// hogsend-db wrote: every object it names is there.
	doc, r := status(t, db.URL, "--track", "client", "--dir", dir)
	if sc := doc.track(t, "client").Schema; r.Code != 0 || sc == nil || !sc.Verified || sc.Snapshot != next || len(sc.Missing) != 0 {
		t.Fatalf("status against the generated snapshot: %+v\n%s", sc, r)
	}
}

// The same folder extended from drizzle-kit 1.0's own export of v5.ts,
// whose unnamed constraints carry drizzle 1.0's default names (…_fkey,
// attachments_sha_key, ticket_labels_pkey): every entity of the snapshot
// hogsend-db writes is the one drizzle-kit 1.0 writes when it generates v5
// itself, nameExplicit included (false for those names, as drizzle-kit
// writes it for a constraint the TypeScript leaves unnamed).
func TestGenerateFromDrizzleKit1ExportMatchesItsSnapshot(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := copyFolder(t, filepath.Join(drizzletest.V1.Dir(t), "migrations"))
	schema := schemaFile(t, "v5")
	byKit := copyFolder(t, dir)
	if !drizzletest.V1.Generate(t, schema, byKit, "v5") {
		t.Fatal("drizzle-kit 1.0 generate wrote nothing from v5.ts")
	}
	exported := drizzletest.V1.Export(t, schema)
	for _, name := range []string{`"attachments_ticket_id_tickets_id_fkey"`, `"ticket_labels_pkey"`} {
		if !strings.Contains(exported, name) {
			t.Fatalf("drizzle-kit 1.0 export has no %s: not the shape this test is about:\n%s", name, exported)
		}
	}

	dev := pgtest.New(t)
	if r := hogsendStdin(t, exported, "generate", "--schema", "-", "--dir", dir, "--dev-url", dev.URL, "--name", "v5"); r.Code != 0 {
		t.Fatalf("generate from drizzle-kit 1.0's export of v5.ts: want exit 0\n%s", r)
	}
	ours, theirs := snapshotEntities(t, dir), snapshotEntities(t, byKit)
	for id, want := range theirs {
		got, _ := json.Marshal(ours[id])
		if w, _ := json.Marshal(want); !bytes.Equal(got, w) {
			t.Errorf("snapshot entity %s:\n  hogsend-db:  %s\n  drizzle-kit: %s", id, got, w)
		}
	}
	for id := range ours {
		if theirs[id] == nil {
			t.Errorf("snapshot entity %s: hogsend-db wrote it, drizzle-kit 1.0 did not", id)
		}
	}
	if drizzletest.V1.Generate(t, schema, dir, "after_hogsend") {
		t.Fatal("drizzle-kit 1.0 generate with v5.ts found changes after hogsend-db generate")
	}
}

// A migration written by hand in drizzle-kit 1.0's layout has no
// snapshot.json, and drizzle-kit 1.0 then diffs against the newest
// snapshot it finds: here v3's, so generate from v4.ts writes v4's change
// (dropping tickets.legacy_code) a second time. generate
// --backfill-snapshot writes the missing snapshot.json, chained to v3's;
// drizzle-kit 1.0 check accepts the folder and generate from v4.ts finds
// nothing to do.
func TestBackfillSnapshotDrizzleKit1(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := copyFolder(t, filepath.Join(drizzletest.V1.Dir(t), "migrations"))
	names := folderNames(t, dir)
	newest := names[len(names)-1]
	if !strings.HasSuffix(newest, "_v4") {
		t.Fatalf("folders %v: want v4 last", names)
	}
	if err := os.Remove(filepath.Join(dir, newest, "snapshot.json")); err != nil {
		t.Fatal(err)
	}
	schema := schemaFile(t, "v4")
	if without := copyFolder(t, dir); !drizzletest.V1.Generate(t, schema, without, "again") {
		t.Fatal("drizzle-kit 1.0 found nothing to do without v4's snapshot: this test shows nothing")
	}

	exported := drizzletest.V1.Export(t, schema)
	dev := pgtest.New(t)
	r := hogsendStdin(t, exported, "generate", "--schema", "-", "--dir", dir, "--dev-url", dev.URL, "--backfill-snapshot")
	if r.Code != 0 || !strings.Contains(r.Stdout, "no schema changes; wrote the missing snapshot") {
		t.Fatalf("generate --backfill-snapshot: want exit 0 and the snapshot written\n%s", r)
	}
	if got := folderNames(t, dir); !slices.Equal(got, names) || fileExists(filepath.Join(dir, "meta")) {
		t.Fatalf("folders after the backfill: %v (was %v), meta: %v", got, names, fileExists(filepath.Join(dir, "meta")))
	}
	var v3, v4 struct {
		ID      string   `json:"id"`
		PrevIDs []string `json:"prevIds"`
	}
	drizzletest.ReadJSON(t, filepath.Join(dir, names[len(names)-2], "snapshot.json"), &v3)
	drizzletest.ReadJSON(t, filepath.Join(dir, newest, "snapshot.json"), &v4)
	if !slices.Equal(v4.PrevIDs, []string{v3.ID}) {
		t.Errorf("backfilled snapshot prevIds %v, want [%s] (v3's id)", v4.PrevIDs, v3.ID)
	}

	var ok struct {
		OK bool `json:"ok"`
	}
	drizzletest.V1.Kit(t, &ok, "check", "--out", dir)
	if drizzletest.V1.Generate(t, schema, dir, "after_hogsend") {
		names := folderNames(t, dir)
		sql, _ := os.ReadFile(filepath.Join(dir, names[len(names)-1], "migration.sql"))
		t.Fatalf("drizzle-kit 1.0 generate with v4.ts found changes after the backfill:\n%s", sql)
	}
}

// Unnamed constraints whose default names pass 63 bytes: drizzle-kit 1.0
// writes a column's .unique() and .primaryKey() bare, so PostgreSQL names
// them, shortening the table and column parts. hogsend-db generate from
// drizzle-kit 1.0's export must write them nameExplicit: false, or
// drizzle-kit 1.0's next generate from the same TypeScript stops at an
// unresolved "rename or create" for the unique constraint (exit 2).
func TestGenerateLongNamesDrizzleKit1(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := kit1Base(t)
	schema := schemaFile(t, "longnames")
	exported := drizzletest.V1.Export(t, schema)
	if !strings.Contains(exported, `"some_rather_long_column_name_here" text UNIQUE`) {
		t.Fatalf("drizzle-kit 1.0 export has no bare UNIQUE: not the shape this test is about:\n%s", exported)
	}
	dev := pgtest.New(t)
	if r := hogsendStdin(t, exported, "generate", "--schema", "-", "--dir", dir, "--dev-url", dev.URL, "--name", "long"); r.Code != 0 {
		t.Fatalf("generate from drizzle-kit 1.0's export of longnames.ts: want exit 0\n%s", r)
	}
	kitFindsNothing(t, drizzletest.V1, schema, dir)
}
