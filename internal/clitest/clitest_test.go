package clitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m, "clitest")) }

func TestBinBuilt(t *testing.T) {
	if Bin() == "" {
		t.Fatal("Bin is empty after Main")
	}
	if fi, err := os.Stat(Bin()); err != nil || fi.Mode()&0o111 == 0 {
		t.Fatalf("Bin %s is not an executable: %v", Bin(), err)
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://x")
	t.Setenv("HOGSEND_TRACK", "client")
	t.Setenv("PGHOST", "elsewhere")
	t.Setenv("CLITEST_KEEP", "yes")
	env := Env("A=1", "B=2")
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "DATABASE_URL" || strings.HasPrefix(k, "HOGSEND_") || strings.HasPrefix(k, "PG") {
			t.Errorf("Env keeps %s", kv)
		}
	}
	if !slices.Contains(env, "CLITEST_KEEP=yes") {
		t.Error("Env drops an unrelated variable")
	}
	if n := len(env); n < 3 || !slices.Equal(env[n-3:], []string{"NO_COLOR=1", "A=1", "B=2"}) {
		t.Errorf("Env does not end with NO_COLOR=1 and the extras: %q", env)
	}
}

func TestResultString(t *testing.T) {
	for _, tc := range []struct {
		r    Result
		want string
	}{
		{Result{Code: 2, Stdout: "out\n", Stderr: "err\n", Dur: 1500 * time.Microsecond}, "exit 2 after 2ms\n--- stdout\nout\n--- stderr\nerr\n"},
		{Result{Code: 0, Stdout: "out", Stderr: "err"}, "exit 0 after 0s\n--- stdout\nout\n--- stderr\nerr"},
		{Result{Code: -1}, "exit -1 after 0s\n--- stdout\n--- stderr\n"},
	} {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestSyncBuffer(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				fmt.Fprintf(&b, "%d\n", i)
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Errorf("%d lines, want 800", n)
	}
}

func TestStartWait(t *testing.T) {
	p := Start(t, "", []string{"CLITEST_EXTRA=1"}, "version")
	r := p.Wait(t, time.Minute)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "hogsend-db ") {
		t.Errorf("want exit 0 and the version on stdout:\n%s", r)
	}
	if p.Running() {
		t.Error("Running after Wait")
	}
	if r != p.Res || r.Dur <= 0 || p.Began.IsZero() {
		t.Errorf("Res %+v, Began %s: not filled in", p.Res, p.Began)
	}
	if p.Cmd.Dir == "" || !slices.Contains(p.Cmd.Env, "NO_COLOR=1") || !slices.Contains(p.Cmd.Env, "CLITEST_EXTRA=1") {
		t.Errorf("dir %q env %q: want a temp dir and Env(extra)", p.Cmd.Dir, p.Cmd.Env)
	}
	dir := t.TempDir()
	if p := Start(t, dir, nil, "version"); p.Cmd.Dir != dir {
		t.Errorf("dir %q, want %q", p.Cmd.Dir, dir)
	}
}

func sleeper(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	return p
}

func TestSignal(t *testing.T) {
	p := start(t, sleeper(t), "", nil, "30")
	if !p.Running() {
		t.Fatal("not running right after start")
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := p.Wait(t, 10*time.Second)
	if r.Code != -1 || p.Running() || r.Dur > 10*time.Second {
		t.Errorf("after SIGTERM: running %v\n%s", p.Running(), r)
	}
}

// fatalTB records Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestWaitLimitKills(t *testing.T) {
	p := start(t, sleeper(t), "", nil, "30")
	f := &fatalTB{TB: t}
	r := p.Wait(f, 100*time.Millisecond)
	if !strings.Contains(f.msg, "sleep 30 did not end within 100ms; killed") {
		t.Errorf("Fatalf message %q", f.msg)
	}
	if r.Code != -1 || p.Running() {
		t.Errorf("the process was not killed: running %v\n%s", p.Running(), r)
	}
}

func TestCleanupKills(t *testing.T) {
	var p *Proc
	t.Run("sub", func(t *testing.T) { p = start(t, sleeper(t), "", nil, "30") })
	if p == nil {
		t.Skip("no process started")
	}
	if p.Running() {
		t.Error("the process outlived its test")
	}
	if filepath.Base(p.Cmd.Path) != "sleep" {
		t.Errorf("ran %s", p.Cmd.Path)
	}
}
