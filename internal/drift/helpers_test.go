package drift_test

import (
	"context"
	"fmt"
	filepathpkg "path/filepath"
	"runtime"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// repoRoot is the module root, found from this file.
func repoRoot(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepathpkg.Dir(filepathpkg.Dir(filepathpkg.Dir(file)))
}

// clientFixture is testdata/drizzle/migrations: 4 migrations made by
// drizzle-kit; 0002 adds tickets.legacy_code and 0003 drops it.
func clientFixture(t testing.TB) string {
	return filepathpkg.Join(repoRoot(t), "testdata", "drizzle", "migrations")
}

func engineTrack(t testing.TB) tracks.Loaded {
	t.Helper()
	l, err := tracks.Load(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func clientTrack(t testing.TB) tracks.Loaded {
	t.Helper()
	l, err := tracks.Load(tracks.ClientTrack(clientFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// folder builds a drizzle-kit folder whose migration i holds sqls[i]
// (statements separated by the breakpoint marker).
func folder(sqls ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	f := journal.File{Version: "7", Dialect: "postgresql"}
	for i, s := range sqls {
		tag := fmt.Sprintf("%04d_m%d", i, i)
		f.Entries = append(f.Entries, journal.Entry{Idx: i, Version: "7", When: 1700000000000 + int64(i)*1000, Tag: tag, Breakpoints: true})
		fsys[tag+".sql"] = &fstest.MapFile{Data: []byte(s)}
	}
	fsys[journal.JournalPath] = &fstest.MapFile{Data: journal.MarshalJournal(f)}
	return fsys
}

// customTrack is a client track read from fsys.
func customTrack(t testing.TB, fsys fstest.MapFS) tracks.Loaded {
	t.Helper()
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return tracks.Loaded{Track: tracks.Track{Name: tracks.Client, Source: fsys, Location: "test", Ledger: ledger.ClientTable, Optional: true}, Journal: j}
}

// applySQL bootstraps db like a push would: it runs the first n migrations'
// statements of l directly (n < 0: all), writing no ledger rows.
func applySQL(t testing.TB, db *pgtest.DB, l tracks.Loaded, n int) {
	t.Helper()
	conn := db.Conn(t)
	ms := l.Journal.Migrations
	if n >= 0 {
		ms = ms[:n]
	}
	for _, m := range ms {
		for _, st := range m.Statements() {
			if _, err := conn.Exec(context.Background(), st.SQL); err != nil {
				t.Fatalf("bootstrap %s: %v", m.Tag, err)
			}
		}
	}
}

// migrate applies the pending migrations of ts with tracks.Apply.
func migrate(t testing.TB, db *pgtest.DB, ts ...tracks.Loaded) {
	t.Helper()
	conn := db.Conn(t)
	if _, err := tracks.Apply(context.Background(), conn, ts, tracks.Options{}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}

// check runs a full drift check of db, with the dev server being db's.
func check(t testing.TB, db *pgtest.DB, ts ...tracks.Loaded) (*drift.Report, *drift.History) {
	t.Helper()
	conn := db.Conn(t)
	rep, h, _, err := drift.Detect(context.Background(), conn, db.URL, ts, drift.Options{DevURL: db.URL})
	if err != nil {
		t.Fatalf("drift: %v", err)
	}
	return rep, h
}

func readLive(t testing.TB, db *pgtest.DB, ts ...tracks.Loaded) *drift.Live {
	t.Helper()
	live, err := drift.ReadLive(context.Background(), db.Conn(t), db.URL, ts)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

func tags(l tracks.Loaded, from, to int) []string {
	var out []string
	for _, m := range l.Journal.Migrations[from:to] {
		out = append(out, m.Tag)
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func wantTags(t testing.TB, what string, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// ledgerRows returns a ledger's (hash, created_at) pairs in id order.
func ledgerRows(t testing.TB, db *pgtest.DB, table ledger.Table) [][2]any {
	t.Helper()
	l, err := ledgertest.Read(context.Background(), db.Conn(t), table)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]any
	for _, r := range l.Rows {
		out = append(out, [2]any{r.Hash, r.CreatedAt})
	}
	return out
}

// objects lists db's schema objects.
func objects(t testing.TB, db *pgtest.DB) []drift.Object {
	t.Helper()
	r, err := schemastate.Inspect(context.Background(), db.URL)
	if err != nil {
		t.Fatal(err)
	}
	return drift.Objects(r)
}

func hasRef(rs []drift.ObjectRef, kind, name string) bool {
	for _, r := range rs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

// repair plans and writes the push-gap rows of db.
func repair(t testing.TB, db *pgtest.DB, ts ...tracks.Loaded) (*drift.Plan, *drift.Report) {
	t.Helper()
	rep, h := check(t, db, ts...)
	live := readLive(t, db, ts...)
	plan, err := drift.PlanRepair(rep, h, live)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	after, err := drift.Repair(context.Background(), db.Conn(t), db.URL, h, plan, drift.RepairOptions{ToolVersion: "test"})
	if err != nil {
		t.Fatalf("repair: %v", err)
	}
	return plan, after
}

// status returns the tracks report of db.
func status(t testing.TB, db *pgtest.DB, ts ...tracks.Loaded) *tracks.Report {
	t.Helper()
	rep, err := tracks.Status(context.Background(), db.Conn(t), ts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// migratedInSync is a new database that tracks.Apply migrated with ts,
// which the test requires drift to find in sync.
func migratedInSync(t testing.TB, ts ...tracks.Loaded) *pgtest.DB {
	t.Helper()
	db := pgtest.New(t)
	migrate(t, db, ts...)
	if rep, _ := check(t, db, ts...); !rep.InSync {
		t.Fatalf("a clean migrate is not in sync: %+v %v", rep.Tracks, rep.Untracked)
	}
	return db
}

// pushedClient is a new database that drizzle-kit push made from the client
// fixture's schema at version ("v2"), and its drift report: the test fails
// unless the first gap client migrations are push gap.
func pushedClient(t testing.TB, version string, gap int) (tracks.Loaded, *pgtest.DB, *drift.Report) {
	t.Helper()
	cl := clientTrack(t)
	db := pgtest.New(t)
	drizzletest.Push(t, db.URL, "schema/"+version+".ts")
	rep, _ := check(t, db, cl)
	wantTags(t, "push gap", rep.Track(tracks.Client).PushGap, tags(cl, 0, gap))
	return cl, db, rep
}

// wantDrizzleNothingToDo runs drizzle-orm's migrator over dir on db (ledger
// schema.table, "" for drizzle's defaults) and fails the test unless the
// ledger held rows rows before and after: a repaired ledger leaves it
// nothing to apply.
func wantDrizzleNothingToDo(t testing.TB, db *pgtest.DB, dir, schema, table string, rows int) {
	t.Helper()
	if before, after := drizzletest.Migrate(t, db.URL, dir, schema, table); before != rows || after != rows {
		t.Errorf("drizzle-orm migrated %d -> %d rows after repair, want %d and %d", before, after, rows, rows)
	}
}

// filepath joins parts under the module root.
func filepath(t testing.TB, parts ...string) string {
	return filepathpkg.Join(append([]string{repoRoot(t)}, parts...)...)
}
