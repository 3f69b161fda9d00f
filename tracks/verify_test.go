package tracks_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// clientSnap0 / clientSnap1 are drizzle-kit v7 snapshots of verifyMigs.
const clientSnap0 = `{"id":"a","prevId":"00000000-0000-0000-0000-000000000000","version":"7","dialect":"postgresql",
"tables":{"public.tickets":{"name":"tickets","schema":"","columns":{
  "id":{"name":"id","type":"serial","primaryKey":true,"notNull":true},
  "owner":{"name":"owner","type":"text","primaryKey":false,"notNull":true},
  "state":{"name":"state","type":"ticket_state","typeSchema":"public","primaryKey":false,"notNull":true},
  "replies":{"name":"replies","type":"integer","primaryKey":false,"notNull":true,"default":0}},
 "indexes":{"tickets_owner_idx":{"name":"tickets_owner_idx","columns":[],"isUnique":false,"concurrently":false,"method":"btree","with":{}}},
 "foreignKeys":{},"compositePrimaryKeys":{},
 "uniqueConstraints":{"tickets_owner_state_unique":{"name":"tickets_owner_state_unique","nullsNotDistinct":false,"columns":["owner","state"]}},
 "policies":{},"checkConstraints":{"replies_nonneg":{"name":"replies_nonneg","value":"\"tickets\".\"replies\" >= 0"}},"isRLSEnabled":false}},
"enums":{"public.ticket_state":{"name":"ticket_state","schema":"public","values":["open","closed"]}},
"schemas":{},"sequences":{},"roles":{},"policies":{},"views":{},"_meta":{"columns":{},"schemas":{},"tables":{}}}`

func clientSnap1() string {
	var s map[string]any
	if err := json.Unmarshal([]byte(clientSnap0), &s); err != nil {
		panic(err)
	}
	s["tables"].(map[string]any)["public.notes"] = map[string]any{"name": "notes", "schema": "",
		"columns": map[string]any{
			"id":        map[string]any{"name": "id", "type": "integer", "primaryKey": true, "notNull": true},
			"ticket_id": map[string]any{"name": "ticket_id", "type": "integer", "primaryKey": false, "notNull": true},
			"body":      map[string]any{"name": "body", "type": "varchar(200)", "primaryKey": false, "notNull": false}},
		"indexes":              map[string]any{},
		"foreignKeys":          map[string]any{"notes_ticket_id_tickets_id_fk": map[string]any{"name": "notes_ticket_id_tickets_id_fk"}},
		"compositePrimaryKeys": map[string]any{}, "uniqueConstraints": map[string]any{}, "checkConstraints": map[string]any{}}
	b, _ := json.Marshal(s)
	return string(b)
}

var verifyMigs = []mig{
	{"0000_tickets", 1700000000000, `CREATE TYPE "public"."ticket_state" AS ENUM('open', 'closed');--> statement-breakpoint
CREATE TABLE "tickets" ("id" serial PRIMARY KEY NOT NULL, "owner" text NOT NULL, "state" "ticket_state" NOT NULL,
 "replies" integer DEFAULT 0 NOT NULL, CONSTRAINT "tickets_owner_state_unique" UNIQUE("owner","state"),
 CONSTRAINT "replies_nonneg" CHECK ("tickets"."replies" >= 0));--> statement-breakpoint
CREATE INDEX "tickets_owner_idx" ON "tickets" USING btree ("owner");`},
	{"0001_notes", 1700000000100, `CREATE TABLE "notes" ("id" integer PRIMARY KEY NOT NULL, "ticket_id" integer NOT NULL, "body" varchar(200));--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id");`},
}

func verifyFolder() fstest.MapFS {
	fsys := folder(verifyMigs...)
	fsys["meta/0000_snapshot.json"] = &fstest.MapFile{Data: []byte(clientSnap0)}
	fsys["meta/0001_snapshot.json"] = &fstest.MapFile{Data: []byte(clientSnap1())}
	return fsys
}

