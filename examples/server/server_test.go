package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// build compiles the example server into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func serverCmd(t *testing.T, bin, dbURL string) *exec.Cmd {
	// Run where there is no ./migrations: the default folder may be absent.
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SKIP_SCHEMA_CHECK=")
	return cmd
}

func TestServerRefusesBehindDatabase(t *testing.T) {
	bin := build(t)
	db := pgtest.New(t) // empty: every engine migration is pending
	out, err := serverCmd(t, bin, db.URL).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v\n%s", err, out)
	}
	want := regexp.MustCompile(`(?m)^Database schema is out of date: this build requires \S+, database is at \(none\)\. ` +
		`Pending migration\(s\): 0000_\S+(, \S+)*\. Run "hogsend-db migrate", or set SKIP_SCHEMA_CHECK=true to bypass\.$`)
	if !want.Match(out) {
		t.Fatalf("boot message missing:\n%s", out)
	}
}

func TestServerServesHealthWhenMigrated(t *testing.T) {
	bin := build(t)
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tracks.LoadAll(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{}); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	cmd := serverCmd(t, bin, db.URL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The server logs the address it listens on.
	addrRe := regexp.MustCompile(`msg=listening addr=(\S+)`)
	lines := bufio.NewScanner(stderr)
	var addr string
	var seen []string
	deadline := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
	for addr == "" && lines.Scan() {
		seen = append(seen, lines.Text())
		if m := addrRe.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	deadline.Stop()
	if addr == "" {
		t.Fatalf("server did not start:\n%s", strings.Join(seen, "\n"))
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stderr); rest <- string(b) }()

	resp, err := http.Get("http://" + addr + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"healthy"`) {
		t.Fatalf("GET /v1/health: %d %s", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Read stderr to its end before Wait: Wait closes the pipe as soon as
	// the process has exited, which can cut off the last lines unread.
	logs := <-rest
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v\n%s", err, logs)
	}
	if !strings.Contains(logs, "msg=stopped") {
		t.Errorf("no graceful stop:\n%s", logs)
	}
}

// TestBuildVendored builds the example server the way a server that vendors
// hogsend-db does: in a copy of the module holding only the packages the
// server needs, after `go mod vendor`, with -mod=vendor.
func TestBuildVendored(t *testing.T) {
	root := moduleRoot(t)
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	tmp := t.TempDir()
	for _, f := range []string{"go.mod", "go.sum"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(tmp, f))
	}
	n := 0
	for _, dir := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("package dir %s outside %s", dir, root)
		}
		copyTree(t, dir, filepath.Join(tmp, rel))
		n++
	}
	if n < 5 {
		t.Fatalf("only %d module packages in the server's dependencies:\n%s", n, out)
	}
	env := append(os.Environ(), "GOFLAGS=-buildvcs=false", "GOWORK=off")
	for _, args := range [][]string{{"mod", "vendor"}, {"build", "-mod=vendor", "-o", filepath.Join(tmp, "server.bin"), "./examples/server"}} {
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = tmp, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	modules, err := os.ReadFile(filepath.Join(tmp, "vendor", "modules.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"ariga.io/atlas/", "github.com/charmbracelet/lipgloss\n", "github.com/urfave/cli/v2\n"} {
		// modules.txt lists every required module; only packages matter.
		if strings.Contains(string(modules), "\n"+pkg) {
			t.Errorf("vendor/modules.txt vendors a package of %s", strings.TrimSpace(pkg))
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "server.bin")); err != nil {
		t.Fatal(err)
	}
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies a package directory with what it embeds, leaving out
// tests and test data.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, "_test.go") {
			return nil
		}
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
