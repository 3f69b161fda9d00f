package tracks_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// A nameless row in the newest folders' second is not "ahead" because its
// milliseconds pass the folders' whole second: drizzle-orm 1.0 compares
// seconds. Matching none of the folders that share it while one of them
// has no row, it records that one, edited after it ran.
func TestMatchNamedSameSecondNotAhead(t *testing.T) {
	j := jm1(t, fA, fB, fC) // fB and fC share the newest second
	l := ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: []ledger.Row{
		row(1, "h"+fA, ms(t, fA)+100), row(2, "h"+fB, ms(t, fB)+100), row(3, "edited", ms(t, fC)+900),
	}}
	s := tracks.Match(j, l)
	if len(s.Ahead) != 0 || len(s.Unknown) != 1 || s.Unknown[0].ID != 3 || !s.Problems() || s.Verdict != tracks.ModifiedSameSecond {
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
	if s.Verdict != tracks.ModifiedSameSecond || len(rep.Integrity) != 1 || rep.Integrity[0].Kind != "modified_same_second" ||
		!slices.Equal(rep.Integrity[0].Items, []string{"20231114221320_b"}) || !strings.Contains(rep.Integrity[0].Remedy, "restore") {
		t.Fatalf("status: verdict %s, integrity %+v: want the edit of 20231114221320_b and its remedy", s.Verdict, rep.Integrity)
	}
	_, err = tracks.Apply(ctx, conn, ts, tracks.Options{})
	var se *tracks.SameSecondError
	if !errors.As(err, &se) || !errors.Is(err, tracks.ErrModified) || errors.Is(err, tracks.ErrForeign) ||
		!slices.Equal(se.Tags, []string{"20231114221320_b"}) || len(se.Rows) != 1 || se.Rows[0].ID != 2 ||
		strings.Contains(err.Error(), "app folder") {
		t.Fatalf("migrate: %v, want a *SameSecondError naming 20231114221320_b and row 2", err)
	}
	// The refusal names the file to restore, and where it is.
	if !slices.Equal(se.Files, []string{"20231114221320_b/migration.sql"}) || !strings.Contains(err.Error(), "20231114221320_b/migration.sql in test") {
		t.Fatalf("migrate: %v (files %v), want the file 20231114221320_b/migration.sql in test named", err, se.Files)
	}
	var n int
	if err := conn.QueryRow(context.Background(), "select count(*) from ss_log").Scan(&n); err != nil || n != 1 {
		t.Fatalf("ss_log has %d rows (%v): the insert ran again", n, err)
	}
	if after := rowsOf(t, db, ledger.ClientTable); !slices.Equal(after, rows) {
		t.Fatalf("ledger written: %+v, was %+v", after, rows)
	}
}

// Which rows of a shared second are an edit: those whose second has a
// folder without a row. A row beside a second whose folders all have their
// rows records none of them (foreign), and a second of one folder matches
// its row by the second alone (modified, as drizzle-orm 1.0 matches it).
func TestMatchNamedEditInSharedSecond(t *testing.T) {
	j := jm1(t, fA, fB, fC, fD)
	for _, tc := range []struct {
		name  string
		rows  []ledger.Row
		want  tracks.Verdict
		items []string
	}{
		{"no row matches at all", []ledger.Row{row(1, "edited", ms(t, fB)+900)}, tracks.ModifiedSameSecond, []string{fB, fC}},
		{"every folder of the second has its row: foreign", []ledger.Row{
			row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)), row(3, "h"+fC, ms(t, fC)), row(4, "other", ms(t, fC)+5),
		}, tracks.Foreign, []string{"4"}},
		{"a second of one folder: modified", []ledger.Row{row(1, "edited", ms(t, fA)+5)}, tracks.Pending, []string{fA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tracks.Match(j, ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: tc.rows})
			v, ps := tracks.Judge(tracks.Facts{Track: tracks.Client, State: &s, Location: "migrations"})
			if v != tc.want || len(ps) != 1 || !slices.Equal(ps[0].Items, tc.items) {
				t.Fatalf("verdict %s, problems %+v; want %s with items %v", v, ps, tc.want, tc.items)
			}
			if p := ps[0]; v == tracks.ModifiedSameSecond && (p.Kind != "modified_same_second" || !v.Integrity() || !v.RefusesBoot() ||
				!strings.Contains(p.Message, "edited after it ran") || strings.Contains(p.Remedy, "app folder")) {
				t.Errorf("problem %+v", p)
			}
		})
	}
}

