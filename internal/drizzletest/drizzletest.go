// Package drizzletest drives the real drizzle-orm migrator and drizzle-kit
// (pinned in testdata/drizzle, and the 1.0 release candidate in
// testdata/drizzle1) from Go tests, so hogsend-db's behaviour can be
// compared with the tools it must stay compatible with.
//
// The package-level functions drive the 0.x tools (V0); V1's methods drive
// drizzle-orm and drizzle-kit 1.0.
//
// Every helper calls Require first. A missing testdata/drizzle/node_modules
// is installed with `npm ci` on first use; without Node or npm the test
// fails with instructions, or is skipped when HOGSEND_SKIP_NODE_TESTS=1
// (never when CI=true).
package drizzletest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SkipEnv is the variable that turns missing Node tooling into a skip
// instead of a failure, outside CI.
const SkipEnv = "HOGSEND_SKIP_NODE_TESTS"

// DefaultLockKey is the advisory lock key both Hogsend tracks take.
const DefaultLockKey int64 = 4812007

// scriptTimeout bounds one script run; drizzle-kit needs a few seconds.
const scriptTimeout = 3 * time.Minute

// Tools names one pinned pair of drizzle packages: the folder under
// testdata/ that holds its package.json and scripts.
type Tools string

// The pinned drizzle versions.
const (
	V0 Tools = "drizzle"  // drizzle-orm 0.45, drizzle-kit 0.31: meta/_journal.json
	V1 Tools = "drizzle1" // drizzle-orm and drizzle-kit 1.0.0-rc.5: a folder per migration
)

// Dir returns the absolute path of testdata/drizzle, located from this
// source file so it works from any package's test.
func Dir(t testing.TB) string {
	t.Helper()
	return V0.Dir(t)
}

// Dir returns the absolute path of the tools' folder under testdata.
func (v Tools) Dir(t testing.TB) string {
	t.Helper()
	return PackageDir(t, string(v))
}

// PackageDir returns the absolute path of testdata/<name>, a pinned Node
// package (package.json plus package-lock.json) for RequireDir.
func PackageDir(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("drizzletest: cannot locate own source file")
	}
	// internal/drizzletest/drizzletest.go -> module root
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	dir := filepath.Join(root, "testdata", name)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("drizzletest: %s has no package.json: %v", dir, err)
	}
	return dir
}

// Require is RequireDir for testdata/drizzle.
func Require(t testing.TB) {
	t.Helper()
	V0.Require(t)
}

// Require is RequireDir for these tools' folder.
func (v Tools) Require(t testing.TB) {
	t.Helper()
	RequireDir(t, v.Dir(t))
}

// RequireDir makes sure node is on PATH and dir (a package with a
// package-lock.json) has its pinned node_modules. A missing or stale
// node_modules is installed with `npm ci`, once per package per test
// binary and one test binary at a time; a killed install is never taken for
// a complete one (see install). When that is impossible the test fails with
// the fix, or is skipped when HOGSEND_SKIP_NODE_TESTS=1 (never when CI=true).
func RequireDir(t testing.TB, dir string) {
	t.Helper()
	problem := missingNode()
	if problem == "" {
		problem = missingModules(dir)
	}
	if problem == "" {
		return
	}
	ci := os.Getenv("CI") == "true"
	if os.Getenv(SkipEnv) == "1" && !ci {
		t.Skipf("drizzletest: skipping a test that needs Node: %s (%s=1)", problem, SkipEnv)
	}
	ignored := ""
	if os.Getenv(SkipEnv) == "1" {
		ignored = fmt.Sprintf(" (%s=1 is ignored because CI=true)", SkipEnv)
	}
	hint := fmt.Sprintf("or set %s=1 to skip tests that need Node", SkipEnv)
	if ci {
		hint = "CI runs every test"
	}
	if problem == missingNode() {
		t.Fatalf("drizzletest: %s%s: install Node.js 20 or later (with npm); %s", problem, ignored, hint)
	}
	err := ensureInstalled(dir)
	switch {
	case err == nil:
		return
	case errors.Is(err, errNoNpm):
		t.Fatalf("drizzletest: %s and %v%s: install npm (it ships with Node.js 20 or later) or run `npm ci --prefix %s`; %s", problem, err, ignored, dir, hint)
	default:
		t.Fatalf("drizzletest: %s; installing it failed%s: %v", problem, ignored, err)
	}
}

// missingNode describes a missing node binary, or returns "".
func missingNode() string {
	if _, err := exec.LookPath("node"); err != nil {
		return "node is not on PATH"
	}
	return ""
}

