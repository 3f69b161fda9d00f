// Package corpus writes the drizzle-kit migration folders the benchmark
// harness applies: History, about 75 migrations and 50 tables that read like
// a real engine's history (enums, tables, foreign keys, indexes, column
// changes, a few seeds and UPDATE backfills), and Small, n tiny migrations
// for the scale test.
//
// Output is deterministic: the same call always writes the same bytes, so
// hashes (and therefore ledgers) are comparable across runs and machines.
// The SQL follows drizzle-kit 0.31's formatting: statements joined by
// "--> statement-breakpoint" and a newline, quoted identifiers, foreign keys
// as separate ALTER TABLE statements, btree indexes spelled out.
package corpus

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Breakpoint separates statements in a drizzle-kit SQL file.
const Breakpoint = "--> statement-breakpoint"

// Migration is one generated migration.
type Migration struct {
	Tag        string
	When       int64
	Statements []string // each ends with ';'
}

// SQL is the file text as drizzle-kit writes it.
func (m Migration) SQL() string {
	return strings.Join(m.Statements, Breakpoint+"\n")
}

// Corpus is a generated folder's content.
type Corpus struct {
	Migrations []Migration
	Tables     int // tables that exist after the last migration
	Enums      int
}

// Statements counts every statement of every migration.
func (c *Corpus) Statements() int {
	n := 0
	for _, m := range c.Migrations {
		n += len(m.Statements)
	}
	return n
}

// Script is every statement in order, one after another, as psql -f or a
// single simple-query message would carry them (no ledger, no BEGIN).
func (c *Corpus) Script() string {
	var b strings.Builder
	for _, m := range c.Migrations {
		for _, s := range m.Statements {
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// Write writes the folder: NNNN_tag.sql files and meta/_journal.json.
func (c *Corpus) Write(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "meta"), 0o755); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	type entry struct {
		Idx         int    `json:"idx"`
		Version     string `json:"version"`
		When        int64  `json:"when"`
		Tag         string `json:"tag"`
		Breakpoints bool   `json:"breakpoints"`
	}
	j := struct {
		Version string  `json:"version"`
		Dialect string  `json:"dialect"`
		Entries []entry `json:"entries"`
	}{Version: "7", Dialect: "postgresql", Entries: []entry{}}
	for i, m := range c.Migrations {
		if err := os.WriteFile(filepath.Join(dir, m.Tag+".sql"), []byte(m.SQL()), 0o644); err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		j.Entries = append(j.Entries, entry{Idx: i, Version: "7", When: m.When, Tag: m.Tag, Breakpoints: true})
	}
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta", "_journal.json"), data, 0o644); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	return nil
}

// firstWhen is 2025-01-01T00:00:00Z in epoch milliseconds.
const firstWhen int64 = 1735689600000

// Small is n migrations of two statements each: a small table and a row in
// a shared log table (created by the first migration).
func Small(n int) *Corpus {
	c := &Corpus{}
	for i := range n {
		m := Migration{Tag: fmt.Sprintf("%04d_step_%d", i, i), When: firstWhen + int64(i)*60_000}
		if i == 0 {
			m.Statements = append(m.Statements, `CREATE TABLE "scale_log" (
	"step" integer NOT NULL,
	"note" text
);
`)
			c.Tables++
		}
		m.Statements = append(m.Statements,
			fmt.Sprintf(`CREATE TABLE "scale_%04d" (
	"id" bigint NOT NULL,
	"amount" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
`, i),
			fmt.Sprintf(`INSERT INTO "scale_log" ("step", "note") VALUES (%d, 'step %d');`, i, i))
		c.Tables++
		c.Migrations = append(c.Migrations, m)
	}
	return c
}

// table is the generator's model of a table.
type table struct {
	name string
	cols []string // column names, for later ALTERs
}

type gen struct {
	rng    *rand.Rand
	tables []*table
	byName map[string]*table
	enums  map[string][]string
	names  []string // table names still to create, in order
	cur    *Migration
	c      *Corpus
	seeded map[string]bool
}

// History is the 75-migration engine-like history.
func History() *Corpus {
	g := &gen{
		rng:    rand.New(rand.NewPCG(4812007, 75)),
		byName: map[string]*table{},
		enums:  map[string][]string{},
		seeded: map[string]bool{},
		c:      &Corpus{},
		names:  append([]string(nil), tableNames...),
	}
	when := firstWhen
	for i := range 75 {
		name := g.step(i)
		when += int64(18+g.rng.IntN(90)) * 3_600_000 // every one to five days
		m := Migration{Tag: fmt.Sprintf("%04d_%s", i, name), When: when}
		m.Statements = g.cur.Statements
		g.c.Migrations = append(g.c.Migrations, m)
	}
	g.c.Tables = len(g.tables)
	g.c.Enums = len(g.enums)
	return g.c
}

// tableNames: 50 tables, created in this order; none collides with the
// bundled engine track's tables or types.
var tableNames = []string{
	"workspaces", "members", "projects", "people", "lists", "list_members", "templates", "campaigns",
	"invitations", "template_versions", "campaign_variants", "segments", "segment_rules", "assets",
	"sending_domains", "dns_records", "webhooks", "webhook_deliveries", "api_tokens", "billing_plans",
	"subscriptions", "invoices", "invoice_lines", "payment_methods", "usage_records", "feature_flags",
	"flag_overrides", "imports", "import_rows", "exports", "audit_logs", "notifications",
	"notification_settings", "forms", "form_fields", "form_submissions", "tags", "person_tags",
	"suppressions", "bounces", "complaints", "sequences", "sequence_steps", "sequence_enrollments",
	"experiments", "experiment_arms", "integrations", "sync_jobs", "ip_pools", "dashboards",
}

func (g *gen) stmt(format string, args ...any) {
	g.cur.Statements = append(g.cur.Statements, fmt.Sprintf(format, args...))
}

// parentOf picks the table a new table references: the workspace for most,
// sometimes the previously created table (members → workspaces, etc.).
func (g *gen) parentOf(name string) *table {
	switch {
	case len(g.tables) == 0:
		return nil
	case strings.HasSuffix(name, "_rows"), strings.HasSuffix(name, "_lines"), strings.HasSuffix(name, "_fields"),
		strings.HasSuffix(name, "_steps"), strings.HasSuffix(name, "_arms"), strings.HasSuffix(name, "_versions"),
		strings.HasSuffix(name, "_variants"), strings.HasSuffix(name, "_rules"), strings.HasSuffix(name, "_records"),
		strings.HasSuffix(name, "_deliveries"), strings.HasSuffix(name, "_submissions"), strings.HasSuffix(name, "_overrides"),
		strings.HasSuffix(name, "_enrollments"):
		return g.tables[len(g.tables)-1]
	}
	return g.tables[0]
}

func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies"):
		return strings.TrimSuffix(name, "ies") + "y"
	case strings.HasSuffix(name, "ses"):
		return strings.TrimSuffix(name, "es")
	case strings.HasSuffix(name, "s"):
		return strings.TrimSuffix(name, "s")
	}
	return name
}

