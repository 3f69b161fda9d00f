package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// appEngineShift moves the fixture engine's created_at values away from
// the bundled engine's, so the two are different engines (as the real
// @hogsend/db and hogsend-db's bundled one are) with the same SQL.
const appEngineShift = 86_400_000 // one day, in ms

// hogsendApp lays out testdata/app in a temporary folder as `pnpm install`
// leaves it: node_modules/@hogsend/db is a symlink to
// node_modules/.pnpm/@hogsend+db@0.67.0/node_modules/@hogsend/db, which holds
// testdata/app/engine-package/package.json and a drizzle/ folder made from
// the project's engine migrations. It returns the app folder and the
// package's real drizzle folder.
func hogsendApp(t *testing.T) (app, engineDir string) {
	t.Helper()
	src := filepath.Join(filepath.Dir(drizzletest.Dir(t)), "app")
	app = filepath.Join(t.TempDir(), "my-app")
	if err := os.CopyFS(app, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	// The package is laid out below node_modules, as pnpm does.
	if err := os.RemoveAll(filepath.Join(app, "engine-package")); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(app, "node_modules", ".pnpm", "@hogsend+db@0.67.0", "node_modules", "@hogsend", "db")
	pj, err := os.ReadFile(filepath.Join(src, "engine-package", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(real, "package.json"), string(pj))
	engineDir = filepath.Join(real, "drizzle")
	j, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	f := j.File()
	for i := range f.Entries {
		f.Entries[i].When += appEngineShift
	}
	writeFile(t, filepath.Join(engineDir, "meta", "_journal.json"), string(journal.MarshalJournal(f)))
	for _, m := range j.Migrations {
		writeFile(t, filepath.Join(engineDir, m.File), m.SQL)
	}
	if err := os.MkdirAll(filepath.Join(app, "node_modules", "@hogsend"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", ".pnpm", "@hogsend+db@0.67.0", "node_modules", "@hogsend", "db"),
		filepath.Join(app, "node_modules", "@hogsend", "db")); err != nil {
		t.Fatal(err)
	}
	if engineDir, err = filepath.EvalSymlinks(engineDir); err != nil {
		t.Fatal(err)
	}
	return app, engineDir
}

type appStatus struct {
	Status string `json:"status"`
	Engine struct {
		Source, Path, Release string
	} `json:"engine"`
	Schema map[string]struct {
		Applied *string `json:"applied"`
		InSync  bool    `json:"inSync"`
		Verdict string  `json:"verdict"`
	} `json:"schema"`
	Integrity []struct{ Kind, Track string } `json:"integrity"`
}

// A Hogsend app as create-hogsend scaffolds it and pnpm installs it: with
// only DATABASE_URL set, hogsend-db finds the engine in
// node_modules/@hogsend/db (from the app folder and from a folder inside
// it), applies both tracks, reports the release, and leaves drizzle-orm
// nothing to do. From a folder without the package it refuses the
// database and writes nothing.
func TestHogsendApp(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	app, engineDir := hogsendApp(t)
	db := pgtest.New(t)
	env := []string{"DATABASE_URL=" + db.URL}

	r := run(t, app, env, "migrate")
	want := "engine source: " + engineDir + " (node_modules/@hogsend/db), release 0.67.0"
	if r.Code != 0 || !strings.Contains(r.Stdout, want) ||
		!strings.Contains(r.Stdout, "engine: applied 6 migration(s)") || !strings.Contains(r.Stdout, "client: applied 1 migration(s), now at 0000_init") {
		t.Fatalf("migrate in the app folder: want exit 0, both tracks applied, %q\n%s", want, r)
	}
	nested := filepath.Join(app, "src", "schema")
	for _, dir := range []string{app, nested} {
		r = run(t, dir, env, "status", "--json")
		var doc appStatus
		if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
			t.Fatalf("status --json in %s: %v\n%s", dir, err, r)
		}
		if r.Code != 0 || doc.Status != "healthy" || doc.Engine.Source != "package" || doc.Engine.Path != engineDir ||
			doc.Engine.Release != "0.67.0" || !doc.Schema["engine"].InSync || len(doc.Integrity) != 0 {
			t.Fatalf("status in %s: %+v\n%s", dir, doc, r)
		}
		if dir == app && (doc.Schema["client"].Applied == nil || *doc.Schema["client"].Applied != "0000_init") {
			t.Errorf("client track in the app folder: %+v", doc.Schema["client"])
		}
	}
	r = run(t, nested, env, "migrate")
	if r.Code != 0 || !strings.Contains(r.Stdout, want) || !strings.Contains(r.Stdout, "engine: nothing to apply") {
		t.Fatalf("migrate from %s: %s", nested, r)
	}
	// drizzle-orm, run on the same folders and ledgers, applies nothing.
	if before, after := drizzletest.Migrate(t, db.URL, engineDir, "drizzle", "__drizzle_migrations"); before != 6 || after != 6 {
		t.Errorf("drizzle-orm on the engine: ledger rows %d -> %d, want 6 -> 6", before, after)
	}
	if before, after := drizzletest.Migrate(t, db.URL, filepath.Join(app, "migrations"), "drizzle", "__client_migrations"); before != 1 || after != 1 {
		t.Errorf("drizzle-orm on the client: ledger rows %d -> %d, want 1 -> 1", before, after)
	}

	// Elsewhere the bundled engine is used; this database is not its.
	before := ledgertest.State(t, db.Conn(t))
	elsewhere := t.TempDir()
	for _, args := range [][]string{{"migrate"}, {"migrate", "--allow-out-of-order"}} {
		r = run(t, elsewhere, env, args...)
		if r.Code != 4 || !strings.Contains(r.Stderr, "0 of its 6 row(s) match the migrations at bundled") ||
			!strings.Contains(r.Stderr, "--engine-dir") || !strings.Contains(r.Stderr, "nothing was written") {
			t.Fatalf("%v from a folder without the package: want exit 4 naming the fix\n%s", args, r)
		}
	}
	if after := ledgertest.State(t, db.Conn(t)); after != before {
		t.Fatalf("the refused migrate wrote:\nbefore %s\nafter  %s", before, after)
	}
	r = run(t, elsewhere, env, "status", "--json")
	var doc appStatus
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if r.Code != 4 || doc.Status != "degraded" || doc.Engine.Source != "bundled" || doc.Schema["engine"].Verdict != "foreign" {
		t.Fatalf("status from a folder without the package: %+v\n%s", doc, r)
	}
	// --engine-dir from anywhere: the app's engine again.
	r = run(t, elsewhere, env, "status", "--engine-dir", engineDir, "--track", "engine")
	if r.Code != 0 || !strings.Contains(r.Stdout, "release 0.67.0") {
		t.Fatalf("status --engine-dir: %s", r)
	}
}
