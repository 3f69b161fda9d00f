package guard

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// engineMigrations is the bundled engine journal, in order.
func engineMigrations(t testing.TB) []*journal.Migration {
	t.Helper()
	j, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Migrations) < 4 {
		t.Fatalf("engine track has %d migrations; these tests need at least 4", len(j.Migrations))
	}
	return j.Migrations
}

func engineTags(t testing.TB) []string {
	var tags []string
	for _, m := range engineMigrations(t) {
		tags = append(tags, m.Tag)
	}
	return tags
}

// createEngineSchema runs the engine migrations' SQL without recording
// anything, so writeRows can then stand for any ledger history over a real
// schema (Boot verifies the schema, not only the ledger).
func createEngineSchema(t testing.TB, db *pgtest.DB) {
	t.Helper()
	conn := db.Conn(t)
	for _, m := range engineMigrations(t) {
		if _, err := conn.Exec(context.Background(), m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Tag, err)
		}
	}
}

// writeRows records migrations in table as drizzle would, without running them.
func writeRows(t testing.TB, db *pgtest.DB, table ledger.Table, ms []*journal.Migration) {
	t.Helper()
	ctx := context.Background()
	conn := db.Conn(t)
	if err := ledger.Ensure(ctx, conn, table); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if err := ledger.Insert(ctx, conn, table, m.Hash, m.When); err != nil {
			t.Fatal(err)
		}
	}
}

