package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

const bp = "\n--> statement-breakpoint\n"

// integrityCases: a migration's SQL or journal that would make the ledger
// lie (issue 12) is refused before anything runs, or fails with the
// database as it was. Each case leaves schema and ledger unchanged unless it
// says otherwise.
func integrityCases() []badCase {
	bad := func(sql string) func(e *caseEnv) {
		return func(e *caseEnv) { e.write(migA, mig{"0001_bad", 1800000005100, sql}) }
	}
	return []badCase{
		// 1. The glue must never land inside user SQL.
		{name: "breakpoint inside a string", setup: bad("CREATE TABLE s (v text);" + bp + "INSERT INTO s VALUES ('x" + bp + "y');"),
			code: 1, frags: []string{"0001_bad.sql:3:23", "string literal", "drizzle-orm", "fails here too"}},
		{name: "breakpoint inside a dollar quote", setup: bad("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 42" + bp + "$fn$;"),
			code: 1, frags: []string{"0001_bad.sql:1:49", "dollar quote $fn$"}},
		{name: "breakpoint inside a block comment", setup: bad("/*" + bp + "CREATE TABLE b (id int);" + bp + "*/"),
			code: 1, frags: []string{"0001_bad.sql:1:1", "block comment"}},
		{name: "breakpoint inside an E string", setup: bad("SELECT E'\\'" + bp + "';"),
			code: 1, frags: []string{"0001_bad.sql:1:8", "E'' string"}},
		{name: "breakpoint inside a quoted identifier", setup: bad("CREATE TABLE \"x" + bp + "\" (id int);"),
			code: 1, frags: []string{"0001_bad.sql:1:14", "quoted identifier"}},
		// 2. A migration that would end the runner's transaction.
		{name: "ROLLBACK in a transactional migration", setup: bad("CREATE TABLE t1 (id int);" + bp + "ROLLBACK;"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "ROLLBACK", journal.NoTransactionDirective}},
		{name: "COMMIT midway", setup: bad("CREATE TABLE t1 (id int);" + bp + "COMMIT;" + bp + "SELECT 1/0;"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "COMMIT", "remove it"}},
		{name: "COMMIT AND CHAIN", setup: bad("CREATE TABLE t1 (id int); commit and chain;"),
			code: 1, frags: []string{"0001_bad.sql:1:27", "COMMIT"}},
		{name: "END", setup: bad("CREATE TABLE t1 (id int);\nEND;"), code: 1, frags: []string{"0001_bad.sql:2:1", "END"}},
		{name: "PREPARE TRANSACTION", setup: bad("PREPARE TRANSACTION 'x';"), code: 1, frags: []string{"0001_bad.sql:1:1", "PREPARE TRANSACTION"}},
		// PostgreSQL ends a -- comment at a carriage return, so do the checks.
		{name: "open string after a comment ended by CR", setup: bad("CREATE TABLE s (v text);\n-- x\rINSERT INTO s VALUES ('x" + bp + "y');"),
			code: 1, frags: []string{"0001_bad.sql:2:28", "string literal"}},
		{name: "COMMIT after a comment ended by CR", setup: bad("CREATE TABLE t1 (id int);\n-- note\rCOMMIT AND CHAIN;"),
			code: 1, frags: []string{"0001_bad.sql:2:9", "COMMIT"}},
		// standard_conforming_strings decides where strings end.
		{name: "SET standard_conforming_strings", setup: bad("CREATE TABLE s (v text);" + bp + "SET standard_conforming_strings = off;" + bp + "INSERT INTO s VALUES ('a\\');"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "standard_conforming_strings", "E'"}},
		{name: "set_config standard_conforming_strings", setup: bad("SELECT set_config('standard_conforming_strings', 'off', false);"),
			code: 1, frags: []string{"0001_bad.sql:1:8", "set_config"}},
		{name: "RESET ALL", setup: bad(journal.NoTransactionDirective + "\nRESET ALL;"),
			code: 1, frags: []string{"0001_bad.sql:2:1", "RESET ALL"}},
		{name: "database default standard_conforming_strings off: strings read as checked", setup: func(e *caseEnv) {
			e.exec(`ALTER DATABASE "` + e.db.Name + `" SET standard_conforming_strings = off`)
			e.write(migA, mig{"0001_bs", 1800000005100, "CREATE TABLE s (v text);" + bp + "INSERT INTO s VALUES ('a\\');" + bp + "INSERT INTO s VALUES ('b');"})
		}, code: 0, changed: func(t *testing.T, e *caseEnv, r clitest.Result) {
			conn := pgtest.Connect(t, e.db.URL)
			defer conn.Close(context.Background())
			var got string
			if err := conn.QueryRow(context.Background(), "select string_agg(v, '|' order by v) from s").Scan(&got); err != nil || got != `a\|b` {
				t.Errorf("rows %q (%v), want a\\|b", got, err)
			}
		}},
		// 3. The migration lock is not the migration's to release.
		{name: "pg_advisory_unlock_all", setup: bad("CREATE TABLE t (id int);\nSELECT pg_advisory_unlock_all();"),
			code: 1, frags: []string{"0001_bad.sql:2:8", "pg_advisory_unlock_all", "remove the call"}},
		{name: "pg_advisory_unlock of the migration lock", setup: bad(journal.NoTransactionDirective + "\nSELECT pg_advisory_unlock(4812007);"),
			code: 1, frags: []string{"0001_bad.sql:2:8", "4812007"}},
		// Savepoints of an earlier migration are not this one's to roll back to.
		{name: "ROLLBACK TO an undeclared savepoint", setup: bad("CREATE TABLE t (id int);" + bp + "ROLLBACK TO SAVEPOINT before_0001;"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "savepoint not declared", "before_0001"}},
		{name: "RELEASE an undeclared savepoint", setup: bad("SAVEPOINT a;\nRELEASE SAVEPOINT \"A\";"),
			code: 1, frags: []string{"0001_bad.sql:2:1", "savepoint not declared"}},
		// 4. A when JavaScript cannot hold.
		{name: "when above 2^53-1", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":9007199254740993,"tag":"0000_a"}`))
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"meta/_journal.json:1:", "9007199254740993", "2^53-1"}},
		{name: "negative when", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":-5,"tag":"0000_a"}`))
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"meta/_journal.json:1:", "when out of range: -5"}},
		// 5. COPY FROM STDIN must not hang.
		{name: "COPY FROM STDIN", setup: bad("CREATE TABLE c (a int);" + bp + "COPY c (a) FROM STDIN;"),
			extra: []string{"--statement-timeout", "3s"}, code: 1, within: 10 * time.Second,
			frags: []string{"0001_bad.sql:3:1", "COPY FROM STDIN", "INSERT"}},
		{name: "COPY FROM STDIN without a transaction", setup: bad(journal.NoTransactionDirective + "\nCREATE TABLE c (a int);" + bp + "COPY c FROM stdin;"),
			code: 1, within: 10 * time.Second, frags: []string{"0001_bad.sql:4:1", "COPY FROM STDIN"}},
		{name: "COPY FROM STDOUT (a synonym of STDIN)", setup: bad(journal.NoTransactionDirective + "\nCREATE TABLE c (a int);" + bp + "  COPY c FROM STDOUT;"),
			code: 1, within: 10 * time.Second, frags: []string{"0001_bad.sql:4:3", "COPY FROM STDIN", "STDOUT"}},
		{name: "error position skips the directive", setup: bad(journal.NoTransactionDirective + "\n\nSELECT 1/0;"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "division by zero"},
			changed: func(t *testing.T, e *caseEnv, r clitest.Result) {}},
		// 15. Statements that cannot run in a transaction get the marker.
		{name: "CREATE INDEX CONCURRENTLY in a transaction", setup: bad("CREATE TABLE ci (a int);" + bp + "CREATE INDEX CONCURRENTLY ci_a ON ci (a);"),
			code: 1, frags: []string{"25001", "cannot run inside a transaction block", journal.NoTransactionDirective}},
		{name: "VACUUM in a transaction", setup: bad("VACUUM;"),
			code: 1, frags: []string{"25001", journal.NoTransactionDirective}},
		{name: "CREATE INDEX CONCURRENTLY sharing a chunk", setup: bad(journal.NoTransactionDirective + "\nCREATE TABLE ci (a int);" + bp + "SELECT 1; CREATE INDEX CONCURRENTLY ci_a ON ci (a);"),
			code: 1, frags: []string{"25001", "put a breakpoint before and after"},
			changed: func(t *testing.T, e *caseEnv, r clitest.Result) {
				// No transaction: 0000_a and the first chunk stay, without 0001_bad's row.
				fp := fingerprint(t, e.db.URL)
				mustContain(t, "schema", fp, "rel ci r", "rel a r")
				if strings.Count(fp, "<hash>") != 1 {
					t.Errorf("want only 0000_a's ledger row:\n%s", fp)
				}
			}},
		{name: "near-miss marker", setup: bad("-- HOGSEND-DB:no-transaction\nCREATE TABLE ci (a int);" + bp + "CREATE INDEX CONCURRENTLY ci_a ON ci (a);"),
			code: 1, frags: []string{"warning", "0001_bad.sql:1 looks like", "25001"}},
		// A message PostgreSQL cannot parse runs nothing: an ordinary
		// failed statement, never "may be committed" (runBadCase checks).
		{name: "syntax error in a later chunk", setup: bad("CREATE TABLE s (v text);" + bp + "CREATE TABLE (;"),
			code: 1, frags: []string{"0001_bad.sql:3:14", "statement 2 failed", "42601", "rolled back: 0000_a, 0001_bad not applied"}},
		{name: "psql backslash command", setup: bad("CREATE TABLE s (v text);" + bp + "\\copy s from 'x.csv'"),
			code: 1, frags: []string{"0001_bad.sql:3:1", "statement 2 failed", "42601", "rolled back"}},
		// A no-transaction migration that opens a transaction of its own.
		{name: "no-transaction migration whose BEGIN is aborted", setup: func(e *caseEnv) {
			e.write(migA, mig{"0001_bad", 1800000005100, journal.NoTransactionDirective + "\nCREATE TABLE keep (id int);" + bp + "BEGIN;" + bp + "INSERT INTO a VALUES (1);" + bp + "SELECT 1/0;"})
		}, code: 1, frags: []string{"statement 4 failed", "statement 2 opened one (BEGIN)", "statements 2-4 not applied", "statement 1 was applied and stays"},
			changed: noTxRolledBack},
		{name: "no-transaction migration that leaves a transaction open", setup: func(e *caseEnv) {
			e.write(migA, mig{"0001_bad", 1800000005100, journal.NoTransactionDirective + "\nCREATE TABLE keep (id int);" + bp + "BEGIN;" + bp + "INSERT INTO a VALUES (1);"})
		}, code: 1, frags: []string{"0001_bad", "statement 2 opened one (BEGIN)", "still open", "statements 2-3 not applied", "statement 1 was applied and stays"},
			changed: noTxRolledBack},
		{name: "marker on line 2", setup: bad("\n" + journal.NoTransactionDirective + "\nVACUUM;"),
			code: 1, frags: []string{"0001_bad.sql:2 looks like", "25001"}},
	}
}

