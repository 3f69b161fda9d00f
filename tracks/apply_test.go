package tracks_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func TestApply(t *testing.T) {
	t.Parallel()
	for _, mode := range []tracks.TxMode{tracks.TxTrack, tracks.TxMigration} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			conn := connect(t, db)
			ts := []tracks.Loaded{client(t, folder(three...))}
			rec := &recorder{}
			res, err := tracks.Apply(ctxT(t), conn, ts, tracks.Options{Tx: mode, OnEvent: rec.on})
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			tags := []string{"0000_one", "0001_two", "0002_three"}
			if !res.Locked || !slices.Equal(res.Applied[tracks.Client], tags) {
				t.Errorf("result: locked %v applied %v", res.Locked, res.Applied)
			}
			s := res.Report.Track(tracks.Client)
			if res.Report.Status != tracks.StatusHealthy || !s.InSync || *s.Applied != "0002_three" || !s.LedgerExists {
				t.Errorf("report after apply: %+v", s)
			}
			if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(three...)) {
				t.Errorf("ledger rows:\n got %v\nwant %v", got, wantRows(three...))
			}
			if got := tables(t, db); !slices.Equal(got, []string{"t1", "t2", "t3"}) {
				t.Errorf("tables = %v", got)
			}
			var applied []string
			for _, e := range eventsOf[tracks.MigrationApplied](rec) {
				applied = append(applied, e.Tag)
			}
			if !slices.Equal(applied, tags) {
				t.Errorf("MigrationApplied events: %v", applied)
			}
			commits := eventsOf[tracks.Committed](rec)
			wantCommits := map[tracks.TxMode]int{tracks.TxTrack: 1, tracks.TxMigration: 3}[mode]
			if len(commits) != wantCommits {
				t.Errorf("%d Committed events, want %d: %+v", len(commits), wantCommits, commits)
			}
			if len(eventsOf[tracks.LockAcquired](rec)) != 1 || len(eventsOf[tracks.LockNotHeld](rec)) != 0 {
				t.Errorf("lock events: %+v", rec.all())
			}
			if advisoryHeld(t, db) {
				t.Error("lock still held after Apply")
			}

			// Again: nothing to do, and no lock taken.
			rec2 := &recorder{}
			res, err = tracks.Apply(ctxT(t), conn, ts, tracks.Options{Tx: mode, OnEvent: rec2.on})
			if err != nil {
				t.Fatal(err)
			}
			if res.Locked || len(res.Applied) != 0 || res.Report.Status != tracks.StatusHealthy {
				t.Errorf("second Apply: locked %v applied %v", res.Locked, res.Applied)
			}
			if len(eventsOf[tracks.LockAcquired](rec2)) != 0 {
				t.Errorf("second Apply took the lock: %+v", rec2.all())
			}
			if got := rowsOf(t, db, ledger.ClientTable); len(got) != 3 {
				t.Errorf("second Apply wrote rows: %v", got)
			}
		})
	}
}

