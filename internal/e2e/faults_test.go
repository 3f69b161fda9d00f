package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// faultFolder: a transactional migration with a recognisable sleep, then a
// no-transaction one with another, so a test can cut the session inside
// either. The no-transaction statements are idempotent (IF NOT EXISTS), as
// the documentation asks, so a re-run can finish a partial run.
func faultFolder() []killable {
	return []killable{
		{mig{"0000_f0", 1800000002000, "CREATE TABLE f0 (id int);" + sb + "SELECT pg_sleep(0.31);" + sb + "INSERT INTO f0 VALUES (1);"},
			false, []string{"to_regclass('f0') is not null"}},
		{mig{"0001_fnt", 1800000002100, "-- hogsend-db:no-transaction\nCREATE TABLE IF NOT EXISTS f_nt (id int);" + sb +
			"SELECT pg_sleep(0.32);" + sb + "CREATE TABLE IF NOT EXISTS f_nt2 (id int);"},
			true, []string{"to_regclass('f_nt') is not null", "to_regclass('f_nt2') is not null"}},
	}
}

// TestTerminateBackend ends the migrating session from the server side
// (pg_terminate_backend, found by application_name) inside a transactional
// and inside a no-transaction migration: migrate exits 1 with an error that
// names the migration and the cause, the ledger matches the schema, and a
// re-run finishes with the schema of an uninterrupted run.
func TestTerminateBackend(t *testing.T) {
	t.Parallel()
	ks := faultFolder()
	dir := writeFolder(t, t.TempDir(), migsOf(ks)...)
	ref := pgtest.New(t)
	if r := run(t, "", nil, "migrate", "--database-url", ref.URL, "--dir", dir, "--track", "client"); r.Code != 0 {
		t.Fatalf("reference run: %s", r)
	}
	want := fingerprint(t, ref.URL)

	for _, tc := range []struct {
		name, like string
		frags      []string
		partial    bool
	}{
		{"transaction", "%pg_sleep(0.31)%", []string{"0000_f0", "terminating connection due to administrator command", "57P01", "rolled back"}, false},
		{"no-transaction", "%pg_sleep(0.32)%", []string{"0001_fnt", "statement 2 failed", "terminating connection due to administrator command", "outside a transaction", "statement 1 was applied and stays"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			admin := pgtest.Connect(t, db.URL)
			p := clitest.Start(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
			pid := waitActive(t, admin, db.Name, tc.like, 30*time.Second)
			cut := time.Now()
			var ok bool
			if err := admin.QueryRow(context.Background(), "select pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
				t.Fatalf("pg_terminate_backend(%d): %v %v", pid, ok, err)
			}
			r := p.Wait(t, 30*time.Second)
			if r.Code != 1 {
				t.Fatalf("want exit 1: %s", r)
			}
			mustContain(t, "stderr", r.Stderr, tc.frags...)
			_, partial := consistency(t, db.URL, ks)
			if tc.partial != (len(partial) == 1) {
				t.Errorf("partly applied no-transaction migrations: %v, want partial=%v", partial, tc.partial)
			}
			lockReleased(t, admin)
			r2 := run(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
			if r2.Code != 0 {
				t.Fatalf("re-run: %s", r2)
			}
			if got := fingerprint(t, db.URL); got != want {
				t.Errorf("re-run differs from an uninterrupted run:\n%s", diffLines(want, got))
			}
			figure(t, "session terminated inside the %s migration: exit 1 %s after the cut; re-run exit 0 in %s, schema identical",
				tc.name, exitAfter(p, cut), r2.Dur.Round(time.Millisecond))
		})
	}
}

// exitAfter is how long after t0 the process ended.
func exitAfter(p *clitest.Proc, t0 time.Time) time.Duration {
	return p.Began.Add(p.Res.Dur).Sub(t0).Round(time.Millisecond)
}

// TestServerRestart restarts PostgreSQL (a throwaway cluster owned by this
// test) while migrate runs inside a transactional migration: exit 1 with a
// clear error, nothing half-recorded, and a re-run after the restart
// finishes with the schema of an uninterrupted run.
func TestServerRestart(t *testing.T) {
	t.Parallel()
	srv := pgtest.NewServer(t)
	ks := faultFolder()
	dir := writeFolder(t, t.TempDir(), migsOf(ks)...)
	ref := srv.NewDB(t)
	if r := run(t, "", nil, "migrate", "--database-url", ref.URL, "--dir", dir, "--track", "client"); r.Code != 0 {
		t.Fatalf("reference run: %s", r)
	}
	want := fingerprint(t, ref.URL)

	db := srv.NewDB(t)
	admin := pgtest.Connect(t, db.URL)
	p := clitest.Start(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
	waitActive(t, admin, db.Name, "%pg_sleep(0.31)%", 30*time.Second)
	cut := time.Now()
	if err := srv.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	restart := time.Since(cut)
	r := p.Wait(t, 30*time.Second)
	if r.Code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	mustContain(t, "stderr", r.Stderr, "0000_f0", "error:")
	if n, partial := consistency(t, db.URL, ks); n != 0 || len(partial) != 0 {
		t.Errorf("after the restart: %d client rows, partial %v; want none", n, partial)
	}
	r2 := run(t, "", nil, "migrate", "--database-url", db.URL, "--dir", dir, "--track", "client")
	if r2.Code != 0 {
		t.Fatalf("re-run: %s", r2)
	}
	if got := fingerprint(t, db.URL); got != want {
		t.Errorf("re-run differs from an uninterrupted run:\n%s", diffLines(want, got))
	}
	figure(t, "server restarted mid-transaction (restart took %s): migrate exit 1 %s after the cut; re-run exit 0 in %s, schema identical",
		restart.Round(time.Millisecond), exitAfter(p, cut), r2.Dur.Round(time.Millisecond))
	t.Logf("stderr of the cut run:\n%s", r.Stderr)
}
