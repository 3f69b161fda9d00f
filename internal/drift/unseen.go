package drift

import (
	"context"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// Counts are objects of a database that Atlas's open-source PostgreSQL
// driver neither inspects nor compares, counted from the catalog. System
// schemas, the drizzle ledger schema and objects that belong to an
// extension are left out.
type Counts struct {
	Views             int `json:"views"`
	MaterializedViews int `json:"materializedViews"`
	Functions         int `json:"functions"` // functions, aggregates, window functions
	Procedures        int `json:"procedures"`
	Triggers          int `json:"triggers"`          // user triggers on tables and views
	Sequences         int `json:"sequences"`         // standalone: not owned by a column
	Extensions        int `json:"extensions"`        // other than plpgsql
	Policies          int `json:"policies"`          // row-level security policies
	Domains           int `json:"domains"`           //
	CompositeTypes    int `json:"compositeTypes"`    // CREATE TYPE ... AS (...)
	RLSTables         int `json:"rowSecurityTables"` // tables with row level security enabled
}

// Total is the number of objects counted.
func (c Counts) Total() int {
	return c.Views + c.MaterializedViews + c.Functions + c.Procedures + c.Triggers +
		c.Sequences + c.Extensions + c.Policies + c.Domains + c.CompositeTypes + c.RLSTables
}

// String says what was not compared, e.g. "not compared: 3 views, 1
// trigger"; it is empty when there is nothing.
func (c Counts) String() string {
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(c.Views, "view", "views")
	add(c.MaterializedViews, "materialized view", "materialized views")
	add(c.Functions, "function", "functions")
	add(c.Procedures, "procedure", "procedures")
	add(c.Triggers, "trigger", "triggers")
	add(c.Sequences, "standalone sequence", "standalone sequences")
	add(c.Extensions, "extension", "extensions")
	add(c.Policies, "policy", "policies")
	add(c.RLSTables, "table with row level security", "tables with row level security")
	add(c.Domains, "domain", "domains")
	add(c.CompositeTypes, "composite type", "composite types")
	if len(parts) == 0 {
		return ""
	}
	return "not compared: " + strings.Join(parts, ", ")
}

// unseenQuery counts in one round trip. $1 is the ledger schema. An object
// is an extension's when pg_depend links it to one with deptype 'e'.
const unseenQuery = `
WITH ns AS (
  SELECT oid FROM pg_catalog.pg_namespace
  WHERE nspname <> $1 AND nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'
),
ext AS (
  SELECT classid, objid FROM pg_catalog.pg_depend WHERE deptype = 'e'
)
SELECT
  (SELECT count(*) FROM pg_catalog.pg_class c
    WHERE c.relkind = 'v' AND c.relnamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::regclass AND ext.objid = c.oid)),
  (SELECT count(*) FROM pg_catalog.pg_class c
    WHERE c.relkind = 'm' AND c.relnamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::regclass AND ext.objid = c.oid)),
  (SELECT count(*) FROM pg_catalog.pg_proc p
    WHERE p.prokind IN ('f', 'a', 'w') AND p.pronamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::regclass AND ext.objid = p.oid)),
  (SELECT count(*) FROM pg_catalog.pg_proc p
    WHERE p.prokind = 'p' AND p.pronamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_proc'::regclass AND ext.objid = p.oid)),
  (SELECT count(*) FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal AND c.relnamespace IN (SELECT oid FROM ns)),
  (SELECT count(*) FROM pg_catalog.pg_class c
    WHERE c.relkind = 'S' AND c.relnamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_class'::regclass AND ext.objid = c.oid)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i'))),
  (SELECT count(*) FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql'),
  (SELECT count(*) FROM pg_catalog.pg_policy pol JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
    WHERE c.relnamespace IN (SELECT oid FROM ns)),
  (SELECT count(*) FROM pg_catalog.pg_type t
    WHERE t.typtype = 'd' AND t.typnamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_type'::regclass AND ext.objid = t.oid)),
  (SELECT count(*) FROM pg_catalog.pg_type t JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
    WHERE t.typtype = 'c' AND c.relkind = 'c' AND t.typnamespace IN (SELECT oid FROM ns)
      AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_catalog.pg_type'::regclass AND ext.objid = t.oid)),
  (SELECT count(*) FROM pg_catalog.pg_class c
    WHERE c.relkind IN ('r', 'p') AND c.relrowsecurity AND c.relnamespace IN (SELECT oid FROM ns))`

// Unseen counts from the catalog what Atlas does not compare (see Counts),
// on c's session (inside Conn.InSnapshot it sees the inspection's moment).
// It only reads.
func Unseen(ctx context.Context, c *schemastate.Conn) (Counts, error) {
	var n Counts
	err := c.QueryRow(ctx, unseenQuery, schemastate.LedgerSchema).Scan(n.targets()...)
	if err != nil {
		return Counts{}, fmt.Errorf("drift: count objects atlas does not compare: %w", err)
	}
	return n, nil
}

func (c *Counts) targets() []any {
	return []any{&c.Views, &c.MaterializedViews, &c.Functions, &c.Procedures, &c.Triggers,
		&c.Sequences, &c.Extensions, &c.Policies, &c.Domains, &c.CompositeTypes, &c.RLSTables}
}
