package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// caseEnv is what a catalogue case's setup may change before the run.
type caseEnv struct {
	t      *testing.T
	db     *pgtest.DB
	dir    string   // client folder (--dir), empty temp dir at first
	engine string   // engine folder (--engine-dir), an empty journal at first
	url    string   // --database-url, db.URL at first
	args   []string // when set, the whole command line (flags included)
}

// write puts a well-formed drizzle folder in the client dir.
func (e *caseEnv) write(ms ...mig) { writeFolder(e.t, e.dir, ms...) }

// raw writes a file of the client folder as given.
func (e *caseEnv) raw(name, data string) { writeFile(e.t, filepath.Join(e.dir, name), data) }

// exec runs SQL as superuser on the case's database.
func (e *caseEnv) exec(sql string, args ...any) { e.db.Exec(e.t, sql, args...) }

// ledgerWith creates the client ledger (drizzle's DDL) with rows.
func (e *caseEnv) ledgerWith(rows ...mig) {
	e.exec(`CREATE SCHEMA drizzle; CREATE TABLE drizzle.__client_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`)
	for _, r := range rows {
		e.exec(`INSERT INTO drizzle.__client_migrations (hash, created_at) VALUES ($1, $2)`, sha(r.sql), r.when)
	}
}

var (
	migA = mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);"}
	migB = mig{"0001_b", 1800000005100, "CREATE TABLE b (id int);"}
)

// journalJSON is a journal with one entry whose fields are given raw.
func journalJSON(entry string) string {
	return `{"version":"7","dialect":"postgresql","entries":[` + entry + `]}`
}

type badCase struct {
	name   string
	setup  func(e *caseEnv)
	cmd    string   // default "migrate"
	extra  []string // flags after the standard ones
	code   int
	frags  []string // in stdout+stderr
	within time.Duration
	// changed checks a case that is meant to change the database; nil means
	// the database (schema and ledgers) must be unchanged.
	changed func(t *testing.T, e *caseEnv, r clitest.Result)
}

