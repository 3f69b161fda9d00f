package generate

import (
	"strings"
	"testing"
)

// exported is what `drizzle-kit export` prints for a schema like
// testdata/drizzle/schema/support.ts, plus a table in another schema and the
// statements drizzle-kit writes after tables.
const exported = `CREATE SCHEMA "billing";
CREATE TYPE "public"."support_ticket_state" AS ENUM('open', 'waiting', 'closed');
CREATE TABLE "support_tickets" (
	"id" serial PRIMARY KEY NOT NULL,
	"state" "support_ticket_state" DEFAULT 'open' NOT NULL,
	"reply_count" integer DEFAULT 0 NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"due_at" timestamp with time zone DEFAULT now() + interval '3 days',
	"note" text DEFAULT 'a, b; (c) NOT NULL' CONSTRAINT "support_tickets_note_unique" UNIQUE,
	"codes" integer[] DEFAULT ARRAY[1, 2],
	"search_key" text GENERATED ALWAYS AS (lower(subject) || ' ' || channel) STORED,
	"opened_at" timestamp DEFAULT now(),
	CONSTRAINT "support_tickets_reply_count_check" CHECK ("support_tickets"."reply_count" >= 0)
);

CREATE TABLE "billing"."invoices" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "billing"."invoices_id_seq" INCREMENT BY 1),
	"total" numeric(10, 2) DEFAULT '0.00' NOT NULL,
	"paid" boolean DEFAULT false
);

ALTER TABLE "billing"."invoices" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_ticket_fk" FOREIGN KEY ("id") REFERENCES "public"."support_tickets"("id") ON DELETE cascade ON UPDATE no action;
ALTER TABLE "billing"."invoices" ADD CONSTRAINT "invoices_total_check" CHECK ("billing"."invoices"."total" >= 0);
CREATE INDEX "support_tickets_open_idx" ON "support_tickets" USING btree ("opened_at") WHERE "support_tickets"."state" = 'open' and ("support_tickets"."reply_count" > 0);
CREATE UNIQUE INDEX "invoices_total_idx" ON "billing"."invoices" USING btree ("total") WITH (fillfactor=70) WHERE "billing"."invoices"."paid";
CREATE INDEX "plain_idx" ON "support_tickets" USING btree ("state");
CREATE UNIQUE INDEX "support_tickets_lower_idx" ON "support_tickets" USING btree (lower("note"),"state" DESC NULLS LAST,coalesce("codes"[1], 0));`

// exported1 is what drizzle-kit 1.0's export prints for a schema like
// support.ts: no USING for btree, no statement breakpoints, unqualified
// columns in checks and WHEREs, enum defaults with a cast, FK actions in
// upper case.
const exported1 = `CREATE TYPE "support_ticket_state" AS ENUM('open', 'waiting', 'closed');
CREATE TABLE "support_tickets" (
	"id" serial PRIMARY KEY,
	"state" "support_ticket_state" DEFAULT 'open'::"support_ticket_state" NOT NULL,
	"tags" jsonb DEFAULT '[]' NOT NULL,
	"codes" integer[] DEFAULT '{1,2}'::integer[],
	"note" text UNIQUE,
	"search_key" text GENERATED ALWAYS AS (lower(subject) || ' ' || channel) STORED,
	CONSTRAINT "support_tickets_reply_count_check" CHECK ("reply_count" >= 0)
);

CREATE INDEX "support_tickets_note_idx" ON "support_tickets" ("subject") WHERE "note" IS NOT NULL AND "reply_count" > 1;
CREATE UNIQUE INDEX "support_tickets_subject_lower_idx" ON "support_tickets" (lower("subject"));
CREATE INDEX CONCURRENTLY "support_tickets_channel_note_idx" ON "support_tickets" ("channel",coalesce("note", ''));
CREATE INDEX "support_tickets_gin_idx" ON "support_tickets" USING gin ("tags") WITH (fastupdate=off) WHERE "state" <> 'closed';
ALTER TABLE "support_replies" ADD CONSTRAINT "support_replies_ticket_id_support_tickets_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "support_tickets"("id") ON DELETE CASCADE;
ALTER TABLE "support_replies" ADD CONSTRAINT "support_replies_body_check" CHECK (length("body") between 1 and 10000);
`