func TestIntegrityCatalogue(t *testing.T) {
	t.Parallel()
	for _, tc := range integrityCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBadCase(t, tc)
		})
	}
}

// A migration that gives the lock away (pg_advisory_unlock_all) must not
// be recorded by a second migrate running it at the same time.
//
// In a transaction: before COMMIT each process finds it no longer holds the
// lock, rolls back and names the migration. On the old code both processes
// committed: the rows and the ledger row were written twice.
//
// Without a transaction: both processes run it (its statements commit as
// they go), and neither writes a row, since neither holds the lock when it
// records; each says its statements ran and committed and may have been
// applied twice. On the old code both wrote a row: two ledger rows for one
// migration.
func TestLockGivenAway(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		marker string // before the SQL of 0001_unlock
		says   []string
		rows   int  // ledger rows left: none, or 0000_t's alone
		tableT bool // whether 0000_t's table is committed
	}{
		{name: "in a transaction", says: []string{"migration lock", "0001_unlock", "rolled back"}},
		{name: "no transaction", marker: journal.NoTransactionDirective + "\n",
			says: []string{"0001_unlock", "ran and committed in this session", "applied twice", "wrote no ledger row"}, rows: 1, tableT: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			root := t.TempDir()
			dir := writeFolder(t, filepath.Join(root, "migrations"),
				mig{"0000_t", 1800000005000, "CREATE TABLE IF NOT EXISTS t (id int);"},
				mig{"0001_unlock", 1800000005100, tc.marker + hiddenUnlockAll + bp + "INSERT INTO t VALUES (1);" + bp + "SELECT pg_sleep(2);"})
			args := []string{"migrate", "--database-url", db.URL, "--dir", dir, "--engine-dir", emptyEngine(t)}
			for i, r := range migrateTwice(t, root, args) {
				if r.Code == 0 {
					t.Errorf("process %d exited 0:\n%s", i+1, r)
				}
				mustContain(t, "output", r.Stdout+r.Stderr, tc.says...)
			}
			conn := pgtest.Connect(t, db.URL)
			if got := ledgerHashes(t, conn, "drizzle.__client_migrations"); len(got) != tc.rows {
				t.Errorf("ledger rows %q, want %d", got, tc.rows)
			}
			var exists bool
			if err := conn.QueryRow(context.Background(), "select to_regclass('t') is not null").Scan(&exists); err != nil || exists != tc.tableT {
				t.Errorf("table t exists: %v (%v), want %v", exists, err, tc.tableT)
			}
		})
	}
}

