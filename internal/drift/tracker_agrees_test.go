package drift_test

import (
	"context"
	"os"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/journal"
)

// TestTrackerAgreesWithFullInspection replays the engine and the drizzle
// fixture (which adds and later drops a column) and checks, after every
// migration, that the incremental Tracker lists exactly what a full
// inspection lists.
func TestTrackerAgreesWithFullInspection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ej, err := journal.Open(engine.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	cj, err := journal.Open(os.DirFS(clientFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	steps := append(schemastate.StepsFromJournal("engine", ej), schemastate.StepsFromJournal("client", cj)...)
	// An extra step in another schema, with a comment and a cross-schema FK.
	steps = append(steps, schemastate.Step{Name: "extra", Statements: []string{
		`CREATE SCHEMA app; CREATE TABLE app.notes (id int PRIMARY KEY, project_id int REFERENCES public.projects(id));
		 COMMENT ON COLUMN app.notes.id IS 'the id'`,
	}}, schemastate.Step{Name: "alter", Statements: []string{
		`ALTER TABLE public.projects ALTER COLUMN name SET DEFAULT 'x'; CREATE INDEX notes_p ON app.notes (project_id DESC)`,
	}}, schemastate.Step{Name: "drop", Statements: []string{`DROP TABLE public.comments`}})

	db := pgtest.New(t)
	tr, check := trackerFixture(t, ctx, db)
	check("nothing")
	conn := db.Conn(t)
	for _, st := range steps {
		for _, s := range st.Statements {
			if _, err := conn.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", st.Name, err)
			}
		}
		check(st.Name)
	}
	if tr.TableInspections == 0 || tr.FullInspections >= len(steps) {
		t.Errorf("tracker made %d full and %d table inspections over %d steps: not incremental", tr.FullInspections, tr.TableInspections, len(steps))
	}
}