// Status verifies the schema of both tracks against their newest applied
// snapshot: each kind of dropped object is reported with the migration that
// created it, as an integrity problem.
func TestVerifyMissingObjects(t *testing.T) {
	db := connect(t, newDB(t))
	ctx := ctxT(t)
	ts := []tracks.Loaded{engineLoaded(t), client(t, verifyFolder())}
	mustApply(t, ctx, db, ts)
	rep := mustVerify(t, ctx, db, ts)
	for _, name := range []string{tracks.Engine, tracks.Client} {
		sc := rep.Track(name).SchemaCheck
		if sc == nil || !sc.Verified || len(sc.Missing) != 0 || rep.Problems() {
			t.Fatalf("%s: clean database: %+v", name, sc)
		}
	}
	if got := rep.Track(tracks.Client).SchemaCheck.Snapshot; got != "0001_notes" {
		t.Fatalf("client compared with %q", got)
	}
	cases := []struct {
		track, damage string
		want          verify.Missing
	}{
		{tracks.Engine, `DROP TABLE "account"`, verify.Missing{Kind: verify.KindTable, Name: "public.account", Migration: "0005_send_status_bounced"}},
		{tracks.Engine, `ALTER TABLE "account" DROP COLUMN "scope"`, verify.Missing{Kind: verify.KindColumn, Name: "scope", Table: "public.account", Migration: "0005_send_status_bounced"}},
		{tracks.Engine, `DROP INDEX "account_user_id_idx"`, verify.Missing{Kind: verify.KindIndex, Name: "account_user_id_idx", Table: "public.account", Migration: "0005_send_status_bounced"}},
		{tracks.Engine, `ALTER TABLE "account" DROP CONSTRAINT "account_user_id_user_id_fk"`, verify.Missing{Kind: verify.KindForeignKey, Name: "account_user_id_user_id_fk", Table: "public.account", Migration: "0005_send_status_bounced"}},
		{tracks.Engine, `ALTER TYPE "send_status" RENAME VALUE 'bounced' TO 'gone'`, verify.Missing{Kind: verify.KindEnumLabel, Name: "bounced", Table: "public.send_status", Migration: "0005_send_status_bounced"}},
		{tracks.Engine, `ALTER TABLE "account" ALTER COLUMN "account_id" DROP NOT NULL`, verify.Missing{Kind: verify.KindNotNull, Name: "account_id", Table: "public.account", Detail: "NOT NULL is missing", Migration: "0005_send_status_bounced"}},
		{tracks.Client, `DROP TABLE "notes"`, verify.Missing{Kind: verify.KindTable, Name: "public.notes", Migration: "0001_notes"}},
		{tracks.Client, `ALTER TABLE "tickets" DROP COLUMN "replies"`, verify.Missing{Kind: verify.KindColumn, Name: "replies", Table: "public.tickets", Migration: "0000_tickets"}},
		{tracks.Client, `DROP INDEX "tickets_owner_idx"`, verify.Missing{Kind: verify.KindIndex, Name: "tickets_owner_idx", Table: "public.tickets", Migration: "0000_tickets"}},
		{tracks.Client, `ALTER TABLE "tickets" DROP CONSTRAINT "replies_nonneg"`, verify.Missing{Kind: verify.KindCheck, Name: "replies_nonneg", Table: "public.tickets", Migration: "0000_tickets"}},
		{tracks.Client, `ALTER TABLE "tickets" DROP CONSTRAINT "tickets_owner_state_unique"`, verify.Missing{Kind: verify.KindUnique, Name: "tickets_owner_state_unique", Table: "public.tickets", Migration: "0000_tickets"}},
		{tracks.Client, `ALTER TABLE "notes" DROP CONSTRAINT "notes_ticket_id_tickets_id_fk"`, verify.Missing{Kind: verify.KindForeignKey, Name: "notes_ticket_id_tickets_id_fk", Table: "public.notes", Migration: "0001_notes"}},
		{tracks.Client, `ALTER TABLE "notes" DROP CONSTRAINT "notes_pkey"`, verify.Missing{Kind: verify.KindPrimaryKey, Name: "notes_pkey", Table: "public.notes", Migration: "0001_notes"}},
		{tracks.Client, `ALTER TABLE "notes" ALTER COLUMN "body" TYPE text`, verify.Missing{Kind: verify.KindColumnType, Name: "body", Table: "public.notes", Detail: "want character varying(200), have text", Migration: "0001_notes"}},
		{tracks.Client, `ALTER TYPE "ticket_state" RENAME VALUE 'closed' TO 'shut'`, verify.Missing{Kind: verify.KindEnumLabel, Name: "closed", Table: "public.ticket_state", Migration: "0000_tickets"}},
	}
	for _, c := range cases {
		t.Run(c.track+"/"+c.damage, func(t *testing.T) {
			rep := verifyDamaged(t, ctx, db, ts, cascade(c.damage))
			sc := rep.Track(c.track).SchemaCheck
			if !sc.Verified || len(sc.Missing) == 0 || sc.Missing[0] != c.want || !rep.Problems() || sc.Remedy == "" {
				t.Fatalf("missing = %+v, want first %+v", sc.Missing, c.want)
			}
			if !rep.Track(c.track).InSync {
				t.Fatal("the ledger still says in sync: only verification sees the damage")
			}
		})
	}
}

