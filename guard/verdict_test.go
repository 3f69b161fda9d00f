package guard

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// otherEngine is a drizzle-kit folder that is not the bundled engine: what
// an app's @hogsend/db package holds, or a server's own embedded engine.
func otherEngine(t testing.TB) (fstest.MapFS, []*journal.Migration) {
	t.Helper()
	return opened(t, fstest.MapFS{
		"meta/_journal.json": {Data: []byte(`{"version":"7","dialect":"postgresql","entries":[` +
			`{"idx":0,"version":"7","when":1700000000000,"tag":"0000_app_core","breakpoints":true},` +
			`{"idx":1,"version":"7","when":1700000100000,"tag":"0001_app_more","breakpoints":true},` +
			`{"idx":2,"version":"7","when":1700000200000,"tag":"0002_app_last","breakpoints":true}]}`)},
		"0000_app_core.sql": {Data: []byte(`CREATE TABLE "app_core" ("id" serial PRIMARY KEY);`)},
		"0001_app_more.sql": {Data: []byte(`ALTER TABLE "app_core" ADD COLUMN "more" text;`)},
		"0002_app_last.sql": {Data: []byte(`ALTER TABLE "app_core" ADD COLUMN "last" text;`)},
	})
}

// A database migrated by another engine is refused at boot and degraded in
// health, with the problem listed. Before issue 13 its rows were "ahead"
// and the server booted.
func TestForeignEngineRefused(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	_, other := otherEngine(t)
	writeRows(t, db, ledger.EngineTable, other)
	g := newGuardT(t, newPool(t, db))
	err := g.Boot(context.Background())
	var fe *ForeignError
	if !errors.Is(err, ErrForeign) || !errors.As(err, &fe) || fe.Matched != 0 || fe.Rows != 3 {
		t.Fatalf("Boot on another engine's ledger: %v", err)
	}
	if !strings.Contains(err.Error(), "0 of its 3 row(s) match this build's engine migrations (bundled)") {
		t.Errorf("message: %v", err)
	}
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	e := rep.Schema[tracks.Engine]
	if code != 503 || rep.Status != tracks.StatusDegraded || e.Verdict != tracks.Foreign ||
		len(rep.Integrity) != 1 || rep.Integrity[0].Kind != "foreign" || rep.Integrity[0].Track != tracks.Engine {
		t.Fatalf("health %d status %s verdict %s integrity %+v", code, rep.Status, e.Verdict, rep.Integrity)
	}
}

