package guard

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// Engine objects missing behind an in-sync ledger (a drizzle-kit push, a
// partial restore): Boot refuses, naming the object and its migration.
func TestBootRefusesMissingEngineObjects(t *testing.T) {
	t.Parallel()
	for _, damage := range []string{`DROP TABLE "account"`, `DROP INDEX "account_user_id_idx"`,
		`ALTER TYPE "send_status" RENAME VALUE 'bounced' TO 'gone'`} {
		t.Run(damage, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			migrate(t, db)
			db.Exec(t, damage)
			g := newGuardT(t, newPool(t, db))
			err := g.Boot(context.Background())
			var me *MissingObjectsError
			if !errors.Is(err, ErrObjectsMissing) || !errors.As(err, &me) || len(me.Missing) != 1 || me.Missing[0].Migration == "" {
				t.Fatalf("Boot: %v", err)
			}
			if !strings.Contains(err.Error(), "drift") || !strings.Contains(err.Error(), EnvSkipSchemaCheck) {
				t.Errorf("message lacks the remedy: %v", err)
			}
		})
	}
}

const guardClientSnap = `{"version":"7","dialect":"postgresql","tables":{"public.tickets":{"name":"tickets","schema":"",
"columns":{"id":{"name":"id","type":"serial","primaryKey":true,"notNull":true},"status":{"name":"status","type":"text","primaryKey":false,"notNull":false}},
"indexes":{},"foreignKeys":{},"compositePrimaryKeys":{},"uniqueConstraints":{},"checkConstraints":{}}},"enums":{}}`

// Client objects missing: Boot starts the server and logs a warning; the
// health document carries the finding.
func TestBootReportsMissingClientObjects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	fsys, ms := clientFS(t)
	fsys["meta/0001_snapshot.json"] = &fstest.MapFile{Data: []byte(guardClientSnap)}
	for _, m := range ms {
		db.Exec(t, m.SQL)
	}
	writeRows(t, db, ledger.ClientTable, ms)
	db.Exec(t, `ALTER TABLE "tickets" DROP COLUMN "status"`)
	var logs bytes.Buffer
	g := newGuardT(t, newPool(t, db), WithClientMigrations(fsys), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err := g.Boot(context.Background()); err != nil {
		t.Fatalf("Boot must not fail on the client track: %v", err)
	}
	if !strings.Contains(logs.String(), "status") || !strings.Contains(logs.String(), "0001_ticket_status") {
		t.Errorf("no warning naming the column and its migration: %s", logs.String())
	}
	sc := g.Check(context.Background()).Schema[tracks.Client].SchemaCheck
	if sc == nil || len(sc.Missing) != 1 || sc.Missing[0].Name != "status" {
		t.Fatalf("health: %+v", sc)
	}
}

// Check verifies at most once per interval and reports the last result in
// between.
func TestCheckVerifiesOncePerInterval(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	missing := func(g *Guard) int {
		return len(g.Check(context.Background()).Schema[tracks.Engine].SchemaCheck.Missing)
	}
	hourly := newGuardT(t, newPool(t, db), WithVerifyInterval(time.Hour))
	always := newGuardT(t, newPool(t, db), WithVerifyInterval(time.Nanosecond))
	if missing(hourly) != 0 || missing(always) != 0 {
		t.Fatal("clean database")
	}
	db.Exec(t, `DROP TABLE "account" CASCADE`)
	if n := missing(hourly); n != 0 {
		t.Errorf("verified again within the interval: %d missing", n)
	}
	if n := missing(always); n == 0 {
		t.Error("the interval passed, yet Check did not verify")
	}
	if _, err := New(db.Conn(t), WithVerifyInterval(0)); err == nil {
		t.Error("WithVerifyInterval(0) accepted")
	}
}

// A drizzle-kit 1.0 client folder is verified against its newest
// migration's snapshot.json (version 8): Boot starts and warns, naming the
// dropped index and the migration that created it.
func TestBootVerifiesDrizzle1ClientFolder(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	fsys := os.DirFS("../testdata/drizzle1/migrations")
	ctx := context.Background()
	ts, err := tracks.LoadAll(enginesrc.BundledTrack(), tracks.Track{Name: tracks.Client, Source: fsys, Location: "test",
		Ledger: ledger.ClientTable, Optional: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tracks.Apply(ctx, db.Conn(t), ts, tracks.Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	db.Exec(t, `DROP INDEX "tickets_open_by_project_idx"`)
	var logs bytes.Buffer
	g := newGuardT(t, newPool(t, db), WithClientMigrations(fsys), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err := g.Boot(ctx); err != nil {
		t.Fatalf("Boot must not fail on the client track: %v", err)
	}
	if !strings.Contains(logs.String(), "tickets_open_by_project_idx") || !strings.Contains(logs.String(), "20261130094848_v3") {
		t.Errorf("no warning naming the index and its migration: %s", logs.String())
	}
	sc := g.Check(ctx).Schema[tracks.Client].SchemaCheck
	if sc == nil || !sc.Verified || sc.Snapshot != "20261130094853_v4" || len(sc.Missing) != 1 || sc.Missing[0].Kind != verify.KindIndex {
		t.Fatalf("health: %+v", sc)
	}
}
