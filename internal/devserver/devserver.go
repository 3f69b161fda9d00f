// Package devserver manages a local PostgreSQL server for development,
// behind `hogsend-db dev start | stop | status` and `--dev-url dev`: one
// cluster per user, created with the installed server binaries, reachable
// only from this machine (127.0.0.1 and a Unix socket, trust auth), and
// left running between commands until stopped.
//
// It never prints; it returns states and typed errors.
package devserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/flock"
	"github.com/hogsend/hogsend-db/internal/pgserver"
)

// URLKeyword is the --dev-url value that means "this package's server".
const URLKeyword = "dev"

// EnvDir overrides where the server lives.
const EnvDir = "HOGSEND_DEV_DIR"

// startTimeout bounds pg_ctl's wait for the server to accept connections.
const startTimeout = 60 * time.Second

// Server is the dev server's home directory: data/ (the cluster),
// postgres.log, the Unix socket, and the lock that serialises start/stop.
type Server struct {
	Dir string

	// findBin locates initdb, postgres and pg_ctl; tests replace it.
	findBin func() (string, error)
}

// State is what Status reports.
type State struct {
	Running bool
	URL     string // set when Running: postgres://postgres@127.0.0.1:PORT/postgres
	Dir     string
}

// Default returns the server in $HOGSEND_DEV_DIR, else the user's cache
// directory (hogsend-db/dev). As root, the server runs as the "postgres"
// user, which cannot enter root's home, so root's server lives in
// $TMPDIR/hogsend-db-dev instead.
func Default() (*Server, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		return New(dir)
	}
	if os.Geteuid() == 0 {
		return New(filepath.Join(os.TempDir(), "hogsend-db-dev"))
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("devserver: no user cache directory (%w): set %s", err, EnvDir)
	}
	return New(filepath.Join(cache, "hogsend-db", "dev"))
}

// New returns the server whose home is dir (made absolute).
func New(dir string) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	return &Server{Dir: abs, findBin: func() (string, error) { return pgserver.FindBinDir("", "") }}, nil
}

// maxSocketPath is the longest Unix socket path PostgreSQL can bind
// (sizeof(sun_path) - 1 on Linux).
const maxSocketPath = 107

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }

// Status reports whether the server runs: its postmaster.pid names a port
// on which a server answers and reports this data directory as its own.
// It needs no server binaries and starts nothing.
func (s *Server) Status(ctx context.Context) (State, error) {
	st := State{Dir: s.Dir}
	pm, err := pgserver.ReadPostmaster(s.dataDir())
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil || pm.Port == 0 {
		return st, nil // starting up, or a torn file: not (yet) running
	}
	u := pgserver.LocalURL(pm.Port).String()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return st, nil // a stale postmaster.pid: the server is gone
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var dataDir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		return st, nil
	}
	if !sameDir(dataDir, s.dataDir()) {
		return st, nil // another server took the port since
	}
	st.Running, st.URL = true, u
	return st, nil
}

// Start starts the server unless it runs, creating the cluster on first
// use, and reports whether it started it. Concurrent callers (several
// commands with --dev-url dev) serialise on a lock file; all get the URL.
func (s *Server) Start(ctx context.Context) (State, bool, error) {
	// The server's Unix socket lives in Dir: sun_path holds 107 bytes.
	if n := len(s.Dir) + len("/.s.PGSQL.65535"); n > maxSocketPath {
		return State{}, false, fmt.Errorf("devserver: %s is %d bytes too long for the server's Unix socket path (at most %d bytes): use a shorter folder",
			s.Dir, n-maxSocketPath, maxSocketPath-len("/.s.PGSQL.65535"))
	}
	owner, err := pgserver.RunAs()
	if err != nil {
		return State{}, false, err
	}
	if err := s.makeHome(owner); err != nil {
		return State{}, false, err
	}
	unlock, err := flock.Lock(ctx, filepath.Join(s.Dir, "lock"))
	if err != nil {
		return State{}, false, fmt.Errorf("devserver: lock %s: %w", s.Dir, err)
	}
	defer unlock()
	if st, err := s.Status(ctx); err != nil || st.Running {
		return st, false, err
	}
	bin, err := s.findBin()
	if err != nil {
		return State{}, false, err
	}
	if err := s.initdb(ctx, bin, owner); err != nil {
		return State{}, false, err
	}
	// A free port can be taken between our probe and postgres's bind.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := pgserver.FreePort()
		if err != nil {
			return State{}, false, err
		}
		lastErr = s.pgctl(ctx, bin, owner, "start", "-w", "-t", strconv.Itoa(int(startTimeout.Seconds())),
			"-l", filepath.Join(s.Dir, "postgres.log"), "-o", "-p "+strconv.Itoa(port))
		if lastErr == nil {
			st, err := s.Status(ctx)
			if err == nil && !st.Running {
				err = fmt.Errorf("devserver: pg_ctl started the server but it does not answer on port %d; see %s", port, filepath.Join(s.Dir, "postgres.log"))
			}
			return st, err == nil, err
		}
	}
	return State{}, false, lastErr
}

