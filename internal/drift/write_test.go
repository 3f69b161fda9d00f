package drift

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// repair's write carries the checks of migrate's ledger writes. The plan
// and the ledger it was re-checked against (under the lock) predate a row
// that a session without the lock (drizzle-orm's migrator takes none)
// committed meanwhile: that row is not written twice. And a session that
// does not hold the migration lock writes nothing.
func TestRepairWriteGuards(t *testing.T) {
	j, h, plan := twoFolderPlan(t)
	ctx := context.Background()

	for _, tc := range []struct {
		name    string
		version int
		locked  bool
		before  []*journal.Migration // rows committed by another session after the re-check
		want    error
	}{
		{"a row recorded meanwhile", ledger.Version1, true, j.Migrations[1:], tracks.ErrRecordedElsewhere},
		{"a row recorded meanwhile, version-0 ledger", ledger.Version0, true, j.Migrations[:1], tracks.ErrRecordedElsewhere},
		{"the lock not held", ledger.Version1, false, nil, tracks.ErrLockLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if tc.locked {
				if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", tracks.LockKey); err != nil {
					t.Fatal(err)
				}
			}
			other := db.Conn(t)
			if err := ledger.EnsureVersion(ctx, other, ledger.ClientTable, tc.version); err != nil {
				t.Fatal(err)
			}
			live := &Live{Ledgers: []ledger.Ledger{{Table: ledger.ClientTable, Exists: true, Version: tc.version}}}
			for _, m := range tc.before {
				var err error
				if tc.version == ledger.Version0 {
					err = ledger.Insert(ctx, other, ledger.ClientTable, m.Hash, m.When)
				} else {
					err = ledger.InsertNamed(ctx, other, ledger.ClientTable, m.Hash, m.When, m.Name)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			err = write(ctx, conn, h, live, plan, RepairOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("write = %v, want an error matching %v", err, tc.want)
			}
			var n, dup int
			if err := other.QueryRow(ctx, `select count(*), count(*) - count(distinct (hash, created_at)) from drizzle.__client_migrations`).Scan(&n, &dup); err != nil {
				t.Fatal(err)
			}
			if n != len(tc.before) || dup != 0 {
				t.Fatalf("ledger has %d rows (%d duplicates), want the %d written before, none twice", n, dup, len(tc.before))
			}
		})
	}
}

// repair's COMMIT is answered, or its outcome is unknown. A deferred
// constraint trigger on the ledger runs at COMMIT and sleeps; meanwhile the
// repair is interrupted. When the server answers the cancel request, the
// COMMIT fails and the error says rolled back. When the cancel request goes
// unanswered (it never reaches the server), pgconn closes the connection
// after its deadline delay; when the connection breaks under the COMMIT,
// the answer never comes either. In both the server goes on to commit: the
// error must say the outcome is unknown, never "rolled back", and here the
// rows did land.
func TestRepairCommitOutcome(t *testing.T) {
	_, h, plan := twoFolderPlan(t)
	live := &Live{Ledgers: []ledger.Ledger{{Table: ledger.ClientTable, Exists: true, Version: ledger.Version1}}}

	for _, tc := range []struct {
		name     string
		seconds  int // the trigger's sleep, per row
		cut      func(c *pgtest.Cutter, cancel context.CancelFunc)
		landed   bool
		canceled bool // the error matches context.Canceled (exit 130)
	}{
		{"cancel answered", 10, func(_ *pgtest.Cutter, cancel context.CancelFunc) { cancel() }, false, true},
		{"cancel unanswered", 4, func(c *pgtest.Cutter, cancel context.CancelFunc) { c.RefuseDials(); cancel() }, true, true},
		{"connection broken", 1, func(c *pgtest.Cutter, _ context.CancelFunc) { c.RefuseDials(); c.CloseConns() }, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			other := db.Conn(t)
			bg := context.Background()
			if err := ledger.EnsureVersion(bg, other, ledger.ClientTable, ledger.Version1); err != nil {
				t.Fatal(err)
			}
			db.Exec(t, fmt.Sprintf(`CREATE FUNCTION public.slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(%d);
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON drizzle.__client_migrations
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.slow_commit();`, tc.seconds))

			cfg, err := tracks.ConnConfig(db.URL, tracks.Session{})
			if err != nil {
				t.Fatal(err)
			}
			cut := pgtest.NewCutter(&cfg.Config)
			conn, err := pgx.ConnectConfig(bg, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(bg)
			if _, err := conn.Exec(bg, "select pg_advisory_lock($1)", tracks.LockKey); err != nil {
				t.Fatal(err)
			}
			pid := conn.PgConn().PID()
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			// Cut once that session is running COMMIT.
			wait := db.OnStatement(ctx, t, pid, "commit", func() { tc.cut(cut, cancel) })
			err = write(ctx, conn, h, live, plan, RepairOptions{})
			cancel()
			wait()
			var unknown *CommitUnknownError
			if tc.landed {
				if !errors.As(err, &unknown) || !errors.Is(err, tracks.ErrCommitUnknown) || strings.Contains(err.Error(), "rolled back") ||
					!strings.Contains(err.Error(), "unknown") || !slices.Equal(unknown.Rows, plan.Rows) {
					t.Fatalf("write = %v, want a CommitUnknownError with the plan's rows that does not claim a rollback", err)
				}
			} else if err == nil || errors.As(err, &unknown) || !strings.Contains(err.Error(), "rolled back") {
				t.Fatalf("write = %v, want an error that says rolled back", err)
			}
			if got := errors.Is(err, context.Canceled); got != tc.canceled {
				t.Errorf("errors.Is(%v, context.Canceled) = %v, want %v", err, got, tc.canceled)
			}
			want := 0
			if tc.landed {
				// The server finishes the COMMIT on its own.
				want = len(plan.Rows)
				deadline := time.Now().Add(20 * time.Second)
				for len(ledgerNames(t, other)) == 0 && time.Now().Before(deadline) {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if got := ledgerNames(t, other); len(got) != want {
				t.Errorf("ledger %v, want %d rows", got, want)
			}
		})
	}
}

func ledgerNames(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	return pgtest.Rows(t, conn, pgx.RowTo[string], `select name from drizzle.__client_migrations order by id`)
}

// twoFolderPlan is a client track of two 1.0 folders (a, b, each creating
// its table) and the repair plan that stamps both.
func twoFolderPlan(t *testing.T) (*journal.Journal, *History, *Plan) {
	t.Helper()
	fsys := fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(`CREATE TABLE "a" ("id" int);`)},
		"20240102000000_b/migration.sql": {Data: []byte(`CREATE TABLE "b" ("id" int);`)},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tr := tracks.Loaded{Track: tracks.Track{Name: tracks.Client, Source: fsys, Location: "test", Ledger: ledger.ClientTable}, Journal: j}
	plan := &Plan{}
	for _, m := range j.Migrations {
		plan.Rows = append(plan.Rows, Row{Track: tracks.Client, Ledger: tr.Ledger.String(), Tag: m.Tag, Hash: m.Hash, CreatedAt: m.When, Name: m.Tag})
	}
	return j, &History{Tracks: []tracks.Loaded{tr}}, plan
}