// A row that repeats a matched row exactly (hash, created_at and name: the
// migration was recorded twice, say by two drizzle-orm migrators without a
// lock) is a duplicate of that migration in drizzle-kit 1.0's layout too,
// as drizzle-orm 1.0's upgrade matches it: not a row of another folder
// (foreign), and in a shared second not the trace of an edit of the folder
// still pending there (modified_same_second), which migrate would refuse to
// run although its file is untouched.
func TestMatchNamedDuplicateRow(t *testing.T) {
	j := jm1(t, fA, fB, fC, fD)
	for _, tc := range []struct {
		name    string
		version int
		rows    []ledger.Row
		pending []string
	}{
		{"nameless, shared second", ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)+5), row(3, "h"+fB, ms(t, fB)+5)}, []string{fC, fD}},
		{"nameless, a second of one folder", ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(3, "h"+fA, ms(t, fA))}, []string{fB, fC, fD}},
		{"named", ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(3, "h"+fA, ms(t, fA), fA)}, []string{fB, fC, fD}},
		{"named row, then a nameless one of the same migration", ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fB, ms(t, fB), fB), row(3, "h"+fB, ms(t, fB))}, []string{fC, fD}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tracks.Match(j, ledger.Ledger{Table: ledger.ClientTable, Exists: true, Version: tc.version, Rows: tc.rows})
			v, ps := tracks.Judge(tracks.Facts{Track: tracks.Client, State: &s, Location: "migrations"})
			if v != tracks.Pending || !slices.Equal(s.Pending, tc.pending) || len(s.Unknown) != 0 ||
				len(s.Duplicate) != 1 || s.Duplicate[0].ID != 3 || !s.Problems() {
				t.Fatalf("verdict %s pending %v unknown %+v duplicate %+v problems %+v; want pending %v and row 3 a duplicate",
					v, s.Pending, s.Unknown, s.Duplicate, ps, tc.pending)
			}
			if len(ps) != 1 || ps[0].Kind != "duplicate_rows" {
				t.Fatalf("problems %+v, want duplicate_rows alone", ps)
			}
		})
	}
}

// Two folders of one second with the same file (so the same hash), both
// applied: a nameless row is told from them by its hash alone, so the second
// row records the folder that has no row yet. Taking it for a second row of
// the first would run the other again, or refuse it as an edit.
func TestMatchNamedSameHashInSharedSecond(t *testing.T) {
	j := jm1(t, fA, fB, fC)
	j.Migrations[2].Hash = j.Migrations[1].Hash
	for _, at := range []int64{ms(t, fB), ms(t, fB) + 900} {
		s := tracks.Match(j, ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: []ledger.Row{
			row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)), row(3, "h"+fB, at)}})
		if s.Verdict != tracks.InSync || len(s.Pending) != 0 || len(s.Duplicate) != 0 || len(s.Unknown) != 0 || s.Matched != 3 {
			t.Fatalf("second row at %d: verdict %s pending %v duplicate %+v unknown %+v matched %d; want all three applied",
				at, s.Verdict, s.Pending, s.Duplicate, s.Unknown, s.Matched)
		}
	}
}

