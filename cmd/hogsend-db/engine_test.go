package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// bundledFolder is the engine bundled in the binary, as a folder.
var bundledFolder = filepath.Join("..", "..", "engine", "migrations")

// statusDoc is the part of status --json these tests read.
type statusDoc struct {
	Status    string                   `json:"status"`
	Schema    map[string]*tracks.State `json:"schema"`
	Engine    *tracks.EngineInfo       `json:"engine"`
	Integrity []tracks.Problem         `json:"integrity"`
}

func statusJSON(t *testing.T, args ...string) (int, statusDoc) {
	t.Helper()
	code, out, errOut := hogsend(t, append([]string{"status", "--json"}, args...)...)
	var doc statusDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("status --json: %v\n%s%s", err, out, errOut)
	}
	return code, doc
}

// Another engine's ledger is refused (exit 4) by migrate, even with
// --allow-out-of-order, writing nothing; status calls it foreign, never
// ahead. Before issue 13, migrate applied the bundled engine on top.
func TestForeignEngine(t *testing.T) {
	db := pgtest.New(t)
	empty := t.TempDir() // a client folder with no migrations yet
	if err := os.MkdirAll(filepath.Join(empty, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(empty, "meta", "_journal.json"), []byte(`{"version":"7","dialect":"postgresql","entries":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The "app's" engine: the fixture folder, applied as the engine track.
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--engine-dir", fixture, "--engine-release", "0.67.0", "--dir", empty); code != exitOK {
		t.Fatalf("migrate the app engine: exit %d %s", code, errOut)
	}
	before := ledgertest.State(t, db.Conn(t))
	for _, extra := range [][]string{nil, {"--allow-out-of-order"}, {"--tx", "migration"}} {
		args := append([]string{"migrate", "--database-url", db.URL, "--dir", empty}, extra...)
		code, _, errOut := hogsend(t, args...)
		if code != exitIntegrity || !strings.Contains(errOut, "0 of its 4 row(s) match the migrations at bundled") ||
			!strings.Contains(errOut, "nothing was written") || !strings.Contains(errOut, "--engine-dir") {
			t.Fatalf("migrate %v with the bundled engine on another engine's ledger: exit %d, want %d\n%s", extra, code, exitIntegrity, errOut)
		}
		if after := ledgertest.State(t, db.Conn(t)); after != before {
			t.Fatalf("migrate %v wrote: before %s, after %s", extra, before, after)
		}
	}
	code, doc := statusJSON(t, "--database-url", db.URL, "--dir", empty)
	e := doc.Schema[tracks.Engine]
	if code != exitIntegrity || doc.Status != tracks.StatusDegraded || e.Verdict != tracks.Foreign || len(e.Ahead) != 0 ||
		len(doc.Integrity) != 1 || doc.Integrity[0].Kind != "foreign" || doc.Engine.Source != "bundled" {
		t.Fatalf("status: exit %d %+v engine %+v", code, doc, e)
	}
	code, out, _ := hogsend(t, "status", "--database-url", db.URL, "--dir", empty)
	if code != exitIntegrity || !strings.Contains(out, "engine foreign:") || strings.Contains(out, "ahead") {
		t.Fatalf("status text: exit %d\n%s", code, out)
	}
	// The right engine: in sync, its release reported.
	code, doc = statusJSON(t, "--database-url", db.URL, "--engine-dir", fixture, "--engine-release", "0.67.0", "--dir", empty)
	if code != exitOK || doc.Engine == nil || doc.Engine.Release != "0.67.0" || doc.Engine.Source != "engine-dir" {
		t.Fatalf("status with the app engine: exit %d %+v", code, doc)
	}
}

// The client track's rule is the same: a ledger that matches nothing in the
// folder is the wrong folder.
func TestForeignClient(t *testing.T) {
	db := pgtest.New(t)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", fixture); code != exitOK {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	before := ledgertest.State(t, db.Conn(t))
	other := copyDir(t, bundledFolder) // another app's client folder
	code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", other, "--allow-out-of-order")
	if code != exitIntegrity || !strings.Contains(errOut, "client track") || !strings.Contains(errOut, "--dir") {
		t.Fatalf("migrate with another client folder: exit %d\n%s", code, errOut)
	}
	if after := ledgertest.State(t, db.Conn(t)); after != before {
		t.Fatalf("migrate wrote: before %s, after %s", before, after)
	}
	code, doc := statusJSON(t, "--database-url", db.URL, "--dir", other)
	if code != exitIntegrity || doc.Schema[tracks.Client].Verdict != tracks.Foreign || doc.Status != tracks.StatusMigrationPending {
		t.Fatalf("status: exit %d %+v", code, doc)
	}
}

// The CI gate: `status --fail-on engine` fails when the engine is behind or
// integrity is broken, never when only client migrations are pending.
func TestStatusGate(t *testing.T) {
	db := pgtest.New(t)
	gate := func(args ...string) int {
		code, _, _ := hogsend(t, append([]string{"status", "--database-url", db.URL, "--fail-on", "engine"}, args...)...)
		return code
	}
	dir := copyDir(t, fixture)
	if code := gate("--dir", dir); code != exitPending {
		t.Fatalf("engine behind: gate exit %d, want %d", code, exitPending)
	}
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--track", "engine"); code != exitOK {
		t.Fatalf("migrate engine: %d %s", code, errOut)
	}
	if code := gate("--dir", dir); code != exitOK {
		t.Fatalf("only client pending: gate exit %d, want 0", code)
	}
	if code, _, _ := hogsend(t, "status", "--database-url", db.URL, "--dir", dir); code != exitPending {
		t.Fatalf("only client pending, without --fail-on: exit %d, want %d", code, exitPending)
	}
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", dir); code != exitOK {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "0001_v2.sql"), "-- edited after it ran\n")
	if code := gate("--dir", dir); code != exitIntegrity {
		t.Fatalf("client modified: gate exit %d, want %d", code, exitIntegrity)
	}
	if code, _, _ := hogsend(t, "status", "--database-url", db.URL, "--fail-on", "client"); code != exitUsage {
		t.Fatalf("--fail-on client: exit %d, want %d", code, exitUsage)
	}
}

// A database whose recorded engine release is a newer major: status fails
// as guard.Boot does (before issue 13 `status --track engine` exited 0).
func TestStatusReleaseMajorAhead(t *testing.T) {
	db := pgtest.New(t)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--track", "engine"); code != exitOK {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	if err := ledger.RecordRelease(context.Background(), db.Conn(t), tracks.Engine, "99.0.0", "test"); err != nil {
		t.Fatal(err)
	}
	code, doc := statusJSON(t, "--database-url", db.URL, "--track", "engine")
	if code != exitIntegrity || doc.Status != tracks.StatusDegraded || doc.Schema[tracks.Engine].Verdict != tracks.ReleaseMajorAhead ||
		len(doc.Integrity) != 1 || doc.Integrity[0].Kind != "release_major_ahead" {
		t.Fatalf("exit %d %+v", code, doc)
	}
}

// A modified migration: exit 4, and the JSON shows it in integrity (its
// top-level status stays the serving decision: healthy).
func TestStatusModifiedInIntegrity(t *testing.T) {
	db := pgtest.New(t)
	dir := copyDir(t, fixture)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", dir); code != exitOK {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "0000_v1.sql"), "-- edited\n")
	code, doc := statusJSON(t, "--database-url", db.URL, "--dir", dir)
	if code != exitIntegrity || doc.Status != tracks.StatusHealthy || doc.Schema[tracks.Client].Verdict != tracks.Modified ||
		len(doc.Integrity) != 1 || doc.Integrity[0].Kind != "modified" || doc.Integrity[0].Items[0] != "0000_v1" {
		t.Fatalf("exit %d %+v", code, doc)
	}
}

// An app engine that shares the bundled engine's first three migrations,
// then has its own two (newer whens): from outside the app the bundled
// engine is not a prefix of that ledger. Before, status said "ahead: id 4,
// id 5 (fine)" beside "3 pending", and migrate --allow-out-of-order applied
// the bundled 0003-0005 into the app's ledger (review finding 5).
func TestDivergedEngine(t *testing.T) {
	db := pgtest.New(t)
	empty := t.TempDir()
	writeFile(t, filepath.Join(empty, "meta", "_journal.json"), `{"version":"7","dialect":"postgresql","entries":[]}`)
	app := t.TempDir()
	var entries []string
	for i, name := range []string{"0000_initial_core", "0001_auth_tables", "0002_bucket_memberships"} {
		b, err := os.ReadFile(filepath.Join(bundledFolder, name+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(app, name+".sql"), string(b))
		when := []int64{1752148127384, 1754409318206, 1757933742519}[i]
		entries = append(entries, fmt.Sprintf(`{"idx":%d,"version":"7","when":%d,"tag":%q,"breakpoints":true}`, i, when, name))
	}
	for i, name := range []string{"0003_x3", "0004_x4"} {
		writeFile(t, filepath.Join(app, name+".sql"), fmt.Sprintf("CREATE TABLE %s (id int);\n", name[5:]))
		entries = append(entries, fmt.Sprintf(`{"idx":%d,"version":"7","when":%d,"tag":%q,"breakpoints":true}`, i+3, 1790000000000+int64(i), name))
	}
	writeFile(t, filepath.Join(app, "meta", "_journal.json"),
		`{"version":"7","dialect":"postgresql","entries":[`+strings.Join(entries, ",")+`]}`)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--engine-dir", app, "--engine-release", "0.67.0", "--dir", empty); code != exitOK {
		t.Fatalf("migrate the app engine: exit %d %s", code, errOut)
	}
	before := ledgertest.State(t, db.Conn(t))
	for _, extra := range [][]string{nil, {"--allow-out-of-order"}} {
		code, _, errOut := hogsend(t, append([]string{"migrate", "--database-url", db.URL, "--dir", empty}, extra...)...)
		if code != exitIntegrity || !strings.Contains(errOut, "3 of its 5 row(s) match the migrations at bundled") {
			t.Fatalf("migrate %v with the bundled engine on a diverged ledger: exit %d, want %d\n%s", extra, code, exitIntegrity, errOut)
		}
		if after := ledgertest.State(t, db.Conn(t)); after != before {
			t.Fatalf("migrate %v wrote: before %s, after %s", extra, before, after)
		}
	}
	code, doc := statusJSON(t, "--database-url", db.URL, "--dir", empty)
	e := doc.Schema[tracks.Engine]
	if code != exitIntegrity || doc.Status != tracks.StatusDegraded || e.Verdict != tracks.Foreign || len(e.Ahead) != 0 {
		t.Fatalf("status: exit %d %+v engine %+v", code, doc, e)
	}
	code, out, _ := hogsend(t, "status", "--database-url", db.URL, "--dir", empty)
	if code != exitIntegrity || !strings.Contains(out, "engine foreign:") || strings.Contains(out, "ahead") {
		t.Fatalf("status text: exit %d\n%s", code, out)
	}
}

// An engine folder or release set to "" (flag or env var) is a usage error
// naming the flag, before anything is read (finding 12: it was "unset",
// so the package or the bundled engine was used silently).
func TestEmptyEngineFlags(t *testing.T) {
	url := "postgres://nobody@127.0.0.1:1/none" // never reached
	for _, tc := range []struct {
		flag string
		args []string
	}{
		{"--engine-dir", []string{"status", "--engine-dir", ""}}, {"--engine-dir", []string{"migrate", "--engine-dir="}},
		{"--engine-dir", []string{"drift", "--engine-dir", ""}}, {"--engine-dir", []string{"repair", "--from-push", "--engine-dir", ""}},
		{"--engine-dir", []string{"lint", "--engine-dir", ""}}, {"--engine-dir", []string{"generate", "--engine", "--engine-dir", ""}},
		{"--engine-release", []string{"status", "--engine-release", ""}}, {"--engine-release", []string{"migrate", "--engine-release="}},
	} {
		code, _, errOut := hogsend(t, append(tc.args, "--database-url", url)...)
		if code != exitUsage || !strings.Contains(errOut, tc.flag+" (or HOGSEND_") || !strings.Contains(errOut, "set but empty") {
			t.Errorf("%v: exit %d, want %d naming %s\n%s", tc.args, code, exitUsage, tc.flag, errOut)
		}
	}
	t.Setenv("HOGSEND_ENGINE_DIR", "")
	if code, _, errOut := hogsend(t, "status", "--database-url", url); code != exitUsage || !strings.Contains(errOut, "--engine-dir (or HOGSEND_ENGINE_DIR) is set but empty") {
		t.Errorf("HOGSEND_ENGINE_DIR=: exit %d\n%s", code, errOut)
	}
}

// migrate --dry-run says which engine it would use, with the same line as
// the real run (finding: the dry run left it out).
func TestDryRunEngineLine(t *testing.T) {
	db := pgtest.New(t)
	dry := migrateDryRun(t, db)
	code, real, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", fixture)
	if code != exitOK {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	line, _, _ := strings.Cut(real, "\n")
	if !strings.HasPrefix(line, "engine source: bundled with hogsend-db, release ") || !strings.HasPrefix(dry, line+"\n") {
		t.Fatalf("the dry run does not start with the real run's engine line %q:\n%s", line, dry)
	}
	if dry := migrateDryRun(t, db, "--engine-dir", bundledFolder, "--engine-release", "0.67.0"); !strings.Contains(dry, "(--engine-dir), release 0.67.0\n") {
		t.Fatalf("dry run with --engine-dir:\n%s", dry)
	}
}
