// Package verify checks that the objects a drizzle-kit folder's snapshots
// describe exist in a live database: tables, columns (nullability and, where
// the mapping is exact, type), indexes, named constraints and enum labels.
//
// It is the cheap counterpart of a replay: it reads the snapshot of the
// newest applied migration (drizzle-kit 0.x: meta/NNNN_snapshot.json,
// version 7; drizzle-kit 1.0: <migration>/snapshot.json, version 8), asks
// the catalog in one statement what exists for just those names, and
// compares. It never writes, needs no scratch database and works for a
// read-only role. Extra live objects are fine (an expanded or "ahead"
// database has them); only missing ones are reported.
//
// It imports the standard library and pgx only, so guard can use it.
package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Object kinds, as reported in Missing.Kind.
const (
	KindTable      = "table"
	KindColumn     = "column"
	KindNotNull    = "notNull"    // the column exists but accepts NULL
	KindColumnType = "columnType" // the column exists with another type
	KindIndex      = "index"
	KindPrimaryKey = "primaryKey"
	KindUnique     = "unique"
	KindForeignKey = "foreignKey"
	KindCheck      = "check"
	KindEnum       = "enum"
	KindEnumLabel  = "enumLabel"
)

// Expected is what one snapshot says exists.
type Expected struct {
	Tables []Table
	Enums  []Enum
}

// Table is one table of a snapshot.
type Table struct {
	Schema, Name string
	Columns      []Column
	Indexes      []string
	Constraints  []Constraint
	// PrimaryKey: the table has a primary key whose name the snapshot does
	// not fix (a v7 primaryKey: true column, a v8 pk without nameExplicit);
	// any primary key on the table satisfies it.
	PrimaryKey bool
}

// Column is one column of a table.
type Column struct {
	Name    string
	NotNull bool
	// Type is the catalog spelling (format_type) when drizzle's type string
	// maps to it exactly; empty when the type is not compared.
	Type string
}

// Constraint is a named constraint; Kind is KindPrimaryKey, KindUnique,
// KindForeignKey or KindCheck. Name is as PostgreSQL stores it (StoredName).
// Alt, when set, is the other name PostgreSQL may have given it: the one it
// chooses itself when drizzle-kit leaves the constraint unnamed (a v8
// single-column unique declared with its table), which differs from the
// snapshot's once the name passes 63 bytes. Either satisfies it.
type Constraint struct{ Kind, Name, Alt string }

// Enum is an enum type and its labels.
type Enum struct {
	Schema, Name string
	Labels       []string
}

// Errors of ParseSnapshot and Locate.
var (
	ErrNoSnapshot      = errors.New("no snapshot")
	ErrBadSnapshot     = errors.New("unreadable snapshot")
	ErrSnapshotVersion = errors.New("unsupported snapshot version")
)

// snapshotFile is the drizzle-kit v7 shape, only the fields compared.
type snapshotFile struct {
	Tables map[string]struct {
		Name    string `json:"name"`
		Schema  string `json:"schema"`
		Columns map[string]struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			TypeSchema string `json:"typeSchema"`
			PrimaryKey bool   `json:"primaryKey"`
			NotNull    bool   `json:"notNull"`
			IsUnique   bool   `json:"isUnique"`
			UniqueName string `json:"uniqueName"`
		} `json:"columns"`
		Indexes              map[string]struct{ Name string } `json:"indexes"`
		ForeignKeys          map[string]struct{ Name string } `json:"foreignKeys"`
		CompositePrimaryKeys map[string]struct{ Name string } `json:"compositePrimaryKeys"`
		UniqueConstraints    map[string]struct{ Name string } `json:"uniqueConstraints"`
		CheckConstraints     map[string]struct{ Name string } `json:"checkConstraints"`
	} `json:"tables"`
	Enums map[string]struct {
		Name   string   `json:"name"`
		Schema string   `json:"schema"`
		Values []string `json:"values"`
	} `json:"enums"`
}

