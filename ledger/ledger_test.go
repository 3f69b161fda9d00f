package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestReadMissingCreatesNothing(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	ls, err := ledgertest.ReadAll(ctx, conn, ledger.EngineTable, ledger.ClientTable)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Exists || ls[1].Exists || len(ls[0].Rows) != 0 {
		t.Fatalf("missing ledgers read as %+v", ls)
	}
	var n int
	if err := conn.QueryRow(ctx, `select count(*) from pg_namespace where nspname = 'drizzle'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("reading created the drizzle schema (n=%d, err=%v)", n, err)
	}
}

func TestEnsureInsertReadInOneRoundTrip(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.Ensure(ctx, tx, ledger.EngineTable); err != nil {
		t.Fatal(err)
	}
	if err := ledger.Insert(ctx, tx, ledger.EngineTable, "aa", 1795304834121); err != nil {
		t.Fatal(err)
	}
	// Read inside the caller's transaction, with one ledger still missing:
	// the transaction must stay usable.
	ls, err := ledgertest.ReadAll(ctx, tx, ledger.EngineTable, ledger.ClientTable)
	if err != nil {
		t.Fatal(err)
	}
	if !ls[0].Exists || ls[1].Exists || len(ls[0].Rows) != 1 || ls[0].Rows[0] != (ledger.Row{ID: 1, Hash: "aa", CreatedAt: 1795304834121}) {
		t.Fatalf("read %+v", ls)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if l, err := ledgertest.Read(ctx, conn, ledger.EngineTable); err != nil || l.Exists {
		t.Fatalf("rollback must take the ledger with it: %+v %v", l, err)
	}
}

func TestSameTableAsDrizzle(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	if err := ledger.Ensure(ctx, conn, ledger.ClientTable); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `select column_name, data_type, is_nullable, coalesce(column_default, '') from information_schema.columns
		where table_schema = 'drizzle' and table_name = '__client_migrations' order by ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var c, ty, null, def string
		if err := rows.Scan(&c, &ty, &null, &def); err != nil {
			t.Fatal(err)
		}
		got = append(got, c+" "+ty+" "+null+" "+def)
	}
	want := []string{
		"id integer NO nextval('drizzle.__client_migrations_id_seq'::regclass)",
		"hash text NO ",
		"created_at bigint YES ",
	}
	if len(got) != len(want) {
		t.Fatalf("columns %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestNumericAndNullCreatedAt(t *testing.T) {
	db := pgtest.New(t)
	db.Exec(t, `create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at numeric);
		insert into drizzle.__drizzle_migrations (hash, created_at) values ('a', 1795304834121), ('b', null), ('c', 1795304834122.000)`)
	l, err := ledgertest.Read(context.Background(), db.Conn(t), ledger.EngineTable)
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Row{{ID: 1, Hash: "a", CreatedAt: 1795304834121}, {ID: 2, Hash: "b", NullCreatedAt: true}, {ID: 3, Hash: "c", CreatedAt: 1795304834122}}
	if len(l.Rows) != 3 {
		t.Fatalf("read %+v", l)
	}
	for i := range want {
		if l.Rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, l.Rows[i], want[i])
		}
	}
	if err := ledger.Insert(context.Background(), db.Conn(t), ledger.EngineTable, "d", 1795304834123); err != nil {
		t.Fatalf("insert into a numeric ledger: %v", err)
	}
}

func TestWrongColumns(t *testing.T) {
	db := pgtest.New(t)
	db.Exec(t, `create schema drizzle; create table drizzle.__drizzle_migrations (id int, name text)`)
	_, err := ledgertest.Read(context.Background(), db.Conn(t), ledger.EngineTable)
	var ce *ledger.ColumnsError
	if !errors.Is(err, ledger.ErrWrongColumns) || !errors.As(err, &ce) || len(ce.Columns) != 2 {
		t.Fatalf("err = %v", err)
	}
}

func TestOddIdentifiersCannotInject(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	odd := ledger.Table{Schema: `My "Schema"`, Name: `led ger"; drop table x; --`}
	db.Exec(t, `create table x (id int)`)
	if err := ledger.Ensure(ctx, conn, odd); err != nil {
		t.Fatal(err)
	}
	if err := ledger.Insert(ctx, conn, odd, "h", 42); err != nil {
		t.Fatal(err)
	}
	l, err := ledgertest.Read(ctx, conn, odd)
	if err != nil || len(l.Rows) != 1 || l.Rows[0].CreatedAt != 42 {
		t.Fatalf("read %+v %v", l, err)
	}
	var n int
	if err := conn.QueryRow(ctx, `select count(*) from x`).Scan(&n); err != nil {
		t.Fatalf("table x is gone: %v", err)
	}
}

