package drift

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// Tracker lists the Objects of a database that changes step by step (a
// replay), re-inspecting with Atlas only the tables whose catalog definition
// changed since the previous call. A full inspection costs time in
// proportion to the whole schema; after every migration of a long history
// that adds up to quadratic time. What changed is found with one catalog
// query that compares row versions (xmin) instead of deparsing definitions,
// so its cost stays small as the schema grows (see catalogQuery).
//
// A change of the set of schemas, of a schema comment or of any enum type,
// or a change (not a creation) of a user type, function, sequence or
// collation, makes the Tracker inspect everything again (enums are
// schema-level and columns refer to them; defaults and checks refer to
// functions and sequences by name).
//
// A Tracker owns its Conn's session (it sets search_path to ” so that
// every name comes back qualified) and is not safe for concurrent use.
type Tracker struct {
	c       *schemastate.Conn
	started bool
	xid     string                        // next xid when the catalog was last read
	schemas map[string]string             // schema -> comment
	enums   map[string]string             // "schema\x00type" -> labels
	tables  map[string]tableState         // table oid -> name and counts
	fks     map[string]fkState            // foreign key oid -> referenced table and columns
	others  map[string]bool               // oids of user types, functions, sequences, collations
	objs    map[tableRef][]Object         // table -> its objects (no schema-level ones)
	top     []Object                      // schema-level objects: schemas, enums, enum values
	enumTyp map[tableRef]*schema.EnumType // enum types of the last full inspection

	// FullInspections and TableInspections count the Atlas inspections the
	// Tracker made (a table inspection is one InspectSchema call).
	FullInspections, TableInspections int
}

type tableRef struct{ schema, name string }

// NewTracker returns a Tracker on c's session.
func NewTracker(ctx context.Context, c *schemastate.Conn) (*Tracker, error) {
	if err := c.Exec(ctx, "SELECT pg_catalog.set_config('search_path', '', false)"); err != nil {
		return nil, fmt.Errorf("drift: tracker: %w", err)
	}
	return &Tracker{c: c, fks: map[string]fkState{}, others: map[string]bool{}}, nil
}

