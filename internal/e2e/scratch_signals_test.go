package e2e

import (
	"context"
	"os"
	"path/filepath"
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

// TestSignalsDropScratch interrupts the commands that replay migrations on
// scratch databases (drift, generate, lint) while the replay runs a slow
// statement on one: exit 130, quickly, and no hogsend_scratch_* database
// left on the server. The server is a throwaway cluster owned by this test,
// so "none left" is exact: no other test creates databases on it.
func TestSignalsDropScratch(t *testing.T) {
	t.Parallel()
	srv := pgtest.NewServer(t)
	db := srv.NewDB(t)
	admin := pgtest.Connect(t, db.URL)

	// 0000 sleeps on the scratch database during the replay; 0001 is the
	// one lint lints (the earlier ones are replayed first).
	dir := writeFolder(t, t.TempDir(),
		mig{"0000_slow", 1800000005000, "CREATE TABLE slow (id int);" + sb + "SELECT pg_sleep(30.05);"},
		mig{"0001_note", 1800000005100, "ALTER TABLE slow ADD COLUMN note text;"},
	)
	schemaFile := filepath.Join(t.TempDir(), "schema.sql")
	writeFile(t, schemaFile, "CREATE TABLE slow (id int, note text, extra text);\n")
	folderBefore := listFiles(t, dir)
	dbBefore := fingerprint(t, db.URL)
	if left := scratchDatabases(t, admin); len(left) != 0 {
		t.Fatalf("a fresh server already has scratch databases: %v", left)
	}

	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"drift SIGINT", syscall.SIGINT, []string{"drift", "--database-url", db.URL, "--dir", dir}},
		{"drift SIGTERM", syscall.SIGTERM, []string{"drift", "--json", "--database-url", db.URL, "--dir", dir}},
		{"repair SIGINT", syscall.SIGINT, []string{"repair", "--from-push", "--yes", "--database-url", db.URL, "--dir", dir}},
		{"generate SIGINT", syscall.SIGINT, []string{"generate", "--schema", schemaFile, "--dir", dir, "--name", "extra", "--dev-url", db.URL}},
		{"lint SIGINT", syscall.SIGINT, []string{"lint", "--dir", dir, "--track", "client", "--dev-url", db.URL}},
	} {
		// Sequential: each case checks the whole server for leftovers.
		t.Run(tc.name, func(t *testing.T) {
			p := clitest.Start(t, "", nil, tc.args...)
			scratchDB := waitScratchSleep(t, admin, p, "%pg_sleep(30.05)%", time.Minute)
			if during := scratchDatabases(t, admin); !slices.Contains(during, scratchDB) {
				t.Fatalf("scratch database %s is running the replay but not listed: %v", scratchDB, during)
			}
			sent := time.Now()
			if err := p.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			r := p.Wait(t, 30*time.Second)
			took := exitAfter(p, sent)
			if r.Code != 130 {
				t.Errorf("want exit 130: %s", r)
			}
			if took > 5*time.Second {
				t.Errorf("exit took %s after the signal", took)
			}
			// The process has exited: whatever it did not drop stays.
			if left := scratchDatabases(t, admin); len(left) != 0 {
				t.Errorf("scratch databases left on the server after %s: %v (the interrupted replay ran on %s)", tc.args[0], left, scratchDB)
			}
			if got := listFiles(t, dir); !slices.Equal(got, folderBefore) {
				t.Errorf("the migrations folder changed:\n got %v\nwant %v", got, folderBefore)
			}
			if after := fingerprint(t, db.URL); after != dbBefore {
				t.Errorf("the database changed:\n%s", diffLines(dbBefore, after))
			}
			figure(t, "exit %d %s after %s during the replay on a scratch database; 0 scratch databases left on the server",
				r.Code, took, strings.Fields(tc.name)[1])
		})
	}
}

// scratchDatabases lists the server's hogsend_scratch_* databases.
func scratchDatabases(t testing.TB, conn *pgx.Conn) []string {
	t.Helper()
	return pgtest.Rows(t, conn, pgx.RowTo[string],
		`select datname from pg_catalog.pg_database where starts_with(datname, 'hogsend_scratch_') order by 1`)
}

// waitScratchSleep waits until a session on a scratch database sleeps in a
// query matching like, and returns that database's name. It fails if p
// exits first.
func waitScratchSleep(t testing.TB, conn *pgx.Conn, p *clitest.Proc, like string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var name string
		err := conn.QueryRow(context.Background(), `select datname from pg_catalog.pg_stat_activity
			where starts_with(datname, 'hogsend_scratch_') and state = 'active' and query like $1
			and wait_event = 'PgSleep' limit 1`, like).Scan(&name)
		if err == nil {
			return name
		}
		if !p.Running() {
			t.Fatalf("hogsend-db %s exited before its replay reached %q: %s", p.Cmd.Args[1], like, p.Res)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no scratch database ran %q within %s", like, limit)
	return ""
}

// listFiles lists the files under dir (relative, slash-separated) with
// their sizes.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel)+" "+strconv.FormatInt(info.Size(), 10))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
