package devserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/pgserver"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// home returns a fresh server home that the "postgres" user can reach when
// the tests run as root (t.TempDir is 0700 root-only), and stops the
// server at cleanup.
func home(t *testing.T) *Server {
	t.Helper()
	s, err := New(filepath.Join(pgtest.ServerDir(t, "hogsend-devserver-test-"), "dev"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Stop(context.Background()); err != nil {
			t.Errorf("stop at cleanup: %v", err)
		}
	})
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestStartStatusStop(t *testing.T) {
	ctx := ctxT(t)
	s := home(t)

	st, err := s.Status(ctx)
	if err != nil || st.Running {
		t.Fatalf("before start: %+v, %v; want not running", st, err)
	}
	if stopped, err := s.Stop(ctx); err != nil || stopped {
		t.Fatalf("stop before start: %v, %v; want false, nil", stopped, err)
	}

	// Concurrent starts (several commands with --dev-url dev): one starts
	// the server, all get the same URL.
	var wg sync.WaitGroup
	states := make([]State, 3)
	started := make([]bool, 3)
	errs := make([]error, 3)
	for i := range states {
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[i], started[i], errs[i] = s.Start(ctx)
		}()
	}
	wg.Wait()
	n := 0
	for i := range states {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if !states[i].Running || states[i].URL != states[0].URL {
			t.Errorf("start %d: %+v, want running at %s", i, states[i], states[0].URL)
		}
		if started[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of 3 concurrent starts started the server, want 1", n)
	}
	url := states[0].URL
	if !strings.HasPrefix(url, "postgres://postgres@127.0.0.1:") {
		t.Errorf("URL = %s", url)
	}

	// Local only: listens on 127.0.0.1, trusts only local connections.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var listen string
	if err := conn.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil || listen != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, %v; want 127.0.0.1", listen, err)
	}
	rows, err := conn.Query(ctx, "SELECT type, coalesce(address, ''), auth_method FROM pg_hba_file_rules")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, addr, method string
		if err := rows.Scan(&typ, &addr, &method); err != nil {
			t.Fatal(err)
		}
		if !(typ == "local" || (typ == "host" && addr == "127.0.0.1")) {
			t.Errorf("pg_hba rule %s %s %s reaches beyond this machine", typ, addr, method)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE kept"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	if st, err := s.Status(ctx); err != nil || !st.Running || st.URL != url {
		t.Errorf("status while running: %+v, %v", st, err)
	}
	if stopped, err := s.Stop(ctx); err != nil || !stopped {
		t.Fatalf("stop: %v, %v; want true", stopped, err)
	}
	if st, err := s.Status(ctx); err != nil || st.Running {
		t.Errorf("status after stop: %+v, %v; want not running", st, err)
	}

	// Start again: the same cluster (no new initdb), on some free port.
	st, ok, err := s.Start(ctx)
	if err != nil || !ok || !st.Running {
		t.Fatalf("restart: %+v, %v, %v", st, ok, err)
	}
	conn, err = pgx.Connect(ctx, st.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var kept bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = 'kept')").Scan(&kept); err != nil || !kept {
		t.Errorf("database made before the restart: %v, %v; want it kept", kept, err)
	}
}

// A killed initdb leaves data.new, never a data/ that looks complete.
func TestStartAfterKilledInitdb(t *testing.T) {
	ctx := ctxT(t)
	s := home(t)
	if err := os.MkdirAll(filepath.Join(s.Dir, "data.new", "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	st, ok, err := s.Start(ctx)
	if err != nil || !ok || !st.Running {
		t.Fatalf("start over a killed initdb: %+v, %v, %v", st, ok, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "data.new")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data.new left behind: %v", err)
	}
}

func TestStartWithoutBinaries(t *testing.T) {
	s := home(t)
	s.findBin = func() (string, error) { return "", &pgserver.MissingError{Tried: []string{"initdb not on PATH"}} }
	_, _, err := s.Start(ctxT(t))
	if !errors.Is(err, pgserver.ErrNoBinaries) || !strings.Contains(err.Error(), "apt-get install postgresql") {
		t.Fatalf("err = %v, want ErrNoBinaries naming the package", err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvDir, "")
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := "hogsend-db/dev"
	if os.Geteuid() == 0 {
		want = "hogsend-db-dev"
	}
	if !strings.HasSuffix(filepath.ToSlash(s.Dir), want) {
		t.Errorf("Default().Dir = %s, want …/%s", s.Dir, want)
	}
	t.Setenv(EnvDir, "/somewhere/else")
	if s, err := Default(); err != nil || s.Dir != "/somewhere/else" {
		t.Errorf("with %s: %v, %v", EnvDir, s, err)
	}
}

// A folder too long for the server's Unix socket is refused before
// anything is created, with the length allowed (pg_ctl only says "could not
// create Unix-domain socket" in its log).
func TestStartRefusesLongSocketPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("x", maxSocketPath))
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "too long for the server's Unix socket path") {
		t.Fatalf("Start: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the folder was created: %v", err)
	}
}
