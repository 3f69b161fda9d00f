package drizzletest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// freshDB creates an empty database and drops it at cleanup. It does not use
// internal/pgtest on purpose: this package must stand on its own.
func freshDB(t *testing.T) string {
	t.Helper()
	base := os.Getenv("HOGSEND_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres"
	}
	ctx := t.Context()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to admin database: %v", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	name := "drizzletest_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse base url: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

type journalEntry struct {
	When int64  `json:"when"`
	Tag  string `json:"tag"`
}

func readJournal(t *testing.T, folder string) []journalEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(folder, "meta", "_journal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j struct{ Entries []journalEntry }
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	return j.Entries
}

func TestFixtureJournal(t *testing.T) {
	entries := readJournal(t, filepath.Join(Dir(t), "migrations"))
	want := []string{"0000_v1", "0001_v2", "0002_v3", "0003_v4"}
	if len(entries) != len(want) {
		t.Fatalf("fixture has %d entries, want %d", len(entries), len(want))
	}
	for i, e := range entries {
		if e.Tag != want[i] {
			t.Errorf("entry %d tag %q, want %q", i, e.Tag, want[i])
		}
		if i > 0 && e.When <= entries[i-1].When {
			t.Errorf("entry %d when %d not after %d", i, e.When, entries[i-1].When)
		}
	}
}

func TestMigrateFixture(t *testing.T) {
	t.Parallel()
	Require(t)
	dsn := freshDB(t)
	folder := filepath.Join(Dir(t), "migrations")

	before, after := Migrate(t, dsn, "migrations", "", "")
	if before != 0 || after != 4 {
		t.Fatalf("first migrate: before=%d after=%d, want 0 and 4", before, after)
	}

	conn := connect(t, dsn)
	rows, err := conn.Query(t.Context(), `SELECT hash, created_at FROM "drizzle"."__drizzle_migrations" ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Hash      string
		CreatedAt int64
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	entries := readJournal(t, folder)
	if len(got) != len(entries) {
		t.Fatalf("ledger has %d rows, journal %d entries", len(got), len(entries))
	}
	for i, e := range entries {
		body, err := os.ReadFile(filepath.Join(folder, e.Tag+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if want := hex.EncodeToString(sum[:]); got[i].Hash != want {
			t.Errorf("row %d hash %s, want sha256 of %s.sql %s", i, got[i].Hash, e.Tag, want)
		}
		if got[i].CreatedAt != e.When {
			t.Errorf("row %d created_at %d, want journal when %d", i, got[i].CreatedAt, e.When)
		}
	}

	var dropped bool
	err = conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = 'tickets' AND column_name = 'legacy_code')`).Scan(&dropped)
	if err != nil {
		t.Fatal(err)
	}
	if dropped {
		t.Error("tickets.legacy_code still exists after v4")
	}

	before, after = Migrate(t, dsn, folder, "drizzle", "__drizzle_migrations")
	if before != 4 || after != 4 {
		t.Fatalf("second migrate: before=%d after=%d, want 4 and 4 (nothing applied)", before, after)
	}
}

func TestMigrateCustomLedger(t *testing.T) {
	t.Parallel()
	Require(t)
	dsn := freshDB(t)
	before, after := Migrate(t, dsn, "migrations", "my ledger", "__client_migrations")
	if before != 0 || after != 4 {
		t.Fatalf("before=%d after=%d, want 0 and 4", before, after)
	}
	var n int
	err := connect(t, dsn).QueryRow(t.Context(), `SELECT count(*) FROM "my ledger"."__client_migrations"`).Scan(&n)
	if err != nil || n != 4 {
		t.Fatalf("custom ledger rows = %d, %v; want 4", n, err)
	}
}

func TestPush(t *testing.T) {
	t.Parallel()
	Require(t)
	dsn := freshDB(t)
	Push(t, dsn, "schema/v4.ts")

	conn := connect(t, dsn)
	var tables []string
	rows, err := conn.Query(t.Context(), `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(tables, ","), "comments,labels,projects,tickets"; got != want {
		t.Errorf("tables after push = %s, want %s", got, want)
	}
	var ledger bool
	if err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'drizzle')`).Scan(&ledger); err != nil {
		t.Fatal(err)
	}
	if ledger {
		t.Error("push created a drizzle schema; it should leave no ledger")
	}

	// A second push of the same schema is a no-op and still succeeds.
	Push(t, dsn, filepath.Join(Dir(t), "schema", "v4.ts"))
}

// copyFixture copies the committed migrations into a temporary folder.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(Dir(t), "migrations"))); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	Require(t)
	out := copyFixture(t)
	if Generate(t, "schema/v4.ts", out, "again") {
		t.Fatal("generate v4 on the v4 fixture wrote a migration; want \"No schema changes\"")
	}
	if n := len(readJournal(t, out)); n != 4 {
		t.Fatalf("journal has %d entries after a no-op generate, want 4", n)
	}

	// Back to v3 re-adds legacy_code: a real migration.
	if !Generate(t, "schema/v3.ts", out, "back") {
		t.Fatal("generate v3 on the v4 fixture reported no changes")
	}
	body, err := os.ReadFile(filepath.Join(out, "0004_back.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `ADD COLUMN "legacy_code" text`) {
		t.Errorf("0004_back.sql = %q, want it to add legacy_code", body)
	}
	Check(t, out)
}

func TestCheckFixture(t *testing.T) {
	t.Parallel()
	Require(t)
	Check(t, "migrations")
}

func TestExport(t *testing.T) {
	t.Parallel()
	Require(t)
	sql := Export(t, "schema/support.ts")
	for _, want := range []string{
		`CREATE TYPE "public"."support_ticket_state" AS ENUM('open', 'waiting', 'closed');`,
		`CONSTRAINT "support_tickets_reply_count_check" CHECK ("support_tickets"."reply_count" >= 0)`,
		`WHERE "support_tickets"."state" = 'open' and "support_tickets"."urgent";`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("export lacks %s:\n%s", want, sql)
		}
	}
}

