package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// uniqueOnDuplicates: data with duplicates, then a no-transaction
// CREATE UNIQUE INDEX CONCURRENTLY that must fail on it and leaves an
// INVALID index behind (PostgreSQL keeps it after a failed concurrent
// build). ifNotExists adds IF NOT EXISTS, the variant that silently skips
// an existing invalid index on the next run.
func uniqueOnDuplicates(ifNotExists bool) []mig {
	ine := ""
	if ifNotExists {
		ine = "IF NOT EXISTS "
	}
	return []mig{
		{"0000_dup", 1800000004000, "CREATE TABLE dup (v int);" + sb + "INSERT INTO dup VALUES (1), (1), (2);"},
		{"0001_dup_v_key", 1800000004100, "-- hogsend-db:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY " + ine + "dup_v_key ON dup (v);"},
	}
}

// indexState is "absent", "valid" or "invalid".
func indexState(t testing.TB, dbURL, name string) string {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	var valid *bool
	err := conn.QueryRow(context.Background(), "select (select indisvalid from pg_index where indexrelid = to_regclass($1))", name).Scan(&valid)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case valid == nil:
		return "absent"
	case *valid:
		return "valid"
	}
	return "invalid"
}

// TestFailedConcurrentIndex: a no-transaction CREATE UNIQUE INDEX
// CONCURRENTLY failing on duplicate data makes migrate exit 1 with the
// migration, statement and PostgreSQL's reason, and does not stamp the
// migration; the remedy (drop the invalid index, fix the data, re-run)
// works; status reports the INVALID index with its migration and remedy.
func TestFailedConcurrentIndex(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), uniqueOnDuplicates(false)...)
	args := []string{"migrate", "--database-url", db.URL, "--dir", dir, "--track", "client"}
	r := run(t, "", nil, args...)
	if r.Code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	mustContain(t, "stderr", r.Stderr, "0001_dup_v_key", "statement 1 failed", "could not create unique index", "23505")
	if got := indexState(t, db.URL, "dup_v_key"); got != "invalid" {
		t.Errorf("index dup_v_key is %s, want invalid (PostgreSQL keeps a failed concurrent build)", got)
	}
	conn := pgtest.Connect(t, db.URL)
	if rows := ledgerHashes(t, conn, "drizzle.__client_migrations"); len(rows) != 1 {
		t.Errorf("client ledger has %d rows, want 1 (0000_dup only): the failed migration must not be stamped", len(rows))
	}
	// status reports the INVALID index with its migration and the remedy,
	// as an integrity problem (exit 4), in JSON and text.
	js := run(t, "", nil, "status", "--database-url", db.URL, "--dir", dir, "--track", "client", "--json")
	if js.Code != 4 {
		t.Errorf("status --json: want exit 4 (integrity: invalid index): %s", js)
	}
	mustContain(t, "status --json", js.Stdout, `"invalidIndexes"`, "dup_v_key", `"migration": "0001_dup_v_key"`, "DROP INDEX")
	txt := run(t, "", nil, "status", "--database-url", db.URL, "--dir", dir, "--track", "client")
	if txt.Code != 4 {
		t.Errorf("status: want exit 4: %s", txt)
	}
	mustContain(t, "status", strings.ToLower(txt.Stdout+txt.Stderr), "dup_v_key", "0001_dup_v_key", "invalid", "drop index")

	// The remedy the error should lead to.
	if _, err := conn.Exec(context.Background(), "DROP INDEX dup_v_key; DELETE FROM dup WHERE ctid NOT IN (SELECT min(ctid) FROM dup GROUP BY v)"); err != nil {
		t.Fatal(err)
	}
	if r := run(t, "", nil, args...); r.Code != 0 {
		t.Fatalf("re-run after the remedy: %s", r)
	}
	if got := indexState(t, db.URL, "dup_v_key"); got != "valid" {
		t.Errorf("after the remedy the index is %s, want valid", got)
	}
	figure(t, "failed concurrent unique build: exit 1, INVALID index left, migration not stamped; status exit 4 naming index, migration and remedy; remedy re-run exit 0")
}

// TestIfNotExistsSkipsInvalidIndex: CREATE INDEX CONCURRENTLY IF NOT EXISTS
// silently skips an existing INVALID index, so a plain re-run after a
// failed build would "succeed"; migrate must refuse to stamp it.
func TestIfNotExistsSkipsInvalidIndex(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), uniqueOnDuplicates(true)...)
	args := []string{"migrate", "--database-url", db.URL, "--dir", dir, "--track", "client"}
	if r := run(t, "", nil, args...); r.Code != 1 {
		t.Fatalf("first run: want exit 1: %s", r)
	}
	r := run(t, "", nil, args...) // nothing fixed
	if r.Code == 0 {
		t.Errorf("re-run with the invalid index still there exited 0:\n%s", r)
	}
	if got := indexState(t, db.URL, "dup_v_key"); got != "invalid" {
		t.Fatalf("index is %s, want invalid", got)
	}
	conn := pgtest.Connect(t, db.URL)
	if rows := ledgerHashes(t, conn, "drizzle.__client_migrations"); len(rows) != 1 {
		t.Errorf("client ledger has %d rows: 0001_dup_v_key was stamped although its index is INVALID", len(rows))
	}
	mustContain(t, "stderr", strings.ToLower(r.Stderr), "dup_v_key", "invalid")
	figure(t, "IF NOT EXISTS over an INVALID index: re-run exit %d, not stamped", r.Code)
}

// TestDriftErrorPrintedOnce: a failing drift prints its error once.
func TestDriftErrorPrintedOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	roleURL := pgtest.Role(t, db, "e2e_nocreatedb", "NOCREATEDB")
	r := run(t, "", nil, "drift", "--database-url", roleURL, "--dir", t.TempDir())
	if r.Code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	if n := strings.Count(r.Stderr, "error: "); n != 1 {
		t.Errorf("the error is printed %d times:\n%s", n, r.Stderr)
	}
}