// WithEngine: a server that embeds its own engine folder checks that
// engine, reports it, and refuses a database of the bundled one.
func TestWithEngine(t *testing.T) {
	t.Parallel()
	fsys, ms := otherEngine(t)
	db := pgtest.New(t)
	writeRows(t, db, ledger.EngineTable, ms)
	g := newGuardT(t, newPool(t, db), WithEngine(fsys, "0.67.0"))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot with the server's own engine applied: %v", err)
	}
	code, _, rep := health(t, g)
	if code != 200 || rep.Status != tracks.StatusHealthy || rep.Engine == nil ||
		*rep.Engine != (tracks.EngineInfo{Source: "embedded", Path: "guard.WithEngine", Release: "0.67.0"}) {
		t.Fatalf("health %d %+v engine %+v", code, rep, rep.Engine)
	}
	if g.build != "0.67.0" {
		t.Errorf("build release %s", g.build)
	}

	// The same server on a database of the bundled engine: foreign.
	bundled := pgtest.New(t)
	migrate(t, bundled)
	g = newGuardT(t, newPool(t, bundled), WithEngine(fsys, "0.67.0"))
	if err := g.Boot(context.Background()); !errors.Is(err, ErrForeign) {
		t.Fatalf("Boot of an embedded engine on the bundled engine's database: %v", err)
	}

	// New validates the option.
	pool := newPool(t, db)
	bad := fstest.MapFS{"meta/_journal.json": {Data: []byte(`{`)}}
	for name, opt := range map[string]Option{
		"nil fs":         WithEngine(nil, "1.0.0"),
		"v prefix":       WithEngine(fsys, "v1.0.0"),
		"two segments":   WithEngine(fsys, "1.0"),
		"not a version":  WithEngine(fsys, "latest"),
		"invalid folder": WithEngine(bad, "1.0.0"),
		"no journal":     WithEngine(fstest.MapFS{}, "1.0.0"),
	} {
		if _, err := New(pool, opt); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

// A modified engine migration is not a reason to stop serving, but it is
// visible: the verdict, the integrity list and a warning at boot.
func TestModifiedVisible(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ms := engineMigrations(t)
	edited := *ms[0]
	edited.Hash = strings.Repeat("0", 64)
	createEngineSchema(t, db)
	writeRows(t, db, ledger.EngineTable, append([]*journal.Migration{&edited}, ms[1:]...))
	var logs bytes.Buffer
	g := newGuardT(t, newPool(t, db), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot: %v", err)
	}
	if !strings.Contains(logs.String(), ms[0].Tag) {
		t.Errorf("no warning naming %s: %q", ms[0].Tag, logs.String())
	}
	code, _, rep := health(t, g)
	if code != 200 || rep.Schema[tracks.Engine].Verdict != tracks.Modified || len(rep.Integrity) != 1 ||
		rep.Integrity[0].Kind != "modified" || rep.Integrity[0].Items[0] != ms[0].Tag {
		t.Fatalf("health %d status %s integrity %+v", code, rep.Status, rep.Integrity)
	}
}

// The probe recipes of docs/status.md: readiness and liveness on
// GET /v1/health answer 200 while only client migrations are pending, on
// every check (no flapping), and 503 when the server must not serve.
func TestProbeRecipes(t *testing.T) {
	t.Parallel()
	db, fsys, _ := withClient(t, 1)
	g := newGuardT(t, newPool(t, db), WithClientMigrations(fsys))
	for i := 0; i < 5; i++ {
		code, _, rep := health(t, g)
		if code != 200 || rep.Status != tracks.StatusMigrationPending || len(rep.Integrity) != 0 ||
			rep.Schema[tracks.Client].Verdict != tracks.Pending || rep.Schema[tracks.Engine].Verdict != tracks.InSync {
			t.Fatalf("check %d with client pending: %d %+v", i, code, rep)
		}
	}
	// Not ready: another engine's database, or no database.
	other := pgtest.New(t)
	_, foreign := otherEngine(t)
	writeRows(t, other, ledger.EngineTable, foreign)
	if code, _, rep := health(t, newGuardT(t, newPool(t, other))); code != 503 || rep.Status != tracks.StatusDegraded {
		t.Fatalf("foreign engine: %d %+v", code, rep)
	}
	if code, _, rep := health(t, newGuardT(t, unreachablePool(t))); code != 503 || rep.Schema[tracks.Engine].Verdict != tracks.Unreachable {
		t.Fatalf("unreachable: %d %+v", code, rep)
	}
}

// An engine in drizzle-kit 1.0's layout whose applied migration was edited
// while another folder shares its second: its row matches nothing, so which
// of the second's migrations ran cannot be proven. Boot still refuses (the
// schema may be behind; migrate says why it cannot run them), the health
// document names the edit, not another engine.
func TestEngineEditInSharedSecondRefused(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"20231114221320_a/migration.sql": {Data: []byte(`CREATE TABLE "ss_a" ("id" int);`)},
		"20231114221320_b/migration.sql": {Data: []byte(`CREATE TABLE "ss_b" ("id" int);` + "\n")}, // edited after it ran
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	ran := *j.Migrations[1]
	ran.Hash, ran.When = strings.Repeat("0", 64), ran.When+900
	db := pgtest.New(t)
	writeRows(t, db, ledger.EngineTable, []*journal.Migration{j.Migrations[0], &ran})
	g := newGuardT(t, newPool(t, db), WithEngine(fsys, "0.67.0"))
	err = g.Boot(context.Background())
	var be *BehindError
	if !errors.Is(err, ErrSchemaBehind) || errors.Is(err, ErrForeign) || !errors.As(err, &be) || be.Pending[0] != "20231114221320_b" {
		t.Fatalf("Boot: %v, want a *BehindError naming 20231114221320_b", err)
	}
	// The refusal says what is wrong and what to do: running migrate, which
	// refuses these migrations, is not it.
	if msg := err.Error(); !slices.Equal(be.Edited, []string{"20231114221320_b"}) || !strings.Contains(msg, "edited after it ran") ||
		!strings.Contains(msg, "restore the applied migration's file") || strings.Contains(msg, `Run "hogsend-db migrate"`) {
		t.Fatalf("Boot: %q (edited %v): want the edit of 20231114221320_b and its fix, not an advice to migrate", msg, be.Edited)
	}
	_, _, rep := health(t, g)
	if e := rep.Schema[tracks.Engine]; e.Verdict != tracks.ModifiedSameSecond || len(rep.Integrity) != 1 ||
		rep.Integrity[0].Kind != "modified_same_second" || rep.Integrity[0].Items[0] != "20231114221320_b" {
		t.Fatalf("health: verdict %s integrity %+v", e.Verdict, rep.Integrity)
	}
}

// An engine in drizzle-kit 1.0's layout whose applied folder was renamed to
// a later time: its named row matches no folder, but has the renamed
// folder's hash. Boot refuses (running it would run it again), saying the
// folder was renamed and what to rename it back to, not that it was edited
// nor that another engine wrote the ledger.
func TestEngineRenamedFolderRefused(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"20231114221320_a/migration.sql": {Data: []byte(`CREATE TABLE "rn_a" ("id" int);`)},
		"20231114221500_b/migration.sql": {Data: []byte(`CREATE TABLE "rn_b" ("id" int);`)}, // ran as 20231114221320_b
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	db := pgtest.New(t)
	ctx := context.Background()
	conn := db.Conn(t)
	if err := ledger.EnsureVersion(ctx, conn, ledger.EngineTable, ledger.Version1); err != nil {
		t.Fatal(err)
	}
	a, b := j.Migrations[0], j.Migrations[1]
	if err := ledger.InsertNamed(ctx, conn, ledger.EngineTable, a.Hash, a.When, a.Name); err != nil {
		t.Fatal(err)
	}
	if err := ledger.InsertNamed(ctx, conn, ledger.EngineTable, b.Hash, a.When, "20231114221320_b"); err != nil {
		t.Fatal(err)
	}
	g := newGuardT(t, newPool(t, db), WithEngine(fsys, "0.67.0"))
	err = g.Boot(ctx)
	var be *BehindError
	if !errors.Is(err, ErrSchemaBehind) || errors.Is(err, ErrForeign) || !errors.As(err, &be) ||
		!slices.Equal(be.Renamed, []string{"20231114221500_b"}) || len(be.Edited) != 0 {
		t.Fatalf("Boot: %v, want a *BehindError naming the renamed 20231114221500_b", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "20231114221500_b already ran under another folder name") ||
		!strings.Contains(msg, "20231114221500_b back to 20231114221320_b") || strings.Contains(msg, "edited") ||
		strings.Contains(msg, `Run "hogsend-db migrate"`) {
		t.Fatalf("Boot: %q: want the rename and its undoing, not an edit nor an advice to migrate", msg)
	}
	_, _, rep := health(t, g)
	if e := rep.Schema[tracks.Engine]; e.Verdict != tracks.ModifiedSameSecond || len(rep.Integrity) != 1 ||
		rep.Integrity[0].Kind != tracks.KindRenamedFolder || rep.Integrity[0].Items[0] != "20231114221500_b" {
		t.Fatalf("health: verdict %s integrity %+v", e.Verdict, rep.Integrity)
	}
}