func TestHoldLock(t *testing.T) {
	t.Parallel()
	Require(t)
	dsn := freshDB(t)
	conn := connect(t, dsn)
	holders := func() []string {
		t.Helper()
		// A bigint advisory key k shows as classid = k>>32, objid = k&0xffffffff, objsubid = 1.
		rows, err := conn.Query(t.Context(), `SELECT a.application_name FROM pg_locks l
			JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			  AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1`, DefaultLockKey)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	tryLock := func() bool {
		t.Helper()
		var ok bool
		if err := conn.QueryRow(t.Context(), `SELECT pg_try_advisory_lock($1)`, DefaultLockKey).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok {
			if _, err := conn.Exec(t.Context(), `SELECT pg_advisory_unlock($1)`, DefaultLockKey); err != nil {
				t.Fatal(err)
			}
		}
		return ok
	}

	release := HoldLock(t, dsn, DefaultLockKey)
	if got := holders(); len(got) != 1 || got[0] != "hogsend-node-migrate" {
		t.Fatalf("advisory lock holders = %q, want [hogsend-node-migrate]", got)
	}
	if tryLock() {
		t.Fatal("pg_try_advisory_lock succeeded while hold-lock.mjs holds the lock")
	}
	release()
	if got := holders(); len(got) != 0 {
		t.Fatalf("advisory lock holders after release = %q, want none", got)
	}
	if !tryLock() {
		t.Fatal("pg_try_advisory_lock failed after release")
	}
	release() // idempotent
}

func TestMissingModules(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("package.json", `{"dependencies":{"drizzle-kit":"0.31.11"}}`)
	if got := missingModules(dir); !strings.Contains(got, "node_modules does not exist") {
		t.Errorf("no node_modules: %q", got)
	}
	write("node_modules/drizzle-kit/package.json", `{"version":"0.30.0"}`)
	if got := missingModules(dir); !strings.Contains(got, `pins "0.31.11"`) {
		t.Errorf("stale install: %q", got)
	}
	write("node_modules/drizzle-kit/package.json", `{"version":"0.31.11"}`)
	if got := missingModules(dir); got != "" {
		t.Errorf("complete install: %q", got)
	}
	if got := missingModules(Dir(t)); got != "" {
		t.Logf("testdata/drizzle tooling: %s", got)
	}
}

// TestV1Pinned: the 1.0 tools are installed at the pinned release candidate
// and their scripts answer.
func TestV1Pinned(t *testing.T) {
	V1.Require(t)
	dir := V1.Dir(t)
	if filepath.Base(dir) != "drizzle1" {
		t.Fatalf("V1.Dir = %s", dir)
	}
	for _, pkg := range []string{"drizzle-kit", "drizzle-orm"} {
		raw, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), `"version": "1.0.0-rc.5-ab785fc"`) {
			t.Errorf("%s is not 1.0.0-rc.5-ab785fc", pkg)
		}
	}
}