// newTable creates the next table with its foreign keys and indexes.
func (g *gen) newTable() *table {
	name := g.names[0]
	g.names = g.names[1:]
	t := &table{name: name}
	var cols []string
	add := func(col, def string) {
		t.cols = append(t.cols, col)
		cols = append(cols, fmt.Sprintf("\t%q %s", col, def))
	}
	add("id", "uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL")
	type fk struct {
		parent   *table
		col      string
		nullable bool
	}
	var fks []fk
	if p := g.parentOf(name); p != nil {
		col := singular(p.name) + "_id"
		add(col, "uuid NOT NULL")
		fks = append(fks, fk{p, col, false})
		if p != g.tables[0] && g.rng.IntN(2) == 0 {
			add("workspace_id", "uuid NOT NULL")
			fks = append(fks, fk{g.tables[0], "workspace_id", false})
		}
	}
	if len(g.tables) > 4 && g.rng.IntN(3) == 0 {
		other := g.tables[1+g.rng.IntN(len(g.tables)-1)]
		col := singular(other.name) + "_id"
		if !contains(t.cols, col) {
			add(col, "uuid")
			fks = append(fks, fk{other, col, true})
		}
	}
	add("name", "text NOT NULL")
	extra := []struct{ col, def string }{
		{"description", "text"},
		{"settings", "jsonb DEFAULT '{}'::jsonb NOT NULL"},
		{"position", "integer DEFAULT 0 NOT NULL"},
		{"external_ref", "varchar(255)"},
		{"is_archived", "boolean DEFAULT false NOT NULL"},
		{"amount_cents", "bigint DEFAULT 0 NOT NULL"},
		{"expires_at", "timestamp with time zone"},
		{"metadata", "jsonb"},
	}
	for _, k := range g.rng.Perm(len(extra))[:2+g.rng.IntN(4)] {
		add(extra[k].col, extra[k].def)
	}
	if len(g.enums) > 0 && g.rng.IntN(2) == 0 {
		e := g.enumNames()[g.rng.IntN(len(g.enums))]
		add("state", fmt.Sprintf("%q DEFAULT '%s' NOT NULL", e, g.enums[e][0]))
	}
	add("created_at", "timestamp with time zone DEFAULT now() NOT NULL")
	add("updated_at", "timestamp with time zone DEFAULT now() NOT NULL")
	unique := ""
	if g.rng.IntN(3) == 0 {
		unique = fmt.Sprintf(",\n\tCONSTRAINT %q UNIQUE(%q)", name+"_name_unique", "name")
	}
	g.stmt("CREATE TABLE %q (\n%s%s\n);\n", name, strings.Join(cols, ",\n"), unique)
	for _, f := range fks {
		action := "cascade"
		switch {
		case f.nullable:
			action = "set null"
		case g.rng.IntN(4) == 0:
			action = "restrict"
		}
		g.stmt(`ALTER TABLE %q ADD CONSTRAINT %q FOREIGN KEY (%q) REFERENCES "public".%q("id") ON DELETE %s ON UPDATE no action;`,
			name, name+"_"+f.col+"_fk", f.col, f.parent.name, action)
	}
	for _, f := range fks {
		g.stmt(`CREATE INDEX %q ON %q USING btree (%q);`, name+"_"+f.col+"_idx", name, f.col)
	}
	if g.rng.IntN(3) == 0 {
		g.stmt(`CREATE INDEX %q ON %q USING btree (%q DESC NULLS LAST);`, name+"_created_at_idx", name, "created_at")
	}
	g.tables = append(g.tables, t)
	g.byName[name] = t
	return t
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (g *gen) enumNames() []string {
	// Deterministic order: creation order.
	var out []string
	for _, e := range enumOrder {
		if _, ok := g.enums[e]; ok {
			out = append(out, e)
		}
	}
	return out
}

var enumOrder = []string{"member_role", "plan_tier", "campaign_status", "import_status", "webhook_event", "delivery_state", "experiment_phase", "sync_state"}

var enumValues = map[string][]string{
	"member_role":      {"owner", "admin", "editor", "viewer"},
	"plan_tier":        {"free", "starter", "pro"},
	"campaign_status":  {"draft", "scheduled", "sending", "sent", "cancelled"},
	"import_status":    {"pending", "running", "done", "failed"},
	"webhook_event":    {"send", "open", "click"},
	"delivery_state":   {"queued", "delivered", "failed"},
	"experiment_phase": {"draft", "running", "concluded"},
	"sync_state":       {"idle", "running", "errored"},
}

func (g *gen) newEnum() string {
	for _, e := range enumOrder {
		if _, ok := g.enums[e]; !ok {
			g.enums[e] = append([]string(nil), enumValues[e]...)
			quoted := make([]string, len(g.enums[e]))
			for i, v := range g.enums[e] {
				quoted[i] = "'" + v + "'"
			}
			g.stmt(`CREATE TYPE "public".%q AS ENUM(%s);`, e, strings.Join(quoted, ", "))
			return e
		}
	}
	return ""
}

func (g *gen) pick() *table { return g.tables[g.rng.IntN(len(g.tables))] }

// seed fills a table with rows so that later backfills have work to do;
// the tables it references get one row each first.
func (g *gen) seed(t *table, rows int) {
	var cols, vals []string
	for _, c := range t.cols {
		switch {
		case c == "name":
			cols, vals = append(cols, `"name"`), append(vals, `'row ' || g`)
		case strings.HasSuffix(c, "_id") && c != "id":
			parent := g.parentTable(c)
			if !g.seeded[parent] {
				g.seed(g.byName[parent], 1)
			}
			cols, vals = append(cols, fmt.Sprintf("%q", c)), append(vals, fmt.Sprintf(`(SELECT "id" FROM %q LIMIT 1)`, parent))
		}
	}
	g.stmt(`INSERT INTO %q (%s) SELECT %s FROM generate_series(1, %d) AS g;`, t.name, strings.Join(cols, ", "), strings.Join(vals, ", "), rows)
	g.seeded[t.name] = true
}

func (g *gen) parentTable(col string) string {
	base := strings.TrimSuffix(col, "_id")
	for _, t := range g.tables {
		if singular(t.name) == base {
			return t.name
		}
	}
	return g.tables[0].name
}

// step writes migration i and returns its name.
func (g *gen) step(i int) string {
	g.cur = &Migration{}
	if i == 0 {
		g.newEnum()
		g.newEnum()
		for range 6 {
			g.newTable()
		}
		return "initial_schema"
	}
	// Table creation is spread so that all 50 exist by the end: 44 more in
	// 74 migrations, interleaved with the other kinds of change.
	remaining := len(g.names)
	left := 75 - i
	switch {
	case i == 9 || i == 31 || i == 52:
		// A seed of lookup rows, then a later backfill reads them.
		t := g.tables[0]
		if i > 9 {
			t = g.tables[3+g.rng.IntN(len(g.tables)-3)]
		}
		if g.seeded[t.name] {
			t = g.tables[len(g.tables)-1]
		}
		g.seed(t, 500)
		return "seed_" + t.name
	case i%11 == 10:
		// Backfill: add a nullable column, fill it, make it NOT NULL.
		t := g.pick()
		if i%2 == 0 {
			for _, s := range g.tables {
				if g.seeded[s.name] && g.rng.IntN(2) == 0 {
					t = s
				}
			}
		}
		col := fmt.Sprintf("slug_v%d", i)
		g.stmt(`ALTER TABLE %q ADD COLUMN %q text;`, t.name, col)
		g.stmt(`UPDATE %q SET %q = lower(regexp_replace("name", '[^a-zA-Z0-9]+', '-', 'g')) WHERE %q IS NULL;`, t.name, col, col)
		g.stmt(`ALTER TABLE %q ALTER COLUMN %q SET NOT NULL;`, t.name, col)
		g.stmt(`CREATE INDEX %q ON %q USING btree (%q);`, t.name+"_"+col+"_idx", t.name, col)
		t.cols = append(t.cols, col)
		return "backfill_" + t.name + "_slug"
	case i%13 == 6 && len(g.enums) < len(enumOrder):
		e := g.newEnum()
		t := g.pick()
		col := e
		if !contains(t.cols, col) {
			g.stmt(`ALTER TABLE %q ADD COLUMN %q %q DEFAULT '%s' NOT NULL;`, t.name, col, e, g.enums[e][0])
			t.cols = append(t.cols, col)
		}
		return "add_" + e
	case i%17 == 8:
		// ALTER TYPE ... ADD VALUE; the value is never used in the same
		// transaction (PostgreSQL would refuse).
		e := g.enumNames()[g.rng.IntN(len(g.enums))]
		v := fmt.Sprintf("%s_%d", e[:3], i)
		g.enums[e] = append(g.enums[e], v)
		g.stmt(`ALTER TYPE "public".%q ADD VALUE '%s';`, e, v)
		return "extend_" + e
	case remaining > 0 && (remaining >= left || g.rng.IntN(left) < remaining+remaining/2):
		t := g.newTable()
		if remaining > 1 && g.rng.IntN(3) == 0 {
			g.newTable()
		}
		return "add_" + t.name
	}
	// Otherwise: column and index changes on existing tables.
	t := g.pick()
	switch g.rng.IntN(5) {
	case 0:
		col := fmt.Sprintf("notes_v%d", i)
		g.stmt(`ALTER TABLE %q ADD COLUMN %q text;`, t.name, col)
		g.stmt(`ALTER TABLE %q ADD COLUMN %q integer DEFAULT 0 NOT NULL;`, t.name, fmt.Sprintf("counter_v%d", i))
		t.cols = append(t.cols, col, fmt.Sprintf("counter_v%d", i))
		return "add_columns_" + t.name
	case 1:
		g.stmt(`CREATE INDEX %q ON %q USING btree (%q,%q);`, fmt.Sprintf("%s_name_created_%d_idx", t.name, i), t.name, "name", "created_at")
		return "index_" + t.name
	case 2:
		g.stmt(`ALTER TABLE %q ALTER COLUMN %q SET DEFAULT '';`, t.name, "name")
		g.stmt(`ALTER TABLE %q ADD COLUMN %q timestamp with time zone;`, t.name, fmt.Sprintf("deleted_at_v%d", i))
		g.stmt(`CREATE INDEX %q ON %q USING btree (%q) WHERE %q IS NULL;`, fmt.Sprintf("%s_live_%d_idx", t.name, i), t.name, "id", fmt.Sprintf("deleted_at_v%d", i))
		return "soft_delete_" + t.name
	case 3:
		col := fmt.Sprintf("legacy_v%d", i)
		g.stmt(`ALTER TABLE %q ADD COLUMN %q varchar(64);`, t.name, col)
		g.stmt(`ALTER TABLE %q RENAME COLUMN %q TO %q;`, t.name, col, col+"_old")
		g.stmt(`ALTER TABLE %q DROP COLUMN %q;`, t.name, col+"_old")
		return "cleanup_" + t.name
	}
	g.stmt(`CREATE UNIQUE INDEX %q ON %q USING btree (%q,%q);`, fmt.Sprintf("%s_id_name_%d_unique", t.name, i), t.name, "id", "name")
	g.stmt(`ALTER TABLE %q ADD CONSTRAINT %q CHECK (char_length(%q) <= 500);`, t.name, fmt.Sprintf("%s_name_len_%d_check", t.name, i), "name")
	return "constraints_" + t.name
}