// capturedExpr is an expression captureExprs should give (value), or must
// not give (value "").
type capturedExpr struct {
	kind  string
	key   []string
	value string
}

// wantCaptured captures the expressions of sql, a drizzle-kit export's
// output, and fails the test for each of want it does not give as said.
func wantCaptured(t *testing.T, sql string, want []capturedExpr) {
	t.Helper()
	x := captureExprs([]SchemaFile{{Path: "stdin", SQL: sql}})
	if x == nil {
		t.Fatal("captureExprs: nil for drizzle-kit export output")
	}
	for _, c := range want {
		got, ok := x.lookup(c.kind, c.key...)
		if c.value == "" {
			if ok {
				t.Errorf("%s %v: got %q, want none", c.kind, c.key, got)
			}
			continue
		}
		if !ok || got != c.value {
			t.Errorf("%s %v: got %q (found %v), want %q", c.kind, c.key, got, ok, c.value)
		}
	}
}

func TestCaptureExprsFromDrizzleKitExport(t *testing.T) {
	wantCaptured(t, exported, []capturedExpr{
		{exprCheck, []string{"public", "support_tickets", "support_tickets_reply_count_check"}, `"support_tickets"."reply_count" >= 0`},
		{exprCheck, []string{"billing", "invoices", "invoices_total_check"}, `"billing"."invoices"."total" >= 0`},
		{exprWhere, []string{"public", "support_tickets_open_idx"}, `"support_tickets"."state" = 'open' and ("support_tickets"."reply_count" > 0)`},
		{exprWhere, []string{"billing", "invoices_total_idx"}, `"billing"."invoices"."paid"`},
		{exprWhere, []string{"public", "plain_idx"}, ""},
		{exprDefault, []string{"public", "support_tickets", "state"}, `'open'`},
		{exprDefault, []string{"public", "support_tickets", "reply_count"}, `0`},
		{exprDefault, []string{"public", "support_tickets", "tags"}, `'[]'::jsonb`},
		{exprDefault, []string{"public", "support_tickets", "due_at"}, `now() + interval '3 days'`},
		{exprDefault, []string{"public", "support_tickets", "note"}, `'a, b; (c) NOT NULL'`},
		{exprDefault, []string{"public", "support_tickets", "codes"}, `ARRAY[1, 2]`},
		{exprDefault, []string{"public", "support_tickets", "opened_at"}, `now()`},
		{exprDefault, []string{"public", "support_tickets", "id"}, ""},
		{exprDefault, []string{"billing", "invoices", "total"}, `'0.00'`},
		{exprDefault, []string{"billing", "invoices", "paid"}, `false`},
		{exprGenerated, []string{"public", "support_tickets", "search_key"}, `lower(subject) || ' ' || channel`},
		{exprGenerated, []string{"billing", "invoices", "id"}, ""},
		{exprIndexCol, []string{"public", "support_tickets_lower_idx", "0"}, `lower("note")`},
		{exprIndexCol, []string{"public", "support_tickets_lower_idx", "1"}, `"state" DESC NULLS LAST`},
		{exprIndexCol, []string{"public", "support_tickets_lower_idx", "2"}, `coalesce("codes"[1], 0)`},
		{exprIndexCol, []string{"public", "support_tickets_lower_idx", "3"}, ""},
		{exprIndexCol, []string{"public", "plain_idx", "0"}, `"state"`},
	})
}

