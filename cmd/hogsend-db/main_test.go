package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is the drizzle-kit folder made by the real drizzle-kit.
var fixture = filepath.Join("..", "..", "testdata", "drizzle", "migrations")

// hogsend runs the CLI in-process with fresh streams.
func hogsend(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"hogsend-db"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// migrateDryRun runs migrate --dry-run of the fixture on db, with extra
// arguments, and returns its stdout; the test fails unless it exits 0.
func migrateDryRun(t *testing.T, db *pgtest.DB, extra ...string) string {
	t.Helper()
	code, out, errOut := hogsend(t, append([]string{"migrate", "--database-url", db.URL, "--dir", fixture, "--dry-run"}, extra...)...)
	if code != exitOK {
		t.Fatalf("dry run %q: exit %d %s", extra, code, errOut)
	}
	return out
}

// normalize removes what changes from run to run.
var volatile = regexp.MustCompile(`"recordedAt": "[^"]*"`)

// durations are migrate's timings (840ms, 4.2s, 3m5s).
var durations = regexp.MustCompile(`\b\d+(\.\d+)?(ms|s)\b|\b\d+m\d+s\b`)

func golden(t *testing.T, name, got string) {
	t.Helper()
	got = volatile.ReplaceAllString(got, `"recordedAt": "…"`)
	got = durations.ReplaceAllString(got, "…")
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/hogsend-db -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if intended):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestStatusMigrateStatus(t *testing.T) {
	db := pgtest.New(t)
	code, out, errOut := hogsend(t, "status", "--database-url", db.URL, "--dir", fixture, "--json")
	if code != exitPending {
		t.Fatalf("status before migrate: exit %d, want %d\n%s", code, exitPending, errOut)
	}
	golden(t, "status-pending.json", out)

	code, out, errOut = hogsend(t, "migrate", "--database-url", db.URL, "--dir", fixture)
	if code != exitOK {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	golden(t, "migrate.txt", out)
	golden(t, "migrate.stderr.txt", errOut)

	code, out, _ = hogsend(t, "migrate", "--database-url", db.URL, "--dir", fixture, "--json")
	if code != exitOK {
		t.Fatalf("second migrate: exit %d", code)
	}
	var doc migrateJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Error != nil {
		t.Fatalf("second migrate: %v %s", err, out)
	}
	// Every track is listed, with [] when nothing was applied (README).
	for _, track := range []string{"engine", "client"} {
		if !strings.Contains(out, `"`+track+`": []`) || len(doc.Applied[track]) != 0 {
			t.Fatalf("second migrate must list %s as [] (applied nothing):\n%s", track, out)
		}
	}

	code, out, _ = hogsend(t, "status", "--database-url", db.URL, "--dir", fixture)
	if code != exitOK {
		t.Fatalf("status after migrate: exit %d\n%s", code, out)
	}
	golden(t, "status-in-sync.txt", out)
	code, out, _ = hogsend(t, "status", "--database-url", db.URL, "--dir", fixture, "--json")
	if code != exitOK {
		t.Fatalf("status --json after migrate: exit %d", code)
	}
	golden(t, "status-in-sync.json", out)
}

func TestStatusModifiedIsIntegrityProblem(t *testing.T) {
	db := pgtest.New(t)
	dir := copyDir(t, fixture)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", dir); code != exitOK {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	f := filepath.Join(dir, "0001_v2.sql")
	b, _ := os.ReadFile(f)
	if err := os.WriteFile(f, append(b, []byte("\n-- edited after it ran")...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := hogsend(t, "status", "--database-url", db.URL, "--dir", dir)
	if code != exitIntegrity || !strings.Contains(out, "client modified: 0001_v2") {
		t.Fatalf("exit %d, want %d; output:\n%s", code, exitIntegrity, out)
	}
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", dir, "--strict"); code != exitIntegrity || !strings.Contains(errOut, "0001_v2") {
		t.Fatalf("migrate --strict: exit %d, want %d: %s", code, exitIntegrity, errOut)
	}
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", dir); code != exitOK || !strings.Contains(errOut, "warning: client: applied migration(s) edited") {
		t.Fatalf("migrate without --strict warns (naming the track once) and succeeds: exit %d: %s", code, errOut)
	}
}

// A 1.0 folder renamed to another time after it ran: status and migrate
// say it was renamed and name the name to give it back, not a foreign
// ledger; both exit 4 and migrate runs nothing.
func TestStatusRenamedFolder(t *testing.T) {
	db := pgtest.New(t)
	dir := t.TempDir()
	for name, sql := range map[string]string{"20240101000000_a": "CREATE TABLE rn_a (id int);", "20240102000000_b": "INSERT INTO rn_a VALUES (1);"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "migration.sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--track", "client", "--dir", dir); code != exitOK {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	if err := os.Rename(filepath.Join(dir, "20240102000000_b"), filepath.Join(dir, "20240103000000_b")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := hogsend(t, "status", "--database-url", db.URL, "--track", "client", "--dir", dir)
	if code != exitIntegrity || !strings.Contains(out, "renamed + problems") || !strings.Contains(out, "client renamed: ") ||
		!strings.Contains(out, "20240103000000_b back to 20240102000000_b") || strings.Contains(out, "foreign") || strings.Contains(out, "app folder") {
		t.Fatalf("status: exit %d, want %d, the rename and its undoing; output:\n%s", code, exitIntegrity, out)
	}
	code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--track", "client", "--dir", dir)
	if code != exitIntegrity || !strings.Contains(errOut, "renamed after its migration ran") || !strings.Contains(errOut, "20240103000000_b back to 20240102000000_b") ||
		strings.Contains(errOut, ": applied ") {
		t.Fatalf("migrate: exit %d, want %d refusing the renamed folder: %s", code, exitIntegrity, errOut)
	}
	var n int
	if err := db.Conn(t).QueryRow(context.Background(), "select count(*) from rn_a").Scan(&n); err != nil || n != 1 {
		t.Fatalf("rn_a has %d rows (%v): the renamed migration ran again", n, err)
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	db := pgtest.New(t)
	out := migrateDryRun(t, db)
	if !strings.Contains(out, "-- client/0000_v1.sql") || !strings.Contains(out, `CREATE TYPE "public"."ticket_status"`) {
		t.Fatalf("dry run must show tags and SQL:\n%s", out)
	}
	var n int
	if err := db.Conn(t).QueryRow(context.Background(), `select count(*) from pg_namespace where nspname = 'drizzle'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("dry run created the ledger schema (n=%d, %v)", n, err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for _, args := range [][]string{
		{"migrate", "--no-such-flag"},
		{"migrate", "--database-url", "postgres://x@127.0.0.1:1/db", "--tx", "sometimes"},
		{"status", "--track", "both", "--database-url", "postgres://x@127.0.0.1:1/db"},
		{"status"},
		{"migrate", "--lock-wait", "forever"},
	} {
		if code, _, errOut := hogsend(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

// No command at all is a usage error (2), like an unknown one; --help is 0.
func TestNoCommandExit2(t *testing.T) {
	code, out, errOut := hogsend(t)
	if code != exitUsage || !strings.Contains(out, "COMMANDS:") || !strings.Contains(errOut, "no command") {
		t.Fatalf("no command: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, out, errOut)
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	code, out, _ := hogsend(t, "--help")
	if code != exitOK || !strings.Contains(out, "EXIT CODES") || !strings.Contains(out, "130  interrupted") {
		t.Fatalf("help: exit %d\n%s", code, out)
	}
	_, out, _ = hogsend(t, "migrate", "--help")
	if !strings.Contains(out, "EXIT CODES") || !strings.Contains(out, "--lock-wait") {
		t.Fatalf("migrate help:\n%s", out)
	}
}

// run is called concurrently in one process by these tests (and could be by
// an embedder): under -race this fails if parsing touches shared state
// unguarded, as urfave/cli v2's package variables did.
func TestRunConcurrently(t *testing.T) {
	args := [][]string{
		{"version"},
		{"--help"},
		{"migrate", "--help"},
		{"status", "--dir", "/nonexistent", "--database-url", ""},
		{"lint", "--bogus"},
	}
	var wg sync.WaitGroup
	codes := make([]int, 4*len(args))
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			codes[i] = run(context.Background(), append([]string{"hogsend-db"}, args[i%len(args)]...), &out, &errb)
		}()
	}
	wg.Wait()
	for i, code := range codes {
		a := args[i%len(args)]
		if want, _, _ := hogsend(t, a...); code != want {
			t.Errorf("%v: exit %d concurrently, %d alone", a, code, want)
		}
	}
}

func TestUnreachableIsDegradedWithoutPassword(t *testing.T) {
	const secret = "s3ntinel-pw"
	url := "postgres://someone:" + secret + "@127.0.0.1:1/db?connect_timeout=2"
	code, out, errOut := hogsend(t, "status", "--database-url", url, "--json")
	if code != exitError {
		t.Fatalf("exit %d, want %d", code, exitError)
	}
	var doc struct {
		Status     string
		Components map[string]struct{ Status, Error string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("status --json must print a document even when the database is down: %v\n%s", err, out)
	}
	if doc.Status != "degraded" || doc.Components["database"].Status != "down" || doc.Components["database"].Error == "" {
		t.Fatalf("document %+v", doc)
	}
	if strings.Contains(out+errOut, secret) {
		t.Fatalf("password leaked:\n%s\n%s", out, errOut)
	}
}

// copyDir copies the folder src into a new temporary folder, to be altered.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Ctrl-C: exit 130, and the message starts by saying so (not only Go's
// "context canceled").
func TestInterruptedSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"hogsend-db", "status", "--database-url", "postgres://x@127.0.0.1:1/x", "--dir", fixture}, &out, &errb)
	if code != exitInterrupted || !strings.HasPrefix(errb.String(), "error: interrupted: ") || strings.Contains(errb.String(), "tracks: ") {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitInterrupted, errb.String())
	}
}

// --json prints one document even when the command fails before its own
// (a missing engine folder): {"error": {"message", "exitCode"}}.
func TestJSONOnEarlyError(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://x@127.0.0.1:1/x")
	for _, args := range [][]string{
		{"migrate", "--json", "--engine-dir", "nowhere"},
		{"status", "--json", "--engine-dir", "nowhere"},
		{"drift", "--json", "--engine-dir", "nowhere"},
		{"repair", "--from-push", "--json", "--engine-dir", "nowhere"},
		{"lint", "--format", "json", "--engine-dir", "nowhere", "--dev-url", "postgres://x@127.0.0.1:1/x"},
	} {
		code, out, errOut := hogsend(t, args...)
		var doc struct {
			Error *struct {
				Message  string
				ExitCode int
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitError || doc.Error == nil ||
			doc.Error.ExitCode != exitError || !strings.Contains(doc.Error.Message, "nowhere") {
			t.Errorf("%v: exit %d, %v\nstdout:\n%s\nstderr:\n%s", args, code, err, out, errOut)
		}
	}
}
