// Package pgtest gives each test its own fresh, empty PostgreSQL database.
//
// The server is found once per test binary, in this order:
//
//  1. HOGSEND_TEST_DATABASE_URL, a URL whose role may CREATE DATABASE (and
//     CREATE ROLE, for [Role]). If it is set and does not answer, tests fail:
//     an explicit choice is never silently replaced.
//  2. The local server postgres://postgres@127.0.0.1:5432/postgres, if it
//     answers within two seconds.
//  3. A throwaway cluster: initdb into a temporary directory (trust auth),
//     postgres on a free 127.0.0.1 port, sockets in that directory. Set
//     HOGSEND_TEST_FORCE_CLUSTER=1 to skip 1 and 2; HOGSEND_TEST_PG_BIN names
//     the directory holding initdb and postgres if they are not on PATH or in
//     /usr/lib/postgresql/*/bin.
//
// If none works the test fails with what was tried; pgtest never skips.
//
// A throwaway cluster is shared by the tests of one package binary. A package
// that calls [Main] from its TestMain stops it and removes its directory when
// the tests end. Without [Main] there is no hook at process exit in Go, so on
// Linux the postmaster is started with a parent-death signal (SIGQUIT,
// immediate shutdown) and dies with the test binary; the directory left
// behind is removed by the next pgtest run that starts a cluster.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by pgtest.
const (
	EnvDatabaseURL  = "HOGSEND_TEST_DATABASE_URL"
	EnvForceCluster = "HOGSEND_TEST_FORCE_CLUSTER"
	EnvPGBin        = "HOGSEND_TEST_PG_BIN"
)

// LocalURL is the local server tried when EnvDatabaseURL is unset.
const LocalURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

const (
	localTimeout = 2 * time.Second
	opTimeout    = 60 * time.Second
)

// DB is one fresh database, dropped when its test ends.
type DB struct {
	// Name is the database name, hogsend_test_<pid>_<counter>_<random>.
	Name string
	// URL connects to this database with the discovered (superuser or
	// CREATEDB) role.
	URL string
	// AdminURL connects to the maintenance database of the same server with
	// the same role, for tests that create databases themselves.
	AdminURL string
}

// target is a server on which test databases are created.
type target struct {
	admin   *url.URL // maintenance database URL
	how     string   // which discovery step found it, for messages
	cluster *cluster // non-nil for a throwaway cluster
}

var shared struct {
	once sync.Once
	mu   sync.Mutex // guards t during shutdown
	t    *target
	err  error
}

// counter numbers databases and roles within this process.
var counter atomic.Int64

// New creates a fresh, empty database for t and drops it (WITH (FORCE)) in
// t.Cleanup. It is safe to call from parallel tests.
func New(t testing.TB) *DB {
	t.Helper()
	tg, err := sharedTarget()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return createDB(t, tg.admin)
}

// Main runs the tests and then stops the throwaway cluster, if one was
// started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// It returns m.Run's exit code; since Go 1.15 a TestMain that returns makes
// the test binary exit with that code, and os.Exit(pgtest.Main(m)) works too.
func Main(m *testing.M) int {
	code := m.Run()
	shutdownShared()
	return code
}

func shutdownShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.t != nil && shared.t.cluster != nil {
		_ = shared.t.cluster.destroy()
	}
}

func sharedTarget() (*target, error) {
	shared.once.Do(func() {
		tg, err := discover()
		shared.mu.Lock()
		shared.t, shared.err = tg, err
		shared.mu.Unlock()
	})
	return shared.t, shared.err
}

func discover() (*target, error) {
	var tried []string
	if !envTrue(EnvForceCluster) {
		if raw := os.Getenv(EnvDatabaseURL); raw != "" {
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
				return nil, fmt.Errorf("pgtest: %s is not a postgres:// URL", EnvDatabaseURL)
			}
			if err := ping(u.String(), opTimeout); err != nil {
				return nil, fmt.Errorf("pgtest: %s (%s) does not answer: %w", EnvDatabaseURL, u.Redacted(), err)
			}
			return &target{admin: u, how: EnvDatabaseURL}, nil
		}
		tried = append(tried, EnvDatabaseURL+" is unset")
		u, _ := url.Parse(LocalURL)
		if err := ping(LocalURL, localTimeout); err == nil {
			return &target{admin: u, how: "local server"}, nil
		} else {
			tried = append(tried, fmt.Sprintf("local server %s: %v", LocalURL, err))
		}
	} else {
		tried = append(tried, EnvForceCluster+" is set")
	}
	c, err := startCluster()
	if err != nil {
		tried = append(tried, fmt.Sprintf("throwaway cluster: %v", err))
		return nil, fmt.Errorf("pgtest: no PostgreSQL server; tried: %s", strings.Join(tried, "; "))
	}
	return &target{admin: c.url(), how: "throwaway cluster in " + c.root, cluster: c}, nil
}