// catalogQuery finds, in one round trip and without deparsing anything,
// what changed in the catalog since the previous call. It relies on MVCC:
// every catalog row a migration inserts or updates carries the migration's
// transaction id as xmin, so "xmin is at least the xid that was next when
// the catalog was last read" ($2, compared with age() so that wraparound
// does not matter) finds every new or changed row; rows that were only
// deleted are found by per-table counts. Parameters: $1 the ledger schema,
// $2 that xid (text), $3 true to report everything (first call).
//
// Rows (kind, a, b, c, d):
//
//	s schema          comment
//	e schema  type    labels (in order)
//	t oid     schema  table   counts of indexes, constraints and comments
//	c oid                     a table with a new or changed catalog row:
//	                          itself, a column, a default, an index (or its
//	                          relation), a constraint, a comment on any of
//	                          those, its partition key, an identity sequence
//	f conoid  conrelid        referenced table and columns of a foreign key
//	                          that is new or whose referenced table changed
//	o oid                     a new or changed type, function, sequence,
//	                          composite type or collation of a user schema
//	x xid                     the next xid, for the next call
const catalogQuery = `
WITH ns AS (
  SELECT oid, nspname FROM pg_catalog.pg_namespace
  WHERE nspname <> $1 AND nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'
),
tbl AS (
  SELECT c.oid, ns.nspname, c.relname, c.xmin FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.oid >= 16384
),
idx AS (
  SELECT i.indexrelid, i.indrelid, i.xmin AS x1, ic.xmin AS x2
  FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  WHERE i.indexrelid >= 16384
),
con AS (
  SELECT co.oid, co.conrelid, co.confrelid, co.confkey, co.contype, co.xmin
  FROM pg_catalog.pg_constraint co WHERE co.oid >= 16384 AND co.conrelid <> 0
),
dsc AS (
  SELECT coalesce(t.oid, i.indrelid, co.conrelid) AS rel, ds.xmin
  FROM pg_catalog.pg_description ds
  LEFT JOIN tbl t ON ds.classoid = 'pg_catalog.pg_class'::regclass AND t.oid = ds.objoid
  LEFT JOIN idx i ON ds.classoid = 'pg_catalog.pg_class'::regclass AND i.indexrelid = ds.objoid
  LEFT JOIN con co ON ds.classoid = 'pg_catalog.pg_constraint'::regclass AND co.oid = ds.objoid
  WHERE ds.objoid >= 16384
),
touched(rel) AS (
  SELECT oid FROM tbl WHERE $3 OR age(xmin) <= age($2::text::xid)
  UNION SELECT a.attrelid FROM pg_catalog.pg_attribute a WHERE a.attrelid >= 16384 AND ($3 OR age(a.xmin) <= age($2::text::xid))
),
changed(rel) AS (
  SELECT rel FROM touched
  UNION SELECT d.adrelid FROM pg_catalog.pg_attrdef d WHERE d.oid >= 16384 AND ($3 OR age(d.xmin) <= age($2::text::xid))
  UNION SELECT indrelid FROM idx WHERE $3 OR age(x1) <= age($2::text::xid) OR age(x2) <= age($2::text::xid)
  UNION SELECT conrelid FROM con WHERE $3 OR age(xmin) <= age($2::text::xid)
  UNION SELECT rel FROM dsc WHERE rel IS NOT NULL AND ($3 OR age(xmin) <= age($2::text::xid))
  UNION SELECT p.partrelid FROM pg_catalog.pg_partitioned_table p WHERE $3 OR age(p.xmin) <= age($2::text::xid)
  UNION SELECT dp.refobjid FROM pg_catalog.pg_sequence s JOIN pg_catalog.pg_depend dp ON dp.objid = s.seqrelid
    AND dp.classid = 'pg_catalog.pg_class'::regclass AND dp.refclassid = 'pg_catalog.pg_class'::regclass AND dp.deptype = 'i'
    WHERE s.seqrelid >= 16384 AND ($3 OR age(s.xmin) <= age($2::text::xid))
)
SELECT 's', ns.nspname, '', coalesce(pg_catalog.obj_description(ns.oid, 'pg_namespace'), ''), '' FROM ns
UNION ALL
SELECT 'e', ns.nspname, t.typname,
  coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), ''), ''
FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'e'
UNION ALL
SELECT 't', tbl.oid::text, tbl.nspname, tbl.relname, concat_ws(' ', ni.n, nc.n, nd.n)
FROM tbl
LEFT JOIN (SELECT indrelid, count(*) AS n FROM idx GROUP BY indrelid) ni ON ni.indrelid = tbl.oid
LEFT JOIN (SELECT conrelid, count(*) AS n FROM con GROUP BY conrelid) nc ON nc.conrelid = tbl.oid
LEFT JOIN (SELECT rel, count(*) AS n FROM dsc GROUP BY rel) nd ON nd.rel = tbl.oid
UNION ALL
SELECT 'c', rel::text, '', '', '' FROM changed
UNION ALL
SELECT 'f', co.oid::text, co.conrelid::text, co.confrelid::regclass::text || ' ' ||
  coalesce((SELECT string_agg(pg_catalog.quote_ident(ra.attname), ',' ORDER BY k.n)
   FROM unnest(co.confkey) WITH ORDINALITY k(num, n)
   JOIN pg_catalog.pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = k.num), ''), ''
FROM con co WHERE co.contype = 'f' AND ($3 OR co.confrelid IN (SELECT rel FROM touched) OR age(co.xmin) <= age($2::text::xid))
UNION ALL
SELECT 'o', oid::text, '', '', '' FROM (
  SELECT t.oid, t.xmin FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.oid >= 16384 AND t.typtype <> 'e' AND t.typcategory <> 'A'
    AND (t.typrelid = 0 OR EXISTS (SELECT FROM pg_catalog.pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c'))
  UNION ALL SELECT p.oid, p.xmin FROM pg_catalog.pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.oid >= 16384
  UNION ALL SELECT c.oid, c.xmin FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.oid >= 16384 AND c.relkind IN ('S', 'c')
  UNION ALL SELECT l.oid, l.xmin FROM pg_catalog.pg_collation l JOIN ns ON ns.oid = l.collnamespace WHERE l.oid >= 16384
) o WHERE $3 OR age(o.xmin) <= age($2::text::xid)
UNION ALL
SELECT 'x', (pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::numeric % 4294967296)::text, '', '', ''`

