package generate_test

import (
	"path/filepath"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
)

// A desired schema printed by drizzle-kit export: the snapshot holds the
// check, WHERE, index column, default and generated texts as export wrote them (what
// drizzle-kit's snapshot of the TypeScript holds), not as PostgreSQL
// re-prints them.
func TestSnapshotKeepsDrizzleKitExpressions(t *testing.T) {
	e := newEnv(t)
	const desired = `CREATE TYPE "public"."state" AS ENUM('open', 'closed');
CREATE TABLE "tickets" (
	"id" serial PRIMARY KEY NOT NULL,
	"state" "state" DEFAULT 'open' NOT NULL,
	"reply_count" integer DEFAULT 0 NOT NULL,
	"urgent" boolean DEFAULT false NOT NULL,
	"subject" text NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() + interval '3 days',
	"search_key" text GENERATED ALWAYS AS (lower(subject) || ' ' || 'x') STORED,
	CONSTRAINT "tickets_reply_count_check" CHECK ("tickets"."reply_count" >= 0)
);

CREATE INDEX "tickets_open_idx" ON "tickets" USING btree ("due_at") WHERE "tickets"."state" = 'open' and "tickets"."urgent";
CREATE UNIQUE INDEX "tickets_lower_idx" ON "tickets" USING btree ("state",lower("subject"));`
	res := e.generate(desired, "init")
	if !res.Changed {
		t.Fatal("nothing generated")
	}
	var snap struct {
		Tables map[string]struct {
			Columns map[string]struct {
				Default   any `json:"default"`
				Generated *struct {
					As string `json:"as"`
				} `json:"generated"`
			} `json:"columns"`
			Indexes map[string]struct {
				Where   string           `json:"where"`
				Columns []map[string]any `json:"columns"`
			} `json:"indexes"`
			CheckConstraints map[string]struct {
				Value string `json:"value"`
			} `json:"checkConstraints"`
		} `json:"tables"`
	}
	drizzletest.ReadJSON(t, filepath.Join(e.dir, "meta", "0000_snapshot.json"), &snap)
	tb := snap.Tables["public.tickets"]
	if got, want := tb.CheckConstraints["tickets_reply_count_check"].Value, `"tickets"."reply_count" >= 0`; got != want {
		t.Errorf("check value %q, want %q", got, want)
	}
	if got, want := tb.Indexes["tickets_open_idx"].Where, `"tickets"."state" = 'open' and "tickets"."urgent"`; got != want {
		t.Errorf("index where %q, want %q", got, want)
	}
	cols := tb.Indexes["tickets_lower_idx"].Columns
	if len(cols) != 2 || cols[0]["expression"] != "state" || cols[0]["isExpression"] != false ||
		cols[1]["expression"] != `lower("subject")` || cols[1]["isExpression"] != true || cols[1]["asc"] != true || cols[1]["nulls"] != "last" {
		t.Errorf("expression index columns %v, want state and lower(\"subject\")", cols)
	}
	if g := tb.Columns["search_key"].Generated; g == nil || g.As != `lower(subject) || ' ' || 'x'` {
		t.Errorf("generated %+v, want as lower(subject) || ' ' || 'x'", g)
	}
	for col, want := range map[string]any{
		"due_at": "now() + interval '3 days'", "state": "'open'", "reply_count": float64(0), "urgent": false,
	} {
		if got := tb.Columns[col].Default; got != want {
			t.Errorf("default of %s: %#v, want %#v", col, got, want)
		}
	}
}