// cascade: DROP TABLE needs CASCADE when other objects depend on it.
func cascade(stmt string) string {
	if strings.HasPrefix(stmt, "DROP TABLE") || strings.Contains(stmt, "DROP CONSTRAINT") {
		return stmt + " CASCADE"
	}
	return stmt
}

// A track whose snapshots are missing or unreadable is "not verified" with
// the reason, never passed.
func TestVerifyWithoutSnapshots(t *testing.T) {
	db := connect(t, newDB(t))
	ctx := ctxT(t)
	none := folder(verifyMigs...)
	bad := verifyFolder()
	bad["meta/0001_snapshot.json"] = &fstest.MapFile{Data: []byte(`{"version":"7",`)}
	noTables := verifyFolder()
	noTables["meta/0001_snapshot.json"] = &fstest.MapFile{Data: []byte(`{"version":"7","dialect":"postgresql","enums":{}}`)}
	for name, fsys := range map[string]fstest.MapFS{"none": none, "unreadable": bad, "no tables": noTables} {
		ts := []tracks.Loaded{client(t, fsys)}
		mustApply(t, ctx, db, ts)
		rep := mustVerify(t, ctx, db, ts)
		sc := rep.Track(tracks.Client).SchemaCheck
		if sc == nil || sc.Verified || sc.Reason == "" || rep.Problems() {
			t.Fatalf("%s: %+v", name, sc)
		}
		t.Logf("%s: %s", name, sc.Reason)
	}
}

// A track behind its folder is compared with its own newest applied
// snapshot, not the folder's newest (which names tables not created yet).
func TestVerifyBehind(t *testing.T) {
	db := connect(t, newDB(t))
	ctx := ctxT(t)
	first := folder(verifyMigs[0])
	first["meta/0000_snapshot.json"] = &fstest.MapFile{Data: []byte(clientSnap0)}
	mustApply(t, ctx, db, []tracks.Loaded{client(t, first)})
	ts := []tracks.Loaded{client(t, verifyFolder())}
	rep := mustVerify(t, ctx, db, ts)
	sc := rep.Track(tracks.Client).SchemaCheck
	if !sc.Verified || sc.Snapshot != "0000_tickets" || len(sc.Missing) != 0 || rep.Track(tracks.Client).InSync {
		t.Fatalf("%+v", sc)
	}
}

func newDB(t *testing.T) *pgtest.DB { return pgtest.New(t) }

func engineLoaded(t *testing.T) tracks.Loaded {
	t.Helper()
	l, err := tracks.Load(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	return l
}