type catalog struct {
	schemas map[string]string
	enums   map[string]string
	tables  map[string]tableState // by oid
	changed map[string]bool       // table oids
	fks     map[string]fkState    // by constraint oid
	others  []string
	xid     string
}

type tableState struct {
	ref    tableRef
	counts string
}

type fkState struct{ table, target string }

func (t *Tracker) readCatalog(ctx context.Context) (catalog, error) {
	cat := catalog{schemas: map[string]string{}, enums: map[string]string{}, tables: map[string]tableState{},
		changed: map[string]bool{}, fks: map[string]fkState{}}
	all := !t.started
	xid := t.xid
	if all {
		xid = "0"
	}
	rows, err := t.c.Query(ctx, catalogQuery, schemastate.LedgerSchema, xid, all)
	if err != nil {
		return cat, fmt.Errorf("drift: tracker: read catalog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, a, b, c, d string
		if err := rows.Scan(&kind, &a, &b, &c, &d); err != nil {
			return cat, fmt.Errorf("drift: tracker: read catalog: %w", err)
		}
		switch kind {
		case "s":
			cat.schemas[a] = c
		case "e":
			cat.enums[a+"\x00"+b] = c
		case "t":
			cat.tables[a] = tableState{ref: tableRef{b, c}, counts: d}
		case "c":
			cat.changed[a] = true
		case "f":
			cat.fks[a] = fkState{table: b, target: c}
		case "o":
			cat.others = append(cat.others, a)
		case "x":
			cat.xid = a
		}
	}
	if err := rows.Err(); err != nil {
		return cat, fmt.Errorf("drift: tracker: read catalog: %w", err)
	}
	if cat.xid == "" {
		return cat, fmt.Errorf("drift: tracker: read catalog: no transaction id")
	}
	return cat, nil
}

// Objects returns the Objects of the database now, sorted by Key, as
// Objects(Inspect()) would. The database must change only between calls
// (a replay commits each migration before calling): a transaction still
// open on it during a call would be missed by the next one.
func (t *Tracker) Objects(ctx context.Context) ([]Object, error) {
	cat, err := t.readCatalog(ctx)
	if err != nil {
		return nil, err
	}
	full := !t.started || !sameMap(cat.schemas, t.schemas) || !sameMap(cat.enums, t.enums)
	for _, oid := range cat.others {
		if t.others[oid] {
			full = true // an existing type, function, sequence or collation changed
		}
		t.others[oid] = true
	}
	changed := map[tableRef]bool{}
	for oid, ts := range cat.tables {
		if old, ok := t.tables[oid]; !ok || old != ts || cat.changed[oid] {
			changed[ts.ref] = true
		}
	}
	for oid, fk := range cat.fks {
		if old, ok := t.fks[oid]; !ok || old != fk {
			if ts, ok := cat.tables[fk.table]; ok {
				changed[ts.ref] = true
			}
		}
		t.fks[oid] = fk
	}
	if full {
		if err := t.full(ctx); err != nil {
			return nil, err
		}
	} else if err := t.partial(ctx, cat.tables, changed); err != nil {
		return nil, err
	}
	t.started = true
	t.xid, t.schemas, t.enums, t.tables = cat.xid, cat.schemas, cat.enums, cat.tables
	return t.assemble(), nil
}

func (t *Tracker) full(ctx context.Context) error {
	r, err := t.c.Inspect(ctx)
	if err != nil {
		return err
	}
	t.FullInspections++
	t.objs = map[tableRef][]Object{}
	t.top = nil
	t.enumTyp = map[tableRef]*schema.EnumType{}
	for _, s := range r.Schemas {
		for _, o := range s.Objects {
			if e, ok := o.(*schema.EnumType); ok {
				t.enumTyp[tableRef{s.Name, e.T}] = e
			}
		}
	}
	for _, s := range r.Schemas {
		bare := &schema.Schema{Name: s.Name, Attrs: s.Attrs, Objects: s.Objects}
		t.top = append(t.top, Objects(schema.NewRealm(bare))...)
		for _, tb := range s.Tables {
			t.objs[tableRef{s.Name, tb.Name}] = tableObjects(s.Name, tb)
		}
	}
	return nil
}

func (t *Tracker) partial(ctx context.Context, now map[string]tableState, changedRefs map[tableRef]bool) error {
	exists := make(map[tableRef]bool, len(now))
	for _, ts := range now {
		exists[ts.ref] = true
	}
	for ref := range t.objs {
		if !exists[ref] {
			delete(t.objs, ref)
		}
	}
	changed := map[string][]string{} // schema -> tables
	for ref := range changedRefs {
		changed[ref.schema] = append(changed[ref.schema], ref.name)
	}
	names := make([]string, 0, len(changed))
	for ns := range changed {
		names = append(names, ns)
	}
	sort.Strings(names)
	for _, ns := range names {
		tables := changed[ns]
		sort.Strings(tables)
		s, err := t.c.Driver().InspectSchema(ctx, ns, &schema.InspectOptions{Tables: tables})
		if err != nil {
			return fmt.Errorf("drift: tracker: inspect %s: %w", ns, err)
		}
		t.TableInspections++
		for _, name := range tables {
			delete(t.objs, tableRef{ns, name}) // Atlas may not list it (partition child)
		}
		for _, tb := range s.Tables {
			t.linkEnums(ns, tb)
			t.objs[tableRef{ns, tb.Name}] = tableObjects(ns, tb)
		}
	}
	return nil
}

// linkEnums gives the columns of tb whose type is an enum of another schema
// the enum type itself, as a full inspection does: InspectSchema only
// resolves the enums of the schema it inspects. Enums do not change between
// full inspections (a change of any enum makes the Tracker inspect all).
func (t *Tracker) linkEnums(ns string, tb *schema.Table) {
	lookup := func(u *postgres.UserDefinedType) *schema.EnumType {
		m := reFmtType.FindStringSubmatch(u.T)
		if m == nil {
			return nil
		}
		tns, name := unquoteFmt(m[1]), unquoteFmt(m[2])
		if tns != "" {
			return t.enumTyp[tableRef{tns, name}]
		}
		// Unqualified (on the search path): public first, as Atlas does.
		if e := t.enumTyp[tableRef{"public", name}]; e != nil {
			return e
		}
		return t.enumTyp[tableRef{ns, name}]
	}
	for _, c := range tb.Columns {
		if c.Type == nil {
			continue
		}
		switch tt := c.Type.Type.(type) {
		case *postgres.ArrayType:
			if u, ok := tt.Type.(*postgres.UserDefinedType); ok {
				if e := lookup(u); e != nil {
					tt.Type = e
				}
			}
		case *postgres.UserDefinedType:
			if e := lookup(tt); e != nil {
				c.Type.Raw = tt.T
				c.Type.Type = e
			}
		}
	}
}

// reFmtType splits a format_type() result into schema and name, as Atlas's
// PostgreSQL inspector does.
var reFmtType = regexp.MustCompile(`^(?:(".+"|\w+)\.)?(".+"|\w+)$`)

func unquoteFmt(s string) string {
	s = strings.ReplaceAll(s, `""`, `"`)
	if len(s) > 1 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// tableObjects lists the objects of one table, without the schema's own.
func tableObjects(ns string, tb *schema.Table) []Object {
	r := schema.NewRealm(&schema.Schema{Name: ns})
	r.Schemas[0].Tables = []*schema.Table{tb}
	all := Objects(r)
	out := all[:0]
	for _, o := range all {
		if o.Kind != KindSchema {
			out = append(out, o)
		}
	}
	return out
}

func (t *Tracker) assemble() []Object {
	n := len(t.top)
	for _, os := range t.objs {
		n += len(os)
	}
	out := make([]Object, 0, n)
	out = append(out, t.top...)
	for _, os := range t.objs {
		out = append(out, os...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
