package tracks_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mig is one migration of a generated folder.
type mig struct {
	tag  string
	when int64
	sql  string
}

// folder builds a drizzle-kit folder in memory.
func folder(ms ...mig) fstest.MapFS {
	fsys := fstest.MapFS{}
	f := journal.File{Version: "7", Dialect: "postgresql"}
	for i, m := range ms {
		f.Entries = append(f.Entries, journal.Entry{Idx: i, Version: "7", When: m.when, Tag: m.tag, Breakpoints: true})
		fsys[m.tag+".sql"] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	fsys[journal.JournalPath] = &fstest.MapFile{Data: journal.MarshalJournal(f)}
	return fsys
}

// client loads fsys as a client track.
func client(t testing.TB, fsys fs.FS) tracks.Loaded {
	t.Helper()
	l, err := tracks.Load(tracks.Track{Name: tracks.Client, Source: fsys, Location: "test", Ledger: ledger.ClientTable, Optional: true})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return l
}

// three is the standard three-migration folder: tables t1, t2, t3.
var three = []mig{
	{"0000_one", 1700000000000, "CREATE TABLE t1 (id int PRIMARY KEY, a int);\n--> statement-breakpoint\nINSERT INTO t1 VALUES (1, 10);"},
	{"0001_two", 1700000000100, "CREATE TABLE t2 (id int);\n--> statement-breakpoint\nALTER TABLE t2 ADD COLUMN b text;"},
	{"0002_three", 1700000000200, "CREATE TABLE t3 (id int);"},
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ledgerRow is a row without its id.
type ledgerRow struct {
	Hash      string
	CreatedAt int64
}

// rowsOf reads a ledger table, nil when it does not exist.
func rowsOf(t testing.TB, db *pgtest.DB, tbl ledger.Table) []ledgerRow {
	t.Helper()
	conn := db.Conn(t)
	ctx := context.Background()
	var exists bool
	if err := conn.QueryRow(ctx, "select to_regclass($1) is not null", tbl.Ident()).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return nil
	}
	rows, err := conn.Query(ctx, "select hash, created_at::bigint from "+tbl.Ident()+" order by id")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ledgerRow])
	if err != nil {
		t.Fatal(err)
	}
	if out == nil {
		out = []ledgerRow{}
	}
	return out
}

// wantRows is what drizzle writes for ms: (sha256 of the file, when), in journal order.
func wantRows(ms ...mig) []ledgerRow {
	out := []ledgerRow{}
	for _, m := range ms {
		out = append(out, ledgerRow{Hash: sha(m.sql), CreatedAt: m.when})
	}
	return out
}

// tables lists the user tables of the public schema.
func tables(t testing.TB, db *pgtest.DB) []string {
	t.Helper()
	return pgtest.Rows(t, db.Conn(t), pgx.RowTo[string], "select tablename::text from pg_tables where schemaname = 'public' order by 1")
}

func schemaExists(t testing.TB, db *pgtest.DB, name string) bool {
	t.Helper()
	var ok bool
	if err := db.Conn(t).QueryRow(context.Background(), "select exists(select 1 from pg_namespace where nspname = $1)", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// recorder collects events; safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []tracks.Event
	notify chan tracks.Event // optional, non-blocking
}

func (r *recorder) on(e tracks.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.notify != nil {
		select {
		case r.notify <- e:
		default:
		}
	}
}

func (r *recorder) all() []tracks.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// waitFor returns the first event of type E that r is notified of and
// match accepts, while Apply (which sends its error on done) is still
// running. The test fails if Apply returns first, or if no such event comes
// within limit.
func waitFor[E tracks.Event](t testing.TB, r *recorder, done <-chan error, limit time.Duration, match func(E) bool) E {
	t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case e := <-r.notify:
			if x, ok := e.(E); ok && match(x) {
				return x
			}
		case err := <-done:
			t.Fatalf("Apply returned before the %T event awaited: %v", *new(E), err)
		case <-timeout:
			t.Fatalf("no %T event awaited within %s", *new(E), limit)
		}
	}
}

func eventsOf[E tracks.Event](r *recorder) []E {
	var out []E
	for _, e := range r.all() {
		if x, ok := e.(E); ok {
			out = append(out, x)
		}
	}
	return out
}

// connect opens the session Apply is meant to run on.
func connect(t testing.TB, db *pgtest.DB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func backendPID(t testing.TB, conn *pgx.Conn) int32 {
	t.Helper()
	var pid int32
	if err := conn.QueryRow(context.Background(), "select pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// advisoryHeld reports whether any session of db holds the migration lock.
func advisoryHeld(t testing.TB, db *pgtest.DB) bool {
	t.Helper()
	var n int
	err := db.Conn(t).QueryRow(context.Background(), `select count(*) from pg_locks
		where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
		and classid = 0 and objid = $1 and objsubid = 1`, fmt.Sprint(tracks.LockKey)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func fsReadFile(fsys fs.FS, name string) ([]byte, error) { return fs.ReadFile(fsys, name) }

func asStatementError(err error, target **tracks.StatementError) bool { return errors.As(err, target) }

// verifyTracks loads dir as the given track: as the engine track itself,
// or as the client track beside the bundled engine.
func verifyTracks(t *testing.T, name, dir string) []tracks.Loaded {
	t.Helper()
	if name == tracks.Engine {
		l, err := tracks.Load(tracks.EngineTrackFrom(dir))
		if err != nil {
			t.Fatal(err)
		}
		return []tracks.Loaded{l}
	}
	return []tracks.Loaded{engineLoaded(t), client(t, tracks.DirFS(dir))}
}

// mustApply applies ts on conn and fails the test on error.
func mustApply(t testing.TB, ctx context.Context, conn *pgx.Conn, ts []tracks.Loaded) {
	t.Helper()
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
}

// mustVerify is tracks.Verify's report, failing the test on error.
func mustVerify(t testing.TB, ctx context.Context, q ledger.Querier, ts []tracks.Loaded) *tracks.Report {
	t.Helper()
	rep, err := tracks.Verify(ctx, q, ts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// migratedClean applies dir as the named track (see verifyTracks) on a new
// database and fails the test unless its schema then verifies clean. It
// returns the session, the tracks and that schema check, for the damage
// cases to follow.
func migratedClean(t *testing.T, ctx context.Context, name, dir string) (*pgx.Conn, []tracks.Loaded, *tracks.SchemaCheck) {
	t.Helper()
	db := connect(t, newDB(t))
	ts := verifyTracks(t, name, dir)
	mustApply(t, ctx, db, ts)
	rep := mustVerify(t, ctx, db, ts)
	sc := rep.Track(name).SchemaCheck
	if sc == nil || !sc.Verified || len(sc.Missing) != 0 || rep.Problems() {
		t.Fatalf("freshly migrated: %+v, integrity %+v", sc, rep.Integrity)
	}
	return db, ts, sc
}

// verifyDamaged runs damage in a transaction, verifies inside it and rolls
// it back: the report of a database with that damage.
func verifyDamaged(t *testing.T, ctx context.Context, db *pgx.Conn, ts []tracks.Loaded, damage string) *tracks.Report {
	t.Helper()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // the damage is never kept
	if _, err := tx.Exec(ctx, damage); err != nil {
		t.Fatal(err)
	}
	return mustVerify(t, ctx, tx, ts)
}
