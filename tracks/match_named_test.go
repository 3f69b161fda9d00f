package tracks_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// jm1 builds a 1.0-layout journal of folder names (their first 14 digits
// give created_at) whose hashes are "h"+name.
func jm1(t testing.TB, names ...string) *journal.Journal {
	t.Helper()
	j := &journal.Journal{Version: "8", Dialect: "postgresql", Layout: journal.LayoutFolders}
	for i, name := range names {
		when, ok := journal.FolderTime(name)
		if !ok {
			t.Fatalf("bad folder name %q", name)
		}
		j.Migrations = append(j.Migrations, &journal.Migration{
			Entry: journal.Entry{Idx: i, Version: "8", When: when, Tag: name, Breakpoints: true},
			Name:  name, File: name + "/migration.sql", Hash: "h" + name,
		})
	}
	return j
}

func named(id int64, hash string, at int64, name string) ledger.Row {
	return ledger.Row{ID: id, Hash: hash, CreatedAt: at, Name: name}
}

const (
	fA = "20240101000000_a"
	fB = "20240101000001_b"
	fC = "20240101000001_c" // same second as fB
	fD = "20240102000000_d"
)

func ms(t testing.TB, name string) int64 {
	t.Helper()
	w, _ := journal.FolderTime(name)
	return w
}

func TestMatchNamedVersion1(t *testing.T) {
	j := jm1(t, fA, fB, fC, fD)
	// by name, whatever created_at says; fC missing although fD is applied
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Version: ledger.Version1, Rows: []ledger.Row{
		named(1, "h"+fA, 1, fA), named(2, "h"+fB, 2, fB), named(3, "other", 3, fD), named(4, "hx", 4, "20990101000000_z"),
		named(5, "hy", 5, "20000101000000_y"),
	}}
	s := tracks.Match(j, l)
	if !slices.Equal(s.Pending, []string{fC}) || !slices.Equal(s.AppliedOutOfOrder, []string{fC}) || len(s.OutOfOrder) != 0 {
		t.Errorf("pending %v appliedOutOfOrder %v outOfOrder %v", s.Pending, s.AppliedOutOfOrder, s.OutOfOrder)
	}
	if !slices.Equal(s.Modified, []string{fD}) || *s.Applied != fD || s.Layout != "1.0" || s.LedgerVersion != 1 {
		t.Errorf("modified %v applied %v layout %s v%d", s.Modified, *s.Applied, s.Layout, s.LedgerVersion)
	}
	if len(s.Ahead) != 1 || s.Ahead[0].ID != 4 || len(s.Unknown) != 1 || s.Unknown[0].ID != 5 {
		t.Errorf("ahead %+v unknown %+v", s.Ahead, s.Unknown)
	}
}

// A version-0 ledger with a 1.0 folder is matched as drizzle-orm 1.0's
// upgrade would: the second of created_at, the hash when several folders
// share the second, the hash alone when none has it.
func TestMatchNamedUpgradeRule(t *testing.T) {
	j := jm1(t, fA, fB, fC, fD)
	l := ledger.Ledger{Table: ledger.EngineTable, Exists: true, Rows: []ledger.Row{
		row(1, "edited", ms(t, fA)+123), // the only migration of that second: matched, modified
		row(2, "h"+fC, ms(t, fB)+999),   // two share the second: the hash decides
		row(3, "h"+fD, 42),              // no migration of that second: the hash alone
		row(4, "nomatch", ms(t, fB)),    // two share the second, no hash: drizzle matches nothing
		nullRow(5, "h"+fB),              // NULL created_at: the hash alone
	}}
	s := tracks.Match(j, l)
	if len(s.Pending) != 0 || !slices.Equal(s.Modified, []string{fA}) {
		t.Errorf("pending %v modified %v", s.Pending, s.Modified)
	}
	if len(s.Unknown) != 1 || s.Unknown[0].ID != 4 || len(s.NullCreatedAt) != 0 || len(s.NullName) != 0 {
		t.Errorf("unknown %+v nullCreatedAt %+v nullName %+v", s.Unknown, s.NullCreatedAt, s.NullName)
	}
}

