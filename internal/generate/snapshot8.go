package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math/big"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hogsend/hogsend-db/journal"
)

// A drizzle-kit 1.0 snapshot (version 8) is a flat "ddl" list of entities,
// each with an "entityType". generate builds the version-7 snapshot it has
// always written (faithful to drizzle-kit 0.x), converts it as drizzle-kit
// 1.0's `up` converts a 0.x snapshot, and then keeps the previous
// snapshot's own entity for every object that did not change, so what
// drizzle-kit 1.0 wrote (a CHECK rendered from TypeScript, say) stays.

// prevSnapshot8 is the newest snapshot.json of a 1.0 folder's migrations.
type prevSnapshot8 struct {
	File string
	ID   string
	DDL  []map[string]any
	// Newest: it is the newest migration's own. Otherwise migrations
	// written without drizzle-kit came after it, and its entities may no
	// longer describe the objects they name.
	Newest bool
}

// readPrevSnapshot8 reads the newest snapshot.json among ms (in folder
// order), as drizzle-kit 1.0 chains a new migration to it, skipping the
// folders without one; none: nil.
func readPrevSnapshot8(src fs.FS, ms []*journal.Migration) (*prevSnapshot8, error) {
	if src == nil {
		return nil, nil
	}
	for k := len(ms) - 1; k >= 0; k-- {
		prev, err := readSnapshot8(src, ms[k].Name)
		if err != nil || prev != nil {
			if prev != nil {
				prev.Newest = k == len(ms)-1
			}
			return prev, err
		}
	}
	return nil, nil
}

