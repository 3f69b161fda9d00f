package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// TestMain builds hogsend-db once per test binary (clitest.Bin).
func TestMain(m *testing.M) { os.Exit(clitest.Main(m, "e2e")) }

// run runs hogsend-db to completion (at most two minutes).
func run(t testing.TB, dir string, env []string, args ...string) clitest.Result {
	t.Helper()
	return clitest.Start(t, dir, env, args...).Wait(t, 2*time.Minute)
}

// mig is one migration of a generated folder.
type mig struct {
	tag  string
	when int64
	sql  string
}

// writeFolder writes a drizzle-kit folder (journal as drizzle-kit writes it)
// into dir and returns dir.
func writeFolder(t testing.TB, dir string, ms ...mig) string {
	t.Helper()
	f := journal.File{Version: "7", Dialect: "postgresql", Entries: []journal.Entry{}}
	for i, m := range ms {
		f.Entries = append(f.Entries, journal.Entry{Idx: i, Version: "7", When: m.when, Tag: m.tag, Breakpoints: true})
		writeFile(t, filepath.Join(dir, m.tag+".sql"), m.sql)
	}
	writeFile(t, filepath.Join(dir, "meta", "_journal.json"), string(journal.MarshalJournal(f)))
	return dir
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// emptyEngine is an engine folder with no migrations, so a test can run
// the client track alone while still exercising --track all.
func emptyEngine(t testing.TB) string {
	t.Helper()
	return writeFolder(t, t.TempDir())
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// withPassword returns rawURL with its user's password set to pw.
func withPassword(t testing.TB, rawURL, pw string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), pw)
	return u.String()
}

