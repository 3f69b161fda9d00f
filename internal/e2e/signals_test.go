package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestSignals interrupts migrate (Ctrl-C = SIGINT, and SIGTERM as sent by
// orchestrators) while a migration statement runs, and while waiting for
// the lock: exit 130, quickly, with the open transaction rolled back (the
// database is exactly as before), the lock released and no session left.
func TestSignals(t *testing.T) {
	t.Parallel()
	slow := []mig{
		{"0000_s0", 1800000003000, "CREATE TABLE s0 (id int);" + sb + "INSERT INTO s0 VALUES (1);" + sb + "SELECT pg_sleep(30.01);"},
	}
	slowNoTx := []mig{
		{"0000_s0", 1800000003000, "CREATE TABLE s0 (id int);"},
		{"0001_snt", 1800000003100, "-- hogsend-db:no-transaction\nCREATE TABLE IF NOT EXISTS s_nt (id int);" + sb + "SELECT pg_sleep(30.02);"},
	}
	for _, tc := range []struct {
		name    string
		ms      []mig
		sig     syscall.Signal
		like    string // wait for this statement; "" = wait for the lock
		changed bool   // the no-transaction migration's first statement stays
	}{
		{"SIGINT in a transaction", slow, syscall.SIGINT, "%pg_sleep(30.01)%", false},
		{"SIGTERM in a transaction", slow, syscall.SIGTERM, "%pg_sleep(30.01)%", false},
		{"SIGINT in a no-transaction migration", slowNoTx, syscall.SIGINT, "%pg_sleep(30.02)%", true},
		{"SIGINT while waiting for the lock", slow, syscall.SIGINT, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			dir := writeFolder(t, t.TempDir(), tc.ms...)
			admin := pgtest.Connect(t, db.URL)
			before := fingerprint(t, db.URL)
			if tc.like == "" {
				if _, err := admin.Exec(context.Background(), "select pg_advisory_lock(4812007)"); err != nil {
					t.Fatal(err)
				}
			}
			p := clitest.Start(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
			if tc.like != "" {
				waitActive(t, admin, db.Name, tc.like, 30*time.Second)
			} else {
				deadline := time.Now().Add(30 * time.Second)
				for !strings.Contains(p.Stderr.String(), "waiting for the migration lock") {
					if time.Now().After(deadline) || !p.Running() {
						t.Fatalf("migrate never waited for the lock: %s", p.Stderr.String())
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			sent := time.Now()
			if err := p.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			r := p.Wait(t, 20*time.Second)
			took := exitAfter(p, sent)
			if r.Code != 130 {
				t.Fatalf("want exit 130: %s", r)
			}
			if took > 5*time.Second {
				t.Errorf("exit took %s after the signal", took)
			}
			if tc.like == "" {
				if _, err := admin.Exec(context.Background(), "select pg_advisory_unlock(4812007)"); err != nil {
					t.Fatal(err)
				}
			}
			sessionsGone(t, admin, db.Name)
			lockReleased(t, admin)
			after := fingerprint(t, db.URL)
			if tc.changed {
				// 0000 committed, 0001's first statement stays, no row for 0001.
				mustContain(t, "database after the interrupted no-transaction migration", after, "rel s_nt r", "rel s0 r")
				mustContain(t, "stderr", r.Stderr, "0001_snt interrupted at statement 2", "earlier statements stay")
				if rows := ledgerHashes(t, admin, "drizzle.__client_migrations"); len(rows) != 1 {
					t.Errorf("client ledger %v, want only 0000_s0", rows)
				}
			} else if after != before {
				t.Errorf("database changed although the run was interrupted:\n%s", diffLines(before, after))
			}
			figure(t, "exit 130 %s after the signal; database %s; lock released", took,
				map[bool]string{false: "unchanged", true: "keeps only the committed statements, no ledger row"}[tc.changed])
		})
	}
}
