package e2e

import (
	"context"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// TestRepairRacesMigrate bootstraps a database by running the migrations'
// SQL without ledger rows (what drizzle-kit push or hand-applied DDL
// leaves), then starts several `repair --from-push --yes` and several
// `migrate` processes at once, and a second wave of migrates spread over
// the repairs' run. Every process exits with a documented outcome:
//
//   - repair: 0 (rows written, or nothing to repair), or 1 "the database
//     changed since it was checked" (another process wrote first);
//   - migrate: 0, or 1 with the push hint when it ran before the ledger
//     rows existed (its transaction rolled back).
//
// Afterwards (and after one final migrate) every migration is recorded
// exactly once, ran exactly once (applied_log), the ledger rows are
// drizzle-orm's, and the database equals one migrated from scratch.
func TestRepairRacesMigrate(t *testing.T) {
	t.Parallel()
	const repairs, migrates = 6, 6
	ms := logged()
	dir := writeFolder(t, t.TempDir(), ms...)

	// The reference: the same tracks migrated from scratch.
	ref := pgtest.New(t)
	if r := run(t, "", nil, "migrate", "--database-url", ref.URL, "--dir", dir); r.Code != 0 {
		t.Fatalf("reference migrate: %s", r)
	}
	want := fingerprint(t, ref.URL)
	refConn := pgtest.Connect(t, ref.URL)
	wantEngine := ledgerHashes(t, refConn, "drizzle.__drizzle_migrations")
	wantClient := ledgerHashes(t, refConn, "drizzle.__client_migrations")

	engineJ, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	clientJ, err := journal.Open(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		present int // client migrations bootstrapped; the engine track is whole
	}{
		{"everything present", len(ms)},
		{"older push: client 0000-0001 present", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			conn := pgtest.Connect(t, db.URL)
			bootstrap(t, conn, engineJ.Migrations)
			bootstrap(t, conn, clientJ.Migrations[:tc.present])
			if got := ledgerHashes(t, conn, "drizzle.__drizzle_migrations"); got != nil {
				t.Fatalf("bootstrap wrote an engine ledger: %v", got)
			}

			// drift first: exit 4, the push gap named.
			if d := run(t, "", nil, "drift", "--database-url", db.URL, "--dir", dir); d.Code != 4 || !strings.Contains(d.Stdout, "push") {
				t.Fatalf("drift on the bootstrapped database: want exit 4 naming the push gap: %s", d)
			}

			began := time.Now()
			type started struct {
				kind string
				p    *clitest.Proc
			}
			var (
				mu    sync.Mutex
				procs []started
				wg    sync.WaitGroup
			)
			launch := func(kind string, args ...string) {
				defer wg.Done()
				p := clitest.Start(t, "", nil, args...)
				mu.Lock()
				procs = append(procs, started{kind, p})
				mu.Unlock()
			}
			for range repairs {
				wg.Add(1)
				go launch("repair", "repair", "--from-push", "--yes", "--database-url", db.URL, "--dir", dir)
			}
			for range migrates {
				wg.Add(1)
				go launch("migrate", "migrate", "--database-url", db.URL, "--dir", dir)
			}
			// The second wave: a migrate every 200 ms until the rows are
			// written, and two more after, so that some migrates race the
			// repairs still re-checking under the lock.
			watch := pgtest.Connect(t, db.URL)
			spread, after := 0, 0
			for deadline := time.Now().Add(2 * time.Minute); after < 2 && time.Now().Before(deadline); spread++ {
				time.Sleep(200 * time.Millisecond)
				if stampedRows(t, watch) > 0 {
					after++
				}
				wg.Add(1)
				go launch("migrate", "migrate", "--database-url", db.URL, "--dir", dir)
			}
			wg.Wait()

			outcomes := map[string]int{}
			stamped, appliedInRace := 0, 0
			for _, s := range procs {
				r := s.p.Wait(t, 3*time.Minute)
				var outcome string
				switch {
				case s.kind == "repair" && r.Code == 0 && strings.Contains(r.Stdout, "wrote "):
					outcome = "wrote"
					stamped += strings.Count(r.Stdout, ": stamped ")
				case s.kind == "repair" && r.Code == 0 && strings.Contains(r.Stdout, "nothing to repair"):
					outcome = "nothing to repair"
				case s.kind == "repair" && r.Code == 1 && strings.Contains(r.Stderr, "the database changed since it was checked"):
					outcome = "changed, exit 1"
				case s.kind == "migrate" && r.Code == 0:
					outcome = "exit 0"
					appliedInRace += strings.Count(r.Stderr, "client: applied ")
				case s.kind == "migrate" && r.Code == 1 && strings.Contains(r.Stderr, "bootstrapped with drizzle-kit push") &&
					strings.Contains(r.Stderr, "hogsend-db repair --from-push"):
					outcome = "push hint, exit 1"
				default:
					t.Errorf("%s: undocumented outcome: %s", s.kind, r)
					continue
				}
				outcomes[s.kind+": "+outcome]++
			}
			wall := time.Since(began)
			if outcomes["repair: wrote"] != 1 {
				t.Errorf("%d repairs wrote rows, want exactly 1 (outcomes %v)", outcomes["repair: wrote"], outcomes)
			}
			if wantStamped := len(engineJ.Migrations) + tc.present; stamped != wantStamped {
				t.Errorf("repairs stamped %d rows, want %d", stamped, wantStamped)
			}

			// Whatever the interleaving left pending, one more migrate
			// finishes it.
			final := run(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir)
			if final.Code != 0 {
				t.Fatalf("final migrate: %s", final)
			}
			if n := appliedInRace + strings.Count(final.Stderr, "client: applied "); n != len(ms)-tc.present {
				t.Errorf("migrates applied %d client migrations, want %d (the ones not bootstrapped)", n, len(ms)-tc.present)
			}
			if got := ledgerHashes(t, conn, "drizzle.__drizzle_migrations"); !slices.Equal(got, wantEngine) {
				t.Errorf("engine ledger:\n got %q\nwant %q", got, wantEngine)
			}
			if got := ledgerHashes(t, conn, "drizzle.__client_migrations"); !slices.Equal(got, wantClient) {
				t.Errorf("client ledger:\n got %q\nwant %q", got, wantClient)
			}
			ranOnce(t, conn, ms)
			if got := fingerprint(t, db.URL); got != want {
				t.Errorf("database differs from one migrated from scratch:\n%s", diffLines(want, got))
			}
			if r := run(t, "", nil, "status", "--database-url", db.URL, "--dir", dir); r.Code != 0 {
				t.Errorf("status at the end: want exit 0: %s", r)
			}
			if r := run(t, "", nil, "drift", "--database-url", db.URL, "--dir", dir); r.Code != 0 {
				t.Errorf("drift at the end: want exit 0: %s", r)
			}
			if lockHeld(t, conn) {
				t.Error("the migration lock is still held after every process exited")
			}
			figure(t, "%d repairs + %d migrates at once, %d more migrates 200 ms apart; outcomes %s; %d rows stamped; %d of %d remaining migrations applied by the racing migrates; each migration recorded and run once; wall %s",
				repairs, migrates, spread, summary(outcomes), stamped, appliedInRace, len(ms)-tc.present, wall.Round(time.Millisecond))
		})
	}
}