// withDB returns rawURL pointing at database name.
func withDB(t testing.TB, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// fingerprintSQL lists, one line each, every user-visible object of the
// database (schemas, relations, columns, index validity, constraints, types,
// enum labels, functions), the row count of every table, and the ledger and
// release rows without their serial ids and timestamps (a rolled-back
// insert still advances the id sequence).
const fingerprintSQL = `
with ns as (select oid, nspname from pg_catalog.pg_namespace
            where nspname !~ '^pg_' and nspname <> 'information_schema')
select coalesce(string_agg(line, E'\n' order by line), '') from (
  select 'schema ' || nspname from ns
  union all
  select 'rel ' || c.oid::regclass::text || ' ' || c.relkind::text from pg_catalog.pg_class c join ns on ns.oid = c.relnamespace
  union all
  select 'col ' || c.oid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end
  from pg_catalog.pg_attribute a join pg_catalog.pg_class c on c.oid = a.attrelid join ns on ns.oid = c.relnamespace
  where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f')
  union all
  select 'index ' || i.indexrelid::regclass::text || ' valid=' || i.indisvalid || ' ready=' || i.indisready
  from pg_catalog.pg_index i join pg_catalog.pg_class c on c.oid = i.indexrelid join ns on ns.oid = c.relnamespace
  union all
  select 'constraint ' || co.conrelid::regclass::text || ' ' || co.conname || ' ' || co.contype::text from pg_catalog.pg_constraint co join ns on ns.oid = co.connamespace
  union all
  select 'type ' || t.oid::regtype::text || ' ' || t.typtype::text from pg_catalog.pg_type t join ns on ns.oid = t.typnamespace where t.typtype in ('e', 'd')
  union all
  select 'enum ' || e.enumtypid::regtype::text || ' ' || e.enumlabel from pg_catalog.pg_enum e
  union all
  select 'function ' || p.oid::regprocedure::text from pg_catalog.pg_proc p join ns on ns.oid = p.pronamespace
  union all
  select 'rows ' || c.oid::regclass::text || ' ' ||
    (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %s', c.oid::regclass), false, true, '')))[1]::text
  from pg_catalog.pg_class c join ns on ns.oid = c.relnamespace where c.relkind in ('r', 'p')
  union all
  select 'ledger ' || t || ' ' || query_to_xml(format(case
      when (select count(*) from pg_catalog.pg_attribute where attrelid = to_regclass(t) and attname in ('hash', 'created_at') and not attisdropped) = 2
      then 'select hash, created_at from %s order by id' else 'select * from %s' end, to_regclass(t)), false, true, '')::text
  from unnest(array['drizzle.__drizzle_migrations', 'drizzle.__client_migrations']) as t where to_regclass(t) is not null
  union all
  select 'release ' || query_to_xml('select track, version, tool_version from drizzle.__hogsend_releases order by track', false, true, '')::text
  where to_regclass('drizzle.__hogsend_releases') is not null
) s(line)`

// fingerprint describes the database's schema and bookkeeping as text.
func fingerprint(t testing.TB, dbURL string) string {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	var fp string
	if err := conn.QueryRow(context.Background(), fingerprintSQL).Scan(&fp); err != nil {
		t.Fatalf("fingerprint: %v", err)
	}
	_ = conn.Close(context.Background())
	return fp
}

// diffLines shows the lines only in a and only in b.
func diffLines(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out strings.Builder
	for _, l := range strings.Split(a, "\n") {
		if !mb[l] {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if !ma[l] {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	return out.String()
}

// ledgerHashes reads a ledger's (hash, created_at) rows in id order; nil
// when the table does not exist.
func ledgerHashes(t testing.TB, conn *pgx.Conn, table string) []string {
	t.Helper()
	ctx := context.Background()
	var exists bool
	if err := conn.QueryRow(ctx, "select to_regclass($1) is not null", table).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return nil
	}
	return pgtest.Rows(t, conn, pgx.RowTo[string], "select hash || ' ' || coalesce(created_at::text, 'NULL') from "+table+" order by id")
}

// lockHeld reports whether any session holds the migration advisory lock
// of the connection's database (advisory locks are per database).
func lockHeld(t testing.TB, conn *pgx.Conn) bool {
	t.Helper()
	return lockHolder(t, conn) != 0
}

// lockHolder is the pid holding the migration lock in conn's database, 0
// when none does (other tests hold the same key in their own databases).
func lockHolder(t testing.TB, conn *pgx.Conn) int32 {
	t.Helper()
	var pid int32
	err := conn.QueryRow(context.Background(), `select coalesce(max(pid), 0) from pg_catalog.pg_locks where locktype = 'advisory'
		and granted and classid = 0 and objid = 4812007 and objsubid = 1
		and database = (select oid from pg_catalog.pg_database where datname = current_database())`).Scan(&pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitActive waits until a hogsend-db session on database dbName sleeps in
// pg_sleep inside a query matching like (SQL LIKE), and returns its pid. A
// transaction's statements travel as one message, so the query text alone
// does not say which statement runs; the wait event does.
func waitActive(t testing.TB, conn *pgx.Conn, dbName, like string, limit time.Duration) int32 {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var pid int32
		err := conn.QueryRow(context.Background(), `select pid from pg_catalog.pg_stat_activity
			where application_name = 'hogsend-db' and datname = $1 and state = 'active' and query like $2
			and wait_event = 'PgSleep' limit 1`, dbName, like).Scan(&pid)
		if err == nil {
			return pid
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no active hogsend-db session on %s running %q within %s", dbName, like, limit)
	return 0
}

// figure logs one measured figure in a fixed, greppable form:
// "FIGURE <test>: <text>". docs/guarantees.md quotes these lines.
func figure(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURE %s: %s", t.Name(), fmt.Sprintf(format, args...))
}

// mustContain fails unless s contains every fragment.
func mustContain(t testing.TB, what, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			t.Errorf("%s does not contain %q:\n%s", what, f, s)
		}
	}
}

// dbName returns the database name of a URL.
func dbName(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// lockReleased fails unless the migration lock is free within five seconds
// (a terminated backend releases it when it has exited, a moment after the
// client saw the error).
func lockReleased(t testing.TB, conn *pgx.Conn) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for lockHeld(t, conn) {
		if time.Now().After(deadline) {
			t.Errorf("the migration lock is still held 5s after the migrating session ended")
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