func badCases() []badCase {
	okA := func(e *caseEnv) { e.write(migA) }
	return []badCase{
		// The journal.
		{name: "journal truncated", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", `{"version":"7","dialect":"postgresql","entries":[{"idx":0,"when":18`)
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"meta/_journal.json", "invalid JSON"}},
		{name: "journal empty file", setup: func(e *caseEnv) { e.raw("meta/_journal.json", "") },
			code: 1, frags: []string{"meta/_journal.json", "invalid JSON"}},
		{name: "journal trailing garbage", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"0000_a"}`)+" }")
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"invalid JSON"}},
		{name: "when is a string", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":"1800000005000","tag":"0000_a"}`))
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"invalid JSON", "when"}},
		{name: "entries is an object", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", `{"version":"7","dialect":"postgresql","entries":{}}`)
		}, code: 1, frags: []string{`"entries" is an object, not an array`}},
		{name: "no entries field", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", `{"version":"7","dialect":"postgresql"}`)
		}, code: 1, frags: []string{"no entries field"}},
		{name: "empty entries: nothing to do", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", `{"version":"7","dialect":"postgresql","entries":[]}`)
		}, code: 0, frags: []string{"client: nothing to apply"}},
		{name: "dialect mysql", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", `{"version":"7","dialect":"mysql","entries":[]}`)
		}, code: 1, frags: []string{"dialect is not postgresql", `"mysql"`}},
		{name: "journal invalid UTF-8", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"0000_`+"\xff"+`"}`))
		}, code: 1, frags: []string{"meta/_journal.json:1:", "not valid UTF-8"}},
		{name: "missing tag", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000}`))
		}, code: 1, frags: []string{"entry has no tag"}},
		{name: "missing when", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"tag":"0000_a"}`))
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"entry has no when", "0000_a"}},
		{name: "duplicate tag", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"0000_a"},{"idx":1,"when":1800000005100,"tag":"0000_a"}`))
			e.raw("0000_a.sql", migA.sql)
		}, code: 1, frags: []string{"duplicate tag", "0000_a"}},
		{name: "duplicate when", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"0000_a"},{"idx":1,"when":1800000005000,"tag":"0001_b"}`))
			e.raw("0000_a.sql", migA.sql)
			e.raw("0001_b.sql", migB.sql)
		}, code: 1, frags: []string{"duplicate when", "1800000005000"}},
		{name: "tag traversal ../x", setup: func(e *caseEnv) {
			writeFile(e.t, filepath.Join(filepath.Dir(e.dir), "x.sql"), "CREATE TABLE escaped (id int);")
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"../x"}`))
		}, code: 1, frags: []string{"not a plain file name", `"../x"`}},
		{name: "absolute tag", setup: func(e *caseEnv) {
			writeFile(e.t, filepath.Join(filepath.Dir(e.dir), "y.sql"), "CREATE TABLE escaped (id int);")
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"`+filepath.Join(filepath.Dir(e.dir), "y")+`"}`))
		}, code: 1, frags: []string{"not a plain file name"}},
		{name: "symlink escaping the folder", setup: func(e *caseEnv) {
			writeFile(e.t, filepath.Join(filepath.Dir(e.dir), "outside.sql"), "CREATE TABLE escaped (id int);")
			e.write(migA)
			if err := os.Remove(filepath.Join(e.dir, "0000_a.sql")); err != nil {
				e.t.Fatal(err)
			}
			if err := os.Symlink("../outside.sql", filepath.Join(e.dir, "0000_a.sql")); err != nil {
				e.t.Fatal(err)
			}
		}, code: 1, frags: []string{"0000_a.sql", "cannot read file"}},
		{name: "missing SQL file", setup: func(e *caseEnv) {
			e.write(migA, migB)
			if err := os.Remove(filepath.Join(e.dir, "0001_b.sql")); err != nil {
				e.t.Fatal(err)
			}
		}, code: 1, frags: []string{"0001_b.sql", "migration file is missing"}},
		{name: "SQL file is a directory", setup: func(e *caseEnv) {
			e.raw("meta/_journal.json", journalJSON(`{"idx":0,"when":1800000005000,"tag":"0000_a"}`))
			if err := os.MkdirAll(filepath.Join(e.dir, "0000_a.sql"), 0o755); err != nil {
				e.t.Fatal(err)
			}
		}, code: 1, frags: []string{"0000_a.sql", "cannot read file"}},
		{name: "huge file", setup: func(e *caseEnv) {
			e.write(migA)
			if err := os.Truncate(filepath.Join(e.dir, "0000_a.sql"), journal.MaxFileSize+1); err != nil {
				e.t.Fatal(err)
			}
		}, code: 1, frags: []string{"0000_a.sql", "file too large"}},
		{name: "SQL invalid UTF-8", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);\n-- caf\xe9\n"})
		}, code: 1, frags: []string{"0000_a.sql:2:", "not valid UTF-8"}},
		{name: "CRLF file: applied, hash of the raw bytes", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);\r\n--> statement-breakpoint\r\nCREATE TABLE a2 (id int);\r\n"})
		}, code: 0, changed: func(t *testing.T, e *caseEnv, r clitest.Result) {
			conn := pgtest.Connect(t, e.db.URL)
			want := sha("CREATE TABLE a (id int);\r\n--> statement-breakpoint\r\nCREATE TABLE a2 (id int);\r\n") + " 1800000005000"
			if got := ledgerHashes(t, conn, "drizzle.__client_migrations"); len(got) != 1 || got[0] != want {
				t.Errorf("ledger %q, want [%q] (sha256 of the file bytes, CRLF kept)", got, want)
			}
			mustContain(t, "schema", fingerprint(t, e.db.URL), "rel a r", "rel a2 r")
		}},
		{name: "BOM: PostgreSQL rejects it, as with drizzle", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "\ufeffCREATE TABLE a (id int);"})
		}, code: 1, frags: []string{"0000_a.sql:1:1", "syntax error", "rolled back"}},

		// SQL failures: rolled back.
		{name: "syntax error in the second migration", setup: func(e *caseEnv) {
			e.write(migA, mig{"0001_b", 1800000005100, "CREATE TABLE b (id int);\n--> statement-breakpoint\nCREATE TABLEX c (id int);"})
		}, code: 1, frags: []string{"0001_b", "0001_b.sql:3:8", "statement 2 failed", "syntax error", "42601", "rolled back"}},
		{name: "runtime error", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);\n--> statement-breakpoint\nSELECT 1/0;"})
		}, code: 1, frags: []string{"statement 2 failed", "division by zero", "22012"}},
		{name: "deferred constraint fails at COMMIT", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE p (id int PRIMARY KEY);\n--> statement-breakpoint\n" +
				"CREATE TABLE c (p int REFERENCES p DEFERRABLE INITIALLY DEFERRED);\n--> statement-breakpoint\nINSERT INTO c VALUES (1);"})
		}, code: 1, frags: []string{"foreign key", "rolled back"}},
		{name: "statement timeout", setup: func(e *caseEnv) {
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);\n--> statement-breakpoint\nSELECT pg_sleep(5);"})
		}, extra: []string{"--statement-timeout", "200ms"}, code: 1, within: 4 * time.Second,
			frags: []string{"statement 2 failed", "statement timeout", "57014", "rolled back"}},
		{name: "lock timeout on a busy table", setup: func(e *caseEnv) {
			e.exec("CREATE TABLE busy (id int)")
			holdTableLock(e)
			e.write(mig{"0000_a", 1800000005000, "CREATE TABLE a (id int);\n--> statement-breakpoint\nALTER TABLE busy ADD COLUMN x int;"})
		}, extra: []string{"--lock-timeout", "200ms"}, code: 1, within: 4 * time.Second,
			frags: []string{"statement 2 failed", "lock timeout", "55P03", "rolled back"}},
		{name: "lock wait timeout", setup: func(e *caseEnv) {
			okA(e)
			c := pgtest.Connect(e.t, e.db.URL)
			if _, err := c.Exec(context.Background(), "select pg_advisory_lock(4812007)"); err != nil {
				e.t.Fatal(err)
			}
		}, extra: []string{"--lock-wait", "300ms"}, code: 5, within: 4 * time.Second,
			frags: []string{"waiting for the migration lock", "still held by pid", "pg_terminate_backend"}},

		// Connections.
		{name: "unreachable host", setup: func(e *caseEnv) {
			okA(e)
			e.url = "postgres://postgres@192.0.2.1:5432/x?sslmode=disable"
		}, extra: []string{"--connect-timeout", "1s"}, code: 1, within: 4 * time.Second,
			frags: []string{"connect to 192.0.2.1:5432/x"}},
		{name: "connection refused", setup: func(e *caseEnv) {
			okA(e)
			e.url = "postgres://postgres@127.0.0.1:1/x?sslmode=disable"
		}, code: 1, within: 4 * time.Second, frags: []string{"connect to 127.0.0.1:1/x", "refused"}},
		{name: "wrong password", setup: func(e *caseEnv) {
			okA(e)
			_, roleURL := authServer(e.t)
			e.url = withPassword(e.t, roleURL, "wrong-password")
		}, code: 1, frags: []string{"password authentication failed", "28P01"}},
		{name: "missing database", setup: func(e *caseEnv) {
			okA(e)
			e.url = withDB(e.t, e.db.URL, "hogsend_no_such_database")
		}, code: 1, frags: []string{"hogsend_no_such_database", "does not exist"}},
		{name: "malformed URL", setup: func(e *caseEnv) {
			okA(e)
			e.url = "postgres://postgres@127.0.0.1:notaport/x"
		}, code: 1, frags: []string{"unparsable connection string (password hidden)"}},
		{name: "status on a missing database (--json: degraded)", cmd: "status", setup: func(e *caseEnv) {
			okA(e)
			e.url = withDB(e.t, e.db.URL, "hogsend_no_such_database")
		}, extra: []string{"--json"}, code: 1, frags: []string{`"status": "degraded"`, `"status": "down"`, "does not exist"}},

		// Ledgers.
		{name: "ledger table with wrong columns", setup: func(e *caseEnv) {
			okA(e)
			e.exec("CREATE SCHEMA drizzle; CREATE TABLE drizzle.__client_migrations (id int, name text)")
		}, code: 1, frags: []string{"drizzle.__client_migrations has columns (id, name)", "not a drizzle ledger"}},
		{name: "status: ledger with NULL created_at", cmd: "status", setup: func(e *caseEnv) {
			okA(e)
			e.ledgerWith(migA)
			e.exec("INSERT INTO drizzle.__client_migrations (hash, created_at) VALUES ('abc', NULL)")
		}, code: 4, frags: []string{"NULL created_at"}},
		{name: "migrate: ledger with NULL created_at, nothing pending", setup: func(e *caseEnv) {
			okA(e)
			e.ledgerWith(migA)
			e.exec("INSERT INTO drizzle.__client_migrations (hash, created_at) VALUES ('abc', NULL)")
		}, code: 0, frags: []string{"warning", "NULL created_at"}},
		{name: "out-of-order migration", setup: func(e *caseEnv) {
			e.write(migA, migB)
			e.ledgerWith(migB)
		}, code: 4, frags: []string{"0000_a", "older than the newest applied", "--allow-out-of-order"}},
		{name: "modified migration with --strict", setup: func(e *caseEnv) {
			e.write(migA, migB)
			e.ledgerWith(mig{migA.tag, migA.when, "-- the old text\n" + migA.sql})
		}, extra: []string{"--strict"}, code: 4, frags: []string{"0000_a", "edited after they ran"}},
		{name: "modified migration without --strict: warning only", setup: func(e *caseEnv) {
			e.write(migA)
			e.ledgerWith(mig{migA.tag, migA.when, "-- the old text\n" + migA.sql})
		}, code: 0, frags: []string{"warning", "0000_a", "edited after they ran"}},
		{name: "ledger in a schema the role cannot read", setup: func(e *caseEnv) {
			e.write(migA, migB)
			e.ledgerWith(migA)
			e.url = pgtest.Role(e.t, e.db, "e2e_noschema", "")
		}, code: 1, frags: []string{"permission denied for schema drizzle"}},
		{name: "read-only role runs migrate", setup: func(e *caseEnv) {
			okA(e)
			e.url = pgtest.Role(e.t, e.db, "e2e_readonly", "IN ROLE pg_read_all_data")
		}, code: 1, frags: []string{"permission denied"}},

		{name: "drift: role without CREATEDB for scratch databases", cmd: "drift", setup: func(e *caseEnv) {
			okA(e)
			e.url = pgtest.Role(e.t, e.db, "e2e_nocreatedb", "NOCREATEDB")
		}, code: 1, frags: []string{"cannot create scratch databases", "--dev-url"}},

		// Folders and flags.
		{name: "engine folder missing", setup: func(e *caseEnv) {
			okA(e)
			e.engine = filepath.Join(e.dir, "no-such-engine")
		}, code: 1, frags: []string{"engine track", "no-such-engine", "does not exist"}},
		{name: "--dir is a file", setup: func(e *caseEnv) {
			f := filepath.Join(e.dir, "file")
			writeFile(e.t, f, "not a folder")
			e.dir = f
		}, code: 1, frags: []string{"is not a directory"}},
		{name: "no database URL", setup: func(e *caseEnv) {
			okA(e)
			e.args = []string{"migrate", "--dir", e.dir, "--engine-dir", e.engine}
		}, code: 2, frags: []string{"no database: pass --database-url or set DATABASE_URL"}},
		{name: "bad --tx", setup: okA, extra: []string{"--tx", "sometimes"}, code: 2, frags: []string{`--tx "sometimes"`}},
		{name: "bad --track", setup: okA, extra: []string{"--track", "both"}, code: 2, frags: []string{`--track "both"`}},
		{name: "bad duration", setup: okA, extra: []string{"--lock-wait", "soon"}, code: 2, frags: []string{"soon"}},
		{name: "unknown flag", setup: okA, extra: []string{"--yes"}, code: 2, frags: []string{"flag provided but not defined", "yes"}},
	}
}

// holdTableLock takes a SHARE lock on busy in an open transaction for the
// rest of the case: ALTER TABLE must wait, reads (the fingerprint) need not.
func holdTableLock(e *caseEnv) {
	c := pgtest.Connect(e.t, e.db.URL)
	if _, err := c.Exec(context.Background(), "BEGIN; LOCK TABLE busy IN SHARE MODE"); err != nil {
		e.t.Fatal(err)
	}
}

// authServer is a throwaway cluster where role e2e_pw must authenticate
// with SCRAM (the shared test server trusts every local connection). It
// returns the server and a URL with the right password.
func authServer(t *testing.T) (*pgtest.Server, string) {
	t.Helper()
	srv := pgtest.NewServer(t)
	const pw = "Right-Passw0rd"
	db := srv.NewDB(t)
	db.Exec(t, "CREATE ROLE e2e_pw LOGIN PASSWORD '"+pw+"'")
	hba := filepath.Join(srv.DataDir, "pg_hba.conf")
	old, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, append([]byte("host all e2e_pw 127.0.0.1/32 scram-sha-256\n"), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart with SCRAM for e2e_pw: %v", err)
	}
	u := withPassword(t, db.URL, pw)
	u = strings.Replace(u, "postgres:"+pw+"@", "e2e_pw:"+pw+"@", 1)
	return srv, u
}

// TestBadInputCatalogue runs every case of badCases: each states its input,
// the exit code, a message fragment, and (unless it is meant to change the
// database) that the schema and both ledgers are unchanged afterwards.
func TestBadInputCatalogue(t *testing.T) {
	t.Parallel()
	cases := badCases()
	if len(cases) < 30 {
		t.Fatalf("the catalogue has %d cases, the guarantee promises at least 30", len(cases))
	}
	began := time.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runBadCase(t, tc)
		})
	}
	t.Cleanup(func() {
		figure(t, "%d bad-input cases (input, exit code, message fragment, database unchanged unless the case applies), %s",
			len(cases), time.Since(began).Round(time.Millisecond))
	})
}

// runBadCase runs one catalogue case against a fresh database: the exit
// code, the message fragments, the time limit, and an unchanged database
// unless the case says otherwise.
func runBadCase(t *testing.T, tc badCase) {
	root := t.TempDir()
	e := &caseEnv{t: t, db: pgtest.New(t), dir: filepath.Join(root, "migrations"), engine: filepath.Join(root, "engine"), url: ""}
	e.url = e.db.URL
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFolder(t, e.engine)
	if tc.setup != nil {
		tc.setup(e)
	}
	before := fingerprint(t, e.db.URL)
	args := e.args
	if args == nil {
		cmd := tc.cmd
		if cmd == "" {
			cmd = "migrate"
		}
		args = append([]string{cmd, "--database-url", e.url, "--dir", e.dir, "--engine-dir", e.engine}, tc.extra...)
	}
	r := run(t, root, nil, args...)
	if r.Code != tc.code {
		t.Errorf("exit %d, want %d:\n%s", r.Code, tc.code, r)
	}
	mustContain(t, "output", r.Stdout+r.Stderr, tc.frags...)
	// A failure that changed nothing must not claim statements may be
	// committed (a parse error was once reported so: issue 12 finding 8).
	if tc.changed == nil && strings.Contains(r.Stdout+r.Stderr, "may be committed") {
		t.Errorf("output claims statements may be committed, but nothing ran:\n%s", r)
	}
	if tc.within > 0 && r.Dur > tc.within {
		t.Errorf("took %s, want at most %s", r.Dur, tc.within)
	}
	if tc.changed != nil {
		tc.changed(t, e, r)
		return
	}
	if after := fingerprint(t, e.db.URL); after != before {
		t.Errorf("database changed:\n%s", diffLines(before, after))
	}
}