// missingModules describes what dir's node_modules lacks against the exact
// versions package.json pins, or returns "".
func missingModules(dir string) string {
	name := filepath.Base(dir)
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		return name + "/node_modules does not exist"
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return fmt.Sprintf("read %s/package.json: %v", name, err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return fmt.Sprintf("parse %s/package.json: %v", name, err)
	}
	for dep, want := range pkg.Dependencies {
		raw, err := os.ReadFile(filepath.Join(dir, "node_modules", dep, "package.json"))
		if err != nil {
			return fmt.Sprintf("%s is not installed in %s/node_modules", dep, name)
		}
		var got struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(raw, &got); err != nil || got.Version != want {
			return fmt.Sprintf("%s/node_modules has %s %q, package.json pins %q", name, dep, got.Version, want)
		}
	}
	return ""
}

// run executes `node script args...` in testdata/drizzle and returns the
// last line of stdout decoded into out. On failure it ends the test with
// the script's output.
func run(t testing.TB, out any, script string, args ...string) {
	t.Helper()
	V0.run(t, out, script, args...)
}

func (v Tools) run(t testing.TB, out any, script string, args ...string) {
	t.Helper()
	if output, err := v.runE(t, out, script, args...); err != nil {
		t.Fatalf("%v\n%s", err, output)
	}
}

// runE is run that returns the failure (and the script's output) instead
// of ending the test.
func (v Tools) runE(t testing.TB, out any, script string, args ...string) (output string, err error) {
	t.Helper()
	v.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, args...)...)
	cmd.Dir = v.Dir(t)
	var stdout bytes.Buffer
	combined := &lockedBuffer{}
	// Stdout and stderr are copied by two goroutines: combined is shared.
	cmd.Stdout = io.MultiWriter(&stdout, combined)
	cmd.Stderr = combined
	// cmd.Stdin stays nil: the scripts see /dev/null, as in CI.
	if err := cmd.Run(); err != nil {
		return combined.String(), fmt.Errorf("drizzletest: node %s %s: %w", script, firstArg(args), err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), out); err != nil {
		return combined.String(), fmt.Errorf("drizzletest: node %s %s: decode result %q: %w", script, firstArg(args), last, err)
	}
	return combined.String(), nil
}

// firstArg names a kit.mjs subcommand in messages without echoing URLs.
func firstArg(args []string) string {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0]
	}
	return ""
}

// Migrate runs drizzle-orm's node-postgres migrator on folder (absolute, or
// relative to Dir) with the given ledger schema and table ("" means drizzle's
// defaults) and returns the ledger row counts before and after.
func Migrate(t testing.TB, url, folder, schema, table string) (before, after int) {
	t.Helper()
	return V0.Migrate(t, url, folder, schema, table)
}

// Migrate is Migrate with these tools.
func (v Tools) Migrate(t testing.TB, url, folder, schema, table string) (before, after int) {
	t.Helper()
	args := []string{"--url", url, "--folder", folder}
	if schema != "" {
		args = append(args, "--schema", schema)
	}
	if table != "" {
		args = append(args, "--table", table)
	}
	var res struct {
		Before *int `json:"before"`
		After  *int `json:"after"`
	}
	v.run(t, &res, "migrate.mjs", args...)
	if res.Before == nil || res.After == nil {
		t.Fatal("drizzletest: migrate.mjs printed no before/after counts")
	}
	return *res.Before, *res.After
}

// Push runs `drizzle-kit push --force` of schemaFile (absolute, or relative
// to Dir) into the database at url.
func Push(t testing.TB, url, schemaFile string) {
	t.Helper()
	V0.Push(t, url, schemaFile)
}

// Push is Push with these tools.
func (v Tools) Push(t testing.TB, url, schemaFile string) {
	t.Helper()
	var res struct {
		Command string `json:"command"`
	}
	v.run(t, &res, "kit.mjs", "push", "--schema", schemaFile, "--url", url)
	if res.Command != "push" {
		t.Fatalf("drizzletest: kit.mjs push printed an unexpected result %+v", res)
	}
}

// TryPush runs `drizzle-kit push --force` of schemaFile into url with more
// drizzle.config keys (tablesFilter, schemaFilter, ...), and reports
// whether drizzle-kit succeeded, with its output (redacted) when it did not:
// push fails half-way on some databases, which is what a test may need to
// see.
func TryPush(t testing.TB, url, schemaFile string, config map[string]any) (ok bool, output string) {
	t.Helper()
	args := []string{"push", "--schema", schemaFile, "--url", url}
	if len(config) > 0 {
		b, err := json.Marshal(config)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config-json", string(b))
	}
	var res struct {
		Command string `json:"command"`
	}
	output, err := V0.runE(t, &res, "kit.mjs", args...)
	return err == nil && res.Command == "push", output
}

