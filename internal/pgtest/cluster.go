package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/pgserver"
)

const (
	dirPrefix    = "hogsend-pgtest-"
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// Server is a throwaway PostgreSQL cluster owned by one test, for tests that
// stop or restart the server. Its port (and so URL) stays the same across
// restarts. It is stopped and its directory removed at cleanup.
type Server struct {
	// URL connects as superuser postgres to the maintenance database.
	URL string
	// DataDir is the cluster's data directory.
	DataDir string

	c *cluster
}

// NewServer initdb's and starts a cluster for t alone.
func NewServer(t testing.TB) *Server {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		t.Fatalf("pgtest: throwaway server: %v", err)
	}
	t.Cleanup(func() {
		if err := c.destroy(); err != nil {
			t.Errorf("pgtest: remove throwaway server: %v", err)
		}
	})
	return &Server{URL: c.url().String(), DataDir: c.dataDir, c: c}
}

// NewDB creates a fresh database on s, dropped at cleanup.
func (s *Server) NewDB(t testing.TB) *DB {
	t.Helper()
	return createDB(t, s.c.url())
}

// Stop shuts the server down (fast mode) and waits until it has exited.
func (s *Server) Stop() error { return s.c.stop() }

// Start starts a stopped server and waits until it accepts connections.
func (s *Server) Start() error { return s.c.start() }

// Restart stops then starts the server.
func (s *Server) Restart() error {
	if err := s.c.stop(); err != nil {
		return err
	}
	return s.c.start()
}

// cluster is an initdb'd data directory and, while running, its postmaster.
type cluster struct {
	binDir  string
	root    string // temporary directory: data/, sockets, postgres.log
	dataDir string
	logPath string
	port    int
	owner   *account // non-nil when running as root: processes run as postgres

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// account is the unprivileged user that runs initdb and postgres for root.
type account = pgserver.Account

var sweepOnce sync.Once

// startCluster creates and starts a new cluster.
func startCluster() (*cluster, error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	sweepOnce.Do(sweepStale)
	owner, err := pgserver.RunAs()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	c := &cluster{
		binDir:  binDir,
		root:    root,
		dataDir: filepath.Join(root, "data"),
		logPath: filepath.Join(root, "postgres.log"),
		owner:   owner,
	}
	if owner != nil {
		if err := os.Chown(root, int(owner.UID), int(owner.GID)); err != nil {
			_ = os.RemoveAll(root)
			return nil, fmt.Errorf("chown %s to %s: %w", root, owner.Name, err)
		}
	}
	if err := c.initdb(); err != nil {
		_ = os.RemoveAll(root)
		return nil, err
	}
	// A free port can be taken by another test binary between our probe and
	// postgres's bind, so try a few.
	for attempt := 1; ; attempt++ {
		c.port, err = pgserver.FreePort()
		if err == nil {
			err = c.start()
		}
		if err == nil {
			return c, nil
		}
		if attempt == 3 {
			_ = os.RemoveAll(root)
			return nil, err
		}
	}
}

func (c *cluster) url() *url.URL { return pgserver.LocalURL(c.port) }

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.root
	cmd.Env = pgserver.ChildEnv()
	cmd.SysProcAttr = sysProcAttr(c.owner)
	return cmd
}

func (c *cluster) initdb() error {
	cmd := c.command("initdb", "-D", c.dataDir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runProcess(cmd); err != nil {
		return fmt.Errorf("%s: %w\n%s", cmd.Path, err, tail(out.Bytes()))
	}
	return nil
}

// start runs postgres in the foreground as our child, so that it can be
// tied to this process's life (see sysProcAttr) and its exit observed.
func (c *cluster) start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open server log: %w", err)
	}
	defer logFile.Close() // the child holds its own copy
	cmd := c.command("postgres", "-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+c.root,
		"-c", "max_connections=200",
		"-c", "shared_buffers=32MB",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "logging_collector=off",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := startProcess(cmd); err != nil {
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(c.url().String(), 2*time.Second)
		if err == nil {
			c.cmd, c.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres exited during startup (port %d): %s\n%s", c.port, cmd.ProcessState, c.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("postgres did not accept connections within %s: %v\n%s", startTimeout, err, c.logTail())
		}
	}
}

// stop asks for a fast shutdown, then an immediate one, then kills.
func (c *cluster) stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return nil
	}
	cmd, exited := c.cmd, c.exited
	c.cmd, c.exited = nil, nil
	if err := interrupt(cmd.Process); err != nil {
		_ = cmd.Process.Kill()
	}
	select {
	case <-exited:
		return nil
	case <-time.After(stopTimeout):
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("pgtest: postgres did not stop within %s; killed\n%s", stopTimeout, c.logTail())
}

// destroy stops the server and removes its directory.
func (c *cluster) destroy() error {
	err := c.stop()
	if rmErr := os.RemoveAll(c.root); rmErr != nil && err == nil {
		err = rmErr
	}
	return err
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(c.logPath)
	return tail(b)
}

func tail(b []byte) string {
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return strings.TrimSpace(string(b))
}

// findBinDir returns a directory holding both initdb and postgres:
// HOGSEND_TEST_PG_BIN first, then where pgserver looks.
func findBinDir() (string, error) {
	return pgserver.FindBinDir(os.Getenv(EnvPGBin), EnvPGBin)
}

// sweepStale removes directories left by earlier test binaries that died
// without calling Main (their postmaster died with them; see sysProcAttr).
func sweepStale() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range matches {
		rest := strings.TrimPrefix(filepath.Base(dir), dirPrefix)
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() || pidAlive(pid) {
			continue
		}
		if pm, err := pgserver.ReadPostmaster(filepath.Join(dir, "data")); err == nil && pidAlive(pm.PID) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

// runProcess starts cmd the way postgres is started and waits for it.
func runProcess(cmd *exec.Cmd) error {
	if err := startProcess(cmd); err != nil {
		return err
	}
	return cmd.Wait()
}