// On a version-1 ledger, nameless rows (drizzle-orm 0.x wrote them) fall
// back to the same rule and are reported.
func TestMatchNamedNullNames(t *testing.T) {
	j := jm1(t, fA, fB)
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Version: ledger.Version1, Rows: []ledger.Row{
		named(1, "h"+fA, ms(t, fA), fA), row(2, "h"+fB, ms(t, fB)+7),
	}}
	s := tracks.Match(j, l)
	if !s.InSync || len(s.NullName) != 1 || s.NullName[0].ID != 2 {
		t.Errorf("inSync %v nullName %+v", s.InSync, s.NullName)
	}
}

// migrate on a 1.0 folder: an absent ledger is created as version 1 and
// every row carries its name; a second run applies nothing; an
// out-of-order folder is applied.
func TestApplyFolders(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	fsys := fstest.MapFS{
		fA + "/migration.sql": {Data: []byte("CREATE TABLE a (id int);\n--> statement-breakpoint\nINSERT INTO a VALUES (1);")},
		fD + "/migration.sql": {Data: []byte("CREATE TABLE d (id int);")},
	}
	cl := client(t, fsys)
	if cl.Journal.Layout != journal.LayoutFolders {
		t.Fatal("not read as the 1.0 layout")
	}
	res, err := tracks.Apply(ctxT(t), conn, []tracks.Loaded{cl}, tracks.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied[tracks.Client], []string{fA, fD}) {
		t.Fatalf("applied %v", res.Applied)
	}
	fsys[fB+"/migration.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (id int);")}
	cl = client(t, fsys)
	res, err = tracks.Apply(ctxT(t), conn, []tracks.Loaded{cl}, tracks.Options{})
	if err != nil {
		t.Fatalf("an out-of-order folder must be applied under 1.0: %v", err)
	}
	if !slices.Equal(res.Applied[tracks.Client], []string{fB}) || !res.Report.Track(tracks.Client).InSync {
		t.Fatalf("applied %v", res.Applied)
	}
	type r struct {
		Hash      string
		CreatedAt int64
		Name      string
		AppliedAt bool
	}
	var got []r
	rows, err := db.Conn(t).Query(context.Background(), `select hash, created_at, name, applied_at is not null from drizzle.__client_migrations order by id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x r
		if err := rows.Scan(&x.Hash, &x.CreatedAt, &x.Name, &x.AppliedAt); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	want := []r{
		{sha(string(fsys[fA+"/migration.sql"].Data)), ms(t, fA), fA, true},
		{sha(string(fsys[fD+"/migration.sql"].Data)), ms(t, fD), fD, true},
		{sha(string(fsys[fB+"/migration.sql"].Data)), ms(t, fB), fB, true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ledger rows\n got %+v\nwant %+v", got, want)
	}
	res, err = tracks.Apply(ctxT(t), conn, []tracks.Loaded{cl}, tracks.Options{})
	if err != nil || len(res.Applied) != 0 || res.Locked {
		t.Fatalf("second run: %v %+v", err, res)
	}
}

// A version-0 ledger stays version 0 when a 1.0 folder is applied to it:
// adding name would make drizzle-orm 1.0 skip its upgrade and re-run rows.
func TestApplyFoldersKeepsVersion0(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	if err := ledger.Ensure(ctxT(t), db.Conn(t), ledger.ClientTable); err != nil {
		t.Fatal(err)
	}
	cl := client(t, fstest.MapFS{
		fA + "/migration.sql": {Data: []byte("CREATE TABLE a (id int);")},
		fD + "/migration.sql": {Data: []byte("-- hogsend-db:no-transaction\nCREATE TABLE d (id int);")},
	})
	if _, err := tracks.Apply(ctxT(t), conn, []tracks.Loaded{cl}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	var cols []string
	if err := db.Conn(t).QueryRow(context.Background(), `select array_agg(column_name::text order by ordinal_position) from information_schema.columns where table_schema = 'drizzle' and table_name = '__client_migrations'`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cols, []string{"id", "hash", "created_at"}) {
		t.Fatalf("columns %v", cols)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 2 || got[1].CreatedAt != ms(t, fD) {
		t.Fatalf("rows %+v", got)
	}
}