// Both tracks in one run, engine first, each in its own ledger.
func TestApplyTwoTracks(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	eng, err := tracks.Load(tracks.Track{Name: tracks.Engine, Source: folder(mig{"0000_e", 1600000000000, "CREATE TABLE e (id int);"}),
		Ledger: ledger.EngineTable, Fatal: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{eng, client(t, folder(three...))}, tracks.Options{OnEvent: rec.on})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied[tracks.Engine], []string{"0000_e"}) || len(res.Applied[tracks.Client]) != 3 {
		t.Errorf("applied %v", res.Applied)
	}
	var order []string
	for _, e := range eventsOf[tracks.TrackPlanned](rec) {
		order = append(order, e.Track)
	}
	if !slices.Equal(order, []string{tracks.Engine, tracks.Client}) {
		t.Errorf("tracks planned in order %v", order)
	}
	if got := rowsOf(t, db, ledger.EngineTable); len(got) != 1 || got[0].CreatedAt != 1600000000000 {
		t.Errorf("engine ledger %v", got)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 3 {
		t.Errorf("client ledger %v", got)
	}
}

// The bundled engine track applies to an empty database.
func TestApplyBundledEngine(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ts, err := tracks.LoadAll(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	res, err := tracks.Apply(ctxT(t), connect(t, db), ts, tracks.Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied[tracks.Engine]) != len(ts[0].Journal.Migrations) || res.Report.Release == nil ||
		res.Report.Release.Version != ts[0].Release || res.Report.Release.ToolVersion != "test" {
		t.Errorf("applied %v release %+v", res.Applied, res.Report.Release)
	}
}

// twoFail is the second migration of the failure tests: statement 1 works,
// statement 2 fails. Multibyte characters before the failure exercise the
// character-to-byte mapping of PostgreSQL's error position.
func failing(second string) []mig {
	return []mig{
		{"0000_one", 1700000000000, "-- café, naïve\nCREATE TABLE t1 (id int PRIMARY KEY, a int, note text DEFAULT 'été');\n--> statement-breakpoint\nINSERT INTO t1 (id, a) VALUES (1, 10);"},
		{"0001_two", 1700000000100, "-- deux: ça échoue\nCREATE TABLE t2 (id int);\n--> statement-breakpoint\n-- déjà vu: é\n" + second},
		{"0002_three", 1700000000200, "CREATE TABLE t3 (id int);"},
	}
}

func TestApplyStatementError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		stmt      string
		code      string
		line, col int
	}{
		// PostgreSQL gives a position: it points at "nope".
		{"unknown column", "INSERT INTO t1 (id, nope) VALUES (2, 1);", "42703", 5, 21},
		{"syntax error", "CREATE TABLE t9 (id int,, x int);", "42601", 5, 25},
		// Unterminated: PostgreSQL points past the statement, at the glue.
		{"unterminated statement", "CREATE TABLE t9 (id int", "42601", 5, 24},
		// An unterminated string is refused before anything runs
		// (journal's TestCheckRefuses).
		// No position: pinned to the statement by the marker queries, at
		// its first token (line 5), not at the comment before it.
		{"division by zero", "UPDATE t1 SET a = a / 0;", "22012", 5, 1},
		{"unique violation", "INSERT INTO t1 (id, a) VALUES (1, 11);", "23505", 5, 1},
	} {
		for _, mode := range []tracks.TxMode{tracks.TxTrack, tracks.TxMigration} {
			t.Run(tc.name+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				db := pgtest.New(t)
				ms := failing(tc.stmt)
				res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{Tx: mode})
				var se *tracks.StatementError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v (%T), want *StatementError", err, err)
				}
				if se.Track != tracks.Client || se.Tag != "0001_two" || se.File != "0001_two.sql" || se.Statement != 2 ||
					se.Line != tc.line || se.Col != tc.col || se.SQLState != tc.code || se.Partial || se.PushHint {
					t.Errorf("StatementError = %+v (SQLSTATE %s), want statement 2 at %d:%d, SQLSTATE %s", se, se.SQLState, tc.line, tc.col, tc.code)
				}
				var pg *pgconn.PgError
				if !errors.Is(err, tracks.ErrStatement) || !errors.As(err, &pg) {
					t.Errorf("errors.Is(ErrStatement) / As(*PgError) fail for %v", err)
				}
				if msg := err.Error(); !strings.Contains(msg, "0001_two.sql:") || !strings.Contains(msg, tc.code) || !strings.Contains(msg, "statement 2") {
					t.Errorf("message %q", msg)
				}
				switch mode {
				case tracks.TxTrack:
					if got := rowsOf(t, db, ledger.ClientTable); got != nil {
						t.Errorf("ledger after failure = %v, want no table", got)
					}
					if got := tables(t, db); len(got) != 0 {
						t.Errorf("tables after failure = %v, want none", got)
					}
					if len(res.Applied) != 0 {
						t.Errorf("Applied = %v", res.Applied)
					}
				case tracks.TxMigration:
					if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(ms[0])) {
						t.Errorf("ledger after failure = %v, want the first migration", got)
					}
					if got := tables(t, db); !slices.Equal(got, []string{"t1"}) {
						t.Errorf("tables after failure = %v, want t1", got)
					}
					if !slices.Equal(res.Applied[tracks.Client], []string{"0000_one"}) {
						t.Errorf("Applied = %v", res.Applied)
					}
				}
				if advisoryHeld(t, db) {
					t.Error("lock held after a failed Apply")
				}
			})
		}
	}
}