// migrate applies the bundled engine track for real (schema, ledger rows
// and the release record), as `hogsend-db migrate` does.
func migrate(t testing.TB, db *pgtest.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ts, err := tracks.LoadAll(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
}

func newGuardT(t testing.TB, q ledger.Querier, opts ...Option) *Guard {
	t.Helper()
	// Tests never read the process environment unless they say so.
	opts = append([]Option{WithGetenv(func(string) string { return "" })}, opts...)
	g, err := New(q, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// health calls the handler and decodes its JSON.
func health(t *testing.T, g *Guard) (int, map[string]any, *Report) {
	t.Helper()
	rec := httptest.NewRecorder()
	g.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/health", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("health body %q: %v", rec.Body.String(), err)
	}
	var rep Report
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rec.Code, doc, &rep
}

// checkContract asserts the fields of the health contract are present
// with their JSON types.
func checkContract(t *testing.T, doc map[string]any) {
	t.Helper()
	if _, ok := doc["status"].(string); !ok {
		t.Errorf("status missing: %v", doc)
	}
	schema, _ := doc["schema"].(map[string]any)
	for _, name := range []string{"engine", "client"} {
		tr, ok := schema[name].(map[string]any)
		if !ok {
			t.Errorf("schema.%s missing: %v", name, doc)
			continue
		}
		for _, k := range []string{"applied", "required", "inSync", "pending"} {
			if _, ok := tr[k]; !ok {
				t.Errorf("schema.%s.%s missing", name, k)
			}
		}
		if _, ok := tr["pending"].([]any); !ok {
			t.Errorf("schema.%s.pending is %T, want a list", name, tr["pending"])
		}
	}
	comps, _ := doc["components"].(map[string]any)
	if db, ok := comps["database"].(map[string]any); !ok || db["status"] == nil {
		t.Errorf("components.database missing: %v", doc)
	}
}

func TestInSync(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	g := newGuardT(t, newPool(t, db))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot: %v", err)
	}
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	tags := engineTags(t)
	last := tags[len(tags)-1]
	e := rep.Schema["engine"]
	if code != 200 || rep.Status != "healthy" || !e.InSync || len(e.Pending) != 0 ||
		e.Applied == nil || *e.Applied != last || e.Required == nil || *e.Required != last {
		t.Fatalf("code %d, report %+v, engine %+v", code, rep, e)
	}
	if c := rep.Schema["client"]; !c.InSync || c.Note == "" {
		t.Errorf("default client track: %+v", c)
	}
	if rep.Components["database"].Status != "up" {
		t.Errorf("database component %+v", rep.Components["database"])
	}
	if rep.Release == nil || rep.Release.Version != engine.Version {
		t.Errorf("release %+v, want %s", rep.Release, engine.Version)
	}
}

func TestEngineBehind(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ms := engineMigrations(t)
	writeRows(t, db, ledger.EngineTable, ms[:3])
	g := newGuardT(t, newPool(t, db))
	err := g.Boot(context.Background())
	tags := engineTags(t)
	want := "Database schema is out of date: this build requires " + tags[len(tags)-1] +
		", database is at " + tags[2] + ". Pending migration(s): " + strings.Join(tags[3:], ", ") +
		`. Run "hogsend-db migrate", or set SKIP_SCHEMA_CHECK=true to bypass.`
	if err == nil || err.Error() != want {
		t.Fatalf("Boot:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, ErrSchemaBehind) || errors.Is(err, ErrUnreachable) {
		t.Errorf("errors.Is: %v", err)
	}
	var be *BehindError
	if !errors.As(err, &be) || be.Applied != tags[2] || be.Required != tags[len(tags)-1] || !slices.Equal(be.Pending, tags[3:]) {
		t.Errorf("BehindError %+v", be)
	}
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	if code != 200 || rep.Status != "migration_pending" || !slices.Equal(rep.Schema["engine"].Pending, tags[3:]) {
		t.Errorf("health %d %+v", code, rep)
	}
}

func TestEngineAhead(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ms := engineMigrations(t)
	newer := &journal.Migration{Entry: journal.Entry{When: ms[len(ms)-1].When + 1000, Tag: "9999_future"}, Hash: strings.Repeat("ab", 32)}
	createEngineSchema(t, db)
	writeRows(t, db, ledger.EngineTable, append(slices.Clone(ms), newer))
	g := newGuardT(t, newPool(t, db))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot with the engine ahead: %v", err)
	}
	code, _, rep := health(t, g)
	if e := rep.Schema["engine"]; code != 200 || rep.Status != "healthy" || len(e.Ahead) != 1 || len(e.Unknown) != 0 {
		t.Fatalf("health %d %+v engine %+v", code, rep, e)
	}
}

func TestReleaseCompatibility(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		recorded string
		fails    bool
	}{
		{"2.0.0", true},
		{"1.9.0", false},
		{"1.4.7", false},
		{"1.0.0", false},
		{"", false}, // no record: a database migrated by drizzle or the Node tool
	} {
		t.Run("recorded="+tc.recorded, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			createEngineSchema(t, db)
			writeRows(t, db, ledger.EngineTable, engineMigrations(t))
			if tc.recorded != "" {
				if err := ledger.RecordRelease(context.Background(), db.Conn(t), tracks.Engine, tc.recorded, "test"); err != nil {
					t.Fatal(err)
				}
			}
			// The build's release is pinned so the cases do not move with engine.Version.
			g := newGuardT(t, newPool(t, db), withEngineRelease("1.4.0"))
			err := g.Boot(context.Background())
			if !tc.fails {
				if err != nil {
					t.Fatalf("Boot: %v", err)
				}
				return
			}
			var re *ReleaseError
			if !errors.Is(err, ErrMajorAhead) || !errors.As(err, &re) || re.Recorded.Version != tc.recorded {
				t.Fatalf("Boot: %v", err)
			}
			if !strings.Contains(err.Error(), "a major release may have contracted the schema this build still reads") {
				t.Errorf("message: %v", err)
			}
		})
	}
}

func TestBuildReleaseIsEngineVersion(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	g := newGuardT(t, newPool(t, db))
	if g.build != engine.Version {
		t.Fatalf("build release %s, want engine.Version %s", g.build, engine.Version)
	}
}

