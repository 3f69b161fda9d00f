package drift_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// A database bootstrapped by running the engine migrations' SQL without a
// ledger: every migration is push gap; repair stamps them as drizzle-orm
// would, status is then in sync, drizzle-orm finds nothing to do, and the
// release is recorded.
func TestBootstrappedEngineIsPushGapAndRepairStampsLikeDrizzle(t *testing.T) {
	t.Parallel()
	eng := engineTrack(t)
	db := pgtest.New(t)
	applySQL(t, db, eng, -1)

	rep, _ := check(t, db, eng)
	tr := rep.Track(tracks.Engine)
	wantTags(t, "push gap", tr.PushGap, tags(eng, 0, 6))
	wantTags(t, "pending", tr.Pending, nil)
	if rep.InSync || !rep.Findings() {
		t.Error("a push gap must be a finding")
	}
	if len(rep.Untracked) != 0 {
		t.Errorf("untracked %v", rep.Untracked)
	}

	plan, after := repair(t, db, eng)
	if len(plan.Rows) != 6 || plan.Release != engine.Version {
		t.Fatalf("plan %+v", plan)
	}
	if !after.InSync {
		t.Errorf("after repair: %+v", after.Track(tracks.Engine))
	}
	if st := status(t, db, eng); st.Status != tracks.StatusHealthy || st.Release == nil || st.Release.Version != engine.Version {
		t.Errorf("status after repair: %s, release %+v", st.Status, st.Release)
	}

	// The rows equal those drizzle-orm writes on a clean database.
	clean := pgtest.New(t)
	drizzletest.Migrate(t, clean.URL, filepath(t, "engine", "migrations"), "", "")
	if got, want := ledgerRows(t, db, ledger.EngineTable), ledgerRows(t, clean, ledger.EngineTable); !slices.Equal(got, want) {
		t.Errorf("repaired ledger %v\ndrizzle's %v", got, want)
	}
	wantDrizzleNothingToDo(t, db, filepath(t, "engine", "migrations"), "", "", 6)
}

// drizzle-kit push of the client schema at v4: every client migration is
// push gap, although 0002 adds a column that 0003 drops.
func TestDrizzleKitPushIsPushGap(t *testing.T) {
	t.Parallel()
	cl, db, rep := pushedClient(t, "v4", 4)
	tr := rep.Track(tracks.Client)
	if len(rep.Untracked) != 0 || len(tr.Partial) != 0 {
		t.Fatalf("untracked %v, partial %v: %+v", rep.Untracked, tr.Partial, tr.Migrations)
	}
	plan, after := repair(t, db, cl)
	if len(plan.Rows) != 4 || plan.Release != "" {
		t.Errorf("plan %+v", plan)
	}
	if !after.InSync {
		t.Errorf("after repair: not in sync: %+v", after)
	}
	wantDrizzleNothingToDo(t, db, clientFixture(t), "drizzle", "__client_migrations", 4)
}

// Pushed at an older version (v2): only 0000 and 0001 are stamped, migrate
// applies the rest, and the result is identical to a clean migrate.
func TestPushedAtOlderVersion(t *testing.T) {
	t.Parallel()
	cl, db, rep := pushedClient(t, "v2", 2)
	wantTags(t, "pending", rep.Track(tracks.Client).Pending, tags(cl, 2, 4))
	plan, _ := repair(t, db, cl)
	if len(plan.Rows) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	migrate(t, db, cl)

	clean := pgtest.New(t)
	migrate(t, clean, cl)
	if got, want := objects(t, db), objects(t, clean); !slices.Equal(got, want) {
		t.Errorf("schema after repair+migrate differs from a clean migrate:\n%v\n%v", got, want)
	}
	if got, want := ledgerRows(t, db, ledger.ClientTable), ledgerRows(t, clean, ledger.ClientTable); !slices.Equal(got, want) {
		t.Errorf("ledger %v, clean %v", got, want)
	}
}