func envTrue(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func ping(rawURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = timeout
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

// createDB creates a database on the server behind admin and registers its
// drop.
func createDB(t testing.TB, admin *url.URL) *DB {
	t.Helper()
	name := fmt.Sprintf("hogsend_test_%d_%d_%s", os.Getpid(), counter.Add(1), randomHex(4))
	ident := pgx.Identifier{name}.Sanitize()
	if err := adminExec(admin, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, admin.Redacted(), err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	dbURL := *admin
	dbURL.Path = "/" + name
	dbURL.RawPath = ""
	return &DB{Name: name, URL: dbURL.String(), AdminURL: admin.String()}
}

func adminExec(admin *url.URL, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// Conn opens a connection to the database and closes it at cleanup.
func (d *DB) Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	return Connect(t, d.URL)
}

// Connect opens a connection to rawURL (any database, e.g. one a test made
// itself), closed when the test ends, and fails the test if it cannot.
func Connect(t testing.TB, rawURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// Rows runs sql on conn and collects every row with scan (pgx.RowTo[string],
// pgx.RowToStructByPos[T], ...), failing the test on any error.
func Rows[T any](t testing.TB, conn *pgx.Conn, scan pgx.RowToFunc[T], sql string, args ...any) []T {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("pgtest: query: %v\n%s", err, sql)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		t.Fatalf("pgtest: read rows: %v\n%s", err, sql)
	}
	return out
}

// DatabaseExists reports whether the server rawURL connects to has a
// database named name, on a short-lived connection; it fails the test if it
// cannot tell.
func DatabaseExists(t testing.TB, rawURL, name string) bool {
	t.Helper()
	conn := Connect(t, rawURL)
	defer conn.Close(context.Background()) // now, not only at cleanup
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok); err != nil {
		t.Fatalf("pgtest: query pg_database: %v", err)
	}
	return ok
}

// ServerDir is a fresh directory (os.MkdirTemp's pattern) that a server a
// test starts can write below: when the tests run as root the server runs
// as "postgres", which cannot enter t.TempDir (0700, root's). It is removed
// at cleanup, after the cleanups the test registers later (stop the server
// in one of those).
func ServerDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dir
}

// Exec runs sql (several statements are allowed when there are no args) on a
// short-lived connection to the database and fails the test on error.
func (d *DB) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", d.Name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: exec on %s: %v\n%s", d.Name, err, sql)
	}
}

// Role creates a login role for the test and returns a URL that connects to
// db as that role. attrs is appended to CREATE ROLE verbatim, e.g.
// "NOCREATEDB" or "IN ROLE pg_read_all_data". Roles are cluster-wide, so the
// real name is name plus a unique suffix (the returned URL carries it). At
// cleanup the role's sessions are ended, what it owns in db is dropped, and
// the role is dropped.
func Role(t testing.TB, db *DB, name, attrs string) string {
	t.Helper()
	suffix := fmt.Sprintf("_%d_%d_%s", os.Getpid(), counter.Add(1), randomHex(3))
	if len(name)+len(suffix) > 63 {
		name = name[:63-len(suffix)]
	}
	role := name + suffix
	ident := pgx.Identifier{role}.Sanitize()
	// CREATE ROLE takes no bind parameters; the password is random hex, so
	// it needs no quoting beyond the literal's quotes.
	password := randomHex(16)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", db.Name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE ROLE "+ident+" LOGIN PASSWORD '"+password+"' "+attrs); err != nil {
		t.Fatalf("pgtest: create role %s %s: %v", role, attrs, err)
	}
	t.Cleanup(func() {
		if err := dropRole(db.URL, role); err != nil {
			t.Errorf("pgtest: drop role %s: %v", role, err)
		}
	})
	u, err := url.Parse(db.URL)
	if err != nil {
		t.Fatalf("pgtest: parse db url: %v", err)
	}
	u.User = url.UserPassword(role, password)
	return u.String()
}

func dropRole(dbURL, role string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	ident := pgx.Identifier{role}.Sanitize()
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "DROP OWNED BY "+ident); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "DROP ROLE IF EXISTS "+ident)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("pgtest: crypto/rand failed"))
	}
	return hex.EncodeToString(b)
}