// opened is fsys with its migrations as journal.Open reads them.
func opened(t testing.TB, fsys fstest.MapFS) (fstest.MapFS, []*journal.Migration) {
	t.Helper()
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return fsys, j.Migrations
}

// clientFS is a two-migration client folder.
func clientFS(t testing.TB) (fstest.MapFS, []*journal.Migration) {
	t.Helper()
	return opened(t, fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[` +
			`{"idx":0,"version":"7","when":1795304834121,"tag":"0000_tickets","breakpoints":true},` +
			`{"idx":1,"version":"7","when":1795304899999,"tag":"0001_ticket_status","breakpoints":true}]}`)},
		"0000_tickets.sql":       {Data: []byte(`CREATE TABLE "tickets" ("id" serial PRIMARY KEY);`)},
		"0001_ticket_status.sql": {Data: []byte(`ALTER TABLE "tickets" ADD COLUMN "status" text;`)},
	})
}

// withClient is a new database with the engine migrated and the first n
// migrations of clientFS recorded, and the client folder.
func withClient(t *testing.T, n int) (*pgtest.DB, fstest.MapFS, []*journal.Migration) {
	t.Helper()
	db := pgtest.New(t)
	migrate(t, db)
	fsys, ms := clientFS(t)
	writeRows(t, db, ledger.ClientTable, ms[:n])
	return db, fsys, ms
}

func TestClientBehind(t *testing.T) {
	t.Parallel()
	db, fsys, ms := withClient(t, 1)
	var logs bytes.Buffer
	g := newGuardT(t, newPool(t, db), WithClientMigrations(fsys), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot with the client behind: %v", err)
	}
	if !strings.Contains(logs.String(), "0001_ticket_status") {
		t.Errorf("no warning about the pending client migration: %q", logs.String())
	}
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	c := rep.Schema["client"]
	if code != 200 || rep.Status != "migration_pending" || c.InSync || !slices.Equal(c.Pending, []string{"0001_ticket_status"}) ||
		c.Applied == nil || *c.Applied != "0000_tickets" || !rep.Schema["engine"].InSync {
		t.Fatalf("health %d %+v client %+v", code, rep, c)
	}

	writeRows(t, db, ledger.ClientTable, ms[1:])
	if code, _, rep := health(t, g); code != 200 || rep.Status != "healthy" {
		t.Fatalf("after applying the client migration: %d %+v", code, rep)
	}
}

func TestMissingLedgers(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fsys, _ := clientFS(t)
	for _, opts := range [][]Option{nil, {WithClientMigrations(fsys)}} {
		g := newGuardT(t, newPool(t, db), opts...)
		err := g.Boot(context.Background())
		var be *BehindError
		if !errors.As(err, &be) || be.Applied != "" || !slices.Equal(be.Pending, engineTags(t)) ||
			!strings.Contains(err.Error(), "database is at (none)") {
			t.Fatalf("Boot on an empty database: %v", err)
		}
		code, doc, rep := health(t, g)
		checkContract(t, doc)
		e, c := rep.Schema["engine"], rep.Schema["client"]
		if code != 200 || rep.Status != "migration_pending" || e.LedgerExists || c.LedgerExists || e.Applied != nil {
			t.Fatalf("health %d %+v", code, rep)
		}
		if wantClientInSync := opts == nil; c.InSync != wantClientInSync {
			t.Errorf("client inSync %v with options %v", c.InSync, opts)
		}
		if doc["schema"].(map[string]any)["engine"].(map[string]any)["applied"] != nil {
			t.Errorf("engine.applied should be null: %v", doc)
		}
	}
	// Reading created nothing.
	var n int
	if err := newPool(t, db).QueryRow(context.Background(), "select count(*) from pg_namespace where nspname = 'drizzle'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("drizzle schema count %d, %v: guard created something", n, err)
	}
}

// closedPortURL is a URL to a port nothing listens on, with a password that
// must never show.
func closedPortURL(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "postgres://app:s3cr3t-pw@" + addr + "/hogsend?sslmode=disable&connect_timeout=2"
}

func unreachablePool(t testing.TB) *pgxpool.Pool {
	pool, err := pgxpool.New(context.Background(), closedPortURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	g := newGuardT(t, unreachablePool(t))
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	d := rep.Components["database"]
	if code != 503 || rep.Status != "degraded" || d.Status != "down" || d.Error == "" {
		t.Fatalf("health %d %+v", code, rep)
	}
	for _, name := range []string{"engine", "client"} {
		if s := rep.Schema[name]; s.InSync || len(s.Pending) != 0 || s.Applied != nil {
			t.Errorf("%s: pending should be unknown: %+v", name, s)
		}
	}
	err := g.Boot(context.Background())
	// It says the database cannot be reached, and why; never "out of date".
	if !errors.Is(err, ErrUnreachable) || errors.Is(err, ErrSchemaBehind) ||
		!strings.Contains(err.Error(), "Database cannot be reached") || !strings.Contains(err.Error(), "Cause: ") ||
		strings.Contains(err.Error(), "out of date") {
		t.Fatalf("Boot: %v", err)
	}
	b, _ := json.Marshal(doc)
	for _, s := range []string{err.Error(), string(b)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("password leaked: %s", s)
		}
	}
}

func TestSkipSchemaCheck(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	// Behind and unreachable: Boot would fail, and must not even try.
	g := newGuardT(t, unreachablePool(t), WithSkipSchemaCheck(true), WithLogger(logger))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot with the check skipped: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "SKIP_SCHEMA_CHECK") {
		t.Errorf("no warning logged: %q", logs.String())
	}

	env := func(v string) Option {
		return WithGetenv(func(k string) string {
			if k == EnvSkipSchemaCheck {
				return v
			}
			return ""
		})
	}
	db := pgtest.New(t) // empty: behind
	for _, tc := range []struct {
		opts []Option
		skip bool
	}{
		{[]Option{env("true")}, true},
		{[]Option{env("1")}, true},
		{[]Option{env("false")}, false},
		{[]Option{env("")}, false},
		{[]Option{env("true"), WithSkipSchemaCheck(false)}, false}, // the option wins over the environment
	} {
		g, err := New(newPool(t, db), tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Boot(context.Background()); (err == nil) != tc.skip {
			t.Errorf("skip=%v: Boot: %v", tc.skip, err)
		}
	}
	if _, err := New(newPool(t, db), env("yes please")); err == nil || !strings.Contains(err.Error(), "SKIP_SCHEMA_CHECK") {
		t.Errorf("a non-boolean SKIP_SCHEMA_CHECK should fail New: %v", err)
	}
	t.Run("process environment", func(t *testing.T) {
		t.Setenv(EnvSkipSchemaCheck, "true")
		g, err := New(newPool(t, db))
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Boot(context.Background()); err != nil {
			t.Fatalf("SKIP_SCHEMA_CHECK=true in the environment: %v", err)
		}
	})
}

func TestReadOnlyRole(t *testing.T) {
	t.Parallel()
	db, fsys, _ := withClient(t, 2)
	roURL := pgtest.Role(t, db, "guard_ro", "IN ROLE pg_read_all_data")
	cfg, err := pgx.ParseConfig(roURL)
	if err != nil {
		t.Fatal(err)
	}
	// Any write, even a CREATE ... IF NOT EXISTS, fails in a read-only transaction.
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	g := newGuardT(t, conn, WithClientMigrations(fsys))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot as a read-only role: %v", err)
	}
	if rep := g.Check(context.Background()); rep.Status != "healthy" || rep.Release == nil {
		t.Fatalf("Check as a read-only role: %+v", rep)
	}
}

func TestSQLDB(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	sqlDB, err := sql.Open("pgx", db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	g, err := NewSQL(sqlDB, WithSkipSchemaCheck(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Boot(context.Background()); !errors.Is(err, ErrSchemaBehind) {
		t.Fatalf("Boot on an empty database through *sql.DB: %v", err)
	}
	migrate(t, db)
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot on a migrated database through *sql.DB: %v", err)
	}
	if code, _, rep := health(t, g); code != 200 || rep.Status != "healthy" {
		t.Fatalf("health %d %+v", code, rep)
	}

	// stdlib.OpenDB is the other way to get a pgx-backed *sql.DB.
	cfg, err := pgx.ParseConfig(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB2 := stdlib.OpenDB(*cfg)
	defer sqlDB2.Close()
	g2, err := NewSQL(sqlDB2, WithSkipSchemaCheck(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := g2.Boot(context.Background()); err != nil {
		t.Fatalf("Boot through stdlib.OpenDB: %v", err)
	}
}

func TestTx(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	tx, err := db.Conn(t).Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	g := newGuardT(t, tx)
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot in a transaction: %v", err)
	}
}

// countingConn counts the messages the client flushes to the server: one
// write per round trip.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}
func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func TestOneRoundTrip(t *testing.T) {
	t.Parallel()
	db, fsys, _ := withClient(t, 2)
	cfg, err := pgx.ParseConfig(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	var writes atomic.Int64
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{c, &writes}, nil
	}
	qc := &queryCounter{}
	cfg.Tracer = qc
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// The first check verifies the schema, the second does not (within the
	// interval): each prepares its statement once.
	g := newGuardT(t, conn, WithClientMigrations(fsys))
	for range 2 {
		if rep := g.Check(context.Background()); rep.Status != "healthy" {
			t.Fatalf("first checks: %+v", rep)
		}
	}
	writes.Store(0)
	qc.n.Store(0)
	if rep := g.Check(context.Background()); rep.Status != "healthy" || rep.Release == nil || !rep.Schema["client"].LedgerExists ||
		rep.Schema["engine"].SchemaCheck == nil || !rep.Schema["engine"].SchemaCheck.Verified {
		t.Fatalf("third check: %+v", rep)
	}
	if q, w := qc.n.Load(), writes.Load(); q != 1 || w != 1 {
		t.Fatalf("Check sent %d queries in %d writes; want 1 query, 1 round trip", q, w)
	}
	// A verifying check rides the same round trip.
	gv := newGuardT(t, conn, WithClientMigrations(fsys), WithVerifyInterval(time.Nanosecond))
	gv.Check(context.Background())
	writes.Store(0)
	qc.n.Store(0)
	if rep := gv.Check(context.Background()); rep.Status != "healthy" || !rep.Schema["engine"].SchemaCheck.Verified {
		t.Fatalf("verifying check: %+v", rep)
	}
	if q, w := qc.n.Load(), writes.Load(); q != 1 || w != 1 {
		t.Fatalf("verifying Check sent %d queries in %d writes; want 1 query, 1 round trip", q, w)
	}
}

func TestComponents(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	down := errors.New("dial redis://:r3d1s-pw@cache:6379: connection refused")
	g := newGuardT(t, newPool(t, db),
		WithComponent("queue", func(context.Context) error { return nil }),
		WithComponent("redis", func(context.Context) error { return down }))
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	if code != 503 || rep.Status != "degraded" || rep.Components["queue"].Status != "up" ||
		rep.Components["redis"].Status != "down" || rep.Components["database"].Status != "up" {
		t.Fatalf("health %d %+v", code, rep)
	}
	if e := rep.Components["redis"].Error; !strings.Contains(e, "connection refused") || strings.Contains(e, "r3d1s") {
		t.Errorf("redis error %q", e)
	}
	// Boot checks the schema only.
	if err := g.Boot(context.Background()); err != nil {
		t.Errorf("Boot: %v", err)
	}

	slow := newGuardT(t, newPool(t, db), WithTimeout(200*time.Millisecond),
		WithComponent("stuck", func(context.Context) error { time.Sleep(2 * time.Second); return nil }))
	start := time.Now()
	rep = slow.Check(context.Background())
	if rep.Status != "degraded" || rep.Components["stuck"].Status != "down" || time.Since(start) > time.Second {
		t.Fatalf("a hung check: %+v after %s", rep, time.Since(start))
	}
}

func TestHandlerMethods(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	h := newGuardT(t, newPool(t, db)).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/health", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/v1/health", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestOptionsValidated(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	pool := newPool(t, db)
	ok := func(context.Context) error { return nil }
	for name, opts := range map[string][]Option{
		"nil client fs":      {WithClientMigrations(nil)},
		"invalid journal":    {WithClientMigrations(fstest.MapFS{"meta/_journal.json": {Data: []byte("{")}})},
		"empty component":    {WithComponent(" ", ok)},
		"database component": {WithComponent("database", ok)},
		"nil check":          {WithComponent("redis", nil)},
		"duplicate":          {WithComponent("redis", ok), WithComponent("redis", ok)},
		"zero timeout":       {WithTimeout(0)},
		"nil getenv":         {WithGetenv(nil)},
		"nil option":         {nil},
		"bad build release":  {withEngineRelease("one")},
	} {
		if _, err := New(pool, opts...); err == nil || !strings.HasPrefix(err.Error(), "guard: ") {
			t.Errorf("%s: New = %v, want a guard: error", name, err)
		}
	}
	// The duration options refuse zero and negative values, each naming
	// itself (they share one check).
	for _, tc := range []struct {
		name string
		opt  Option
	}{
		{"WithTimeout", WithTimeout(0)},
		{"WithTimeout", WithTimeout(-time.Second)},
		{"WithVerifyInterval", WithVerifyInterval(0)},
		{"WithVerifyInterval", WithVerifyInterval(-time.Second)},
	} {
		if _, err := New(pool, tc.opt); err == nil || !strings.HasPrefix(err.Error(), "guard: "+tc.name+": ") {
			t.Errorf("%s: New = %v, want a guard: %s: error", tc.name, err, tc.name)
		}
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := NewSQL(nil); err == nil {
		t.Error("NewSQL(nil) succeeded")
	}
}

// Client migrations given to guard must be a drizzle-kit folder: a missing
// folder or one without meta/_journal.json used to be an empty, healthy
// client track.
func TestClientMigrationsFolderRequired(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	pool := newPool(t, db)
	for name, fsys := range map[string]fs.FS{
		"no journal":     fstest.MapFS{"0000_a.sql": {Data: []byte("select 1;")}},
		"missing folder": os.DirFS(filepath.Join(t.TempDir(), "migratoins")),
	} {
		_, err := New(pool, WithClientMigrations(fsys))
		if !errors.Is(err, tracks.ErrNoSource) || !strings.HasPrefix(err.Error(), "guard: ") {
			t.Errorf("%s: New = %v, want tracks.ErrNoSource", name, err)
		}
	}
}

// newPool opens a pool on db, closed at cleanup.
func newPool(t testing.TB, db *pgtest.DB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// exampleTB lets the examples, which get no *testing.T, use pgtest: a
// failure panics, cleanups run when the example calls done.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Fatal(args ...any)                 { panic(fmt.Sprint(args...)) }
func (e *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e *exampleTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// NewExampleDatabase gives the examples a fresh database, with the engine
// track applied when migrated, and a function that drops it.
func NewExampleDatabase(migrated bool) (url string, done func()) {
	tb := &exampleTB{}
	db := pgtest.New(tb)
	if migrated {
		migrate(tb, db)
	}
	return db.URL, func() {
		for i := len(tb.cleanups) - 1; i >= 0; i-- {
			tb.cleanups[i]()
		}
	}
}