// A folder renamed to another time after its migration ran: its row matches
// no folder (a row without a name, in a second of several folders, by hash;
// a named row by name), but has the hash of the renamed folder, pending
// under its new name. Running it would run it again, so the track still
// refuses (modified_same_second), but the problem says what happened and
// how to undo it: give the folder back the name it ran under. Not an edit
// of the second's other folders, nor another folder's ledger.
func TestMatchNamedRenamedFolder(t *testing.T) {
	const (
		fC2 = "20240101000001_c2"  // a third folder of fB's second
		fR  = "20240103000000_b"   // fB, renamed to a later time
		fRe = "20231231000000_b"   // fB, renamed to a time before every folder
		fBx = "20240105000000_new" // a name after every folder
		fN  = "20240101000001_n"   // a folder of fB's second, made after fB was renamed
	)
	// renamed is the folders names, those in as with the file of from.
	renamed := func(t *testing.T, names []string, from string, as ...string) *journal.Journal {
		j := jm1(t, names...)
		for _, m := range j.Migrations {
			if slices.Contains(as, m.Tag) {
				m.Hash = "h" + from
			}
		}
		return j
	}
	for _, tc := range []struct {
		name    string
		j       *journal.Journal
		version int
		rows    []ledger.Row
		want    tracks.Verdict
		kind    string
		items   []string
		remedy  string
		pending []string
	}{
		{"nameless row, a second of folders without rows", renamed(t, []string{fA, fC, fC2, fR}, fB, fR), ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)+5)},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fR}, fR + " back to " + fB, []string{fC, fC2, fR}},
		{"nameless row, a second whose folders all have rows", renamed(t, []string{fA, fC, fC2, fR}, fB, fR), ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)), row(3, "h"+fC, ms(t, fC)), row(4, "h"+fC2, ms(t, fC2))},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fR}, fR + " back to " + fB, []string{fR}},
		// drizzle-orm 1.0's upgrade gives the row to the one folder of its
		// second whatever its hash: fN looked modified and fR pending.
		{"nameless row, its second left to one folder without a row", renamed(t, []string{fA, fN, fR}, fB, fR), ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)+5)},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fR}, fR + " back to " + fB, []string{fN, fR}},
		{"nameless row before the row of the one folder left in its second", renamed(t, []string{fA, fN, fR}, fB, fR), ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)+5), row(3, "h"+fN, ms(t, fN)+900)},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fR}, fR + " back to " + fB, []string{fR}},
		// Two pending folders with its hash: which was renamed cannot be
		// told, but running both would run it again, and fN would pass
		// for applied.
		{"nameless row left to one folder, two pending folders with its hash: unproven", renamed(t, []string{fA, fN, fR, fBx}, fB, fR, fBx), ledger.Version0,
			[]ledger.Row{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fB, ms(t, fB)+5)},
			tracks.Foreign, string(tracks.Foreign), []string{"2"}, "app folder", []string{fN, fR, fBx}},
		{"named row", renamed(t, []string{fA, fC, fR}, fB, fR), ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fB, ms(t, fB), fB), named(3, "h"+fC, ms(t, fC), fC)},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fR}, fR + " back to " + fB, []string{fR}},
		{"named row after every folder", renamed(t, []string{fRe, fA}, fBx, fRe), ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fBx, ms(t, fBx), fBx)},
			tracks.ModifiedSameSecond, tracks.KindRenamedFolder, []string{fRe}, fRe + " back to " + fBx, []string{fRe}},
		{"two pending folders with the row's hash: unproven", renamed(t, []string{fA, fC, fR, fBx}, fB, fR, fBx), ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fB, ms(t, fB), fB)},
			tracks.Foreign, string(tracks.Foreign), []string{"2"}, "app folder", []string{fC, fR, fBx}},
		{"a row of another folder beside it: foreign", renamed(t, []string{fA, fC, fR}, fB, fR), ledger.Version1,
			[]ledger.Row{named(1, "h"+fA, ms(t, fA), fA), named(2, "h"+fB, ms(t, fB), fB), named(3, "other", ms(t, fB), "20240101000001_x")},
			tracks.Foreign, string(tracks.Foreign), []string{"2", "3"}, "app folder", []string{fC, fR}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tracks.Match(tc.j, ledger.Ledger{Table: ledger.ClientTable, Exists: true, Version: tc.version, Rows: tc.rows})
			v, ps := tracks.Judge(tracks.Facts{Track: tracks.Client, State: &s, Location: "migrations"})
			if v != tc.want || s.Verdict != v || len(ps) != 1 || ps[0].Kind != tc.kind || !slices.Equal(ps[0].Items, tc.items) ||
				!strings.Contains(ps[0].Remedy, tc.remedy) || !slices.Equal(s.Pending, tc.pending) {
				t.Fatalf("verdict %s, pending %v, problems %+v; want %s, pending %v, one %s problem with items %v and a remedy with %q",
					v, s.Pending, ps, tc.want, tc.pending, tc.kind, tc.items, tc.remedy)
			}
			if v == tracks.ModifiedSameSecond && (!v.Integrity() || !v.RefusesBoot() || !s.Problems() ||
				!strings.Contains(ps[0].Message, "renamed after its migration ran") || strings.Contains(ps[0].Message, "edited")) {
				t.Errorf("problem %+v", ps[0])
			}
		})
	}
}