// A failure with migrations already applied leaves the ledger as it was.
func TestApplyStatementErrorKeepsLedger(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	ms := failing("SELEC 1;")
	if _, err := tracks.Apply(ctxT(t), conn, []tracks.Loaded{client(t, folder(ms[0]))}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := tracks.Apply(ctxT(t), conn, []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{})
	var se *tracks.StatementError
	if !errors.As(err, &se) || se.Line != 5 || se.Col != 1 || se.SQLState != "42601" {
		t.Fatalf("err = %#v", err)
	}
	if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(ms[0])) {
		t.Errorf("ledger = %v", got)
	}
	if got := tables(t, db); !slices.Equal(got, []string{"t1"}) {
		t.Errorf("tables = %v", got)
	}
	// The session is usable and outside any transaction.
	if st := conn.PgConn().TxStatus(); st != 'I' {
		t.Errorf("session transaction status %q after failure", st)
	}
}

// The error names what was rolled back: the whole group under TxTrack,
// only the failing migration under TxMigration (the ones before it were
// committed and must not be described as unchanged).
func TestApplyStatementErrorNamesRolledBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode    tracks.TxMode
		want    []string
		applied []string
	}{
		{tracks.TxTrack, []string{"0000_one", "0001_two", "0002_three"}, nil},
		{tracks.TxMigration, []string{"0001_two"}, []string{"0000_one"}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			ms := failing("SELEC 1;")
			res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{Tx: tc.mode})
			var se *tracks.StatementError
			if !errors.As(err, &se) || !slices.Equal(se.RolledBack, tc.want) {
				t.Fatalf("err = %v, want RolledBack %v", err, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, "rolled back: "+strings.Join(tc.want, ", ")+" not applied") || strings.Contains(msg, "unchanged") {
				t.Errorf("message does not say what was rolled back: %s", msg)
			}
			var applied []string
			if res != nil {
				applied = res.Applied[tracks.Client]
			}
			if !slices.Equal(applied, tc.applied) {
				t.Errorf("applied = %v, want %v", applied, tc.applied)
			}
		})
	}
}

// A long rolled-back group is summarised, not listed tag by tag.
func TestStatementErrorSummarisesLongRollback(t *testing.T) {
	e := &tracks.StatementError{Track: "engine", StatementError: journal.StatementError{Tag: "0000_a", File: "0000_a.sql", Statement: 1, Line: 1, Col: 1,
		Err: errors.New("boom")}, RolledBack: []string{"0000_a", "0001_b", "0002_c", "0003_d", "0004_e"}}
	if want := "rolled back: 0000_a … 0004_e (5 migrations) not applied"; !strings.Contains(e.Error(), want) {
		t.Errorf("%s\nlacks %q", e.Error(), want)
	}
}

