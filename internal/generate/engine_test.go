package generate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The engine's desired SQL and its bundled migrations can never drift
// apart: generating the engine track from schema.sql finds nothing to do.
func TestEngineTrackHasNoChanges(t *testing.T) {
	db := pgtest.New(t)
	res, err := generate.Prepare(t.Context(), generate.Options{
		Track:  "engine",
		Source: engine.Migrations(),
		Schema: []generate.SchemaFile{{Path: "engine/schema.sql", SQL: engine.DesiredSchema()}},
		DevURL: db.AdminURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed {
		t.Fatalf("generate found changes between engine/schema.sql and the bundled migrations:\n%s", res.SQL())
	}
}

// The snapshot builder backfills the newest engine migration's snapshot
// (the engine folder was written without snapshots), and drizzle-kit accepts
// the folder.
func TestEngineSnapshotBackfillPassesDrizzleKitCheck(t *testing.T) {
	drizzletest.Require(t)
	db := pgtest.New(t)
	dir := filepath.Join(t.TempDir(), "engine")
	copyDir(t, filepath.Join(root(t), "engine", "migrations"), dir)
	_ = os.Remove(filepath.Join(dir, "meta", "0005_snapshot.json"))
	res, err := generate.Generate(t.Context(), generate.Options{
		Track:            "engine",
		Dir:              dir,
		Schema:           []generate.SchemaFile{{Path: "engine/schema.sql", SQL: engine.DesiredSchema()}},
		DevURL:           db.AdminURL,
		BackfillSnapshot: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed || !res.Written || res.Snapshot != "meta/0005_snapshot.json" {
		t.Fatalf("got %+v", res)
	}
	drizzletest.Check(t, dir)
	var snap map[string]any
	drizzletest.ReadJSON(t, filepath.Join(dir, "meta", "0005_snapshot.json"), &snap)
	tables := snap["tables"].(map[string]any)
	prefs := tables["public.email_preferences"].(map[string]any)
	pk := prefs["compositePrimaryKeys"].(map[string]any)["email_preferences_contact_id_category_pk"]
	if pk == nil || len(tables) != 13 || len(snap["enums"].(map[string]any)) != 2 {
		t.Errorf("engine snapshot: %d tables, pk %v", len(tables), pk)
	}
}
