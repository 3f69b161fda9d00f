package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/pgserver"
)

func TestMain(m *testing.M) { Main(m) }

func query[T any](t *testing.T, dbURL, sql string, args ...any) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

var namePattern = regexp.MustCompile(`^hogsend_test_[0-9]+_[0-9]+_[0-9a-f]{8}$`)

func TestNewGivesDistinctEmptyDatabases(t *testing.T) {
	a, b := New(t), New(t)
	if a.Name == b.Name || a.URL == b.URL {
		t.Fatalf("same database twice: %q %q", a.Name, b.Name)
	}
	for _, db := range []*DB{a, b} {
		if !namePattern.MatchString(db.Name) {
			t.Errorf("name %q does not match %s", db.Name, namePattern)
		}
		if got := query[string](t, db.URL, "SELECT current_database()"); got != db.Name {
			t.Errorf("URL connects to %q, want %q", got, db.Name)
		}
		n := query[int64](t, db.URL, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`)
		if n != 0 {
			t.Errorf("%s is not empty: %d relations", db.Name, n)
		}
		if got := query[string](t, db.AdminURL, "SELECT current_database()"); got == db.Name {
			t.Errorf("AdminURL points at the test database")
		}
	}
	a.Exec(t, "CREATE TABLE only_in_a (id int); INSERT INTO only_in_a VALUES (1), (2)")
	if n := query[int64](t, a.URL, "SELECT count(*) FROM only_in_a"); n != 2 {
		t.Errorf("rows in a: %d", n)
	}
	if query[bool](t, b.URL, "SELECT to_regclass('only_in_a') IS NOT NULL") {
		t.Error("table created in a is visible in b")
	}
}

func TestCleanupDropsDatabase(t *testing.T) {
	var db *DB
	t.Run("owner", func(t *testing.T) {
		db = New(t)
		conn := db.Conn(t) // left open on purpose: the drop must still succeed
		if _, err := conn.Exec(context.Background(), "CREATE TABLE x (id int)"); err != nil {
			t.Fatal(err)
		}
		if !DatabaseExists(t, db.AdminURL, db.Name) {
			t.Fatalf("%s missing from pg_database during the test", db.Name)
		}
	})
	if DatabaseExists(t, db.AdminURL, db.Name) {
		t.Fatalf("%s still in pg_database after its test ended", db.Name)
	}
}

func TestRows(t *testing.T) {
	conn := New(t).Conn(t)
	got := Rows(t, conn, pgx.RowTo[int], "select g from generate_series(1, $1::int) g order by g desc", 3)
	if want := []int{3, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("Rows: %v, want %v", got, want)
	}
	if got := Rows(t, conn, pgx.RowTo[string], "select 'x' where false"); len(got) != 0 {
		t.Errorf("Rows of no rows: %v, want none", got)
	}
}

// ServerDir is open to a server run as another user and gone after its test.
func TestServerDir(t *testing.T) {
	var dir string
	t.Run("owner", func(t *testing.T) {
		dir = ServerDir(t, "hogsend-serverdir-test-")
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
			t.Fatalf("server dir %s: %v %v, want a 0755 directory", dir, st, err)
		}
	})
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind after its test: %v", dir, err)
	}
}

func TestParallel(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 8 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			db := New(t)
			db.Exec(t, "CREATE TABLE t (v int)")
			db.Exec(t, "INSERT INTO t VALUES ($1)", i)
			if got := query[int32](t, db.URL, "SELECT v FROM t"); got != int32(i) {
				t.Errorf("got %d want %d", got, i)
			}
			mu.Lock()
			defer mu.Unlock()
			if seen[db.Name] {
				t.Errorf("duplicate name %s", db.Name)
			}
			seen[db.Name] = true
		})
	}
}

func TestRole(t *testing.T) {
	db := New(t)
	db.Exec(t, "CREATE TABLE data (v int); INSERT INTO data VALUES (42)")
	var roles []string
	t.Run("nocreatedb", func(t *testing.T) {
		u := Role(t, db, "nocreate", "NOCREATEDB")
		conn, err := pgx.Connect(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var user, dbname string
		if err := conn.QueryRow(context.Background(), "SELECT current_user, current_database()").Scan(&user, &dbname); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(user, "nocreate_") || dbname != db.Name {
			t.Fatalf("connected as %s to %s", user, dbname)
		}
		roles = append(roles, user)
		_, err = conn.Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{user + "_db"}.Sanitize())
		if sqlState(err) != "42501" {
			t.Fatalf("CREATE DATABASE as NOCREATEDB: want 42501, got %v", err)
		}
	})
	t.Run("readonly", func(t *testing.T) {
		u := Role(t, db, "reader", "IN ROLE pg_read_all_data")
		roles = append(roles, query[string](t, u, "SELECT current_user"))
		if v := query[int32](t, u, "SELECT v FROM data"); v != 42 {
			t.Fatalf("read %d", v)
		}
		conn, err := pgx.Connect(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "INSERT INTO data VALUES (1)"); sqlState(err) != "42501" {
			t.Fatalf("INSERT as reader: want 42501, got %v", err)
		}
	})
	t.Run("owner of objects", func(t *testing.T) {
		u := Role(t, db, "owner", "")
		db.Exec(t, "GRANT CREATE ON SCHEMA public TO "+pgx.Identifier{query[string](t, u, "SELECT current_user")}.Sanitize())
		roles = append(roles, query[string](t, u, "SELECT current_user"))
		conn, err := pgx.Connect(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		// left open on purpose
		if _, err := conn.Exec(context.Background(), "CREATE TABLE owned (id int)"); err != nil {
			t.Fatal(err)
		}
	})
	if len(roles) != 3 {
		t.Fatalf("roles: %v", roles)
	}
	for _, r := range roles {
		if query[bool](t, db.URL, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", r) {
			t.Errorf("role %s survived its test", r)
		}
	}
}

func TestNewServerStopStartRestart(t *testing.T) {
	s := NewServer(t)
	if !strings.Contains(s.DataDir, dirPrefix) {
		t.Errorf("data dir %s is not a pgtest directory", s.DataDir)
	}
	db := s.NewDB(t)
	db.Exec(t, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
	started := query[time.Time](t, s.URL, "SELECT pg_postmaster_start_time()")

	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if v := query[int32](t, db.URL, "SELECT v FROM kept"); v != 7 {
		t.Fatalf("after restart: %d", v)
	}
	if again := query[time.Time](t, s.URL, "SELECT pg_postmaster_start_time()"); !again.After(started) {
		t.Fatalf("restart did not restart: %v then %v", started, again)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := ping(s.URL, 2*time.Second); err == nil {
		t.Fatal("server answers after Stop")
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if v := query[int32](t, db.URL, "SELECT v FROM kept"); v != 7 {
		t.Fatalf("after start: %d", v)
	}
	if err := s.Start(); err == nil {
		t.Fatal("Start on a running server succeeded")
	}
}

// The forced-cluster tests run this test binary again with
// HOGSEND_TEST_FORCE_CLUSTER=1 and a child mode; the children are the
// TestChild* tests, which do nothing in a normal run.
const (
	envChild       = "PGTEST_CHILD_MODE"
	abruptExitCode = 3
)

var childLine = regexp.MustCompile(`PGTEST_CHILD root=(\S+) pid=([0-9]+) how=(.*)`)

func runChild(t *testing.T, mode string) (root string, pid int, out string, err error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildForcedCluster$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), EnvForceCluster+"=1", envChild+"="+mode)
	b, err := cmd.CombinedOutput()
	out = string(b)
	m := childLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("child (%s) did not report its cluster: %v\n%s", mode, err, out)
	}
	pid, _ = strconv.Atoi(m[2])
	if !strings.HasPrefix(m[3], "throwaway cluster") {
		t.Fatalf("child used %q, not a throwaway cluster", m[3])
	}
	return m[1], pid, out, err
}

func TestChildForcedCluster(t *testing.T) {
	mode := os.Getenv(envChild)
	if mode == "" {
		return // only meaningful as a child of TestForcedCluster*
	}
	db := New(t)
	tg, err := sharedTarget()
	if err != nil || tg.cluster == nil {
		t.Fatalf("no throwaway cluster: %v", err)
	}
	dataDir := query[string](t, db.URL, "SHOW data_directory")
	if dataDir != tg.cluster.dataDir {
		t.Fatalf("server data_directory %s, want %s", dataDir, tg.cluster.dataDir)
	}
	db.Exec(t, "CREATE TABLE x (id int)")
	fmt.Printf("PGTEST_CHILD root=%s pid=%d how=%s\n", tg.cluster.root, tg.cluster.cmd.Process.Pid, tg.how)
	if mode == "abrupt" {
		// Skip Main: the postmaster must die with us anyway. (os.Exit(0)
		// inside a test is reported as a failure by the testing package.)
		os.Exit(abruptExitCode)
	}
}

func TestForcedClusterStoppedByMain(t *testing.T) {
	root, pid, out, err := runChild(t, "main")
	if err != nil {
		t.Fatalf("child failed: %v\n%s", err, out)
	}
	if processAlive(pid) {
		t.Errorf("postmaster %d still running after Main", pid)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory %s not removed: %v", root, err)
	}
}

func TestForcedClusterDiesWithProcess(t *testing.T) {
	root, pid, out, err := runChild(t, "abrupt")
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != abruptExitCode {
		t.Fatalf("child: want exit code %d, got %v\n%s", abruptExitCode, err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d outlived its test binary", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(root, "data")); err != nil {
		t.Fatalf("expected the abandoned directory %s to remain until swept: %v", root, err)
	}
	sweepStale()
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sweep left %s: %v", root, err)
	}
}

// processAlive is pidAlive minus zombies, which a container without an
// init process may leave unreaped.
func processAlive(pid int) bool {
	if !pidAlive(pid) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

func TestFindBinDir(t *testing.T) {
	dir, err := findBinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if !pgserver.IsExecutable(filepath.Join(dir, name)) {
			t.Errorf("%s has no %s", dir, name)
		}
	}
	t.Setenv(EnvPGBin, t.TempDir())
	t.Setenv("PATH", t.TempDir())
	if got, err := findBinDir(); err == nil && !strings.HasPrefix(got, "/usr/") {
		t.Errorf("empty %s accepted: %s", EnvPGBin, got)
	}
}