// A no-transaction migration's errors say which of its statements stay:
// every arm of that sentence, for a plain failure, one inside the
// migration's own BEGIN, and a BEGIN left open.
func TestNoTransactionErrorsSayWhatStays(t *testing.T) {
	failed := func(statement int) journal.StatementError {
		return journal.StatementError{Tag: "0000_nt", File: "0000_nt.sql", Statement: statement, Line: 1, Col: 1, Err: errors.New("boom")}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&tracks.StatementError{Track: "client", StatementError: failed(2), NoTransaction: true, Partial: true},
			"outside a transaction: statement 1 was applied and stays, no ledger row"},
		{&tracks.StatementError{Track: "client", StatementError: failed(4), NoTransaction: true, Partial: true},
			"outside a transaction: statements 1-3 were applied and stay, no ledger row"},
		{&tracks.StatementError{Track: "client", StatementError: failed(2), NoTransaction: true, Partial: true, TxOpenedAt: 1},
			"rolled back: statements 1-2 not applied; no statement of it stays applied; no ledger row"},
		{&tracks.StatementError{Track: "client", StatementError: failed(5), NoTransaction: true, Partial: true, TxOpenedAt: 3},
			"rolled back: statements 3-5 not applied; statements 1-2 were applied and stay; no ledger row"},
		{&tracks.OpenTxError{Track: "client", Tag: "0000_nt", File: "0000_nt.sql", Opened: 1, Last: 1},
			"rolled back: statement 1 not applied; no statement of it stays applied; no ledger row"},
		{&tracks.OpenTxError{Track: "client", Tag: "0000_nt", File: "0000_nt.sql", Opened: 2, Last: 3},
			"rolled back: statements 2-3 not applied; statement 1 was applied and stays; no ledger row"},
		{&tracks.OpenTxError{Track: "client", Tag: "0000_nt", File: "0000_nt.sql", Opened: 4, Last: 4},
			"rolled back: statement 4 not applied; statements 1-3 were applied and stay; no ledger row"},
	} {
		if !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s\nlacks %q", tc.err, tc.want)
		}
	}
}

// "already exists" while the ledger is behind: the push hint.
func TestApplyPushHint(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	db.Exec(t, "CREATE TABLE t1 (id int PRIMARY KEY, a int)")
	_, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))}, tracks.Options{})
	var se *tracks.StatementError
	if !errors.As(err, &se) || !se.PushHint || se.SQLState != "42P07" || se.Tag != "0000_one" || se.Statement != 1 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "drizzle-kit push") {
		t.Errorf("message lacks the push hint: %v", err)
	}
	// Other errors carry no hint.
	db2 := pgtest.New(t)
	_, err = tracks.Apply(ctxT(t), connect(t, db2), []tracks.Loaded{client(t, folder(failing("SELEC 1;")...))}, tracks.Options{})
	if !errors.As(err, &se) || se.PushHint || strings.Contains(err.Error(), "push") {
		t.Errorf("syntax error with a push hint: %v", err)
	}
}

// A no-transaction migration runs statement by statement outside any
// transaction: CREATE INDEX CONCURRENTLY works, and the transactional
// migrations around it still run in transactions of their own.
func TestApplyNoTransaction(t *testing.T) {
	t.Parallel()
	for _, mode := range []tracks.TxMode{tracks.TxTrack, tracks.TxMigration} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			ms := []mig{
				three[0],
				{"0001_idx", 1700000000050, "-- hogsend-db:no-transaction\nCREATE INDEX CONCURRENTLY t1_a_idx ON t1 (a);\n--> statement-breakpoint\nCREATE TABLE txlog AS SELECT now() = statement_timestamp() AS own;\n--> statement-breakpoint\n"},
				three[1], three[2],
			}
			rec := &recorder{}
			res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{Tx: mode, OnEvent: rec.on})
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if len(res.Applied[tracks.Client]) != 4 {
				t.Errorf("applied %v", res.Applied)
			}
			if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(ms...)) {
				t.Errorf("rows %v", got)
			}
			var valid, own bool
			c := db.Conn(t)
			if err := c.QueryRow(context.Background(), "select indisvalid from pg_index where indexrelid = 't1_a_idx'::regclass").Scan(&valid); err != nil || !valid {
				t.Errorf("index valid=%v err=%v", valid, err)
			}
			// CREATE TABLE AS ran as its own transaction: now() (the
			// transaction's start) is its own statement's start.
			if err := c.QueryRow(context.Background(), "select own from txlog").Scan(&own); err != nil || !own {
				t.Errorf("txlog own=%v err=%v: the statement ran inside a longer transaction", own, err)
			}
			var noTx []string
			for _, e := range eventsOf[tracks.MigrationApplied](rec) {
				if e.NoTransaction {
					noTx = append(noTx, e.Tag)
				}
			}
			if !slices.Equal(noTx, []string{"0001_idx"}) {
				t.Errorf("no-transaction events %v", noTx)
			}
			var groups [][]string
			for _, e := range eventsOf[tracks.Committed](rec) {
				groups = append(groups, e.Tags)
			}
			want := map[tracks.TxMode][][]string{
				tracks.TxTrack:     {{"0000_one"}, {"0001_two", "0002_three"}},
				tracks.TxMigration: {{"0000_one"}, {"0001_two"}, {"0002_three"}},
			}[mode]
			if !slices.EqualFunc(groups, want, slices.Equal) {
				t.Errorf("transactions %v, want %v", groups, want)
			}
		})
	}
}