// readSnapshot8 reads the snapshot.json of the migration folder name;
// none: nil.
func readSnapshot8(src fs.FS, name string) (*prevSnapshot8, error) {
	file := path.Join(name, journal.SnapshotFile)
	b, err := fs.ReadFile(src, file)
	if err != nil {
		return nil, nil // written without drizzle-kit: no snapshot to chain to
	}
	var doc struct {
		ID      string           `json:"id"`
		Version string           `json:"version"`
		DDL     []map[string]any `json:"ddl"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("generate: %s: %w: %v", file, ErrBadSnapshot, err)
	}
	if doc.ID == "" || doc.Version != "8" {
		return nil, fmt.Errorf("generate: %s: %w: want a version-8 snapshot with an id", file, ErrBadSnapshot)
	}
	return &prevSnapshot8{File: file, ID: doc.ID, DDL: doc.DDL}, nil
}

// The version-7 shapes that the conversion reads.
type (
	v7Doc struct {
		Tables  map[string]v7Table `json:"tables"`
		Enums   map[string]v7Enum  `json:"enums"`
		Schemas map[string]string  `json:"schemas"`
	}
	v7Enum struct {
		Name, Schema string
		Values       []string
	}
	v7Table struct {
		Name                 string                     `json:"name"`
		Schema               string                     `json:"schema"`
		Columns              map[string]v7Column        `json:"columns"`
		Indexes              map[string]v7Index         `json:"indexes"`
		ForeignKeys          map[string]v7FK            `json:"foreignKeys"`
		CompositePrimaryKeys map[string]v7Cols          `json:"compositePrimaryKeys"`
		UniqueConstraints    map[string]v7Cols          `json:"uniqueConstraints"`
		CheckConstraints     map[string]v7Check         `json:"checkConstraints"`
		IsRLSEnabled         bool                       `json:"isRLSEnabled"`
		Policies             map[string]json.RawMessage `json:"policies"`
	}
	v7Column struct {
		Name       string          `json:"name"`
		Type       string          `json:"type"`
		TypeSchema *string         `json:"typeSchema"`
		PrimaryKey bool            `json:"primaryKey"`
		NotNull    bool            `json:"notNull"`
		Default    json.RawMessage `json:"default"`
		Generated  map[string]any  `json:"generated"`
		Identity   *struct {
			Name, Type                               string
			StartWith, MinValue, MaxValue, Increment *string
			Cache                                    json.Number
			Cycle                                    *bool
		} `json:"identity"`
	}
	v7Index struct {
		Name    string `json:"name"`
		Columns []struct {
			Expression   string `json:"expression"`
			IsExpression bool   `json:"isExpression"`
			Asc          bool   `json:"asc"`
			Nulls        string `json:"nulls"`
			Opclass      string `json:"opclass"`
		} `json:"columns"`
		IsUnique     bool           `json:"isUnique"`
		Where        *string        `json:"where"`
		Concurrently bool           `json:"concurrently"`
		Method       string         `json:"method"`
		With         map[string]any `json:"with"`
	}
	v7FK struct {
		Name        string   `json:"name"`
		TableFrom   string   `json:"tableFrom"`
		TableTo     string   `json:"tableTo"`
		SchemaTo    string   `json:"schemaTo"`
		ColumnsFrom []string `json:"columnsFrom"`
		ColumnsTo   []string `json:"columnsTo"`
		OnDelete    string   `json:"onDelete"`
		OnUpdate    string   `json:"onUpdate"`
	}
	v7Cols struct {
		Name             string   `json:"name"`
		Columns          []string `json:"columns"`
		NullsNotDistinct bool     `json:"nullsNotDistinct"`
	}
	v7Check struct {
		Name, Value string
	}
)

// defaultSuffix is drizzle-kit 1.0's trimDefaultValueSuffix: casts at the
// end of a default are not part of its snapshot value.
var defaultSuffix = regexp.MustCompile(`(?i)(::["\w.\s-]+(?:\([^)]*\))?(?:\swith(?:out)?\stime\szone)?(?:\[\])?)+$`)

var dimensionRE = regexp.MustCompile(`\[[^\]]*\]`)

func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// convertToV8 turns a version-7 snapshot into the entities of a version-8
// one, as drizzle-kit 1.0's up does (its upToV8), except nameExplicit: up
// takes only drizzle-kit 0.x's default names for implicit, while these
// entities describe the desired schema of a new migration, whose unnamed
// constraints carry drizzle 1.0's defaults. So a name is implicit when it
// is either (see implicitNames).
func convertToV8(v7 []byte) ([]map[string]any, error) {
	var doc v7Doc
	dec := json.NewDecoder(bytes.NewReader(v7))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("generate: version-8 snapshot: %w", err)
	}
	var out []map[string]any
	add := func(kind string, e map[string]any) { e["entityType"] = kind; out = append(out, e) }
	for _, k := range slices.Sorted(maps.Keys(doc.Schemas)) {
		add("schemas", map[string]any{"name": doc.Schemas[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(doc.Enums)) {
		e := doc.Enums[k]
		add("enums", map[string]any{"schema": e.Schema, "name": e.Name, "values": e.Values})
	}
	for _, k := range slices.Sorted(maps.Keys(doc.Tables)) {
		t := doc.Tables[k]
		schema := t.Schema
		if schema == "" {
			schema = "public"
		}
		add("tables", map[string]any{"schema": schema, "name": t.Name, "isRlsEnabled": t.IsRLSEnabled || len(t.Policies) > 0})
		for _, ck := range slices.Sorted(maps.Keys(t.Columns)) {
			c := t.Columns[ck]
			if c.PrimaryKey {
				add("pks", map[string]any{"schema": schema, "table": t.Name, "columns": []string{c.Name}, "name": t.Name + "_pkey", "nameExplicit": false})
			}
			base := dimensionRE.ReplaceAllString(c.Type, "")
			dims := len(dimensionRE.FindAllString(c.Type, -1))
			if strings.HasPrefix(base, "numeric(") {
				base = strings.Replace(base, ", ", ",", 1)
			}
			var identity any
			if id := c.Identity; id != nil {
				var cache any
				if n, err := id.Cache.Int64(); err == nil && n != 0 {
					cache = n
				} else if f, err := id.Cache.Float64(); err == nil && f != 0 {
					cache = f
				}
				identity = map[string]any{"name": id.Name, "type": id.Type, "startWith": nullable(id.StartWith),
					"minValue": nullable(id.MinValue), "maxValue": nullable(id.MaxValue), "increment": nullable(id.Increment),
					"cache": cache, "cycle": nullable(id.Cycle)}
			}
			var def any
			if len(c.Default) > 0 && string(c.Default) != "null" {
				var s string
				if json.Unmarshal(c.Default, &s) != nil {
					s = string(c.Default) // a number or boolean: String(value)
				}
				def = defaultSuffix.ReplaceAllString(strings.TrimSuffix(s, "[]"), "")
			}
			var generated any
			if c.Generated != nil {
				generated = c.Generated
			}
			add("columns", map[string]any{"schema": schema, "table": t.Name, "name": c.Name, "type": base, "notNull": c.NotNull,
				"typeSchema": nullable(c.TypeSchema), "dimensions": dims, "generated": generated, "identity": identity, "default": def})
		}
		for _, pk := range slices.Sorted(maps.Keys(t.CompositePrimaryKeys)) {
			p := t.CompositePrimaryKeys[pk]
			add("pks", map[string]any{"schema": schema, "table": t.Name, "name": p.Name, "columns": p.Columns,
				"nameExplicit": !implicitName(p.Name, t.Name+"_pkey", pgChosenName(t.Name, "", "pkey"), t.Name+"_"+strings.Join(p.Columns, "_")+"_pk")})
		}
		for _, uk := range slices.Sorted(maps.Keys(t.UniqueConstraints)) {
			u := t.UniqueConstraints[uk]
			add("uniques", map[string]any{"schema": schema, "table": t.Name, "columns": u.Columns, "name": u.Name,
				"nameExplicit": !implicitName(u.Name, uniqueNames(t.Name, u.Columns)...), "nullsNotDistinct": u.NullsNotDistinct})
		}
		for _, ck := range slices.Sorted(maps.Keys(t.CheckConstraints)) {
			c := t.CheckConstraints[ck]
			add("checks", map[string]any{"schema": schema, "table": t.Name, "name": c.Name, "value": c.Value})
		}
		for _, ik := range slices.Sorted(maps.Keys(t.Indexes)) {
			idx := t.Indexes[ik]
			cols := make([]any, len(idx.Columns))
			values := make([]string, len(idx.Columns))
			explicit := false
			for i, c := range idx.Columns {
				var opclass any
				if c.Opclass != "" {
					opclass = map[string]any{"name": c.Opclass, "default": false}
				}
				cols[i] = map[string]any{"value": c.Expression, "isExpression": c.IsExpression, "asc": c.Asc,
					"nullsFirst": c.Nulls != "" && c.Nulls != "last", "opclass": opclass}
				values[i] = c.Expression
				explicit = explicit || c.IsExpression
			}
			with := ""
			if len(idx.With) > 0 {
				var parts []string
				for _, k := range slices.Sorted(maps.Keys(idx.With)) {
					parts = append(parts, fmt.Sprintf("%s=%v", k, idx.With[k]))
				}
				with = strings.Join(parts, ",")
			}
			add("indexes", map[string]any{"schema": schema, "table": t.Name, "name": idx.Name, "columns": cols,
				"isUnique": idx.IsUnique, "method": idx.Method, "concurrently": idx.Concurrently, "where": nullable(idx.Where),
				"with": with, "nameExplicit": explicit || !implicitName(idx.Name, t.Name+"_"+strings.Join(values, "_")+"_index")})
		}
		for _, fk := range slices.Sorted(maps.Keys(t.ForeignKeys)) {
			f := t.ForeignKeys[fk]
			name := f.Name
			if len(name) >= 63 {
				name = name[:63]
			}
			schemaTo := f.SchemaTo
			if schemaTo == "" {
				schemaTo = "public"
			}
			action := func(s string) string {
				if s == "" {
					return "NO ACTION"
				}
				return strings.ToUpper(s)
			}
			add("fks", map[string]any{"schema": schema, "name": name,
				"nameExplicit": !implicitName(f.Name, fkName(f.TableFrom, f.ColumnsFrom, f.TableTo, f.ColumnsTo),
					f.TableFrom+"_"+strings.Join(f.ColumnsFrom, "_")+"_"+f.TableTo+"_"+strings.Join(f.ColumnsTo, "_")+"_fk"),
				"table": f.TableFrom, "columns": f.ColumnsFrom, "schemaTo": schemaTo, "tableTo": f.TableTo, "columnsTo": f.ColumnsTo,
				"onDelete": action(f.OnDelete), "onUpdate": action(f.OnUpdate)})
		}
	}
	return out, nil
}

// implicitNames: the names drizzle gives what the TypeScript leaves
// unnamed. drizzle-kit 1.0 writes nameExplicit: false for them (its pg
// serializer, fromDrizzleSchema), and its up for drizzle-kit 0.x's:
//
//   - primary key: 1.0 <table>_pkey (a column's .primaryKey() and an
//     unnamed primaryKey({columns}) alike; past 63 bytes as PostgreSQL
//     shortens it when the DDL leaves it unnamed), 0.x <table>_<columns>_pk;
//   - unique constraint: <table>_<columns>_unique (unique().on(...)), and in
//     1.0 <table>_<column>_key (a column's .unique(); past 63 bytes as
//     PostgreSQL shortens it, since drizzle-kit 1.0 writes a bare UNIQUE);
//   - index: <table>_<columns>_index (one on an expression must be named);
//   - foreign key: 1.0 <table>_<columns>_<tableTo>_<columnsTo>_fkey,
//     shortened with a hash when longer than 63 characters (fkName), 0.x
//     the same ending in _fk.
//
// Both count: drizzle-kit 1.0 ignores a name change between two implicit
// names, so a folder that went through up keeps its 0.x names without
// being asked to rename them, and a name the TypeScript leaves unnamed is
// not taken for one it gives. PostgreSQL cuts a longer name to 63 bytes;
// the catalog's cut name is still the implicit one.

// implicitName reports whether name is one of the default names, as given
// or as PostgreSQL cuts it.
func implicitName(name string, defaults ...string) bool {
	for _, d := range defaults {
		if name == d || name == pgIdentifier(d) {
			return true
		}
	}
	return false
}

// uniqueNames are the implicit names of a unique constraint on columns.
// drizzle-kit 1.0 writes an unnamed one on one column as a bare UNIQUE, so
// PostgreSQL names it (pgChosenName).
func uniqueNames(table string, columns []string) []string {
	names := []string{table + "_" + strings.Join(columns, "_") + "_unique"}
	if len(columns) == 1 {
		names = append(names, table+"_"+columns[0]+"_key", pgChosenName(table, columns[0], "key"))
	}
	return names
}

// pgChosenName is the name PostgreSQL gives a constraint the DDL leaves
// unnamed (makeObjectName in its commands/indexcmds.c): <name1>_<name2>_<label>
// (name2 may be empty), and past 63 bytes it shortens the longer of name1
// and name2 a byte at a time, never inside a UTF-8 sequence, and keeps the
// label whole. Cutting the end, as it does a name given in the DDL, would
// lose the label.
func pgChosenName(name1, name2, label string) string {
	overhead := len(label) + 1
	n1, n2 := len(name1), len(name2)
	if name2 != "" {
		overhead++
	}
	for avail := 63 - overhead; n1+n2 > avail; {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	clip := func(s string, n int) string {
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n]
	}
	name := clip(name1, n1)
	if name2 != "" {
		name += "_" + clip(name2, n2)
	}
	return name + "_" + label
}

// fkName is drizzle-kit 1.0's defaultNameForFK.
func fkName(table string, columns []string, tableTo string, columnsTo []string) string {
	desired := table + "_" + strings.Join(columns, "_") + "_" + tableTo + "_" + strings.Join(columnsTo, "_") + "_fkey"
	switch {
	case jsLength(desired) <= 63:
		return desired
	case jsLength(table) < 45:
		return table + "_" + kitHash(desired) + "_fkey"
	}
	return kitHash(desired) + "_fkey"
}

// jsLength is a string's JavaScript length: UTF-16 code units.
func jsLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// kitHash is drizzle-kit 1.0's hash (src/dialects/common.ts): a base-53
// polynomial over the code points modulo 62^12, written as 12 characters
// of 0-9a-zA-Z.
func kitHash(s string) string {
	const dict = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	base := big.NewInt(int64(len(dict)))
	mod := new(big.Int).Exp(base, big.NewInt(12), nil)
	p := big.NewInt(53)
	h, power, term := new(big.Int), big.NewInt(1), new(big.Int)
	for _, r := range s {
		h.Mod(h.Add(h, term.Mul(big.NewInt(int64(r)), power)), mod)
		power.Mod(power.Mul(power, p), mod)
	}
	out := make([]byte, 12)
	digit := new(big.Int)
	for i := len(out) - 1; i >= 0; i-- {
		h.DivMod(h, base, digit)
		out[i] = dict[digit.Int64()]
	}
	return string(out)
}

// pgIdentifier is name as PostgreSQL stores it: cut to 63 bytes, never
// inside a UTF-8 sequence.
func pgIdentifier(name string) string {
	if len(name) <= 63 {
		return name
	}
	cut := 63
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// objectKey is the schemastate key of an entity, "" for kinds Atlas does
// not compare.
func objectKey(e map[string]any) string {
	s := func(k string) string { v, _ := e[k].(string); return v }
	switch s("entityType") {
	case "tables":
		return "table " + s("schema") + "." + s("name")
	case "columns":
		return "column " + s("schema") + "." + s("table") + "." + s("name")
	case "pks":
		return "primary key " + s("schema") + "." + s("table")
	case "indexes", "uniques":
		return "index " + s("schema") + "." + s("name")
	case "fks":
		return "fk " + s("schema") + "." + s("table") + "." + s("name")
	case "checks":
		return "check " + s("schema") + "." + s("table") + "." + s("name")
	case "enums":
		return "enum " + s("schema") + "." + s("name")
	case "schemas":
		return "schema " + s("name")
	}
	return ""
}

// entityID names an entity within a snapshot.
func entityID(e map[string]any) string {
	s := func(k string) string { v, _ := e[k].(string); return v }
	return s("entityType") + "\x00" + s("schema") + "\x00" + s("table") + "\x00" + s("name")
}

// buildSnapshot8 renders the version-8 snapshot of the desired state.
// unchanged holds the schemastate keys of objects the same before and
// after; their entities come from prev as drizzle-kit wrote them, as do the
// kinds Atlas does not compare (sequences, roles, policies, views).
func buildSnapshot8(id string, v7 []byte, prev *prevSnapshot8, unchanged map[string]bool) ([]byte, error) {
	ddl, err := convertToV8(v7)
	if err != nil {
		return nil, err
	}
	prevIDs := []string{ZeroID}
	if prev != nil {
		prevIDs = []string{prev.ID}
		old := map[string]map[string]any{}
		for _, e := range prev.DDL {
			old[entityID(e)] = e
		}
		for i, e := range ddl {
			p, ok := old[entityID(e)]
			if !ok {
				continue
			}
			// RLS is invisible to Atlas: a table keeps what drizzle said.
			if e["entityType"] == "tables" || unchanged[objectKey(e)] {
				ddl[i] = p
			}
		}
		for _, e := range prev.DDL {
			if objectKey(e) == "" {
				ddl = append(ddl, e)
			}
		}
	}
	order := []string{"schemas", "enums", "sequences", "tables", "columns", "indexes", "fks", "pks", "uniques", "checks"}
	rank := func(e map[string]any) int {
		t, _ := e["entityType"].(string)
		if i := slices.Index(order, t); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.SliceStable(ddl, func(a, b int) bool { return rank(ddl[a]) < rank(ddl[b]) })
	if ddl == nil {
		ddl = []map[string]any{}
	}
	doc := newObject().set("version", "8").set("dialect", "postgres").set("id", id).
		set("prevIds", prevIDs).set("ddl", ddl).set("renames", []any{})
	return marshalIndent(doc)
}