// One index of 0004 missing: 0004 is partial, the index is named, repair
// refuses and writes nothing; the migrations before it are still push gap.
func TestPartialRefusesAndNamesTheIndex(t *testing.T) {
	t.Parallel()
	eng := engineTrack(t)
	db := pgtest.New(t)
	applySQL(t, db, eng, -1)
	db.Exec(t, `DROP INDEX "contacts_email_lower_idx"`)

	rep, h := check(t, db, eng)
	tr := rep.Track(tracks.Engine)
	wantTags(t, "partial", tr.Partial, []string{"0004_lookup_indexes"})
	wantTags(t, "push gap", tr.PushGap, tags(eng, 0, 4))
	wantTags(t, "present blocked", tr.PresentBlocked, []string{"0005_send_status_bounced"})
	m := tr.Migration("0004_lookup_indexes")
	if !hasRef(m.Missing, "index", "public.contacts_email_lower_idx") || len(m.Missing) != 1 {
		t.Errorf("missing %v", m.Missing)
	}
	if !hasRef(m.Present, "index", "public.journey_states_due_idx") {
		t.Errorf("present %v", m.Present)
	}
	_, err := drift.PlanRepair(rep, h, readLive(t, db, eng))
	var pe *drift.PartialError
	if !errors.As(err, &pe) || !errors.Is(err, drift.ErrPartial) || !strings.Contains(err.Error(), "contacts_email_lower_idx") {
		t.Fatalf("plan error %v", err)
	}
	// Repair with a plan made before the index went missing refuses too.
	ok := pgtest.New(t)
	applySQL(t, ok, eng, -1)
	_, err = drift.Repair(context.Background(), db.Conn(t), db.URL, h, &drift.Plan{Rows: []drift.Row{}}, drift.RepairOptions{})
	if !errors.Is(err, drift.ErrPartial) {
		t.Fatalf("repair: %v", err)
	}
	if l, _ := ledgertest.Read(context.Background(), db.Conn(t), ledger.EngineTable); l.Exists {
		t.Error("repair created the ledger although it refused")
	}
}

// A table dropped by hand after a clean migrate: its migration is missing.
// An extra column is untracked.
func TestDroppedTableIsMissingExtraColumnIsUntracked(t *testing.T) {
	t.Parallel()
	eng := engineTrack(t)
	db := migratedInSync(t, eng)
	db.Exec(t, `DROP TABLE "link_clicks"; ALTER TABLE "contacts" ADD COLUMN "nickname" text; CREATE VIEW v AS SELECT 1 AS one`)
	rep, _ := check(t, db, eng)
	tr := rep.Track(tracks.Engine)
	wantTags(t, "missing", tr.Missing, []string{"0000_initial_core"})
	if m := tr.Migration("0000_initial_core"); !hasRef(m.Missing, "table", "public.link_clicks") {
		t.Errorf("missing objects %v", m.Missing)
	}
	if !hasRef(rep.Untracked, "column", "public.contacts.nickname") || len(rep.Untracked) != 1 {
		t.Errorf("untracked %v", rep.Untracked)
	} else if rep.Untracked[0].Owner != tracks.Engine {
		t.Errorf("an extra column on an engine table must be marked engine-owned (generate refuses it): %+v", rep.Untracked[0])
	}
	if rep.NotCompared.Views != 1 || !strings.Contains(rep.NotComparedSummary, "1 view") {
		t.Errorf("not compared %+v %q", rep.NotCompared, rep.NotComparedSummary)
	}
}