// ParseSnapshot reads a drizzle-kit PostgreSQL snapshot: version 7
// (drizzle-kit 0.x, objects nested in tables) or version 8 (drizzle-kit
// 1.0, a flat "ddl" list of entities). Objects come out in a stable order
// (by schema, then name).
func ParseSnapshot(data []byte) (*Expected, error) {
	var head struct {
		Version string `json:"version"`
		Dialect string `json:"dialect"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, readableJSON(data, err))
	}
	var (
		e   *Expected
		err error
	)
	switch {
	case head.Version == "7" && (head.Dialect == "" || head.Dialect == "postgresql"):
		e, err = parseSnapshot7(data)
	case head.Version == "8" && head.Dialect == "postgres":
		e, err = parseSnapshot8(data)
	default:
		return nil, fmt.Errorf("%w: version %q, dialect %q (want version 7, postgresql or version 8, postgres)", ErrSnapshotVersion, head.Version, head.Dialect)
	}
	if err != nil {
		return nil, err
	}
	e.stored()
	e.sort()
	return e, nil
}

// parseSnapshot7 reads drizzle-kit 0.x's shape.
func parseSnapshot7(data []byte) (*Expected, error) {
	if err := requireKey(data, "tables", "an object"); err != nil {
		return nil, err
	}
	var s snapshotFile
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, readableJSON(data, err))
	}
	e := &Expected{}
	for key, t := range s.Tables {
		schema, name := t.Schema, t.Name
		if name == "" {
			return nil, fmt.Errorf("%w: table %q has no name", ErrBadSnapshot, key)
		}
		if schema == "" {
			schema = "public"
		}
		tb := Table{Schema: schema, Name: name}
		for _, c := range t.Columns {
			if c.Name == "" {
				return nil, fmt.Errorf("%w: table %q has a column without a name", ErrBadSnapshot, key)
			}
			tb.Columns = append(tb.Columns, Column{Name: c.Name, NotNull: c.NotNull || c.PrimaryKey, Type: CatalogType(c.Type, c.TypeSchema)})
			if c.PrimaryKey {
				tb.PrimaryKey = true
			}
			if c.IsUnique && c.UniqueName != "" {
				tb.Constraints = append(tb.Constraints, Constraint{Kind: KindUnique, Name: c.UniqueName})
			}
		}
		for _, ix := range t.Indexes {
			tb.Indexes = append(tb.Indexes, ix.Name)
		}
		add := func(kind string, m map[string]struct{ Name string }) {
			for k, c := range m {
				n := c.Name
				if n == "" {
					n = k
				}
				tb.Constraints = append(tb.Constraints, Constraint{Kind: kind, Name: n})
			}
		}
		add(KindPrimaryKey, t.CompositePrimaryKeys)
		add(KindUnique, t.UniqueConstraints)
		add(KindForeignKey, t.ForeignKeys)
		add(KindCheck, t.CheckConstraints)
		e.Tables = append(e.Tables, tb)
	}
	for key, en := range s.Enums {
		if en.Name == "" {
			return nil, fmt.Errorf("%w: enum %q has no name", ErrBadSnapshot, key)
		}
		schema := en.Schema
		if schema == "" {
			schema = "public"
		}
		e.Enums = append(e.Enums, Enum{Schema: schema, Name: en.Name, Labels: slices.Clone(en.Values)})
	}
	return e, nil
}

// stored puts every name of e as PostgreSQL stores it (StoredName), so
// that it compares with the catalog; enum labels are not cut (PostgreSQL
// refuses a label over 63 bytes).
func (e *Expected) stored() {
	for i := range e.Tables {
		tb := &e.Tables[i]
		tb.Schema, tb.Name = StoredName(tb.Schema), StoredName(tb.Name)
		for k := range tb.Columns {
			tb.Columns[k].Name = StoredName(tb.Columns[k].Name)
		}
		for k := range tb.Indexes {
			tb.Indexes[k] = StoredName(tb.Indexes[k])
		}
		for k := range tb.Constraints {
			c := &tb.Constraints[k]
			c.Name = StoredName(c.Name)
			if c.Alt == c.Name {
				c.Alt = ""
			}
		}
	}
	for i := range e.Enums {
		e.Enums[i].Schema, e.Enums[i].Name = StoredName(e.Enums[i].Schema), StoredName(e.Enums[i].Name)
	}
}

// sort puts e in its stable order and drops duplicate names.
func (e *Expected) sort() {
	for i := range e.Tables {
		tb := &e.Tables[i]
		slices.SortFunc(tb.Columns, func(a, b Column) int { return strings.Compare(a.Name, b.Name) })
		slices.Sort(tb.Indexes)
		tb.Indexes = slices.Compact(tb.Indexes)
		slices.SortFunc(tb.Constraints, func(a, b Constraint) int {
			return strings.Compare(a.Kind+"\x00"+a.Name+"\x00"+a.Alt, b.Kind+"\x00"+b.Name+"\x00"+b.Alt)
		})
		tb.Constraints = slices.Compact(tb.Constraints)
	}
	slices.SortFunc(e.Tables, func(a, b Table) int { return strings.Compare(a.Schema+"."+a.Name, b.Schema+"."+b.Name) })
	slices.SortFunc(e.Enums, func(a, b Enum) int { return strings.Compare(a.Schema+"."+a.Name, b.Schema+"."+b.Name) })
}

// Folder is where a migration folder keeps its snapshots.
type Folder struct {
	FS fs.FS
	// PerMigration is drizzle-kit 1.0's layout: each migration is a folder
	// <tag>/ with its snapshot.json (version 8) beside migration.sql.
	// Otherwise it is drizzle-kit 0.x's: meta/NNNN_snapshot.json (version 7).
	PerMigration bool
}

// Path is where drizzle-kit writes the snapshot of the migration tagged
// tag: <tag>/snapshot.json in the 1.0 layout, else meta/<the tag up to its
// first "_">_snapshot.json.
func (f Folder) Path(tag string) string {
	if f.PerMigration {
		return path.Join(tag, "snapshot.json")
	}
	prefix, _, _ := strings.Cut(tag, "_")
	return path.Join("meta", prefix+"_snapshot.json")
}

// pattern names the snapshot files in messages.
func (f Folder) pattern() string {
	if f.PerMigration {
		return "<migration>/snapshot.json"
	}
	return "meta/*_snapshot.json"
}

// Locate returns the index in tags of the newest migration at or before
// upTo that has a snapshot, or ErrNoSnapshot.
func (f Folder) Locate(tags []string, upTo int) (int, error) {
	for i := min(upTo, len(tags)-1); i >= 0; i-- {
		if _, err := fs.Stat(f.FS, f.Path(tags[i])); err == nil {
			return i, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return -1, fmt.Errorf("%w: %s: %w", ErrBadSnapshot, f.Path(tags[i]), err)
		}
	}
	if upTo < 0 || len(tags) == 0 {
		return -1, fmt.Errorf("%w: no migration applied", ErrNoSnapshot)
	}
	return -1, fmt.Errorf("%w: no %s exists for %s or an earlier migration", ErrNoSnapshot, f.pattern(), tags[min(upTo, len(tags)-1)])
}

// Load reads and parses the snapshot of tag.
func (f Folder) Load(tag string) (*Expected, error) {
	p := f.Path(tag)
	data, err := fs.ReadFile(f.FS, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s: %w", ErrNoSnapshot, p, err)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrBadSnapshot, p, err)
	}
	e, err := ParseSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return e, nil
}

// CatalogType maps a drizzle-kit snapshot type to PostgreSQL's format_type
// spelling where the mapping is exact, else "". Compared: the integer,
// text, boolean, uuid, json, date/time, numeric, character and network
// types, with precision and one-dimensional arrays. Not compared: enum and
// other user-defined types (format_type's output depends on search_path),
// geometric, vector and any type drizzle spells another way.
func CatalogType(t, typeSchema string) string {
	if typeSchema != "" {
		return "" // a user-defined type (an enum)
	}
	t = strings.TrimSpace(t)
	if base, ok := strings.CutSuffix(t, "[]"); ok {
		if c := CatalogType(base, ""); c != "" && !strings.HasSuffix(c, "[]") {
			return c + "[]"
		}
		return ""
	}
	switch t {
	case "integer", "serial":
		return "integer"
	case "smallint", "smallserial":
		return "smallint"
	case "bigint", "bigserial":
		return "bigint"
	case "text", "boolean", "uuid", "jsonb", "json", "date", "real", "double precision", "bytea",
		"inet", "cidr", "macaddr", "macaddr8", "interval", "numeric", "time with time zone", "timestamp with time zone":
		return t
	case "timestamp":
		return "timestamp without time zone"
	case "time":
		return "time without time zone"
	case "varchar":
		return "character varying"
	case "char":
		return "character(1)"
	}
	// Parameterised spellings: "varchar(255)", "char(2)", "numeric(10, 2)",
	// "timestamp (3) with time zone", "time (6)".
	name, rest, ok := strings.Cut(t, "(")
	if !ok {
		return ""
	}
	args, tail, ok := strings.Cut(rest, ")")
	if !ok {
		return ""
	}
	name, tail = strings.TrimSpace(name), strings.TrimSpace(tail)
	parts := strings.Split(args, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return ""
		}
		parts[i] = p
	}
	a := strings.Join(parts, ",")
	switch {
	case name == "varchar" && len(parts) == 1 && tail == "":
		return "character varying(" + a + ")"
	case name == "char" && len(parts) == 1 && tail == "":
		return "character(" + a + ")"
	case name == "numeric" && tail == "" && len(parts) == 1:
		return "numeric(" + a + ",0)"
	case name == "numeric" && tail == "" && len(parts) == 2:
		return "numeric(" + a + ")"
	case (name == "timestamp" || name == "time") && len(parts) == 1:
		switch tail {
		case "", "without time zone":
			return name + "(" + a + ") without time zone"
		case "with time zone":
			return name + "(" + a + ") with time zone"
		}
	}
	return ""
}