// status --json names the duplicate and its migration.
func TestStatusDuplicateJSON(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	root := t.TempDir()
	dir := writeFolder(t, filepath.Join(root, "migrations"), migA)
	db.Exec(t, migA.sql)
	db.Exec(t, `CREATE SCHEMA drizzle; CREATE TABLE drizzle.__client_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`)
	for range 2 {
		db.Exec(t, `INSERT INTO drizzle.__client_migrations (hash, created_at) VALUES ($1, $2)`, sha(migA.sql), migA.when)
	}
	r := run(t, root, nil, "status", "--json", "--database-url", db.URL, "--dir", dir, "--engine-dir", emptyEngine(t))
	var doc struct {
		Schema map[string]struct {
			Unknown   []json.RawMessage `json:"unknown"`
			Duplicate []struct {
				ID        int64  `json:"id"`
				Migration string `json:"migration"`
			} `json:"duplicate"`
		} `json:"schema"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r)
	}
	c := doc.Schema["client"]
	if len(c.Unknown) != 0 || len(c.Duplicate) != 1 || c.Duplicate[0].ID != 2 || c.Duplicate[0].Migration != "0000_a" {
		t.Errorf("client track: unknown %d, duplicate %+v; want row 2 a duplicate of 0000_a:\n%s", len(c.Unknown), c.Duplicate, r)
	}
	if r.Code != 4 || !strings.Contains(r.Stdout, `"duplicate"`) {
		t.Errorf("exit %d, want 4 (integrity)", r.Code)
	}
}

// noTxRolledBack: 0000_a and 0001_bad's first statement stay; the INSERT
// inside the migration's own transaction is gone, and 0001_bad has no row.
// On the old code the error said "statements 1-3 were applied and stay"
// (aborted), or the row was written into the open transaction.
func noTxRolledBack(t *testing.T, e *caseEnv, r clitest.Result) {
	conn := pgtest.Connect(t, e.db.URL)
	defer conn.Close(context.Background())
	mustContain(t, "schema", fingerprint(t, e.db.URL), "rel keep r", "rel a r")
	var n int
	if err := conn.QueryRow(context.Background(), "select count(*) from a").Scan(&n); err != nil || n != 0 {
		t.Errorf("a has %d rows (%v), want 0: the INSERT was rolled back", n, err)
	}
	if got := ledgerHashes(t, conn, "drizzle.__client_migrations"); len(got) != 1 {
		t.Errorf("ledger %q, want only 0000_a's row", got)
	}
}

// A migration that gives the lock away and takes it back
// (pg_advisory_unlock_all(), then pg_advisory_lock(4812007)) passes the
// lock check, but the ledger write's duplicate guard sees the row the
// other process committed meanwhile: the second process rolls back. The
// migration runs once (one row in t) and is recorded once. On the old code
// both processes committed: two rows in t, two ledger rows.
func TestLockRetakenIsRecordedOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	root := t.TempDir()
	t0 := mig{"0000_t", 1800000005000, "CREATE TABLE t (id int);"}
	dir := writeFolder(t, filepath.Join(root, "migrations"), t0)
	args := []string{"migrate", "--database-url", db.URL, "--dir", dir, "--engine-dir", emptyEngine(t)}
	if r := run(t, root, nil, args...); r.Code != 0 {
		t.Fatalf("first migrate:\n%s", r)
	}
	writeFolder(t, dir, t0, mig{"0001_retake", 1800000005100, hiddenUnlockAll + bp + "INSERT INTO t VALUES (1);" + bp +
		"SELECT pg_sleep(2);" + bp + "SELECT pg_advisory_lock(4812007);"})
	var ok, refused int
	for i, r := range migrateTwice(t, root, args) {
		switch {
		case r.Code == 0:
			ok++
		case strings.Contains(r.Stdout+r.Stderr, "another session recorded 0001_retake"):
			refused++
			mustContain(t, "output", r.Stdout+r.Stderr, "rolled back", "no ledger row written")
		default:
			t.Errorf("process %d: exit %d, neither applied nor refused as recorded by another session:\n%s", i+1, r.Code, r)
		}
	}
	if ok != 1 || refused != 1 {
		t.Errorf("%d applied, %d refused; want one of each", ok, refused)
	}
	conn := pgtest.Connect(t, db.URL)
	defer conn.Close(context.Background())
	if n := len(ledgerHashes(t, conn, "drizzle.__client_migrations")); n != 2 {
		t.Errorf("%d ledger rows, want 2 (each migration once)", n)
	}
	var n int
	if err := conn.QueryRow(context.Background(), "select count(*) from t").Scan(&n); err != nil || n != 1 {
		t.Errorf("t has %d rows (%v), want 1: the migration ran twice", n, err)
	}
}

// hiddenUnlockAll gives the migration lock away where journal.Check's
// up-front refusal cannot see it (built at run time), so the runtime
// defences are what these tests exercise.
const hiddenUnlockAll = "DO $$ BEGIN EXECUTE 'SELECT pg_advisory_' || 'unlock_all()'; END $$;"

// migrateTwice starts the same command twice, 0.7 s apart, so the second
// waits for the lock the first one's migration gives away, and returns both
// results in start order.
func migrateTwice(t *testing.T, root string, args []string) [2]clitest.Result {
	t.Helper()
	first := clitest.Start(t, root, nil, args...)
	time.Sleep(700 * time.Millisecond)
	second := clitest.Start(t, root, nil, args...)
	return [2]clitest.Result{first.Wait(t, time.Minute), second.Wait(t, time.Minute)}
}