// Creation then drop across migrations: live at "after m1" is push gap m0,
// m1; the trailing add-then-drop pair m2, m3 has no net effect and stays
// pending; live at "after m2" is push gap m0..m2.
func TestCreateThenDropInLaterMigration(t *testing.T) {
	t.Parallel()
	fsys := folder(
		`CREATE TABLE notes (id int PRIMARY KEY)`,
		`CREATE TABLE tags (id int PRIMARY KEY, note_id int REFERENCES notes(id))`,
		`ALTER TABLE notes ADD COLUMN tmp text`,
		`ALTER TABLE notes DROP COLUMN tmp`,
	)
	cl := customTrack(t, fsys)
	for _, tc := range []struct {
		applied        int
		gap, pending   []string
		presentBlocked []string
	}{
		{applied: 0, pending: tags(cl, 0, 4)},
		{applied: 2, gap: tags(cl, 0, 2), pending: tags(cl, 2, 4)},
		{applied: 3, gap: tags(cl, 0, 3), pending: tags(cl, 3, 4)},
		{applied: 4, gap: tags(cl, 0, 2), pending: tags(cl, 2, 4)}, // indistinguishable from 2
	} {
		db := pgtest.New(t)
		applySQL(t, db, cl, tc.applied)
		rep, _ := check(t, db, cl)
		tr := rep.Track(tracks.Client)
		wantTags(t, "push gap", tr.PushGap, tc.gap)
		wantTags(t, "pending", tr.Pending, tc.pending)
		if len(tr.Partial)+len(tr.PresentBlocked)+len(rep.Untracked) != 0 {
			t.Errorf("applied %d: partial %v, blocked %v, untracked %v", tc.applied, tr.Partial, tr.PresentBlocked, rep.Untracked)
		}
	}
}

// A recorded migration whose object a later recorded migration drops is
// not reported missing; a later pending drop that was pushed counts.
func TestDropByLaterMigrationRecorded(t *testing.T) {
	t.Parallel()
	cl := clientTrack(t)
	migratedInSync(t, cl)
	// Applied up to 0002 by migrate, then 0003 (the drop) pushed.
	db2 := pgtest.New(t)
	c3 := cl
	j := *cl.Journal
	j.Migrations = j.Migrations[:3]
	c3.Journal = &j
	migrate(t, db2, c3)
	db2.Exec(t, `ALTER TABLE "tickets" DROP COLUMN "legacy_code"`)
	rep, _ := check(t, db2, cl)
	wantTags(t, "push gap", rep.Track(tracks.Client).PushGap, tags(cl, 3, 4))
	wantTags(t, "missing", rep.Track(tracks.Client).Missing, nil)
}

// Both tracks bootstrapped at once; the client is pushed on top of the
// engine. Repair writes both ledgers in one go.
func TestBothTracks(t *testing.T) {
	t.Parallel()
	eng, cl := engineTrack(t), clientTrack(t)
	db := pgtest.New(t)
	applySQL(t, db, eng, 4)
	applySQL(t, db, cl, -1)

	rep, _ := check(t, db, eng, cl)
	wantTags(t, "engine push gap", rep.Track(tracks.Engine).PushGap, tags(eng, 0, 4))
	wantTags(t, "engine pending", rep.Track(tracks.Engine).Pending, tags(eng, 4, 6))
	wantTags(t, "client push gap", rep.Track(tracks.Client).PushGap, tags(cl, 0, 4))
	plan, _ := repair(t, db, eng, cl)
	if len(plan.Rows) != 8 || plan.Release != "" {
		t.Errorf("plan %+v (the engine is incomplete: no release)", plan)
	}
	if n := len(ledgerRows(t, db, ledger.ClientTable)); n != 4 {
		t.Errorf("client rows %d", n)
	}
	migrate(t, db, eng, cl)
	if st := status(t, db, eng, cl); st.Status != tracks.StatusHealthy {
		t.Errorf("status %s", st.Status)
	}
}

// A database that changed between the check and the repair: nothing written.
func TestRepairRechecksUnderTheLock(t *testing.T) {
	t.Parallel()
	eng := engineTrack(t)
	db := pgtest.New(t)
	applySQL(t, db, eng, 3)
	rep, h := check(t, db, eng)
	plan, err := drift.PlanRepair(rep, h, readLive(t, db, eng))
	if err != nil {
		t.Fatal(err)
	}
	conn := db.Conn(t)
	for _, m := range eng.Journal.Migrations[3:4] {
		for _, st := range m.Statements() {
			db.Exec(t, st.SQL)
		}
	}
	_, err = drift.Repair(context.Background(), conn, db.URL, h, plan, drift.RepairOptions{})
	var ce *drift.ChangedError
	if !errors.As(err, &ce) || !errors.Is(err, drift.ErrChanged) {
		t.Fatalf("repair: %v", err)
	}
	if n := len(ledgerRows(t, db, ledger.EngineTable)); n != 0 {
		t.Errorf("%d rows written", n)
	}
}