// Stop stops the server (fast shutdown: sessions are ended) and reports
// whether it was running.
func (s *Server) Stop(ctx context.Context) (bool, error) {
	st, err := s.Status(ctx)
	if err != nil || !st.Running {
		return false, err
	}
	owner, err := pgserver.RunAs()
	if err != nil {
		return false, err
	}
	unlock, err := flock.Lock(ctx, filepath.Join(s.Dir, "lock"))
	if err != nil {
		return false, fmt.Errorf("devserver: lock %s: %w", s.Dir, err)
	}
	defer unlock()
	bin, err := s.findBin()
	if err != nil {
		return false, err
	}
	if err := s.pgctl(ctx, bin, owner, "stop", "-w", "-m", "fast"); err != nil {
		return false, err
	}
	return true, nil
}

// makeHome creates Dir; as root, owned by the account the server runs as.
func (s *Server) makeHome(owner *pgserver.Account) error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("devserver: create %s: %w", s.Dir, err)
	}
	if owner != nil {
		if err := os.Chown(s.Dir, int(owner.UID), int(owner.GID)); err != nil {
			return fmt.Errorf("devserver: chown %s to %s: %w", s.Dir, owner.Name, err)
		}
	}
	return nil
}

// initdb creates the cluster unless it exists. It runs into data.new and
// renames it into place, so a killed initdb never leaves a data/ that
// looks complete; the configuration keeps the server local:
// listen_addresses 127.0.0.1, the socket in Dir, trust only for local
// connections.
func (s *Server) initdb(ctx context.Context, bin string, owner *pgserver.Account) error {
	if _, err := os.Stat(filepath.Join(s.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	tmp := filepath.Join(s.Dir, "data.new")
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("devserver: remove a killed initdb's %s: %w", tmp, err)
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", tmp, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C")
	if err := s.run(cmd, owner); err != nil {
		if owner != nil && errors.Is(err, fs.ErrPermission) {
			// As root the server runs as owner, who must reach Dir
			// through every parent folder (/root is 0700).
			return fmt.Errorf("devserver: the server runs as user %s, which cannot reach %s: use a folder that user can open (not under /root): %w",
				owner.Name, s.Dir, err)
		}
		return err
	}
	hba := "# hogsend-db's dev server: this machine only, no passwords.\n" +
		"local all all trust\n" +
		"host  all all 127.0.0.1/32 trust\n"
	conf := fmt.Sprintf("\n# hogsend-db's dev server: never reachable from the network.\n"+
		"listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n",
		strings.ReplaceAll(s.Dir, "'", "''"))
	if err := os.WriteFile(filepath.Join(tmp, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		return fmt.Errorf("devserver: write pg_hba.conf: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(tmp, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("devserver: open postgresql.conf: %w", err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("devserver: write postgresql.conf: %w", err)
	}
	if owner != nil {
		for _, name := range []string{"pg_hba.conf", "postgresql.conf"} {
			if err := os.Chown(filepath.Join(tmp, name), int(owner.UID), int(owner.GID)); err != nil {
				return fmt.Errorf("devserver: chown %s: %w", name, err)
			}
		}
	}
	if err := os.Rename(tmp, s.dataDir()); err != nil {
		return fmt.Errorf("devserver: move the new cluster into place: %w", err)
	}
	return nil
}

func (s *Server) pgctl(ctx context.Context, bin string, owner *pgserver.Account, action string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "pg_ctl"), append([]string{action, "-D", s.dataDir()}, args...)...)
	return s.run(cmd, owner)
}

// run runs a server program in Dir, as owner when we are root, and turns a
// failure into an error carrying its output.
func (s *Server) run(cmd *exec.Cmd, owner *pgserver.Account) error {
	cmd.Dir = s.Dir
	cmd.Env = pgserver.ChildEnv()
	cmd.SysProcAttr = pgserver.ProcAttr(owner)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if len(msg) > 2000 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return fmt.Errorf("devserver: %s %s: %w\n%s", filepath.Base(cmd.Path), cmd.Args[1], err, msg)
	}
	return nil
}

func sameDir(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return ra == rb
}
