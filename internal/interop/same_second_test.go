package interop

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// writeFiles writes files (slash paths) under a new folder.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Two 0.x migrations in one second, applied; then the folder in the 1.0
// layout (one second: one folder prefix) with b's file edited. b's row
// matches neither folder of its second by hash: drizzle-orm 1.0's upgrade
// throws on it, and hogsend-db must not call it "ahead" and re-run b:
// status exits 4 and migrate refuses, writing nothing. Both say what
// happened (b was edited after it ran) and how to fix it (restore the
// file), not that the ledger is another folder's.
func TestDrizzle1UnmatchedRowInSecond(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	db := pgtest.New(t)
	const a, b = "create table ss_log(v text);", "insert into ss_log values ('b');"
	old := writeFiles(t, map[string]string{
		"0000_a.sql": a, "0001_b.sql": b,
		journal.JournalPath: string(journal.MarshalJournal(journal.File{Version: "7", Dialect: "postgresql", Entries: []journal.Entry{
			{Idx: 0, Version: "7", When: 1700000000100, Tag: "0000_a", Breakpoints: true},
			{Idx: 1, Version: "7", When: 1700000000900, Tag: "0001_b", Breakpoints: true},
		}})),
	})
	mustExit(t, 0, "migrate", "--database-url", db.URL, "--track", "client", "--dir", old)
	dir := writeFiles(t, map[string]string{
		"20231114221320_a/migration.sql": a,
		"20231114221320_b/migration.sql": b + "\n",
	})
	logRows := func() int {
		var n int
		if err := pgtest.Connect(t, db.URL).QueryRow(context.Background(), "select count(*) from ss_log").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := namedLedger0(t, db.URL)

	doc, r := status(t, db.URL, "--track", "client", "--dir", dir)
	if tr := doc.track(t, "client"); r.Code != 4 || len(tr.Ahead) != 0 || len(tr.Unknown) != 1 {
		t.Fatalf("status: want exit 4, row 2 unknown, not ahead\n%s", r)
	}
	var verdict struct {
		Schema    map[string]struct{ Verdict string } `json:"schema"`
		Integrity []struct {
			Kind, Message, Remedy string
			Items                 []string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &verdict); err != nil {
		t.Fatal(err)
	}
	if in := verdict.Integrity; verdict.Schema["client"].Verdict != "modified_same_second" || len(in) != 1 ||
		in[0].Kind != "modified_same_second" || !slices.Equal(in[0].Items, []string{"20231114221320_b"}) ||
		!strings.Contains(in[0].Message, "edited after it ran") || !strings.Contains(in[0].Remedy, "restore the applied migration's file") {
		t.Fatalf("status: want the verdict modified_same_second naming 20231114221320_b, with the restore remedy\n%s", r)
	}
	r = hogsend(t, "status", "--database-url", db.URL, "--track", "client", "--dir", dir)
	if r.Code != 4 || !strings.Contains(r.Stdout, "client modified: ") || !strings.Contains(r.Stdout, "20231114221320_b, which has no row, was edited after it ran") ||
		strings.Contains(r.Stdout, "foreign") || strings.Contains(r.Stdout, "app folder") {
		t.Fatalf("status: want the edit and its fix, not a foreign ledger\n%s", r)
	}
	r = hogsend(t, "migrate", "--database-url", db.URL, "--track", "client", "--dir", dir)
	if r.Code != 4 || strings.Contains(r.Stderr, ": applied ") || !strings.Contains(r.Stderr, "20231114221320_b, which has no row, was edited after it ran") ||
		!strings.Contains(r.Stderr, "nothing was written. Fix: restore the applied migration's file") || strings.Contains(r.Stderr, "app folder") {
		t.Fatalf("migrate: want exit 4 refusing the edit of 20231114221320_b, with its fix\n%s", r)
	}
	if n := logRows(); n != 1 {
		t.Fatalf("ss_log has %d rows: b's insert ran again", n)
	}
	if after := namedLedger0(t, db.URL); strings.Join(after, ";") != strings.Join(before, ";") {
		t.Fatalf("ledger written: %v, was %v", after, before)
	}

	// drizzle-orm 1.0 agrees: its upgrade finds no migration for the row.
	cmd := exec.CommandContext(t.Context(), "node", "migrate.mjs", "--url", db.URL, "--folder", dir, "--schema", ledgerSchema, "--table", clientLedger)
	cmd.Dir = drizzletest.V1.Dir(t)
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("drizzle-orm 1.0 migrated over the row:\n%s", out)
	} else {
		t.Logf("drizzle-orm 1.0: %v\n%s", err, out)
	}
	if n := logRows(); n != 1 {
		t.Fatalf("ss_log has %d rows after drizzle-orm 1.0", n)
	}
}

// namedLedger0 reads a version-0 client ledger as hash/created_at lines.
func namedLedger0(t testing.TB, url string) []string {
	t.Helper()
	rows, err := pgtest.Connect(t, url).Query(context.Background(), "select hash || '/' || created_at from drizzle.__client_migrations order by id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
