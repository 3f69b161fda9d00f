// Package clitest is the test helper shared by the black-box tests of the
// hogsend-db binary (internal/e2e, internal/interop): it builds the binary
// once per test binary and runs it as real processes with a controlled
// environment and captured output.
package clitest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// mainPackage is the command Main builds.
const mainPackage = "github.com/hogsend/hogsend-db/cmd/hogsend-db"

// bin is the hogsend-db binary built by Main.
var bin string

// Main builds hogsend-db into a temp dir, runs the tests (through
// pgtest.Main, so a shared throwaway cluster is shut down), removes the
// temp dir and returns the exit code for os.Exit. name labels the temp dir
// and the messages on stderr (e.g. "e2e").
func Main(m *testing.M, name string) int {
	dir, err := os.MkdirTemp("", "hogsend-"+name+"-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: temp dir: %v\n", name, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bin = filepath.Join(dir, "hogsend-db")
	began := time.Now()
	build := exec.Command(goTool(), "build", "-o", bin, mainPackage)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: go build ./cmd/hogsend-db: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: built hogsend-db in %s\n", name, time.Since(began).Round(time.Millisecond))
	return pgtest.Main(m)
}

// Bin is the path of the binary built by Main ("" before Main ran).
func Bin() string { return bin }

// goTool is the go command of the toolchain running the tests, so the
// binary is built by the same toolchain.
func goTool() string {
	for _, root := range []string{os.Getenv("GOROOT"), runtime.GOROOT()} {
		if root == "" {
			continue
		}
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Env is the environment of every hogsend-db process: ours, without
// anything that could change its behaviour behind a test's back
// (DATABASE_URL, HOGSEND_*, PG*), with NO_COLOR=1 and then extra.
func Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DATABASE_URL" || strings.HasPrefix(k, "HOGSEND_") || strings.HasPrefix(k, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "NO_COLOR=1"), extra...)
}

// Result is one finished hogsend-db process.
type Result struct {
	Code           int // exit code; -1 when killed by a signal
	Stdout, Stderr string
	Dur            time.Duration
}

func (r Result) String() string {
	out := r.Stdout
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return fmt.Sprintf("exit %d after %s\n--- stdout\n%s--- stderr\n%s", r.Code, r.Dur.Round(time.Millisecond), out, r.Stderr)
}

// SyncBuffer is a bytes.Buffer safe to read while a process writes.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

var (
	_ io.Writer    = (*SyncBuffer)(nil)
	_ fmt.Stringer = (*SyncBuffer)(nil)
)

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Proc is a running hogsend-db process.
type Proc struct {
	Cmd            *exec.Cmd
	Stdout, Stderr *SyncBuffer // the output so far
	Began          time.Time   // when the process was started
	Res            Result      // valid once the process has ended (Wait, or Running false)
	done           chan struct{}
}

// Start runs hogsend-db with args in dir (a fresh temp dir if empty, so no
// stray ./migrations is picked up), stdin closed, environment Env(env...).
// The process is killed at the test's cleanup if still running.
func Start(t testing.TB, dir string, env []string, args ...string) *Proc {
	t.Helper()
	return start(t, bin, dir, env, args...)
}

func start(t testing.TB, path, dir string, env []string, args ...string) *Proc {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = Env(env...)
	p := &Proc{Cmd: cmd, Stdout: &SyncBuffer{}, Stderr: &SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	p.Began = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", filepath.Base(path), err)
	}
	go func() {
		_ = cmd.Wait()
		p.Res = Result{Code: cmd.ProcessState.ExitCode(), Stdout: p.Stdout.String(), Stderr: p.Stderr.String(), Dur: time.Since(p.Began)}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// Wait waits for the process to end, at most limit; past it the process is
// killed and the test fails.
func (p *Proc) Wait(t testing.TB, limit time.Duration) Result {
	t.Helper()
	select {
	case <-p.done:
		return p.Res
	case <-time.After(limit):
		_ = p.Cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s %s did not end within %s; killed\n%s", filepath.Base(p.Cmd.Path), strings.Join(p.Cmd.Args[1:], " "), limit, p.Res)
		return p.Res
	}
}

// Running reports whether the process has not ended yet.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }
