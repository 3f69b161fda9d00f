package generate

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// ZeroID is the prevId of a folder's first snapshot.
const ZeroID = "00000000-0000-0000-0000-000000000000"

// prevSnapshot is the newest meta/*_snapshot.json of a folder, the one
// drizzle-kit diffs against.
type prevSnapshot struct {
	File string  // "meta/0003_snapshot.json"
	ID   string  // its "id"
	Doc  *object // its content, key order kept
}

// readPrevSnapshot finds the snapshot drizzle-kit would use: the last file
// of meta/ (names sorted, "_" files skipped). None: nil, nil.
func readPrevSnapshot(fsys fs.FS) (*prevSnapshot, error) {
	if fsys == nil {
		return nil, nil
	}
	entries, err := fs.ReadDir(fsys, "meta")
	if err != nil {
		return nil, nil // no meta folder: no snapshot
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), "_") && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	sort.Strings(names)
	file := path.Join("meta", names[len(names)-1])
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, fmt.Errorf("generate: read %s: %w", file, err)
	}
	doc, err := parseObject(b)
	if err != nil {
		return nil, fmt.Errorf("generate: %s: %w: %v", file, ErrBadSnapshot, err)
	}
	var id string
	if raw, ok := doc.get("id"); ok {
		_ = json.Unmarshal(raw.(json.RawMessage), &id)
	}
	if id == "" {
		return nil, fmt.Errorf("generate: %s: %w: no id", file, ErrBadSnapshot)
	}
	return &prevSnapshot{File: file, ID: id, Doc: doc}, nil
}

// newID returns a random (version 4) UUID, as drizzle-kit's randomUUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// snapshotInput is what a snapshot is built from.
type snapshotInput struct {
	ID, PrevID string
	Desired    *schema.Realm
	IDs        identities
	// Owned reports objects that belong to another track (the engine's,
	// under a client track): they are left out.
	Owned func(kind, schema, name string) bool
	// Reuse, when non-nil, holds the previous snapshot of the same state
	// as Current; entries for objects that did not change between Current
	// and Desired are copied from it, so what drizzle-kit wrote (e.g. a
	// CHECK written from TypeScript) stays byte for byte.
	Reuse   *object
	Current *schema.Realm
	// Exprs are the desired schema's expressions as drizzle-kit export
	// wrote them (nil: use the catalog's text).
	Exprs *drizzleExprs
}

// buildSnapshot renders the drizzle-kit version-7 snapshot of the desired
// state.
func buildSnapshot(in snapshotInput) ([]byte, error) {
	unchanged := map[string]bool{}
	if in.Reuse != nil && in.Current != nil {
		unchanged = unchangedObjects(in.Current, in.Desired)
	}
	prevTables := in.Reuse.childObject("tables")
	prevEnums := in.Reuse.childObject("enums")
	owned := in.Owned
	if owned == nil {
		owned = func(string, string, string) bool { return false }
	}

	tables := newObject()
	enums := newObject()
	schemas := newObject()
	for _, s := range in.Desired.Schemas {
		if s.Name != "public" && !owned("schema", s.Name, s.Name) {
			schemas.set(s.Name, s.Name)
		}
		for _, o := range s.Objects {
			e, ok := o.(*schema.EnumType)
			if !ok || owned("enum", s.Name, e.T) {
				continue
			}
			key := s.Name + "." + e.T
			if raw, ok := prevEnums.get(key); ok && unchanged["enum "+key] {
				enums.set(key, raw)
				continue
			}
			vals := append([]string{}, e.Values...)
			enums.set(key, newObject().set("name", e.T).set("schema", s.Name).set("values", vals))
		}
		for _, t := range s.Tables {
			if owned("table", s.Name, t.Name) {
				continue
			}
			key := s.Name + "." + t.Name
			tables.set(key, tableSnapshot(t, in.IDs, prevTables.childObject(key), unchanged, in.Exprs))
		}
	}
	tables.sortKeys()
	enums.sortKeys()
	schemas.sortKeys()

	doc := newObject().
		set("id", in.ID).
		set("prevId", in.PrevID).
		set("version", "7").
		set("dialect", "postgresql").
		set("tables", tables).
		set("enums", enums).
		set("schemas", schemas)
	// Sequences, roles, policies and views are not compared by Atlas: keep
	// what the previous snapshot said about them.
	for _, k := range []string{"sequences", "roles", "policies", "views"} {
		if raw, ok := in.Reuse.getRaw(k); ok {
			doc.set(k, raw)
		} else {
			doc.set(k, newObject())
		}
	}
	doc.set("_meta", newObject().set("columns", newObject()).set("schemas", newObject()).set("tables", newObject()))
	return marshalIndent(doc)
}