// drizzle-kit 1.0's export: btree indexes without USING still give their
// WHERE and columns; the enum default keeps its cast (the version-8
// conversion strips it as drizzle-kit 1.0 does).
func TestCaptureExprsFromDrizzleKit1Export(t *testing.T) {
	wantCaptured(t, exported1, []capturedExpr{
		{exprCheck, []string{"public", "support_tickets", "support_tickets_reply_count_check"}, `"reply_count" >= 0`},
		{exprCheck, []string{"public", "support_replies", "support_replies_body_check"}, `length("body") between 1 and 10000`},
		{exprWhere, []string{"public", "support_tickets_note_idx"}, `"note" IS NOT NULL AND "reply_count" > 1`},
		{exprWhere, []string{"public", "support_tickets_gin_idx"}, `"state" <> 'closed'`},
		{exprIndexCol, []string{"public", "support_tickets_subject_lower_idx", "0"}, `lower("subject")`},
		{exprIndexCol, []string{"public", "support_tickets_channel_note_idx", "0"}, `"channel"`},
		{exprIndexCol, []string{"public", "support_tickets_channel_note_idx", "1"}, `coalesce("note", '')`},
		{exprIndexCol, []string{"public", "support_tickets_gin_idx", "0"}, `"tags"`},
		{exprDefault, []string{"public", "support_tickets", "state"}, `'open'::"support_ticket_state"`},
		{exprDefault, []string{"public", "support_tickets", "tags"}, `'[]'`},
		{exprDefault, []string{"public", "support_tickets", "codes"}, `'{1,2}'::integer[]`},
		{exprGenerated, []string{"public", "support_tickets", "search_key"}, `lower(subject) || ' ' || channel`},
	})
	if got := defaultSuffix.ReplaceAllString(`'open'::"support_ticket_state"`, ""); got != `'open'` {
		t.Errorf("version-8 default of the enum column: %q, want 'open'", got)
	}
}

// An index column captured from drizzle-kit's SQL replaces PostgreSQL's
// expression with drizzle-kit's entry (ascending, nulls last, no operator
// class: modifiers are part of a sql`…` column's text); plain columns and
// expressions without a capture keep the catalog's.
func TestIndexColumnFromCapture(t *testing.T) {
	x := captureExprs([]SchemaFile{{SQL: `CREATE INDEX "i" ON "t" ("n",lower("s") DESC,"m");`}})
	pg := indexColumn{Expression: "lower(s)", IsExpression: true, Asc: false, Nulls: "first", Opclass: "text_pattern_ops"}
	if got, want := x.indexColumn("public", "i", 1, pg), (indexColumn{Expression: `lower("s") DESC`, IsExpression: true, Asc: true, Nulls: "last"}); got != want {
		t.Errorf("expression column: %+v, want %+v", got, want)
	}
	col := indexColumn{Expression: "n", Asc: true, Nulls: "last"}
	if got := x.indexColumn("public", "i", 0, col); got != col {
		t.Errorf("plain column changed: %+v", got)
	}
	if got := x.indexColumn("public", "i", 3, pg); got != pg {
		t.Errorf("column without a capture changed: %+v", got)
	}
	if got := x.indexColumn("other", "i", 1, pg); got != pg {
		t.Errorf("index of another schema changed: %+v", got)
	}
	var none *drizzleExprs
	if got := none.indexColumn("public", "i", 1, pg); got != pg {
		t.Errorf("nil captures changed a column: %+v", got)
	}
	// Space around a column is not drizzle-kit's join: no capture.
	hand := captureExprs([]SchemaFile{{SQL: `CREATE INDEX "i" ON "t" USING btree ("n", lower("s"));`}})
	if v, ok := hand.lookup(exprIndexCol, "public", "i", "1"); ok {
		t.Errorf("captured %q from a hand-spaced column list", v)
	}
}

