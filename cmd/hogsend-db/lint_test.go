package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

var lintData = filepath.Join("..", "..", "testdata", "lint")

// lintCLI runs `hogsend-db lint ARGS` in-process on fresh streams.
func lintCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"hogsend-db", "lint"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// A folder whose last migration drops a column: exit 4, with the file,
// line and code named, in every format.
func TestLintDropColumnExits4(t *testing.T) {
	db := pgtest.New(t)
	dir := filepath.Join(lintData, "DS103", "bad")
	file := filepath.ToSlash(filepath.Join(dir, "0001_drop_score.sql"))

	code, out, errOut := lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", dir)
	if code != exitIntegrity {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitIntegrity, out, errOut)
	}
	if !strings.Contains(out, file+":2:1:") || !strings.Contains(out, "DS103") || !strings.Contains(out, "1 error(s)") {
		t.Errorf("text output lacks position or code:\n%s", out)
	}

	code, out, _ = lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", dir, "--format", "github")
	want := "::error file=" + file + ",line=2,col=1,title=DS103::"
	if code != exitIntegrity || !strings.Contains(out, want) {
		t.Errorf("github: exit %d, want line starting %q:\n%s", code, want, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !regexp.MustCompile(`^::(error|warning) file=[^,]+,line=\d+,col=\d+,title=[A-Z]+\d+::\S`).MatchString(line) {
			t.Errorf("not a workflow command: %q", line)
		}
	}

	code, out, _ = lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", dir, "--json")
	var doc struct {
		Errors   int `json:"errors"`
		Findings []struct {
			Code, File, Severity string
			Line, Col            int
		} `json:"findings"`
		Linted []struct{ Track, Tag string } `json:"linted"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if code != exitIntegrity || doc.Errors != 1 || len(doc.Findings) != 1 || doc.Findings[0].Code != "DS103" ||
		doc.Findings[0].File != file || doc.Findings[0].Line != 2 || doc.Findings[0].Severity != "error" {
		t.Errorf("json: exit %d, %+v", code, doc)
	}
	if len(doc.Linted) != 1 || doc.Linted[0].Tag != "0001_drop_score" {
		t.Errorf("linted %+v", doc.Linted)
	}
}

// Additive migrations exit 0; warnings alone exit 0 too.
func TestLintAdditiveExits0(t *testing.T) {
	db := pgtest.New(t)
	code, out, errOut := lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", filepath.Join(lintData, "DS103", "good"))
	if code != exitOK || !strings.Contains(out, "0 error(s), 0 warning(s)") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", filepath.Join(lintData, "HS201", "bad"))
	if code != exitOK || !strings.Contains(out, "HS201") || !strings.Contains(out, "1 warning(s)") {
		t.Errorf("warnings only: exit %d\n%s\n%s", code, out, errOut)
	}
	// The bundled engine track's last migration, with the database URL as
	// the dev server and no pending migrations known: exit 0.
	code, out, errOut = lintCLI(t, "--dev-url", db.AdminURL, "--track", "engine")
	if code != exitOK || !strings.Contains(out, "linted engine/0005_send_status_bounced") {
		t.Errorf("engine: exit %d\n%s\n%s", code, out, errOut)
	}
}

// Tags select migrations; with --database-url and no tags, the pending
// ones are linted.
func TestLintTargets(t *testing.T) {
	db := pgtest.New(t)
	dir := filepath.Join(lintData, "DS103", "bad")
	// The base migration alone is additive.
	code, out, _ := lintCLI(t, "--dev-url", db.AdminURL, "--track", "client", "--dir", dir, "client/0000_base")
	if code != exitOK || !strings.Contains(out, "linted client/0000_base:") {
		t.Errorf("tag: exit %d\n%s", code, out)
	}
	code, _, errOut := lintCLI(t, "--dev-url", db.AdminURL, "--dir", dir, "0042_nope")
	if code != exitUsage || !strings.Contains(errOut, "0042_nope") {
		t.Errorf("unknown tag: exit %d, %s", code, errOut)
	}
	// Nothing applied yet: every migration of both tracks is pending.
	code, out, errOut = lintCLI(t, "--database-url", db.URL, "--dir", dir, "--json")
	var doc struct {
		Linted []struct{ Track, Tag string } `json:"linted"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	if code != exitIntegrity || len(doc.Linted) != 6+2 {
		t.Errorf("pending: exit %d, linted %+v", code, doc.Linted)
	}
}

func TestLintUsageAndFailures(t *testing.T) {
	if code, _, errOut := lintCLI(t, "--dir", "nowhere"); code != exitUsage || !strings.Contains(errOut, "--dev-url") {
		t.Errorf("no server: exit %d %s", code, errOut)
	}
	if code, _, _ := lintCLI(t, "--dev-url", "postgres://x@127.0.0.1:1/db", "--format", "xml"); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	// A server that cannot be reached: could not run (1), password hidden.
	code, _, errOut := lintCLI(t, "--dev-url", "postgres://u:Sekr1t@127.0.0.1:1/db", "--track", "engine")
	if code != exitError || strings.Contains(errOut, "Sekr1t") {
		t.Errorf("unreachable: exit %d %s", code, errOut)
	}
}

// A migration PostgreSQL rejects: lint could not run (exit 1). --json still
// prints one document, whose error names the file, line and column; the
// github format annotates the statement.
func TestLintRejectedMigrationInEveryFormat(t *testing.T) {
	db := pgtest.New(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "meta", "_journal.json"), `{"version":"7","dialect":"postgresql","entries":[`+
		`{"idx":0,"version":"7","when":1800000000000,"tag":"0000_a","breakpoints":true},`+
		`{"idx":1,"version":"7","when":1800000001000,"tag":"0001_b","breakpoints":true}]}`)
	writeFile(t, filepath.Join(dir, "0000_a.sql"), `CREATE TABLE "things" ("id" int);`)
	writeFile(t, filepath.Join(dir, "0001_b.sql"), "CREATE TABLE \"other\" (\"id\" int);\n--> statement-breakpoint\nALTER TABLE \"things\"\n  ADD COLUMN \"x\" txet;")
	file := filepath.ToSlash(filepath.Join(dir, "0001_b.sql"))
	args := []string{"--dev-url", db.AdminURL, "--track", "client", "--dir", dir}

	code, out, errOut := lintCLI(t, append(args, "--json")...)
	var doc struct {
		Findings []any `json:"findings"`
		Error    *struct {
			Message, File string
			ExitCode      int
			Line, Column  int
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitError || doc.Error == nil || doc.Findings == nil {
		t.Fatalf("--json: exit %d, %v\nstdout:\n%s\nstderr:\n%s", code, err, out, errOut)
	}
	if doc.Error.File != file || doc.Error.Line != 4 || doc.Error.Column != 18 || doc.Error.ExitCode != exitError ||
		!strings.Contains(doc.Error.Message, "statement 2") {
		t.Errorf("error = %+v, want %s:4:18, statement 2", doc.Error, file)
	}

	code, out, _ = lintCLI(t, append(args, "--format", "github")...)
	if want := "::error file=" + file + ",line=4,col=18,"; code != exitError || !strings.HasPrefix(out, want) {
		t.Errorf("github: exit %d, want an annotation starting %q:\n%s", code, want, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