// bootstrap runs each migration's SQL as one multi-statement query, without
// ledger rows (as a push or hand-applied DDL leaves the database).
func bootstrap(t testing.TB, conn *pgx.Conn, ms []*journal.Migration) {
	t.Helper()
	for _, m := range ms {
		if _, err := conn.Exec(context.Background(), m.SQL); err != nil {
			t.Fatalf("bootstrap %s: %v", m.Tag, err)
		}
	}
}

// ranOnce fails unless applied_log holds each migration's tag exactly once.
func ranOnce(t testing.TB, conn *pgx.Conn, ms []mig) {
	t.Helper()
	rows, err := conn.Query(context.Background(), "select tag || ' ' || count(*) from applied_log group by tag order by tag")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.tag+" 1")
	}
	if !slices.Equal(got, want) {
		t.Errorf("applied_log (tag, times run): got %v, want %v", got, want)
	}
}

// summary prints outcome counts in a stable order.
func summary(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" × "+strconv.Itoa(m[k]))
	}
	return strings.Join(parts, ", ")
}

// stampedRows counts the engine ledger's rows (0 when it does not exist).
func stampedRows(t testing.TB, conn *pgx.Conn) int {
	t.Helper()
	var n int
	err := conn.QueryRow(context.Background(), `select case when to_regclass('drizzle.__drizzle_migrations') is null then 0
		else (xpath('/row/n/text()', query_to_xml('select count(*) as n from drizzle.__drizzle_migrations', false, true, '')))[1]::text::int end`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