// Whitespace inside the delimiters belongs to the value: drizzle-kit
// stores a multi-line sql template as written.
func TestCaptureExprsKeepsTheTemplateBytes(t *testing.T) {
	sql := "CREATE TABLE \"t\" (\n\t\"n\" integer DEFAULT 1,\n\tCONSTRAINT \"t_n_check\" CHECK (\n  \"t\".\"n\" > 0\n)\n);\n" +
		"CREATE INDEX \"t_idx\" ON \"t\" USING btree (\"n\") WHERE \n  \"t\".\"n\" > 1\n;"
	x := captureExprs([]SchemaFile{{SQL: sql}})
	if got, _ := x.lookup(exprCheck, "public", "t", "t_n_check"); got != "\n  \"t\".\"n\" > 0\n" {
		t.Errorf("check: %q", got)
	}
	if got, _ := x.lookup(exprWhere, "public", "t_idx"); got != "\n  \"t\".\"n\" > 1\n" {
		t.Errorf("where: %q", got)
	}
}

// SQL that drizzle-kit export did not write falls back to the catalog's
// text: wholly when a statement may change an object after it was created,
// per object when a statement is in another shape.
func TestCaptureExprsFallsBack(t *testing.T) {
	const table = `CREATE TABLE "t" ("n" integer DEFAULT 1 NOT NULL, CONSTRAINT "t_n_check" CHECK ("t"."n" > 0));`
	for _, stmt := range []string{
		`ALTER TABLE "t" ALTER COLUMN "n" SET DEFAULT 2;`,
		`ALTER TABLE "t" DROP CONSTRAINT "t_n_check";`,
		`ALTER TABLE t RENAME CONSTRAINT a TO b;`,
		`DROP INDEX "t_idx";`,
		`SET search_path = other;`,
		`DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER n SET DEFAULT 3'; END $$;`,
	} {
		if x := captureExprs([]SchemaFile{{SQL: table}, {SQL: stmt}}); x != nil {
			t.Errorf("%s: captured %v, want nothing (fall back)", stmt, x.vals)
		}
	}

	hand := `CREATE TABLE t (n integer DEFAULT 1, CONSTRAINT t_n_check CHECK (n > 0));
CREATE INDEX t_idx ON t (n) WHERE n > 1;
CREATE INDEX IF NOT EXISTS "u_idx" ON "t" USING btree ("n") WHERE "t"."n" > 2;
CREATE TABLE "u" ("n" integer DEFAULT  1);
COMMENT ON TABLE t IS 'hand written';`
	x := captureExprs([]SchemaFile{{SQL: hand}})
	if x == nil {
		t.Fatal("nil for statements that change no existing object")
	}
	if len(x.vals) != 0 {
		t.Errorf("captured %v from SQL drizzle-kit did not write", x.vals)
	}

	// An object defined twice is ambiguous.
	twice := `CREATE INDEX "i" ON "t" USING btree ("n") WHERE "t"."n" > 1;
CREATE INDEX "i" ON "t" USING btree ("n") WHERE "t"."n" > 2;
CREATE INDEX "i" ON "t" USING btree ("n") WHERE "t"."n" > 3;`
	if v, ok := captureExprs([]SchemaFile{{SQL: twice}}).lookup(exprWhere, "public", "i"); ok {
		t.Errorf("index defined three times: captured %q", v)
	}

	var none *drizzleExprs
	if _, ok := none.lookup(exprCheck, "public", "t", "c"); ok {
		t.Error("nil lookup found something")
	}
}

func FuzzCaptureExprs(f *testing.F) {
	f.Add(exported)
	f.Add(exported1)
	f.Add(`CREATE INDEX "i" ON "t" ("n",lower(`)
	f.Add(`CREATE TABLE "t" ("n" integer DEFAULT`)
	f.Add(`CREATE INDEX "i" ON "t" USING btree ("n") WHERE `)
	f.Add("CREATE TABLE \"t\" (\"n\" int DEFAULT 1\n")
	f.Add(`ALTER TABLE "t" ADD CONSTRAINT "c" CHECK (((`)
	f.Fuzz(func(t *testing.T, sql string) {
		x := captureExprs([]SchemaFile{{SQL: sql}})
		if x == nil {
			return
		}
		for k, v := range x.vals {
			if v == "" || !strings.Contains(sql, v) {
				t.Errorf("%s: %q is not a non-empty part of the input", k, v)
			}
		}
	})
}