// The scratch database is dropped after a failing migration and after
// cancellation.
func TestScratchAlwaysDropped(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	bad := customTrack(t, folder(`CREATE TABLE a (id int)`, `CREATE TABLE a (id int)`))
	var name string
	_, err := drift.Replay(context.Background(), []tracks.Loaded{bad}, drift.Options{DevURL: db.URL, OnEvent: func(e drift.Event) {
		if c, ok := e.(drift.ScratchCreated); ok {
			name = c.Name
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "0001_m1") {
		t.Fatalf("replay error %v", err)
	}
	if name == "" || pgtest.DatabaseExists(t, db.URL, name) {
		t.Errorf("scratch database %q left behind after a failure", name)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	name = ""
	_, err = drift.Replay(ctx, []tracks.Loaded{engineTrack(t)}, drift.Options{DevURL: db.URL, OnEvent: func(e drift.Event) {
		switch e := e.(type) {
		case drift.ScratchCreated:
			name = e.Name
		case drift.StepReplayed:
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("replay after cancel: %v", err)
	}
	if name == "" || pgtest.DatabaseExists(t, db.URL, name) {
		t.Errorf("scratch database %q left behind after cancel", name)
	}
}

// A dev role without CREATEDB gets ErrNoCreateDB (the CLI words it with
// --dev-url), naming no flag itself.
func TestNoCreateDB(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	url := pgtest.Role(t, db, "drift_nocreatedb", "NOCREATEDB")
	_, err := drift.Replay(context.Background(), []tracks.Loaded{engineTrack(t)}, drift.Options{DevURL: url})
	if !errors.Is(err, scratch.ErrNoCreateDB) || strings.Contains(err.Error(), "--dev-url") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), ":"+strings.Split(strings.Split(url, ":")[2], "@")[0]+"@") {
		t.Errorf("password in error: %v", err)
	}
}

// The incremental replay lists the same states as a full inspection after
// every migration: classification must not depend on it.
func TestIncrementalReplayMatchesFull(t *testing.T) {
	t.Parallel()
	eng, cl := engineTrack(t), clientTrack(t)
	db := pgtest.New(t)
	applySQL(t, db, eng, -1)
	applySQL(t, db, cl, 2)
	db.Exec(t, `DROP INDEX "projects_name_key"`)
	live := readLive(t, db, eng, cl)
	var reports []*drift.Report
	for _, full := range []bool{false, true} {
		h, err := drift.Replay(context.Background(), []tracks.Loaded{eng, cl}, drift.Options{DevURL: db.URL, FullInspection: full})
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, drift.Classify(h, live))
	}
	a, b := reports[0], reports[1]
	for i := range a.Tracks {
		if !slices.EqualFunc(a.Tracks[i].Migrations, b.Tracks[i].Migrations, func(x, y drift.MigrationReport) bool {
			return x.Tag == y.Tag && x.Status == y.Status && slices.Equal(x.Missing, y.Missing) && slices.Equal(x.Present, y.Present)
		}) {
			t.Errorf("incremental %+v\nfull %+v", a.Tracks[i].Migrations, b.Tracks[i].Migrations)
		}
	}
	wantTags(t, "engine push gap", a.Track(tracks.Engine).PushGap, tags(eng, 0, 6))
	wantTags(t, "client push gap", a.Track(tracks.Client).PushGap, tags(cl, 0, 1))
	wantTags(t, "client partial", a.Track(tracks.Client).Partial, tags(cl, 1, 2))
}