// Generate runs `drizzle-kit generate` of schemaFile into out (relative to
// Dir; an absolute path is made relative by kit.mjs). It reports whether a
// migration was written (false: "No schema changes"). An empty name lets
// drizzle-kit pick a random one.
func Generate(t testing.TB, schemaFile, outRel, name string) (generated bool) {
	t.Helper()
	return V0.Generate(t, schemaFile, outRel, name)
}

// Generate is Generate with these tools.
func (v Tools) Generate(t testing.TB, schemaFile, outRel, name string) (generated bool) {
	t.Helper()
	args := []string{"generate", "--schema", schemaFile, "--out", outRel}
	if name != "" {
		args = append(args, "--name", name)
	}
	var res struct {
		Generated *bool `json:"generated"`
	}
	v.run(t, &res, "kit.mjs", args...)
	if res.Generated == nil {
		t.Fatal("drizzletest: kit.mjs generate printed no result")
	}
	return *res.Generated
}

// Check runs `drizzle-kit check` on the folder out (relative to Dir, or
// absolute) and fails the test unless drizzle-kit reports it fine.
func Check(t testing.TB, outRel string) {
	t.Helper()
	V0.Check(t, outRel)
}

// Check is Check with these tools.
func (v Tools) Check(t testing.TB, outRel string) {
	t.Helper()
	var res struct {
		OK bool `json:"ok"`
	}
	v.run(t, &res, "kit.mjs", "check", "--out", outRel)
	if !res.OK {
		t.Fatal("drizzletest: kit.mjs check did not report ok")
	}
}

// Kit runs `node kit.mjs args...` of these tools and decodes its result
// line into out, for commands without a helper of their own (V1's "up").
func (v Tools) Kit(t testing.TB, out any, args ...string) {
	t.Helper()
	v.run(t, out, "kit.mjs", args...)
}

// Export runs `drizzle-kit export` of schemaFile (absolute, or relative to
// Dir) and returns the SQL it prints: the whole schema, as drizzle-kit's
// serializer describes it.
func Export(t testing.TB, schemaFile string) string {
	t.Helper()
	return V0.Export(t, schemaFile)
}

// Export is Export with these tools.
func (v Tools) Export(t testing.TB, schemaFile string) string {
	t.Helper()
	var res struct {
		SQL string `json:"sql"`
	}
	v.run(t, &res, "kit.mjs", "export", "--schema", schemaFile)
	if res.SQL == "" {
		t.Fatal("drizzletest: kit.mjs export printed no SQL")
	}
	return res.SQL
}

// HoldLock starts hold-lock.mjs, which takes pg_advisory_lock(key) on a
// session named 'hogsend-node-migrate', and returns once the lock is held.
// release unlocks and waits for the process; it is idempotent and also runs
// at test cleanup.
func HoldLock(t testing.TB, url string, key int64) (release func()) {
	t.Helper()
	Require(t)
	cmd := exec.Command("node", "hold-lock.mjs", "--url", url, "--key", strconv.FormatInt(key, 10), "--seconds", "3600")
	cmd.Dir = Dir(t)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("drizzletest: hold-lock stdin: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("drizzletest: hold-lock stdout: %v", err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("drizzletest: start hold-lock.mjs: %v", err)
	}

	type exit struct {
		lines []string
		err   error
	}
	locked := make(chan struct{})
	exited := make(chan exit, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if sc.Text() == "locked" && len(lines) == 1 {
				close(locked)
			}
		}
		// Wait only after the last read of stdout, as os/exec requires.
		exited <- exit{lines, cmd.Wait()}
	}()

	var once sync.Once
	release = func() {
		t.Helper()
		once.Do(func() {
			_ = stdin.Close() // EOF on stdin is the script's signal to unlock
			select {
			case e := <-exited:
				if e.err != nil || !contains(e.lines, "unlocked") {
					t.Errorf("drizzletest: hold-lock.mjs did not unlock cleanly: %v\nstdout: %q\n%s", e.err, e.lines, stderr.String())
				}
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
				t.Errorf("drizzletest: hold-lock.mjs did not exit within 30s of release; killed\n%s", stderr.String())
			}
		})
	}
	t.Cleanup(release)

	select {
	case <-locked:
		return release
	case e := <-exited:
		once.Do(func() {})
		t.Fatalf("drizzletest: hold-lock.mjs exited before taking the lock: %v\n%s", e.err, stderr.String())
	case <-time.After(60 * time.Second):
		once.Do(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		t.Fatalf("drizzletest: hold-lock.mjs did not print \"locked\" within 60s (lock held elsewhere?)\n%s", stderr.String())
	}
	return nil
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// lockedBuffer is a bytes.Buffer safe to read while exec copies into it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var _ io.Writer = (*lockedBuffer)(nil)

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ReadJSON decodes a drizzle-kit JSON file (snapshot.json, _journal.json)
// into v, failing the test if it cannot.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
