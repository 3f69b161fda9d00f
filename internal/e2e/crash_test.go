package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// killable is a client folder slow enough (pg_sleep between statements) to
// be interrupted anywhere, with a no-transaction migration in the middle.
// objects lists, per migration, SQL conditions that hold once it ran.
type killable struct {
	mig
	noTx    bool
	objects []string
}

func killableFolder() []killable {
	const nap = "SELECT pg_sleep(0.05);"
	return []killable{
		{mig{"0000_k0", 1800000001000, "CREATE TABLE k0 (id int PRIMARY KEY, v text);" + sb + nap + sb +
			"INSERT INTO k0 VALUES (1, 'a'), (2, 'b');" + sb + nap + sb + "CREATE INDEX k0_v ON k0 (v);"},
			false, []string{"to_regclass('k0') is not null", "to_regclass('k0_v') is not null"}},
		{mig{"0001_k1", 1800000001100, "CREATE TYPE k1_mood AS ENUM ('ok', 'bad');" + sb + nap + sb +
			"CREATE TABLE k1 (id int, m k1_mood);" + sb + nap},
			false, []string{"to_regtype('k1_mood') is not null", "to_regclass('k1') is not null"}},
		{mig{"0002_nt", 1800000001200, "-- hogsend-db:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS k0_v_id ON k0 (v, id);" + sb +
			nap + sb + "CREATE TABLE IF NOT EXISTS k_nt (id int);"},
			true, []string{"to_regclass('k0_v_id') is not null", "to_regclass('k_nt') is not null"}},
		{mig{"0003_k3", 1800000001300, "CREATE TABLE k3 (id int);" + sb + nap + sb + "ALTER TABLE k0 ADD COLUMN w int;" + sb + nap},
			false, []string{"to_regclass('k3') is not null",
				"exists(select 1 from pg_attribute where attrelid = to_regclass('k0') and attname = 'w' and not attisdropped)"}},
		{mig{"0004_k4", 1800000001400, "CREATE VIEW k4 AS SELECT id FROM k3;" + sb + nap},
			false, []string{"to_regclass('k4') is not null"}},
	}
}

func migsOf(ks []killable) []mig {
	out := make([]mig, len(ks))
	for i, k := range ks {
		out[i] = k.mig
	}
	return out
}

// consistency checks the invariant that matters after any crash: no ledger
// row without its migration's objects, and no committed migration's objects
// without its row. A no-transaction migration may be partly applied without
// its row (its statements commit one by one); that is returned as partial.
func consistency(t testing.TB, dbURL string, ks []killable) (clientRows int, partial []string) {
	t.Helper()
	conn := pgtest.Connect(t, dbURL)
	defer conn.Close(context.Background())
	rows := ledgerHashes(t, conn, "drizzle.__client_migrations")
	seen := map[string]int{}
	for _, r := range rows {
		seen[r]++
	}
	for _, k := range ks {
		key := sha(k.sql) + " " + strconv.FormatInt(k.when, 10)
		if seen[key] > 1 {
			t.Errorf("%s: %d ledger rows", k.tag, seen[key])
		}
		present := 0
		for _, cond := range k.objects {
			var ok bool
			if err := conn.QueryRow(context.Background(), "select "+cond).Scan(&ok); err != nil {
				t.Fatalf("%s: %s: %v", k.tag, cond, err)
			}
			if ok {
				present++
			}
		}
		recorded := seen[key] > 0
		switch {
		case recorded && present < len(k.objects):
			t.Errorf("%s: ledger row without its objects (%d of %d present)", k.tag, present, len(k.objects))
		case !recorded && present > 0 && !k.noTx:
			t.Errorf("%s: %d of %d objects committed without a ledger row", k.tag, present, len(k.objects))
		case !recorded && present > 0:
			partial = append(partial, k.tag)
		}
		delete(seen, key)
	}
	for r := range seen {
		t.Errorf("ledger row %s matches no migration", r)
	}
	return len(rows), partial
}

