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

// Scenario 5: `hogsend-db generate` extends a folder drizzle-kit wrote (v1..v4)
// from SQL equivalent to the next TypeScript version (schema/v5.ts and
// testdata/generate/drizzle_v5.sql). Then drizzle-kit check accepts the
// folder, drizzle-kit generate with v5.ts finds nothing to do (the snapshot
// is faithful), a second generate writes nothing, and drizzle-orm's migrator
// applies the folder to the desired schema.
func TestGenerateExtendsDrizzleKitFolder(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	dir := copyFolder(t, kitFolder(t))
	desiredFile := filepath.Join(root(t), "testdata", "generate", "drizzle_v5.sql")
	desired, err := os.ReadFile(desiredFile)
	if err != nil {
		t.Fatal(err)
	}
	dev := pgtest.New(t) // scratch databases are created on its server
	before := journalTags(t, dir)

	gen := []string{"generate", "--schema", desiredFile, "--dir", dir, "--dev-url", dev.URL}
	r := mustExit(t, 0, append(gen, "--name", "v5")...)
	after := journalTags(t, dir)
	if want := append(slices.Clone(before), "0004_v5"); !slices.Equal(after, want) {
		t.Fatalf("journal after generate: %v, want %v\n%s", after, want, r)
	}
	for _, f := range []string{"0004_v5.sql", "meta/0004_snapshot.json"} {
		if !fileExists(filepath.Join(dir, filepath.FromSlash(f))) {
			t.Errorf("generate did not write %s", f)
		}
	}
	checkDrizzleKitShape(t, dir)

	kitFindsNothing(t, drizzletest.V0, schemaFile(t, "v5"), dir)
	wroteNothing(t, drizzletest.V0, dir, after, mustExit(t, 0, gen...))

	db, want := drizzleBuilds(t, drizzletest.V0, dir, len(after), string(desired), sameSchema)
	if _, r := status(t, db.URL, "--track", "client", "--dir", dir); r.Code != 0 {
		t.Errorf("status on the folder drizzle-orm applied: want exit 0\n%s", r)
	}

	// hogsend-db migrate writes the same ledger.
	byHogsend := pgtest.New(t)
	mustExit(t, 0, "migrate", "--database-url", byHogsend.URL, "--track", "client", "--dir", dir)
	if a, b := ledger(t, db.URL, clientLedger), ledger(t, byHogsend.URL, clientLedger); !slices.Equal(a, b) {
		t.Errorf("ledgers differ\ndrizzle-orm: %v\nhogsend-db:  %v", a, b)
	}
	sameSchema(t, want.URL, byHogsend.URL)
}

// checkDrizzleKitShape checks the written folder against drizzle-kit's own
// conventions: the journal's bytes (2-space indent, no trailing newline),
// increasing whens, idx and version of the new entry, the snapshot chain,
// and the SQL layout.
func checkDrizzleKitShape(t *testing.T, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "meta", "_journal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Version string `json:"version"`
		Dialect string `json:"dialect"`
		Entries []struct {
			Idx         int    `json:"idx"`
			Version     string `json:"version"`
			When        int64  `json:"when"`
			Tag         string `json:"tag"`
			Breakpoints bool   `json:"breakpoints"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, compact(t, raw), "", "  "); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, indented.Bytes()) {
		t.Errorf("the journal is not written as drizzle-kit writes it (2-space indent, no trailing newline):\n%s", raw)
	}
	for i, e := range j.Entries {
		if e.Idx != i || e.Version != "7" || !e.Breakpoints {
			t.Errorf("entry %d: %+v", i, e)
		}
		if i > 0 && e.When <= j.Entries[i-1].When {
			t.Errorf("entry %s: when %d is not above the previous %d", e.Tag, e.When, j.Entries[i-1].When)
		}
	}

	type snapshot struct {
		ID      string `json:"id"`
		PrevID  string `json:"prevId"`
		Version string `json:"version"`
		Dialect string `json:"dialect"`
	}
	read := func(name string) snapshot {
		raw, err := os.ReadFile(filepath.Join(dir, "meta", name))
		if err != nil {
			t.Fatal(err)
		}
		var s snapshot
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	prev, next := read("0003_snapshot.json"), read("0004_snapshot.json")
	if next.PrevID != prev.ID || next.ID == "" || next.ID == prev.ID || next.Version != "7" || next.Dialect != "postgresql" {
		t.Errorf("snapshot 0004 %+v does not chain to 0003 %+v", next, prev)
	}

	sql, err := os.ReadFile(filepath.Join(dir, "0004_v5.sql"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(sql)
	if strings.HasSuffix(s, "\n") || !strings.Contains(s, "--> statement-breakpoint\n") {
		t.Errorf("0004_v5.sql is not laid out as drizzle-kit writes (breakpoint + newline between statements, none at the end):\n%s", s)
	}
}

func compact(t *testing.T, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
