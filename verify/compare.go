package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Missing is an object a snapshot names that the database lacks.
type Missing struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`            // schema.table for tables, schema.name for enums, the bare name otherwise
	Table string `json:"table,omitempty"` // schema.table of a column, index or constraint
	// Detail says more for a changed column ("want integer, have text").
	Detail string `json:"detail,omitempty"`
	// Migration is the tag whose snapshot first holds the object: the
	// migration that created it, or (when earlier snapshots are missing)
	// the first one known to expect it.
	Migration string `json:"migration"`
}

// Remedy is what to do about missing objects, as data: the ledger records
// their migrations, so applying migrations again cannot restore them.
const Remedy = "compare the database with a replay of its migrations for the proof (drift); " +
	"re-applying migrations cannot restore these objects because their ledger rows are recorded: " +
	"restore them from a backup or add a migration that recreates them"

// Row markers of CatalogSQL: the first column of each row. They are below
// -2000 so they never collide with the ledger read's own markers.
const (
	markerTable  = -2001
	markerColumn = -2002
	markerIndex  = -2003
	markerCons   = -2004
	markerEnum   = -2005
	markerLabel  = -2006
	// MarkerMax is the largest marker CatalogSQL uses; every marker is in
	// [MarkerMin, MarkerMax].
	MarkerMax = -2001
	MarkerMin = -2006
)

// CatalogSQL asks the catalog what exists among the given tables and enum
// types, in five text columns (marker, name, detail, detail, detail): the
// shape of the ledger read, so it can ride the same statement. %[1]d and
// %[2]d are the numbers of its bind parameters: text[] of quoted table names
// and text[] of quoted enum type names (Expected.Names). Each lookup goes
// through a catalog index (regclass/regtype, then attrelid, indrelid,
// conrelid, enumtypid), so the cost is in the expected names, not the size
// of the database.
const CatalogSQL = `(with t as (select u.n, pg_catalog.to_regclass(u.n) as oid from unnest($%[1]d::text[]) as u(n)),
e as (select u.n, pg_catalog.to_regtype(u.n) as oid from unnest($%[2]d::text[]) as u(n))
select '-2001'::text, t.n, null::text, null::text, null::text from t where t.oid is not null
union all select '-2002', t.n, a.attname::text, a.attnotnull::text, pg_catalog.format_type(a.atttypid, a.atttypmod)
  from t join pg_catalog.pg_attribute a on a.attrelid = t.oid where a.attnum > 0 and not a.attisdropped
union all select '-2003', t.n, c.relname::text, null, null
  from t join pg_catalog.pg_index x on x.indrelid = t.oid join pg_catalog.pg_class c on c.oid = x.indexrelid
union all select '-2004', t.n, k.conname::text, k.contype::text, null from t join pg_catalog.pg_constraint k on k.conrelid = t.oid
union all select '-2005', e.n, null, null, null from e where e.oid is not null
union all select '-2006', e.n, l.enumlabel::text, null, null from e join pg_catalog.pg_enum l on l.enumtypid = e.oid)`

// Names returns the bind arguments of CatalogSQL for these snapshots:
// quoted table names and quoted enum type names, each once.
func Names(es ...*Expected) (tables, enums []string) {
	tables, enums = []string{}, []string{}
	for _, e := range es {
		if e == nil {
			continue
		}
		for _, t := range e.Tables {
			tables = append(tables, ident(t.Schema, t.Name))
		}
		for _, en := range e.Enums {
			enums = append(enums, ident(en.Schema, en.Name))
		}
	}
	slices.Sort(tables)
	slices.Sort(enums)
	return slices.Compact(tables), slices.Compact(enums)
}

func ident(schema, name string) string { return pgx.Identifier{schema, name}.Sanitize() }

// Live is what the catalog said about the names asked for.
type Live struct {
	asked  map[string]bool // quoted names of tables and enums asked about
	tables map[string]*liveTable
	enums  map[string]map[string]bool
}

type liveTable struct {
	cols    map[string]liveColumn
	indexes map[string]bool
	cons    map[string]string // name → contype
}

type liveColumn struct {
	notNull bool
	typ     string
}

// NewLive starts a Live for the names passed to CatalogSQL.
func NewLive(tables, enums []string) *Live {
	l := &Live{asked: map[string]bool{}, tables: map[string]*liveTable{}, enums: map[string]map[string]bool{}}
	for _, n := range tables {
		l.asked["t"+n] = true
	}
	for _, n := range enums {
		l.asked["e"+n] = true
	}
	return l
}

// Add records one row of CatalogSQL: marker and the four other columns
// (nil for NULL).
func (l *Live) Add(marker int, name, a, b, c *string) error {
	if name == nil {
		return fmt.Errorf("verify: catalog row %d without a name", marker)
	}
	switch marker {
	case markerTable:
		l.table(*name)
	case markerColumn:
		if a == nil || b == nil || c == nil {
			return fmt.Errorf("verify: catalog column row of %s incomplete", *name)
		}
		l.table(*name).cols[*a] = liveColumn{notNull: *b == "true", typ: *c}
	case markerIndex:
		if a != nil {
			l.table(*name).indexes[*a] = true
		}
	case markerCons:
		if a != nil && b != nil {
			l.table(*name).cons[*a] = *b
		}
	case markerEnum:
		if l.enums[*name] == nil {
			l.enums[*name] = map[string]bool{}
		}
	case markerLabel:
		if l.enums[*name] == nil {
			l.enums[*name] = map[string]bool{}
		}
		if a != nil {
			l.enums[*name][*a] = true
		}
	default:
		return fmt.Errorf("verify: unknown catalog row marker %d", marker)
	}
	return nil
}

// AddRaw is Add for a row whose marker is text.
func (l *Live) AddRaw(marker string, name, a, b, c *string) error {
	m, err := strconv.Atoi(marker)
	if err != nil {
		return fmt.Errorf("verify: catalog row marker %q: %w", marker, err)
	}
	return l.Add(m, name, a, b, c)
}

func (l *Live) table(n string) *liveTable {
	t := l.tables[n]
	if t == nil {
		t = &liveTable{cols: map[string]liveColumn{}, indexes: map[string]bool{}, cons: map[string]string{}}
		l.tables[n] = t
	}
	return t
}

// Covers reports whether the catalog was asked about every table and enum
// of e, so Compare's answer is conclusive.
func (l *Live) Covers(e *Expected) bool {
	for _, t := range e.Tables {
		if !l.asked["t"+ident(t.Schema, t.Name)] {
			return false
		}
	}
	for _, en := range e.Enums {
		if !l.asked["e"+ident(en.Schema, en.Name)] {
			return false
		}
	}
	return true
}

var contype = map[string]string{KindPrimaryKey: "p", KindUnique: "u", KindForeignKey: "f", KindCheck: "c"}

// Compare lists the objects of e that live lacks, in e's order. A missing
// table is one entry (its columns and constraints are not listed again);
// so is a missing enum. Migration is left empty (see Attribute).
func Compare(e *Expected, live *Live) []Missing {
	out := []Missing{}
	for _, t := range e.Tables {
		qn := t.Schema + "." + t.Name
		lt := live.tables[ident(t.Schema, t.Name)]
		if lt == nil {
			out = append(out, Missing{Kind: KindTable, Name: qn})
			continue
		}
		for _, c := range t.Columns {
			lc, ok := lt.cols[c.Name]
			switch {
			case !ok:
				out = append(out, Missing{Kind: KindColumn, Name: c.Name, Table: qn})
			case c.NotNull && !lc.notNull:
				out = append(out, Missing{Kind: KindNotNull, Name: c.Name, Table: qn, Detail: "NOT NULL is missing"})
			case c.Type != "" && c.Type != lc.typ:
				out = append(out, Missing{Kind: KindColumnType, Name: c.Name, Table: qn, Detail: "want " + c.Type + ", have " + lc.typ})
			}
		}
		for _, ix := range t.Indexes {
			if !lt.indexes[ix] {
				out = append(out, Missing{Kind: KindIndex, Name: ix, Table: qn})
			}
		}
		if t.PrimaryKey && !slices.Contains(mapValues(lt.cons), "p") {
			out = append(out, Missing{Kind: KindPrimaryKey, Name: t.Name + "_pkey", Table: qn})
		}
		for _, c := range t.Constraints {
			want := contype[c.Kind]
			if lt.cons[c.Name] == want || (c.Alt != "" && lt.cons[c.Alt] == want) {
				continue
			}
			m := Missing{Kind: c.Kind, Name: c.Name, Table: qn}
			if c.Alt != "" {
				m.Detail = "or " + c.Alt + ", as PostgreSQL names it when it chooses the name"
			}
			out = append(out, m)
		}
	}
	for _, en := range e.Enums {
		qn := en.Schema + "." + en.Name
		labels, ok := live.enums[ident(en.Schema, en.Name)]
		if !ok {
			out = append(out, Missing{Kind: KindEnum, Name: qn})
			continue
		}
		for _, v := range en.Labels {
			if !labels[v] {
				out = append(out, Missing{Kind: KindEnumLabel, Name: v, Table: qn})
			}
		}
	}
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// has reports whether e holds the object m names.
func (e *Expected) has(m Missing) bool {
	for _, en := range e.Enums {
		qn := en.Schema + "." + en.Name
		switch {
		case m.Kind == KindEnum && m.Name == qn:
			return true
		case m.Kind == KindEnumLabel && m.Table == qn:
			return slices.Contains(en.Labels, m.Name)
		}
	}
	for _, t := range e.Tables {
		qn := t.Schema + "." + t.Name
		if m.Kind == KindTable && m.Name == qn {
			return true
		}
		if m.Table != qn {
			continue
		}
		switch m.Kind {
		case KindColumn, KindNotNull, KindColumnType:
			for _, c := range t.Columns {
				if c.Name == m.Name {
					return m.Kind == KindColumn || (m.Kind == KindNotNull && c.NotNull) ||
						(m.Kind == KindColumnType && strings.HasPrefix(m.Detail, "want "+c.Type+","))
				}
			}
		case KindIndex:
			return slices.Contains(t.Indexes, m.Name)
		case KindPrimaryKey:
			return t.PrimaryKey || t.hasConstraint(m.Kind, m.Name)
		default:
			return t.hasConstraint(m.Kind, m.Name)
		}
	}
	return false
}

// hasConstraint reports whether t holds a constraint of that kind and
// name (or alternative name).
func (t *Table) hasConstraint(kind, name string) bool {
	return slices.ContainsFunc(t.Constraints, func(c Constraint) bool {
		return c.Kind == kind && (c.Name == name || (c.Alt != "" && c.Alt == name))
	})
}

// Attribute fills in Migration: the first migration among tags[0..upTo]
// whose snapshot holds the object. It reads older snapshots only when
// something is missing. Objects no readable snapshot holds keep fallback.
func (f Folder) Attribute(tags []string, upTo int, missing []Missing, fallback string) {
	left := len(missing)
	for i := 0; i <= upTo && i < len(tags) && left > 0; i++ {
		e, err := f.Load(tags[i])
		if err != nil {
			continue
		}
		for k := range missing {
			if missing[k].Migration == "" && e.has(missing[k]) {
				missing[k].Migration = tags[i]
				left--
			}
		}
	}
	for k := range missing {
		if missing[k].Migration == "" {
			missing[k].Migration = fallback
		}
	}
}