// sessionsGone waits until no hogsend-db session remains on the database:
// after kill -9 the backend finishes its statement before it notices.
func sessionsGone(t testing.TB, conn *pgx.Conn, db string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(context.Background(), `select count(*) from pg_catalog.pg_stat_activity
			where datname = $1 and application_name = 'hogsend-db'`, db).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("hogsend-db sessions still on %s after 20s", db)
}

// crashTrials is the number of kill -9 trials per transaction mode;
// HOGSEND_E2E_TRIALS overrides it (CI keeps the default).
func crashTrials() int {
	if n, err := strconv.Atoi(os.Getenv("HOGSEND_E2E_TRIALS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// TestKill9 kills migrate (bundled engine track + the killable client
// folder) with SIGKILL at a random moment of its run, many times, in both
// transaction modes. After every kill the ledger matches the schema, and a
// re-run exits 0 and produces exactly the schema and ledgers of an
// uninterrupted run.
func TestKill9(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("HOGSEND_E2E_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (HOGSEND_E2E_SEED to replay)", seed)
	ks := killableFolder()
	dir := writeFolder(t, t.TempDir(), migsOf(ks)...)

	for _, tx := range []string{"track", "migration"} {
		t.Run("tx="+tx, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, uint64(len(tx))))
			args := func(url string) []string {
				return []string{"migrate", "--database-url", url, "--dir", dir, "--tx", tx}
			}
			// An uninterrupted run: its duration bounds the kill moments,
			// its fingerprint is what every re-run must produce.
			ref := pgtest.New(t)
			r := run(t, "", nil, args(ref.URL)...)
			if r.Code != 0 {
				t.Fatalf("reference run: %s", r)
			}
			full := r.Dur
			want := fingerprint(t, ref.URL)
			admin := pgtest.Connect(t, ref.URL)

			trials := crashTrials()
			landed := 0
			rowsAfterKill := map[int]int{}
			partials := 0
			var rerunTotal time.Duration
			for i := range trials {
				db := pgtest.New(t)
				delay := time.Duration(rng.Int64N(int64(full)))
				p := clitest.Start(t, "", nil, args(db.URL)...)
				time.Sleep(delay)
				if err := p.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
					t.Fatal(err)
				}
				switch r := p.Wait(t, time.Minute); r.Code {
				case -1:
					landed++ // killed by the signal
				case 0: // finished before the kill
				default:
					t.Errorf("trial %d: killed process: %s", i, r)
				}
				sessionsGone(t, admin, db.Name)
				n, partial := consistency(t, db.URL, ks)
				rowsAfterKill[n]++
				partials += len(partial)

				r := run(t, "", nil, args(db.URL)...)
				rerunTotal += r.Dur
				if r.Code != 0 {
					t.Errorf("trial %d (killed after %s): re-run: %s", i, delay, r)
					continue
				}
				if got := fingerprint(t, db.URL); got != want {
					t.Errorf("trial %d (killed after %s): re-run schema differs from an uninterrupted run:\n%s", i, delay, diffLines(want, got))
				}
			}
			var dist []string
			for _, n := range slices.Sorted(func(yield func(int) bool) {
				for k := range rowsAfterKill {
					if !yield(k) {
						return
					}
				}
			}) {
				dist = append(dist, fmt.Sprintf("%d rows: %d", n, rowsAfterKill[n]))
			}
			figure(t, "%d trials, %d kills landed mid-run (uninterrupted run %s); client ledger rows after kill: %s; no-transaction migration left partly applied %d time(s); every re-run exit 0 and identical to an uninterrupted run (mean re-run %s)",
				trials, landed, full.Round(time.Millisecond), strings.Join(dist, ", "), partials, (rerunTotal / time.Duration(trials)).Round(time.Millisecond))
		})
	}
}