func (o *object) getRaw(key string) (any, bool) {
	if o == nil {
		return nil, false
	}
	return o.get(key)
}

func tableSnapshot(t *schema.Table, ids identities, prev *object, unchanged map[string]bool, exprs *drizzleExprs) *object {
	ts := tableSnap{t: t, sname: schemaName(t), prev: prev, unchanged: unchanged, exprs: exprs}
	ts.tkey = ts.sname + "." + t.Name
	indexes, uniques := ts.indexes()
	tableSchema := ts.sname
	if ts.sname == "public" {
		tableSchema = ""
	}
	out := newObject().set("name", t.Name).set("schema", tableSchema).
		set("columns", ts.columns(ids)).set("indexes", indexes).set("foreignKeys", ts.foreignKeys()).
		set("compositePrimaryKeys", ts.primaryKeys()).set("uniqueConstraints", uniques)
	// Atlas does not see policies or row level security: keep what the
	// previous snapshot said.
	if raw, ok := prev.get("policies"); ok {
		out.set("policies", raw)
	} else {
		out.set("policies", newObject())
	}
	out.set("checkConstraints", ts.checks())
	if raw, ok := prev.get("isRLSEnabled"); ok {
		out.set("isRLSEnabled", raw)
	} else {
		out.set("isRLSEnabled", false)
	}
	return out
}

// tableSnap is one table's part of a snapshot being built: each of its
// sections (columns, indexes, ...) reuses the previous snapshot's entry,
// byte for byte, for an object whose definition did not change.
type tableSnap struct {
	t           *schema.Table
	sname, tkey string // schema, schema.table
	prev        *object
	unchanged   map[string]bool // drift.Object keys
	exprs       *drizzleExprs
}

func (ts tableSnap) columns(ids identities) *object {
	pkSame := ts.unchanged["primary key "+ts.tkey]
	prevCols := ts.prev.childObject("columns")
	cols := newObject()
	for _, c := range ts.t.Columns {
		if raw, ok := prevCols.get(c.Name); ok && ts.unchanged["column "+ts.tkey+"."+c.Name] && pkSame {
			cols.set(c.Name, raw)
			continue
		}
		cols.set(c.Name, columnSnapshot(ts.t, c, ids, ts.exprs))
	}
	return cols
}

// indexes returns the plain indexes and the UNIQUE constraints.
func (ts tableSnap) indexes() (indexes, uniques *object) {
	prevIdx := ts.prev.childObject("indexes")
	prevUnq := ts.prev.childObject("uniqueConstraints")
	indexes, uniques = newObject(), newObject()
	for _, idx := range ts.t.Indexes {
		kind, name := constraintOf(idx)
		same := ts.unchanged["index "+ts.sname+"."+idx.Name]
		switch kind {
		case "":
			if raw, ok := prevIdx.get(idx.Name); ok && same {
				indexes.set(idx.Name, raw)
				continue
			}
			indexes.set(idx.Name, indexSnapshot(ts.sname, idx, ts.exprs))
		case "u":
			if raw, ok := prevUnq.get(name); ok && same {
				uniques.set(name, raw)
				continue
			}
			var colNames []string
			for _, p := range idx.Parts {
				if p.C != nil {
					colNames = append(colNames, p.C.Name)
				}
			}
			uniques.set(name, newObject().set("name", name).set("nullsNotDistinct", nullsNotDistinct(idx)).set("columns", colNames))
		}
	}
	indexes.sortKeys()
	uniques.sortKeys()
	return indexes, uniques
}

func (ts tableSnap) foreignKeys() *object {
	prevFK := ts.prev.childObject("foreignKeys")
	fks := newObject()
	for _, fk := range ts.t.ForeignKeys {
		if raw, ok := prevFK.get(fk.Symbol); ok && ts.unchanged["fk "+ts.tkey+"."+fk.Symbol] {
			fks.set(fk.Symbol, raw)
			continue
		}
		o := newObject().set("name", fk.Symbol).set("tableFrom", ts.t.Name).set("tableTo", fk.RefTable.Name)
		if s := schemaName(fk.RefTable); s != "public" {
			o.set("schemaTo", s)
		}
		o.set("columnsFrom", fkColumns(fk.Columns)).set("columnsTo", fkColumns(fk.RefColumns)).
			set("onDelete", fkAction(fk.OnDelete)).set("onUpdate", fkAction(fk.OnUpdate))
		fks.set(fk.Symbol, o)
	}
	fks.sortKeys()
	return fks
}

