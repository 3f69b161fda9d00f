package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// trapStatus is the part of `status --json` the push trap reads.
type trapStatus struct {
	Schema map[string]struct {
		InSync bool `json:"inSync"`
		Schema *struct {
			Verified bool `json:"verified"`
			Missing  []struct {
				Kind, Name, Migration string
			} `json:"missing"`
		} `json:"schema"`
	} `json:"schema"`
}

func statusJSON(t testing.TB, url string) (trapStatus, int) {
	t.Helper()
	r := hogsend(t, "status", "--json", "--database-url", url, "--dir", emptyClientFolder(t))
	var doc trapStatus
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r)
	}
	return doc, r.Code
}

// The push trap, with the real drizzle-kit: a Hogsend app pushes its own
// schema (client tables only) into the database that holds the engine.
// What is true for drizzle-kit 0.31 (its introspection filters tables by
// tablesFilter but enum types only by schemaFilter):
//   - no filter: push drops every engine table and enum type; the ledger
//     still says in sync, and status exits 4 naming them;
//   - tablesFilter (the app's tables only): push still drops the engine's
//     enum types; it fails on the first (engine columns use it), so an app
//     change in the same push may or may not have been applied (push has no
//     transaction), and an engine enum no column used would be gone;
//   - the app's tables in a PostgreSQL schema of their own, with
//     schemaFilter: push leaves the engine alone.
func TestPushTrap(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	schemaDir := filepath.Join(drizzletest.Dir(t), "schema")
	// The engine migrated, and the app's table already there (as after the
	// app's first push or migration): the push's diff is then only drops,
	// which --force accepts without a rename prompt.
	engineMigrated := func(t *testing.T) string {
		db := pgtest.New(t)
		mustExit(t, 0, "migrate", "--database-url", db.URL, "--dir", emptyClientFolder(t))
		db.Exec(t, `CREATE TABLE "app_support_notes" ("id" serial PRIMARY KEY NOT NULL, "body" text NOT NULL,
			"created_at" timestamp with time zone DEFAULT now() NOT NULL)`)
		return db.URL
	}
	t.Run("no filter drops the engine", func(t *testing.T) {
		t.Parallel()
		url := engineMigrated(t)
		if ok, out := drizzletest.TryPush(t, url, filepath.Join(schemaDir, "app.ts"), nil); !ok {
			t.Fatalf("push failed:\n%s", out)
		}
		doc, code := statusJSON(t, url)
		e := doc.Schema["engine"]
		if code != 4 || !e.InSync || e.Schema == nil || !e.Schema.Verified {
			t.Fatalf("status exit %d, engine %+v", code, e)
		}
		kinds := map[string]int{}
		for _, m := range e.Schema.Missing {
			kinds[m.Kind]++
			if m.Migration == "" {
				t.Errorf("%s %s: no migration", m.Kind, m.Name)
			}
		}
		if kinds["table"] < 10 || kinds["enum"] < 2 {
			t.Fatalf("missing %v, want the engine's tables and enum types", kinds)
		}
	})
	t.Run("tablesFilter still drops enum types", func(t *testing.T) {
		t.Parallel()
		url := engineMigrated(t)
		ok, out := drizzletest.TryPush(t, url, filepath.Join(schemaDir, "app.ts"), map[string]any{"tablesFilter": []string{"app_*"}})
		if ok || !strings.Contains(out, "cannot drop type") {
			t.Fatalf("push with tablesFilter: ok=%v, want the DROP TYPE of an engine enum to fail\n%s", ok, out)
		}
		// The failed DROP TYPE stopped it before any engine table went.
		if doc, code := statusJSON(t, url); code != 0 || len(doc.Schema["engine"].Schema.Missing) != 0 {
			t.Fatalf("status exit %d: %+v", code, doc.Schema["engine"].Schema)
		}
	})
	t.Run("schemaFilter on the app's own schema leaves the engine alone", func(t *testing.T) {
		t.Parallel()
		url := engineMigrated(t)
		if ok, out := drizzletest.TryPush(t, url, filepath.Join(schemaDir, "app-schema.ts"), map[string]any{"schemaFilter": []string{"app"}}); !ok {
			t.Fatalf("push failed:\n%s", out)
		}
		if doc, code := statusJSON(t, url); code != 0 || len(doc.Schema["engine"].Schema.Missing) != 0 {
			t.Fatalf("status exit %d: %+v", code, doc.Schema["engine"].Schema)
		}
		var n int
		pgtestQueryInt(t, url, `select count(*) from pg_tables where schemaname = 'app' and tablename = 'app_support_notes'`, &n)
		if n != 1 {
			t.Fatal("push did not create app.app_support_notes")
		}
	})
}

func pgtestQueryInt(t testing.TB, url, sql string, out *int) {
	t.Helper()
	if err := pgtest.Connect(t, url).QueryRow(t.Context(), sql).Scan(out); err != nil {
		t.Fatal(err)
	}
}

// emptyClientFolder is a client migrations folder with no migrations yet:
// a folder named with --dir must hold a journal.
func emptyClientFolder(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta", "_journal.json"), []byte(`{"version":"7","dialect":"postgresql","entries":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