// A failure inside a no-transaction migration keeps the statements before
// it and writes no row.
func TestApplyNoTransactionFailure(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ms := []mig{
		three[0],
		{"0001_idx", 1700000000100, "-- hogsend-db:no-transaction\nCREATE INDEX CONCURRENTLY t1_a_idx ON t1 (a);\n--> statement-breakpoint\n-- é\nCREATE INDEX CONCURRENTLY t1_b_idx ON t1 (a,);"},
	}
	_, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{})
	var se *tracks.StatementError
	if !errors.As(err, &se) || se.Statement != 2 || !se.Partial || se.Line != 5 || se.Col != 45 || se.SQLState != "42601" {
		t.Fatalf("err = %+v", err)
	}
	if !strings.Contains(err.Error(), "statement 1 was applied and stays") {
		t.Errorf("message %q", err)
	}
	if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(ms[0])) {
		t.Errorf("rows %v", got)
	}
}

func TestApplyOutOfOrder(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	if _, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(three[0], three[2]))}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	ts := []tracks.Loaded{client(t, folder(three...))}
	res, err := tracks.Apply(ctx, conn, ts, tracks.Options{})
	var oe *tracks.OutOfOrderError
	if !errors.As(err, &oe) || !errors.Is(err, tracks.ErrOutOfOrder) || oe.Track != tracks.Client || !slices.Equal(oe.Tags, []string{"0001_two"}) {
		t.Fatalf("err = %v", err)
	}
	if res != nil && len(res.Applied) != 0 {
		t.Errorf("applied %v", res.Applied)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 2 {
		t.Errorf("rows %v", got)
	}
	if err := tracks.Preflight(mustStatus(t, conn, ts), ts, tracks.Options{}); !errors.Is(err, tracks.ErrOutOfOrder) {
		t.Errorf("Check: %v", err)
	}
	res, err = tracks.Apply(ctx, conn, ts, tracks.Options{AllowOutOfOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Applied[tracks.Client], []string{"0001_two"}) || !res.Report.Track(tracks.Client).InSync {
		t.Errorf("applied %v", res.Applied)
	}
	if got := rowsOf(t, db, ledger.ClientTable); !slices.Equal(got, wantRows(three[0], three[2], three[1])) {
		t.Errorf("rows %v", got)
	}
}

func TestApplyModified(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	if _, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(three[0]))}, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	edited := three[0]
	edited.sql += "\n-- edited"
	ts := []tracks.Loaded{client(t, folder(edited, three[1]))}

	_, err := tracks.Apply(ctx, conn, ts, tracks.Options{Strict: true})
	var me *tracks.ModifiedError
	if !errors.As(err, &me) || !errors.Is(err, tracks.ErrModified) || !slices.Equal(me.Tags, []string{"0000_one"}) {
		t.Fatalf("strict: err = %v", err)
	}
	if got := rowsOf(t, db, ledger.ClientTable); len(got) != 1 {
		t.Errorf("strict run wrote rows: %v", got)
	}

	rec := &recorder{}
	res, err := tracks.Apply(ctx, conn, ts, tracks.Options{OnEvent: rec.on})
	if err != nil {
		t.Fatal(err)
	}
	ws := eventsOf[tracks.Warning](rec)
	if len(ws) != 1 || ws[0].Track != tracks.Client || !strings.Contains(ws[0].Message, "0000_one") {
		t.Errorf("warnings %+v", ws)
	}
	if !slices.Equal(res.Applied[tracks.Client], []string{"0001_two"}) || !slices.Equal(res.Report.Track(tracks.Client).Modified, []string{"0000_one"}) {
		t.Errorf("applied %v", res.Applied)
	}
	// In sync but modified: the warning still comes, without the lock.
	rec = &recorder{}
	res, err = tracks.Apply(ctx, conn, ts, tracks.Options{OnEvent: rec.on})
	if err != nil || res.Locked || len(eventsOf[tracks.Warning](rec)) != 1 {
		t.Errorf("in-sync modified run: err %v locked %v events %+v", err, res.Locked, rec.all())
	}
}