// A nameless row given by its second to the one folder there, with a hash
// no pending folder has: that folder was edited after it ran (modified),
// whatever was renamed beside it.
func TestMatchNamedEditedAloneInSecond(t *testing.T) {
	const fN, fR = "20240101000001_n", "20240103000000_r"
	j := jm1(t, fA, fN, fR)
	for _, rows := range [][]ledger.Row{
		{row(1, "h"+fA, ms(t, fA)), row(2, "edited", ms(t, fN)+5)},
		{row(1, "h"+fA, ms(t, fA)), row(2, "h"+fA, ms(t, fN)+5)}, // the hash of an applied folder
	} {
		s := tracks.Match(j, ledger.Ledger{Table: ledger.ClientTable, Exists: true, Rows: rows})
		v, ps := tracks.Judge(tracks.Facts{Track: tracks.Client, State: &s, Location: "migrations"})
		if v != tracks.Pending || len(ps) != 1 || ps[0].Kind != string(tracks.Modified) || !slices.Equal(s.Modified, []string{fN}) || !slices.Equal(s.Pending, []string{fR}) ||
			len(s.Renamed()) != 0 || slices.ContainsFunc(ps, func(p tracks.Problem) bool { return p.Kind == tracks.KindRenamedFolder }) {
			t.Fatalf("rows %+v: verdict %s, modified %v, pending %v, problems %+v; want %s modified", rows, v, s.Modified, s.Pending, ps, fN)
		}
	}
}

// The version-0 ledger of a 0.x folder whose two migrations share a second;
// then the folder in the 1.0 layout with a new folder in that second and b
// renamed to a later time. b's row matches no folder of its second, but it
// has the hash of the renamed folder: migrate refuses (running it would run
// b's insert again), saying the folder was renamed and what its name was,
// and writes nothing. Renamed back, the folder is applied, b is not run
// again, and the new folder runs.
func TestApplyFoldersRefusesRenamedFolder(t *testing.T) {
	db := newDB(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	if _, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, ssFolders0())}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, db, ledger.ClientTable)
	const a, b, c = "create table ss_log(v text);", "insert into ss_log values ('b');", "create table ss_c(v text);"
	fsys := fstest.MapFS{
		"20231114221320_a/migration.sql": {Data: []byte(a)},
		"20231114221320_c/migration.sql": {Data: []byte(c)},
		"20231114221500_b/migration.sql": {Data: []byte(b)}, // 20231114221320_b, renamed
	}
	_, err := refusedUntilRenamedBack(t, db, conn, fsys, rows, "20231114221500_b", "20231114221320_b", "ss_log", "ss_c")
	if errors.Is(err, tracks.ErrForeign) || !strings.Contains(err.Error(), "renamed after its migration ran") || strings.Contains(err.Error(), "edited") ||
		!strings.Contains(err.Error(), "nothing was written. Fix: rename") || strings.Contains(err.Error(), "app folder") {
		t.Fatalf("migrate: %v, want it to say the folder was renamed, not edited or foreign", err)
	}
}

