package e2e

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

const sb = "\n--> statement-breakpoint\n"

// logged is a client folder whose every migration appends its tag to
// applied_log, so running a migration twice is visible in the data, not
// only in the ledger. The sleeps keep the lock held long enough for the
// other processes to find it taken.
func logged() []mig {
	ins := func(tag string) string { return "INSERT INTO applied_log (tag) VALUES ('" + tag + "');" }
	return []mig{
		{"0000_log", 1800000000000, "CREATE TABLE applied_log (tag text NOT NULL, pid int NOT NULL DEFAULT pg_backend_pid());" + sb + ins("0000_log") + sb + "SELECT pg_sleep(0.1);"},
		{"0001_accounts", 1800000000100, "CREATE TABLE accounts (id int PRIMARY KEY, name text);" + sb + ins("0001_accounts")},
		{"0002_accounts_email", 1800000000200, "ALTER TABLE accounts ADD COLUMN email text;" + sb + ins("0002_accounts_email") + sb + "SELECT pg_sleep(0.1);"},
		{"0003_accounts_email_idx", 1800000000300, "CREATE INDEX accounts_email_idx ON accounts (email);" + sb + ins("0003_accounts_email_idx")},
	}
}

// TestConcurrentMigrate starts 16 migrate processes at once on one database
// (bundled engine track + a four-migration client folder): every process
// exits 0, every migration runs exactly once, the ledgers hold exactly one
// row per migration, and the processes that waited say who held the lock.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	for _, tx := range []string{"track", "migration"} {
		t.Run("tx="+tx, func(t *testing.T) {
			t.Parallel()
			const n = 16
			db := pgtest.New(t)
			ms := logged()
			dir := writeFolder(t, t.TempDir(), ms...)

			began := time.Now()
			procs := make([]*clitest.Proc, n)
			var wg sync.WaitGroup
			for i := range procs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					procs[i] = clitest.Start(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--tx", tx)
				}()
			}
			wg.Wait()
			var waited, appliedEngine, appliedClient int
			var slowest time.Duration
			for i, p := range procs {
				r := p.Wait(t, time.Minute)
				if r.Code != 0 {
					t.Errorf("process %d: %s", i, r)
				}
				if strings.Contains(r.Stderr, "waiting for the migration lock") {
					waited++
					if !strings.Contains(r.Stderr, "held by pid") {
						t.Errorf("process %d waited without naming the holder:\n%s", i, r.Stderr)
					}
				}
				appliedEngine += strings.Count(r.Stderr, "engine: applied ")
				appliedClient += strings.Count(r.Stderr, "client: applied ")
				slowest = max(slowest, r.Dur)
			}
			wall := time.Since(began)

			conn := pgtest.Connect(t, db.URL)
			ctx := context.Background()
			rows, err := conn.Query(ctx, "select tag, count(*)::int from applied_log group by tag order by tag")
			if err != nil {
				t.Fatal(err)
			}
			type tagCount struct {
				Tag string
				N   int
			}
			counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[tagCount])
			if err != nil {
				t.Fatal(err)
			}
			if len(counts) != len(ms) {
				t.Errorf("applied_log has %d tags, want %d: %v", len(counts), len(ms), counts)
			}
			for _, c := range counts {
				if c.N != 1 {
					t.Errorf("migration %s ran %d times", c.Tag, c.N)
				}
			}
			var want []string
			for _, m := range ms {
				want = append(want, sha(m.sql)+" "+strconv.FormatInt(m.when, 10))
			}
			if got := ledgerHashes(t, conn, "drizzle.__client_migrations"); !slices.Equal(got, want) {
				t.Errorf("client ledger:\n got %q\nwant %q", got, want)
			}
			engineRows := ledgerHashes(t, conn, "drizzle.__drizzle_migrations")
			if len(engineRows) != 6 || len(slices.Compact(slices.Sorted(slices.Values(engineRows)))) != 6 {
				t.Errorf("engine ledger has %d rows (%d distinct), want 6 distinct", len(engineRows), len(slices.Compact(slices.Sorted(slices.Values(engineRows)))))
			}
			if appliedEngine != 6 || appliedClient != len(ms) {
				t.Errorf("processes reported %d engine and %d client applications, want 6 and %d", appliedEngine, appliedClient, len(ms))
			}
			if waited == 0 {
				t.Errorf("no process reported waiting for the lock")
			}
			if lockHeld(t, conn) {
				t.Errorf("the migration lock is still held after every process exited")
			}
			figure(t, "%d processes, all exit 0; %d waited for the lock and named its holder; 6+%d migrations applied once each; wall %s, slowest process %s",
				n, waited, len(ms), wall.Round(time.Millisecond), slowest.Round(time.Millisecond))
		})
	}
}
