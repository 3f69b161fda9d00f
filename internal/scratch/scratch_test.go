package scratch_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/redact"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openServer(t *testing.T, devURL string) *scratch.Server {
	t.Helper()
	srv, err := scratch.Open(context.Background(), devURL)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}

// create makes a scratch database on srv and fails the test if it cannot.
func create(t *testing.T, ctx context.Context, srv *scratch.Server) *scratch.DB {
	t.Helper()
	db, err := srv.Create(ctx)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return db
}

// connect opens a session on the scratch database db, closed at cleanup.
func connect(t *testing.T, ctx context.Context, db *scratch.DB) *pgx.Conn {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("Conn(%s): %v", db, err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// parseURL parses the URL of a test database.
func parseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCreateConnDrop(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx := context.Background()
	db := create(t, ctx, openServer(t, pg.URL))
	if !strings.HasPrefix(db.Name, scratch.Prefix) {
		t.Errorf("name %q lacks prefix %q", db.Name, scratch.Prefix)
	}
	if !pgtest.DatabaseExists(t, pg.AdminURL, db.Name) {
		t.Fatalf("database %s not created", db.Name)
	}
	conn := connect(t, ctx, db)
	var cur string
	var tables int
	if err := conn.QueryRow(ctx, "SELECT current_database(), (SELECT count(*) FROM pg_tables WHERE schemaname = 'public')").Scan(&cur, &tables); err != nil {
		t.Fatal(err)
	}
	if cur != db.Name || tables != 0 {
		t.Errorf("connected to %q with %d tables, want %q and 0", cur, tables, db.Name)
	}
	// The open session must not prevent the drop (WITH (FORCE)).
	if err := db.Drop(ctx); err != nil {
		t.Fatalf("Drop: %v", err)
	}
	if pgtest.DatabaseExists(t, pg.AdminURL, db.Name) {
		t.Errorf("database %s still exists after Drop", db.Name)
	}
	if err := db.Drop(ctx); err != nil {
		t.Errorf("second Drop: %v", err)
	}
}

func TestCloseDropsRemaining(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx := context.Background()
	srv, err := scratch.Open(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	a, b := create(t, ctx, srv), create(t, ctx, srv)
	if a.Name == b.Name {
		t.Fatalf("two databases named %s", a.Name)
	}
	if err := a.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, n := range []string{a.Name, b.Name} {
		if pgtest.DatabaseExists(t, pg.AdminURL, n) {
			t.Errorf("database %s survived Close", n)
		}
	}
}

func TestDropAfterCancel(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	db := create(t, ctx, openServer(t, pg.URL))
	conn := connect(t, ctx, db)
	// Interrupt a query in flight on the admin side too: cancel while a
	// session holds the database, as Ctrl-C during a replay would.
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, _ = conn.Exec(ctx, "SELECT pg_sleep(5)")
	if ctx.Err() == nil {
		t.Fatal("context not cancelled")
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatalf("Drop after cancel: %v", err)
	}
	if pgtest.DatabaseExists(t, pg.AdminURL, db.Name) {
		t.Errorf("database %s survived Drop after cancel", db.Name)
	}

	// Close with a cancelled context drops what is left.
	ctx2, cancel2 := context.WithCancel(context.Background())
	srv2, err := scratch.Open(ctx2, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	db2 := create(t, ctx2, srv2)
	cancel2()
	if err := srv2.Close(ctx2); err != nil {
		t.Fatalf("Close after cancel: %v", err)
	}
	if pgtest.DatabaseExists(t, pg.AdminURL, db2.Name) {
		t.Errorf("database %s survived Close after cancel", db2.Name)
	}
}

func TestNoCreateDB(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	roleURL := pgtest.Role(t, pg, "scratch_nocreate", "NOCREATEDB")
	pw, _ := parseURL(t, roleURL).User.Password()
	srv := openServer(t, roleURL)
	_, err := srv.Create(context.Background())
	if !errors.Is(err, scratch.ErrNoCreateDB) {
		t.Fatalf("Create as NOCREATEDB role: err = %v, want ErrNoCreateDB", err)
	}
	// The remedy is the sentinel; the CLI names the flag (cmd/hogsend-db).
	for _, want := range []string{"cannot create scratch databases", "use a server and role that can", "permission denied"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestConnectErrorsHidePassword(t *testing.T) {
	t.Parallel()
	u := parseURL(t, pgtest.New(t).URL)
	const pw = "S3cretPassw0rd"
	u.User = url.UserPassword(u.User.Username(), pw)
	noDB := *u
	noDB.Path = "/hogsend_no_such_database_here"
	badPort := *u
	badPort.Host = "127.0.0.1:1"
	kv := "host=127.0.0.1 port=1 user=postgres password='" + pw + "' dbname=postgres connect_timeout=2"
	for _, dsn := range []string{noDB.String(), badPort.String(), kv, "postgres://u:" + pw + "@[bad"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		srv, err := scratch.Open(ctx, dsn)
		cancel()
		if err == nil {
			_ = srv.Close(context.Background())
			t.Errorf("Open(%s) succeeded", redact.URL(dsn))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "scratch: ") {
			t.Errorf("error lacks package prefix: %v", err)
		}
	}
}

func TestKeyValueDevURL(t *testing.T) {
	t.Parallel()
	u := parseURL(t, pgtest.New(t).URL)
	// No dbname: the admin connection uses postgres, scratch URLs name theirs.
	kv := "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username()
	ctx := context.Background()
	db := create(t, ctx, openServer(t, kv))
	var cur string
	if err := connect(t, ctx, db).QueryRow(ctx, "SELECT current_database()").Scan(&cur); err != nil {
		t.Fatal(err)
	}
	if cur != db.Name {
		t.Errorf("current_database() = %q, want %q", cur, db.Name)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
}

// A DROP DATABASE that another session blocks (an open transaction holding
// a lock on the database) used to wait out DropTimeout, then retry on the
// expired context and fail with a misleading connect timeout, leaving the
// database silently. Now each attempt has its own lock wait and context,
// and the error names the blocking session and the statement to run.
func TestDropBlockedNamesBlocker(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx := context.Background()
	db := create(t, ctx, openServer(t, pg.URL))
	cfg, err := pgx.ParseConfig(pg.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = "blocker-under-test"
	blocker, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close(ctx)
	tx, err := blocker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{db.Name}.Sanitize()+" IS 'held'"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = db.Drop(ctx)
	took := time.Since(start)
	var de *scratch.DropError
	if !errors.As(err, &de) {
		t.Fatalf("Drop = %v (after %s), want a *scratch.DropError", err, took)
	}
	if took > scratch.DropTimeout {
		t.Errorf("Drop took %s, more than one DropTimeout", took)
	}
	pid := blocker.PgConn().PID()
	found := false
	for _, b := range de.Blockers {
		found = found || b.PID == int32(pid) && b.ApplicationName == "blocker-under-test"
	}
	if !found || !strings.Contains(err.Error(), "blocker-under-test") || !strings.Contains(err.Error(), db.Name) {
		t.Errorf("the error does not name the blocker (pid %d): %v", pid, err)
	}
	if strings.Contains(err.Error(), "failed to connect") || strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("misleading error: %v", err)
	}
	if !pgtest.DatabaseExists(t, pg.AdminURL, db.Name) {
		t.Fatal("the database is gone although Drop failed")
	}
	// The statement given is the one that works once the blocker is gone.
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Connect(t, pg.AdminURL)
	if _, err := admin.Exec(ctx, de.Statement); err != nil {
		t.Fatalf("%s: %v", de.Statement, err)
	}
	if pgtest.DatabaseExists(t, pg.AdminURL, db.Name) {
		t.Error("the remedy did not drop the database")
	}
}