// primaryKeys holds the primary key when it is not written inline on its
// column.
func (ts tableSnap) primaryKeys() *object {
	pks := newObject()
	t := ts.t
	if t.PrimaryKey == nil {
		return pks
	}
	if _, inline := inlinePK(t); inline {
		return pks
	}
	name := pkName(t)
	if raw, ok := ts.prev.childObject("compositePrimaryKeys").get(name); ok && ts.unchanged["primary key "+ts.tkey] {
		pks.set(name, raw)
	} else {
		pks.set(name, newObject().set("name", name).set("columns", pkColumns(t.PrimaryKey)))
	}
	return pks
}

func (ts tableSnap) checks() *object {
	prevCk := ts.prev.childObject("checkConstraints")
	cks := newObject()
	for _, ck := range checks(ts.t) {
		if raw, ok := prevCk.get(ck.Name); ok && ts.unchanged["check "+ts.tkey+"."+ck.Name] {
			cks.set(ck.Name, raw)
			continue
		}
		value := schemastate.StripParens(ck.Expr)
		if v, ok := ts.exprs.lookup(exprCheck, ts.sname, ts.t.Name, ck.Name); ok {
			value = v
		}
		cks.set(ck.Name, newObject().set("name", ck.Name).set("value", value))
	}
	cks.sortKeys()
	return cks
}

func columnSnapshot(t *schema.Table, c *schema.Column, ids identities, exprs *drizzleExprs) *object {
	name, typeSchema, _ := columnType(c)
	o := newObject().set("name", c.Name).set("type", name)
	if typeSchema != "" {
		o.set("typeSchema", typeSchema)
	}
	o.set("primaryKey", isPKColumn(t, c)).set("notNull", !c.Type.Null)
	if g, ok := generatedExpr(c); ok {
		if v, ok := exprs.lookup(exprGenerated, schemaName(t), t.Name, c.Name); ok {
			g = v
		}
		o.set("generated", newObject().set("as", g).set("type", "stored"))
	}
	if id, ok := ids[columnKey(t, c)]; ok {
		typ := "byDefault"
		if id.Always {
			typ = "always"
		}
		o.set("identity", newObject().set("type", typ).set("name", id.Name).set("schema", id.Schema).
			set("increment", id.Increment).set("startWith", id.Start).set("minValue", id.Min).
			set("maxValue", id.Max).set("cache", id.Cache).set("cycle", id.Cycle))
	}
	if d := snapshotDefault(c); d != nil {
		if v, ok := exprs.lookup(exprDefault, schemaName(t), t.Name, c.Name); ok {
			d = drizzleDefault(c, v)
		}
		o.set("default", d)
	}
	return o
}

func indexSnapshot(sname string, idx *schema.Index, exprs *drizzleExprs) *object {
	var cols []any
	for i, ic := range indexColumns(idx) {
		ic = exprs.indexColumn(sname, idx.Name, i, ic)
		c := newObject().set("expression", ic.Expression).set("isExpression", ic.IsExpression).
			set("asc", ic.Asc).set("nulls", ic.Nulls)
		if ic.Opclass != "" {
			c.set("opclass", ic.Opclass)
		}
		cols = append(cols, c)
	}
	if cols == nil {
		cols = []any{}
	}
	o := newObject().set("name", idx.Name).set("columns", cols).set("isUnique", idx.Unique)
	if w := indexWhere(idx); w != "" {
		if v, ok := exprs.lookup(exprWhere, sname, idx.Name); ok {
			w = v
		}
		o.set("where", w)
	}
	return o.set("concurrently", false).set("method", indexMethod(idx)).set("with", newObject())
}

// unchangedObjects lists the keys (drift.Object.Key) of the objects whose
// definition is the same in current and desired.
func unchangedObjects(current, desired *schema.Realm) map[string]bool {
	unchanged := map[string]bool{}
	had := map[string]string{}
	for _, o := range drift.Objects(current) {
		had[o.Key] = o.Fingerprint
	}
	for _, o := range drift.Objects(desired) {
		if fp, ok := had[o.Key]; ok && fp == o.Fingerprint {
			unchanged[o.Key] = true
		}
	}
	// A table without a primary key on both sides has an unchanged one.
	for _, s := range desired.Schemas {
		for _, t := range s.Tables {
			k := "primary key " + s.Name + "." + t.Name
			if _, had := had[k]; t.PrimaryKey == nil && !had {
				unchanged[k] = true
			}
		}
	}
	return unchanged
}
