package tracks_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// A nameless row in the newest folders' second is not "ahead" because its
// milliseconds pass the folders' whole second: drizzle-orm 1.0 compares
// seconds. Matching none of the folders that share it, it is a row among
// the local ones that records none of them.
func TestMatchNamedSameSecondNotAhead(t *testing.T) {
	j := jm1(t, fA, fB, fC) // fB and fC share the newest second
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: []ledger.Row{
		row(1, "h"+fA, ms(t, fA)+100), row(2, "h"+fB, ms(t, fB)+100), row(3, "edited", ms(t, fC)+900),
	}}
	s := tracks.Match(j, l)
	if len(s.Ahead) != 0 || len(s.Unknown) != 1 || s.Unknown[0].ID != 3 || !s.Problems() || s.Verdict != tracks.Foreign {
		t.Fatalf("verdict %s ahead %+v unknown %+v", s.Verdict, s.Ahead, s.Unknown)
	}
	// A row in a later second is newer than every folder; with fC
	// pending below it the folders are not a prefix of the ledger: foreign.
	l.Rows[2] = row(3, "newer", ms(t, fC)+1000)
	if s := tracks.Match(j, l); len(s.Ahead) != 1 || len(s.Unknown) != 0 || s.Verdict != tracks.Foreign {
		t.Fatalf("verdict %s ahead %+v unknown %+v", s.Verdict, s.Ahead, s.Unknown)
	}
}

// ssFolders0 is a 0.x folder of two migrations in one second; ssFolders1
// is the same in the 1.0 layout (one second, so one folder prefix), with
// b's file edited (a trailing newline: another hash).
func ssFolders0() fstest.MapFS {
	return folder(
		mig{"0000_a", 1700000000100, "create table ss_log(v text);"},
		mig{"0001_b", 1700000000900, "insert into ss_log values ('b');"},
	)
}

func ssFolders1() fstest.MapFS {
	return fstest.MapFS{
		"20231114221320_a/migration.sql": {Data: []byte("create table ss_log(v text);")},
		"20231114221320_b/migration.sql": {Data: []byte("insert into ss_log values ('b');\n")},
	}
}

// The version-0 ledger of a 0.x folder, then the folder in the 1.0 layout
// with b edited: b's row (created_at …900, in the folders' second) matches
// no folder by hash, so drizzle-orm 1.0's upgrade would throw. status calls
// it an integrity problem, and migrate refuses: it must not run b's insert
// again, nor write the ledger.
func TestApplyFoldersRefusesUnmatchedRowInSecond(t *testing.T) {
	db := newDB(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	if _, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, ssFolders0())}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, db, ledger.ClientTable)
	ts := []tracks.Loaded{client(t, ssFolders1())}
	rep, err := tracks.Status(ctx, conn, ts)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Track(tracks.Client)
	if len(s.Ahead) != 0 || len(s.Unknown) != 1 || s.Unknown[0].ID != 2 || !rep.Problems() || len(rep.Integrity) == 0 {
		t.Fatalf("status: verdict %s ahead %+v unknown %+v integrity %+v", s.Verdict, s.Ahead, s.Unknown, rep.Integrity)
	}
	_, err = tracks.Apply(ctx, conn, ts, tracks.Options{})
	if !errors.Is(err, tracks.ErrForeign) {
		t.Fatalf("migrate: %v", err)
	}
	var n int
	if err := conn.QueryRow(context.Background(), "select count(*) from ss_log").Scan(&n); err != nil || n != 1 {
		t.Fatalf("ss_log has %d rows (%v): the insert ran again", n, err)
	}
	if after := rowsOf(t, db, ledger.ClientTable); !slices.Equal(after, rows) {
		t.Fatalf("ledger written: %+v, was %+v", after, rows)
	}
}