func TestReaderLearnsWhatExists(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	r, err := ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	if err != nil {
		t.Fatal(err)
	}
	read := func(wantEngine, wantClient int, wantExists [2]bool) {
		t.Helper()
		snap, err := r.Read(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		got := [2]bool{snap.Ledgers[0].Exists, snap.Ledgers[1].Exists}
		if got != wantExists || len(snap.Ledgers[0].Rows) != wantEngine || len(snap.Ledgers[1].Rows) != wantClient {
			t.Fatalf("read %+v, want exists %v rows %d/%d", snap.Ledgers, wantExists, wantEngine, wantClient)
		}
	}
	read(0, 0, [2]bool{false, false}) // nothing exists: the fast guess fails, the catalog answers
	if err := ledger.Ensure(ctx, conn, ledger.EngineTable); err != nil {
		t.Fatal(err)
	}
	if err := ledger.Insert(ctx, conn, ledger.EngineTable, "h1", 1); err != nil {
		t.Fatal(err)
	}
	read(1, 0, [2]bool{true, false}) // the probe sees the engine ledger appear
	read(1, 0, [2]bool{true, false}) // steady state
	if err := ledger.Ensure(ctx, conn, ledger.ClientTable); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int64{3, 2} {
		if err := ledger.Insert(ctx, conn, ledger.ClientTable, "c", w); err != nil {
			t.Fatal(err)
		}
	}
	read(1, 2, [2]bool{true, true})
	db.Exec(t, `drop table drizzle.__client_migrations`)
	read(1, 0, [2]bool{true, false}) // a vanished table: 42P01, then the catalog
	if err := ledger.RecordRelease(ctx, conn, "engine", "1.4.0", "test"); err != nil {
		t.Fatal(err)
	}
	snap, err := r.Read(ctx, conn)
	if err != nil || snap.Releases["engine"].Version != "1.4.0" {
		t.Fatalf("release not read: %+v %v", snap.Releases, err)
	}
}

func TestReaderWrongColumnsStillExplained(t *testing.T) {
	db := pgtest.New(t)
	db.Exec(t, `create schema drizzle; create table drizzle.__drizzle_migrations (id int, name text)`)
	r, _ := ledger.NewReader([]ledger.Table{ledger.EngineTable})
	_, err := r.Read(context.Background(), db.Conn(t))
	if !errors.Is(err, ledger.ErrWrongColumns) {
		t.Fatalf("err = %v", err)
	}
}

func TestSnapshotListsInvalidIndexes(t *testing.T) {
	db := pgtest.New(t)
	db.Exec(t, `create table t (a int); insert into t values (1), (1)`)
	conn := db.Conn(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `create unique index concurrently t_a_key on t (a)`); err == nil {
		t.Fatal("the unique build should fail on duplicate data")
	}
	for _, inTx := range []bool{false, true} {
		var q ledger.Querier = conn
		if inTx {
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx)
			q = tx
		}
		r, _ := ledger.NewReader([]ledger.Table{ledger.EngineTable}, ledger.WatchIndexes([]string{"t_a_key", "no_such_index"}))
		snap, err := r.Read(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.InvalidIndexes) != 1 || snap.InvalidIndexes[0] != (ledger.Index{Schema: "public", Name: "t_a_key", Table: "t"}) {
			t.Fatalf("tx=%v: invalid indexes %+v", inTx, snap.InvalidIndexes)
		}
	}
}