// The version-0 ledger of a 0.x folder of two migrations in two seconds;
// then the folder in the 1.0 layout with b renamed to a later time and a
// new folder n in b's old second. drizzle-orm 1.0's upgrade would give b's
// row to n, the only folder of its second: n looked modified and b pending,
// and migrate ran b's insert again with a warning. b's row has the hash of
// the renamed folder: migrate refuses and writes nothing; n is pending, not
// modified. Renamed back, b is applied and n runs.
func TestApplyFoldersRefusesRenamedFolderLeavingItsSecond(t *testing.T) {
	db := newDB(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	const a, b, n = "create table rn_log(v text);", "insert into rn_log values ('b');", "create table rn_n(v text);"
	if _, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(
		mig{"0000_a", 1700000000100, a},
		mig{"0001_b", 1700000001500, b},
	))}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, db, ledger.ClientTable)
	fsys := fstest.MapFS{
		"20231114221320_a/migration.sql": {Data: []byte(a)},
		"20231114221321_n/migration.sql": {Data: []byte(n)},
		"20231114221500_b/migration.sql": {Data: []byte(b)}, // 20231114221321_b, renamed
	}
	rep, _ := refusedUntilRenamedBack(t, db, conn, fsys, rows, "20231114221500_b", "20231114221321_b", "rn_log", "rn_n")
	if s := rep.Track(tracks.Client); len(s.Modified) != 0 || !slices.Equal(s.Pending, []string{"20231114221321_n", "20231114221500_b"}) {
		t.Fatalf("status: modified %v, pending %v: want n pending, not modified", s.Modified, s.Pending)
	}
}

// refusedUntilRenamedBack: migrate of fsys, whose folder renamed ran as
// ranAs (ledger row 2, which inserted one row into logTable), refuses with
// a *RenamedError and writes nothing (the ledger stays rows, newTable is
// not created, the insert does not run again), after status named the
// rename and its undoing; with the folder renamed back, migrate applies
// only the folder that creates newTable. It returns status's report and
// the refusal for further checks.
func refusedUntilRenamedBack(t *testing.T, db *pgtest.DB, conn *pgx.Conn, fsys fstest.MapFS, rows []ledgerRow, renamed, ranAs, logTable, newTable string) (*tracks.Report, error) {
	t.Helper()
	ctx := ctxT(t)
	rep, err := tracks.Status(ctx, conn, []tracks.Loaded{client(t, fsys)})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Track(tracks.Client); s.Verdict != tracks.ModifiedSameSecond || len(rep.Integrity) != 1 || rep.Integrity[0].Kind != tracks.KindRenamedFolder ||
		!slices.Equal(rep.Integrity[0].Items, []string{renamed}) ||
		!strings.Contains(rep.Integrity[0].Remedy, renamed+" back to "+ranAs) {
		t.Fatalf("status: verdict %s, integrity %+v: want the rename of %s to %s and its undoing", s.Verdict, rep.Integrity, ranAs, renamed)
	}
	_, err = tracks.Apply(ctx, conn, []tracks.Loaded{client(t, fsys)}, tracks.Options{})
	var re *tracks.RenamedError
	if !errors.As(err, &re) || !errors.Is(err, tracks.ErrModified) || len(re.Renamed) != 1 || re.Renamed[0].Row.ID != 2 ||
		re.Renamed[0].RanAs != ranAs {
		t.Fatalf("migrate: %v, want a *RenamedError naming row 2 and %s", err, ranAs)
	}
	logRows := func() int {
		var n int
		if err := conn.QueryRow(ctx, "select count(*) from "+pgx.Identifier{logTable}.Sanitize()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := logRows(); n != 1 {
		t.Fatalf("%s has %d rows: the renamed migration's insert ran again", logTable, n)
	}
	if after := rowsOf(t, db, ledger.ClientTable); !slices.Equal(after, rows) || slices.Contains(tables(t, db), newTable) {
		t.Fatalf("written: ledger %+v (was %+v), tables %v", after, rows, tables(t, db))
	}

	// The remedy: the folder gets its name back.
	fsys[ranAs+"/migration.sql"] = fsys[renamed+"/migration.sql"]
	delete(fsys, renamed+"/migration.sql")
	res, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, fsys)}, tracks.Options{})
	if err != nil || len(res.Applied[tracks.Client]) != 1 || !res.Report.Track(tracks.Client).InSync || !slices.Contains(tables(t, db), newTable) {
		t.Fatalf("migrate after renaming back: %v (applied %v), want only the folder creating %s", err, res, newTable)
	}
	if n := logRows(); n != 1 {
		t.Fatalf("%s has %d rows: the renamed migration's insert ran again", logTable, n)
	}
	return rep, re
}