// A journal whose whens go backwards is applied, with a warning.
func TestApplyNotIncreasingWarns(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ms := []mig{three[0], {"0001_back", 1600000000000, "CREATE TABLE back (id int);"}}
	rec := &recorder{}
	res, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{OnEvent: rec.on})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied[tracks.Client]) != 2 {
		t.Errorf("applied %v", res.Applied)
	}
	ws := eventsOf[tracks.Warning](rec)
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "0001_back") {
		t.Errorf("warnings %+v", ws)
	}
}

func TestApplyUnknownMode(t *testing.T) {
	t.Parallel()
	_, err := tracks.Apply(ctxT(t), nil, nil, tracks.Options{Tx: "all"})
	if err == nil || !strings.Contains(err.Error(), `"all"`) {
		t.Errorf("err = %v", err)
	}
}

func mustStatus(t *testing.T, q ledger.Querier, ts []tracks.Loaded) *tracks.Report {
	t.Helper()
	rep, err := tracks.Status(ctxT(t), q, ts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Engine release: recorded after the engine track, never downgraded.
func TestApplyEngineRelease(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	conn := connect(t, db)
	ctx := ctxT(t)
	e1 := mig{"0000_e", 1600000000000, "CREATE TABLE e1 (id int);"}
	e2 := mig{"0001_e", 1600000000100, "CREATE TABLE e2 (id int);"}
	engine := func(release string, ms ...mig) []tracks.Loaded {
		l, err := tracks.Load(tracks.Track{Name: tracks.Engine, Source: folder(ms...), Ledger: ledger.EngineTable, Fatal: true, Release: release})
		if err != nil {
			t.Fatal(err)
		}
		return []tracks.Loaded{l}
	}
	release := func() string {
		t.Helper()
		rep := mustStatus(t, conn, engine(""))
		if rep.Release == nil {
			return ""
		}
		return rep.Release.Version
	}
	run := func(ts []tracks.Loaded) (*tracks.Result, []tracks.ReleaseRecorded) {
		t.Helper()
		rec := &recorder{}
		res, err := tracks.Apply(ctx, conn, ts, tracks.Options{ToolVersion: "0.1.0", OnEvent: rec.on})
		if err != nil {
			t.Fatal(err)
		}
		return res, eventsOf[tracks.ReleaseRecorded](rec)
	}

	res, recs := run(engine("1.4.0", e1))
	if len(recs) != 1 || recs[0] != (tracks.ReleaseRecorded{Version: "1.4.0"}) || res.Report.Release == nil ||
		res.Report.Release.Version != "1.4.0" || res.Report.Release.ToolVersion != "0.1.0" || res.Report.Release.Track != tracks.Engine {
		t.Fatalf("first run: events %+v release %+v", recs, res.Report.Release)
	}
	// An older build, nothing pending: no lock, no change.
	res, recs = run(engine("1.3.0", e1))
	if res.Locked || len(recs) != 0 || release() != "1.4.0" {
		t.Errorf("older build: locked %v events %+v release %s", res.Locked, recs, release())
	}
	// An older build with a pending migration: applied, release kept.
	res, recs = run(engine("1.3.0", e1, e2))
	if !slices.Equal(res.Applied[tracks.Engine], []string{"0001_e"}) || len(recs) != 0 || release() != "1.4.0" {
		t.Errorf("older build with work: applied %v events %+v release %s", res.Applied, recs, release())
	}
	// A newer release, nothing pending: recorded.
	res, recs = run(engine("1.10.0", e1, e2))
	if !res.Locked || len(recs) != 1 || recs[0] != (tracks.ReleaseRecorded{Version: "1.10.0", Previous: "1.4.0"}) || release() != "1.10.0" {
		t.Errorf("newer build: events %+v release %s", recs, release())
	}
	// Same release again: fast path.
	if res, recs = run(engine("1.10.0", e1, e2)); res.Locked || len(recs) != 0 {
		t.Errorf("same release: locked %v events %+v", res.Locked, recs)
	}
	// A client track never records a release.
	cl := client(t, folder(three[0]))
	cl.Release = "9.9.9"
	if _, recs = run([]tracks.Loaded{cl}); len(recs) != 0 || release() != "1.10.0" {
		t.Errorf("client track recorded a release: %+v", recs)
	}
}

// In a SQL_ASCII database PostgreSQL counts error positions in bytes.
func TestApplyStatementErrorSQLASCII(t *testing.T) {
	t.Parallel()
	base := pgtest.New(t)
	name := base.Name + "_ascii"
	admin, err := pgx.Connect(ctxT(t), base.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctxT(t), "CREATE DATABASE "+ident+" TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base.AdminURL)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, _ := url.Parse(base.URL)
	u.Path = "/" + name
	db := &pgtest.DB{Name: name, URL: u.String(), AdminURL: base.AdminURL}
	conn := connect(t, db)
	if enc := conn.PgConn().ParameterStatus("server_encoding"); enc != "SQL_ASCII" {
		t.Fatalf("server_encoding %s", enc)
	}
	_, err = tracks.Apply(ctxT(t), conn, []tracks.Loaded{client(t, folder(failing("INSERT INTO t1 (id, nope) VALUES (2, 1);")...))}, tracks.Options{})
	var se *tracks.StatementError
	if !errors.As(err, &se) || se.Tag != "0001_two" || se.Statement != 2 || se.Line != 5 || se.Col != 21 {
		t.Fatalf("err = %+v", err)
	}
}

// A role that owns the drizzle schema but may not create schemas (no CREATE
// on the database, the PostgreSQL 15 default) can still create its ledger:
// PostgreSQL checks that privilege before IF NOT EXISTS, so the CREATE
// SCHEMA must be left out when the schema exists.
func TestApplyWithoutCreateOnDatabase(t *testing.T) {
	t.Run("client ledger", func(t *testing.T) { applyAsSchemaOwner(t, []tracks.Loaded{client(t, folder(three...))}) })
	t.Run("engine track and release record", func(t *testing.T) {
		ts, err := tracks.LoadAll(enginesrc.BundledTrack())
		if err != nil {
			t.Fatal(err)
		}
		applyAsSchemaOwner(t, ts)
	})
}

func applyAsSchemaOwner(t *testing.T, ts []tracks.Loaded) {
	db := pgtest.New(t)
	roleURL := pgtest.Role(t, db, "owner_only", "NOCREATEDB")
	var role string
	if err := db.Conn(t).QueryRow(ctxT(t), "select usename from pg_user where usename like 'owner_only%' order by usesysid desc limit 1").Scan(&role); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, "CREATE SCHEMA drizzle AUTHORIZATION "+pgx.Identifier{role}.Sanitize()+"; GRANT CREATE ON SCHEMA public TO "+pgx.Identifier{role}.Sanitize())
	conn, err := tracks.Connect(ctxT(t), roleURL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctxT(t))
	if _, err := tracks.Apply(ctxT(t), conn, ts, tracks.Options{}); err != nil {
		t.Fatalf("apply as the schema owner: %v", err)
	}
	if got := rowsOf(t, db, ts[0].Ledger); len(got) != len(ts[0].Journal.Migrations) {
		t.Fatalf("ledger %v", got)
	}
}

// A cancel request that goes unanswered during COMMIT: pgconn closes the
// connection after its deadline delay, and the server goes on to commit.
// Likewise a connection that breaks under the COMMIT (pgconn then reports
// "conn closed", an error it calls safe to retry although the COMMIT was
// sent). Apply must not claim a rollback: the outcome is unknown to it, and
// here the migration did land, row and table together. The cut also fails
// pgconn's cancel requests (each dials a connection of its own), so the
// server never gets one: a cancel that lands between two statements of a
// COMMIT-time trigger would roll it back.
func TestApplyCommitOutcomeUnknown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seconds int // the COMMIT-time trigger's sleep
		cut     func(c *pgtest.Cutter, cancel context.CancelFunc)
	}{
		{"cancel unanswered", 7, func(c *pgtest.Cutter, cancel context.CancelFunc) { c.RefuseDials(); cancel() }},
		{"connection broken", 2, func(c *pgtest.Cutter, _ context.CancelFunc) { c.RefuseDials(); c.CloseConns() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			// A deferred constraint trigger runs at COMMIT.
			slow := mig{"0000_slow_commit", 1700000000000, fmt.Sprintf(`CREATE TABLE slow (id int);
--> statement-breakpoint
CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(%d);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON slow DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
--> statement-breakpoint
INSERT INTO slow VALUES (1);`, tc.seconds)}
			conn, c := cutConnect(t, db)
			pid := backendPID(t, conn)
			ctx, cancel := context.WithCancel(ctxT(t))
			defer cancel()
			// Cut once that session is running COMMIT.
			wait := db.OnStatement(ctx, t, uint32(pid), "commit", func() { tc.cut(c, cancel) })
			_, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(slow))}, tracks.Options{})
			cancel()
			wait()
			var unknown *tracks.CommitUnknownError
			if !errors.As(err, &unknown) || !errors.Is(err, tracks.ErrCommitUnknown) || strings.Contains(err.Error(), "rolled back") {
				t.Fatalf("Apply: %v, want a CommitUnknownError that does not claim a rollback", err)
			}
			if !slices.Equal(unknown.Tags, []string{"0000_slow_commit"}) || !strings.Contains(err.Error(), "Check the status") {
				t.Errorf("error: %v (tags %v)", err, unknown.Tags)
			}
			// The server finishes the COMMIT on its own: the row and the table land together.
			deadline := time.Now().Add(20 * time.Second)
			for len(rowsOf(t, db, ledger.ClientTable)) == 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if got := rowsOf(t, db, ledger.ClientTable); len(got) != 1 || !slices.Contains(tables(t, db), "slow") {
				t.Errorf("after the server finished: ledger %v, tables %v", got, tables(t, db))
			}
		})
	}
}

// cutConnect connects as tracks.Connect does, through a dialer the test
// can cut.
func cutConnect(t *testing.T, db *pgtest.DB) (*pgx.Conn, *pgtest.Cutter) {
	t.Helper()
	cfg, err := tracks.ConnConfig(db.URL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	cut := pgtest.NewCutter(&cfg.Config)
	conn, err := pgx.ConnectConfig(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn, cut
}
