package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestPgBouncerTransactionPooling runs migrate through PgBouncer in
// pool_mode=transaction, where consecutive transactions of one client land
// on different server sessions, so a session advisory lock protects
// nothing. migrate must notice that the lock is not held by the session it
// talks to after acquiring it, and warn. It needs the pgbouncer binary
// (Debian: apt-get install pgbouncer); without it the test is skipped, as
// PgBouncer is not part of the test setup that pgtest guarantees.
func TestPgBouncerTransactionPooling(t *testing.T) {
	t.Parallel()
	pgb, err := exec.LookPath("pgbouncer")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pgbouncer not installed: .ci/run installs it (apt-get install pgbouncer); CI never skips this test")
		}
		t.Skip("pgbouncer not installed (apt-get install pgbouncer): the transaction-pooling warning is untested here")
	}
	db := pgtest.New(t)
	target, err := url.Parse(db.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	dir, err := os.MkdirTemp("", "hogsend-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s/userlist.txt
pool_mode = transaction
default_pool_size = 4
min_pool_size = 3
server_round_robin = 1
ignore_startup_parameters = extra_float_digits,lock_timeout,statement_timeout
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
`, target.Hostname(), target.Port(), port, dir, dir, dir)
	writeFile(t, filepath.Join(dir, "pgbouncer.ini"), ini)
	writeFile(t, filepath.Join(dir, "userlist.txt"), `"postgres" ""`+"\n")
	cmd := exec.Command(pgb, filepath.Join(dir, "pgbouncer.ini"))
	if os.Geteuid() == 0 { // pgbouncer refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and no postgres account for pgbouncer: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	out := &clitest.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	})
	via := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&default_query_exec_mode=simple_protocol", port, db.Name)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := pgx.Connect(context.Background(), via)
		if err == nil {
			_ = c.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer does not answer: %v\n%s\n%s", err, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Make PgBouncer open several server sessions, so that with
	// server_round_robin consecutive transactions of one client rotate.
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := pgx.Connect(context.Background(), via)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(context.Background())
			_, _ = c.Exec(context.Background(), "select pg_sleep(0.2)")
		}()
	}
	wg.Wait()

	folder := writeFolder(t, t.TempDir(), migA, migB)
	r := run(t, "", nil, "migrate", "--database-url", via, "--dir", folder, "--track", "client")
	mustContain(t, "stderr", r.Stderr, "warning: the advisory lock is not held by this session", "PgBouncer")
	admin := pgtest.Connect(t, db.URL)
	holder := lockHolder(t, admin)
	leaked := holder != 0
	if leaked {
		// The warning names the pooled session left holding the lock.
		mustContain(t, "stderr", r.Stderr, fmt.Sprintf("pg_terminate_backend(%d)", holder))
	}
	figure(t, "through PgBouncer pool_mode=transaction: exit %d, LockNotHeld warning printed; lock left held on a pooled server session afterwards: %v", r.Code, leaked)
	t.Logf("%s", r)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
