package interop

import (
	"regexp"
	"slices"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// Issue 4's "done when", against the real drizzle-kit and the bundled
// engine track: the whole engine schema (testdata/drizzle/schema/engine.ts)
// pushed with drizzle-kit into an empty database → `drift --track engine`
// names every engine migration as push gap and exits 4 → `repair
// --from-push --yes` stamps them with drizzle-orm's exact rows → `status`
// exits 0 → drizzle-orm's migrator (engine/migrations, its default ledger)
// applies nothing.
func TestEnginePushThenRepair(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	folder := engineFolder(t)
	tags := journalTags(t, folder)
	if len(tags) == 0 {
		t.Fatal("the bundled engine track has no migrations")
	}
	args := []string{"--track", "engine"} // the bundled track: no --engine-dir

	// References: engine/schema.sql applied as plain DDL, and the engine
	// migrations applied by drizzle-orm (whose ledger rows repair must
	// reproduce).
	desired := pgtest.New(t)
	desired.Exec(t, engine.DesiredSchema())
	migrated := pgtest.New(t)
	if _, after := drizzletest.Migrate(t, migrated.URL, folder, "", ""); after != len(tags) {
		t.Fatalf("drizzle-orm recorded %d engine migrations, want %d", after, len(tags))
	}
	wantRows := ledger(t, migrated.URL, engineLedger)

	db := pgtest.New(t)
	drizzletest.Push(t, db.URL, schemaFile(t, "engine"))
	// engine.ts is the engine schema: the push equals schema.sql and the
	// migrations (Atlas; the catalog too, except column positions, which
	// a push lays out in declaration order).
	sameSchema(t, desired.URL, db.URL)
	sameSchema(t, migrated.URL, db.URL)
	if want, got := catalogAnyOrder(t, desired.URL), catalogAnyOrder(t, db.URL); !slices.Equal(want, got) {
		t.Errorf("catalogs (column positions aside) differ:\nschema.sql: %q\npush:       %q", want, got)
	}
	if t.Failed() {
		t.FailNow()
	}
	if rows := ledger(t, db.URL, engineLedger); rows != nil {
		t.Fatalf("drizzle-kit push wrote a ledger: %v", rows)
	}

	doc, r := drift(t, db.URL, args...)
	if r.Code != 4 {
		t.Fatalf("drift after push: want exit 4\n%s", r)
	}
	if doc.InSync || len(doc.Tracks) != 1 || doc.Tracks[0].Track != "engine" {
		t.Fatalf("drift document: %+v", doc)
	}
	tr := doc.Tracks[0]
	if !slices.Equal(tr.PushGap, tags) {
		t.Errorf("pushGap = %v, want every engine migration %v", tr.PushGap, tags)
	}
	if len(tr.Migrations) != len(tags) {
		t.Errorf("drift lists %d engine migrations, want %d", len(tr.Migrations), len(tags))
	}
	for _, m := range tr.Migrations {
		if m.Status != "push-gap" {
			t.Errorf("%s: status %q, want push-gap", m.Tag, m.Status)
		}
	}
	if len(tr.Missing)+len(tr.Partial)+len(tr.Pending)+len(doc.Untracked) != 0 {
		t.Errorf("drift reports more than a push gap:\n%s", r)
	}
	if t.Failed() {
		t.FailNow()
	}

	mustExit(t, 0, append([]string{"repair", "--from-push", "--yes", "--database-url", db.URL}, args...)...)
	if got := ledger(t, db.URL, engineLedger); !slices.Equal(got, wantRows) {
		t.Errorf("ledger after repair differs from drizzle-orm's\ndrizzle-orm: %v\nrepair:      %v", wantRows, got)
	}
	st, r := status(t, db.URL, args...)
	if r.Code != 0 {
		t.Errorf("status after repair: want exit 0\n%s", r)
	}
	if e := st.track(t, "engine"); !e.InSync || str(e.Applied) != tags[len(tags)-1] {
		t.Errorf("status after repair: engine applied %s, inSync %v; want %s, true", str(e.Applied), e.InSync, tags[len(tags)-1])
	}
	before, after := drizzletest.Migrate(t, db.URL, folder, "", "")
	if before != len(tags) || after != before {
		t.Errorf("drizzle-orm's migrator after repair: ledger %d -> %d rows, want %d -> %d (nothing to do)", before, after, len(tags), len(tags))
	}
	if !queryBool(t, db.URL, "exists (select 1 from drizzle.__hogsend_releases)") {
		t.Error("repair completed the engine track but recorded no release in drizzle.__hogsend_releases")
	}
	if _, r := drift(t, db.URL, args...); r.Code != 0 {
		t.Errorf("drift after repair: want exit 0\n%s", r)
	}
}

// columnPosition is the " #N" that catalog puts after a column's name.
var columnPosition = regexp.MustCompile(` #[0-9]+ `)

// catalogAnyOrder is catalog without column positions, sorted.
func catalogAnyOrder(t testing.TB, url string) []string {
	t.Helper()
	var out []string
	for _, l := range catalog(t, url) {
		out = append(out, columnPosition.ReplaceAllString(l, " "))
	}
	slices.Sort(out)
	return out
}
