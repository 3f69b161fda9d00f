//go:build unix

package drizzletest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePackage writes a package dir pinning fake@1.0.0, the shape
// testdata/drizzle and testdata/drizzle1 have.
func fakePackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"package.json":      `{"dependencies":{"fake":"1.0.0"}}`,
		"package-lock.json": `{"lockfileVersion":3}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeNpm writes an `npm` script that logs each call to the returned log
// file, checks it runs beside the staged package.json, and installs
// fake@<version>; then it runs tail (a shell fragment) before exiting 0.
func fakeNpm(t *testing.T, version, tail string) (npm, log string) {
	t.Helper()
	bin := t.TempDir()
	log = filepath.Join(bin, "calls.log")
	script := `#!/bin/sh
echo "$*" >> '` + log + `'
[ -f package.json ] && [ -f package-lock.json ] || { echo "no package.json here" >&2; exit 9; }
mkdir -p node_modules/fake
sleep 0.2
echo '{"version":"` + version + `"}' > node_modules/fake/package.json
` + tail + `
`
	npm = filepath.Join(bin, "npm")
	if err := os.WriteFile(npm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return npm, log
}

func calls(t *testing.T, log string) []string {
	t.Helper()
	raw, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

func noStaging(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), stagingPrefix) {
			t.Errorf("staging dir %s left behind", e.Name())
		}
	}
}

// wantInstallsOnce installs into dir with a working npm and fails the test
// unless npm was called once, the modules are complete and no staging dir
// is left; what names the situation in messages.
func wantInstallsOnce(t *testing.T, dir, what string) {
	t.Helper()
	good, log := fakeNpm(t, "1.0.0", "")
	if err := install(context.Background(), dir, good); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(calls(t, log)) != 1 || missingModules(dir) != "" {
		t.Errorf("%s: calls %q, missing %q", what, calls(t, log), missingModules(dir))
	}
	noStaging(t, dir)
}

// Concurrent installers (each takes the flock on its own file descriptor,
// as separate test binaries do) run npm ci once between them.
func TestInstallRunsNpmCiOnceUnderTheLock(t *testing.T) {
	dir := fakePackage(t)
	npm, log := fakeNpm(t, "1.0.0", "")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = install(context.Background(), dir, npm)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("install %d: %v", i, err)
		}
	}
	if got := calls(t, log); len(got) != 1 || got[0] != "ci --no-audit --no-fund" {
		t.Errorf("npm calls = %q, want one `ci --no-audit --no-fund`", got)
	}
	if problem := missingModules(dir); problem != "" {
		t.Errorf("after install: %s", problem)
	}
	noStaging(t, dir)

	// Complete now: a second install does not call npm again.
	if err := install(context.Background(), dir, npm); err != nil {
		t.Fatal(err)
	}
	if got := calls(t, log); len(got) != 1 {
		t.Errorf("npm calls after a complete install = %q, want still one", got)
	}
}

// An npm that fails or is killed halfway leaves no node_modules behind, so
// the next run does not take a partial install for a complete one.
func TestInstallKilledHalfwayLeavesNoNodeModules(t *testing.T) {
	dir := fakePackage(t)

	failing, _ := fakeNpm(t, "1.0.0", "echo 'network down' >&2; exit 1")
	err := install(context.Background(), dir, failing)
	if err == nil || !strings.Contains(err.Error(), "network down") {
		t.Fatalf("failing npm: err = %v, want npm's output in it", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("failed install left node_modules: %v", err)
	}

	hanging, _ := fakeNpm(t, "1.0.0", "exec sleep 60")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := install(ctx, dir, hanging); err == nil {
		t.Fatal("killed npm: install returned nil")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("killed install left node_modules: %v", err)
	}

	// A staging dir of an install killed with SIGKILL (no deferred cleanup).
	if err := os.MkdirAll(filepath.Join(dir, stagingPrefix+"dead", "node_modules", "fake"), 0o755); err != nil {
		t.Fatal(err)
	}
	wantInstallsOnce(t, dir, "retry")
}

// A node_modules that does not match package.json is replaced.
func TestInstallReplacesAStaleNodeModules(t *testing.T) {
	dir := fakePackage(t)
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "fake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", "fake", "package.json"), []byte(`{"version":"0.9.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	wantInstallsOnce(t, dir, "stale node_modules")
}

func TestInstallWithoutNpm(t *testing.T) {
	dir := fakePackage(t)
	err := install(context.Background(), dir, filepath.Join(t.TempDir(), "npm"))
	if !errors.Is(err, errNoNpm) {
		t.Fatalf("err = %v, want errNoNpm", err)
	}
}
