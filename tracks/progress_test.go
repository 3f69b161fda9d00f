package tracks_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

// With Progress, a transaction's statements report as they finish: the
// migration blocks on an advisory lock the test holds, and the test lets
// go only once StatementStarted names that statement. Without the flush the
// report would come only after the message completed, which it cannot
// before the lock is released: the test would time out.
func TestProgressReportsStatementsLive(t *testing.T) {
	db := pgtest.New(t)
	ctx := ctxT(t)
	holder := db.Conn(t)
	if _, err := holder.Exec(ctx, "select pg_advisory_lock(777001)"); err != nil {
		t.Fatal(err)
	}
	ms := []mig{
		{"0000_a", 1700000000000, "CREATE TABLE pa (id int);\n--> statement-breakpoint\n\n--> statement-breakpoint\nselect pg_advisory_xact_lock(777001);"},
		{"0001_b", 1700000000100, "CREATE TABLE pb (id int);"},
	}
	rec := &recorder{notify: make(chan tracks.Event, 100)}
	done := make(chan error, 1)
	conn := connect(t, db)
	go func() {
		_, err := tracks.Apply(ctx, conn, []tracks.Loaded{client(t, folder(ms...))}, tracks.Options{OnEvent: rec.on, Progress: true})
		done <- err
	}()
	// The statement blocked on the lock is reported while it runs.
	waitFor(t, rec, done, 60*time.Second, func(s tracks.StatementStarted) bool { return s.Tag == "0000_a" && s.Statement == 3 })
	if _, err := holder.Exec(ctx, "select pg_advisory_unlock(777001)"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Order: each migration "ran" before any is "applied" (one
	// transaction), with statement counts; blank statements never start.
	var got []string
	for _, e := range rec.all() {
		switch e := e.(type) {
		case tracks.StatementStarted:
			got = append(got, "start "+e.Tag+" "+itoa(e.Statement)+" line "+itoa(e.Line))
		case tracks.MigrationRan:
			got = append(got, "ran "+e.Tag+" "+itoa(e.Statements))
		case tracks.MigrationApplied:
			got = append(got, "applied "+e.Tag+" "+itoa(e.Statements))
		case tracks.Committed:
			got = append(got, "committed "+strings.Join(e.Tags, ","))
		}
	}
	want := []string{
		"start 0000_a 1 line 1", "start 0000_a 3 line 5", "ran 0000_a 2",
		"start 0001_b 1 line 1", "ran 0001_b 1",
		"applied 0000_a 2", "applied 0001_b 1", "committed 0000_a,0001_b",
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	for _, a := range eventsOf[tracks.MigrationApplied](rec) {
		if a.Duration <= 0 {
			t.Errorf("%s: no duration", a.Tag)
		}
	}
}

// Without Progress (the JSON path): no per-statement events inside a
// transaction, and the message is as before.
func TestNoProgressWithoutOption(t *testing.T) {
	db := pgtest.New(t)
	rec := &recorder{}
	if _, err := tracks.Apply(ctxT(t), connect(t, db), []tracks.Loaded{client(t, folder(three...))}, tracks.Options{OnEvent: rec.on}); err != nil {
		t.Fatal(err)
	}
	if n := len(eventsOf[tracks.StatementStarted](rec)) + len(eventsOf[tracks.MigrationRan](rec)); n != 0 {
		t.Errorf("%d progress events without Progress", n)
	}
	if a := eventsOf[tracks.MigrationApplied](rec); len(a) != 3 || a[0].Statements != 2 || a[2].Statements != 1 {
		t.Errorf("applied events %+v", a)
	}
}

// A database without plpgsql (dropped by hand) still migrates with
// Progress: the group is retried without the flushes.
func TestProgressWithoutPlpgsql(t *testing.T) {
	db := pgtest.New(t)
	ctx := ctxT(t)
	if _, err := db.Conn(t).Exec(ctx, "DROP EXTENSION plpgsql"); err != nil {
		t.Fatal(err)
	}
	res, err := tracks.Apply(ctx, connect(t, db), []tracks.Loaded{client(t, folder(three...))}, tracks.Options{Progress: true, OnEvent: func(tracks.Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Applied[tracks.Client]; len(got) != 3 {
		t.Errorf("applied %v", got)
	}
	if rows := rowsOf(t, db, client(t, folder(three...)).Ledger); len(rows) != 3 {
		t.Errorf("%d ledger rows, want 3 (exactly once)", len(rows))
	}

}

func itoa(n int) string { return strconv.Itoa(n) }