// TestVersions: a version-1 ledger (drizzle-orm 1.0's) reads with its
// names and version; a version-0 one reads as version 0, its rows nameless.
func TestVersions(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	if err := ledger.EnsureVersion(ctx, conn, ledger.EngineTable, ledger.Version0); err != nil {
		t.Fatal(err)
	}
	if err := ledger.EnsureVersion(ctx, conn, ledger.ClientTable, ledger.Version1); err != nil {
		t.Fatal(err)
	}
	if err := ledger.Insert(ctx, conn, ledger.EngineTable, "aa", 1000); err != nil {
		t.Fatal(err)
	}
	if err := ledger.InsertNamed(ctx, conn, ledger.ClientTable, "bb", 2000, "20240101000000_init"); err != nil {
		t.Fatal(err)
	}
	if err := ledger.InsertNamed(ctx, conn, ledger.ClientTable, "cc", 3000, ""); err != nil {
		t.Fatal(err)
	}
	r, err := ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the guessed read and the remembered one
		snap, err := r.Read(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		e, c := snap.Ledgers[0], snap.Ledgers[1]
		if e.Version != ledger.Version0 || len(e.Rows) != 1 || e.Rows[0].Name != "" {
			t.Fatalf("version-0 ledger read as %+v", e)
		}
		if c.Version != ledger.Version1 || len(c.Rows) != 2 || c.Rows[0].Name != "20240101000000_init" || c.Rows[1].Name != "" {
			t.Fatalf("version-1 ledger read as %+v", c)
		}
	}
	// An empty version-1 ledger is still version 1: its inserts need the name.
	if _, err := conn.Exec(ctx, `delete from drizzle.__client_migrations`); err != nil {
		t.Fatal(err)
	}
	if l, err := ledgertest.Read(ctx, conn, ledger.ClientTable); err != nil || l.Version != ledger.Version1 {
		t.Fatalf("empty version-1 ledger read as %+v (%v)", l, err)
	}
	var applied bool
	if err := conn.QueryRow(ctx, `select count(*) = 0 from information_schema.columns where table_schema = 'drizzle' and table_name = '__drizzle_migrations' and column_name in ('name', 'applied_at')`).Scan(&applied); err != nil || !applied {
		t.Fatalf("a version-0 ledger gained name or applied_at (%v)", err)
	}
}

// TestVersionChangeOnWarmConnection: a Reader whose statement is already
// prepared on the connection sees a name column added (drizzle-kit up) and
// dropped again: the version and names come from the table as it is now,
// not as it was when the statement was prepared.
func TestVersionChangeOnWarmConnection(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	ctx := context.Background()
	for _, tb := range []ledger.Table{ledger.EngineTable, ledger.ClientTable} {
		if err := ledger.EnsureVersion(ctx, conn, tb, ledger.Version0); err != nil {
			t.Fatal(err)
		}
		if err := ledger.Insert(ctx, conn, tb, "aa", 1000); err != nil {
			t.Fatal(err)
		}
	}
	r, err := ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	if err != nil {
		t.Fatal(err)
	}
	read := func(step string, wantVersion int, wantName string) {
		t.Helper()
		snap, err := r.Read(ctx, conn)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		e, c := snap.Ledgers[0], snap.Ledgers[1]
		if e.Version != ledger.Version0 || len(e.Rows) != 1 || e.Rows[0].Name != "" {
			t.Fatalf("%s: untouched engine ledger read as %+v", step, e)
		}
		if c.Version != wantVersion || len(c.Rows) != 1 || c.Rows[0].Name != wantName || c.Rows[0].Hash != "aa" {
			t.Fatalf("%s: client ledger read as %+v, want version %d and name %q", step, c, wantVersion, wantName)
		}
	}
	read("version 0", ledger.Version0, "")
	read("version 0 again", ledger.Version0, "")
	db.Exec(t, `alter table drizzle.__client_migrations add column name text, add column applied_at timestamptz default now();
		update drizzle.__client_migrations set name = '20240101000000_init'`)
	read("name added", ledger.Version1, "20240101000000_init")
	db.Exec(t, `update drizzle.__client_migrations set name = null`)
	read("name null", ledger.Version1, "")
	db.Exec(t, `alter table drizzle.__client_migrations drop column name`)
	read("name dropped", ledger.Version0, "")
	// A column of another type is still the name column.
	db.Exec(t, `alter table drizzle.__client_migrations add column name varchar(255);
		update drizzle.__client_migrations set name = '0000_init'`)
	read("name varchar", ledger.Version1, "0000_init")
}

func TestTextArray(t *testing.T) {
	db := pgtest.New(t)
	conn := db.Conn(t)
	in := []string{"a", "", `q"u\o,te{}`, "NULL"}
	var out []*string
	if err := conn.QueryRow(context.Background(), "select $1::text[]", string(ledger.TextArray(in))).Scan(&out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 4 || *out[0] != "a" || out[1] != nil || *out[2] != in[2] || *out[3] != "NULL" {
		t.Fatalf("round trip gave %v", out)
	}
}
