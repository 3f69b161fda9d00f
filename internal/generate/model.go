package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/pgquote"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// This file turns Atlas's inspection into drizzle-kit's vocabulary: type
// names, default spellings, index columns and constraint kinds, written the
// way drizzle-kit's PostgreSQL serializer writes them. Both the SQL renderer
// and the snapshot builder use it, so the two never disagree.

// identity describes a GENERATED ... AS IDENTITY column's sequence, read
// from the catalog (Atlas does not inspect min, max or cache).
type identity struct {
	Always                            bool
	Name, Schema                      string
	Increment, Start, Min, Max, Cache string
	Cycle                             bool
}

// identities maps "schema.table.column" to the column's identity.
type identities map[string]identity

func columnKey(t *schema.Table, c *schema.Column) string {
	return schemaName(t) + "." + t.Name + "." + c.Name
}

func schemaName(t *schema.Table) string {
	if t.Schema == nil || t.Schema.Name == "" {
		return "public"
	}
	return t.Schema.Name
}

// tableRef is how drizzle-kit names a table in DDL: bare in public,
// schema-qualified elsewhere.
func tableRef(t *schema.Table) string {
	if s := schemaName(t); s != "public" {
		return pgquote.Ident(s, t.Name)
	}
	return pgquote.Ident(t.Name)
}

// fullTableRef is always schema-qualified (drizzle's REFERENCES clause).
func fullTableRef(t *schema.Table) string {
	return pgquote.Ident(schemaName(t), t.Name)
}

func enumSchema(e *schema.EnumType) string {
	if e.Schema == nil || e.Schema.Name == "" {
		return "public"
	}
	return e.Schema.Name
}

func enumRef(e *schema.EnumType) string {
	return pgquote.Ident(enumSchema(e), e.T)
}

// columnType returns drizzle-kit's type name for a column (the snapshot's
// "type"), the enum's schema when the type is an enum (the snapshot's
// "typeSchema"), and the type as it is written in DDL.
func columnType(c *schema.Column) (name, typeSchema, ddl string) {
	return typeOf(c.Type.Type, c.Type.Raw)
}

func typeOf(t schema.Type, raw string) (name, typeSchema, ddl string) {
	switch t := t.(type) {
	case *postgres.SerialType:
		return t.T, "", t.T
	case *schema.IntegerType:
		return t.T, "", t.T
	case *schema.StringType:
		switch t.T {
		case "character varying", "varchar":
			if t.Size > 0 {
				n := fmt.Sprintf("varchar(%d)", t.Size)
				return n, "", n
			}
			return "varchar", "", "varchar"
		case "character", "char", "bpchar":
			if t.Size > 0 {
				n := fmt.Sprintf("char(%d)", t.Size)
				return n, "", n
			}
			return "char", "", "char"
		}
		return t.T, "", t.T
	case *schema.DecimalType:
		n := "numeric"
		switch {
		case t.Precision > 0 && t.Scale > 0:
			n = fmt.Sprintf("numeric(%d, %d)", t.Precision, t.Scale)
		case t.Precision > 0:
			n = fmt.Sprintf("numeric(%d)", t.Precision)
		}
		return n, "", n
	case *schema.TimeType:
		prec := ""
		if t.Precision != nil && *t.Precision != 6 {
			prec = fmt.Sprintf("(%d)", *t.Precision)
		}
		switch t.T {
		case "timestamp with time zone", "timestamptz":
			n := "timestamp" + spaced(prec) + " with time zone"
			return n, "", n
		case "timestamp without time zone", "timestamp":
			n := "timestamp" + spaced(prec)
			return n, "", n
		case "time with time zone", "timetz":
			n := "time" + prec + " with time zone"
			return n, "", n
		case "time without time zone", "time":
			n := "time" + prec
			return n, "", n
		}
		return t.T, "", t.T
	case *schema.EnumType:
		s := enumSchema(t)
		ddl := pgquote.Ident(t.T)
		if s != "public" {
			ddl = pgquote.Ident(s) + "." + ddl
		}
		return t.T, s, ddl
	case *postgres.ArrayType:
		n, ts, d := typeOf(t.Type, "")
		if n == "" {
			return t.T, "", t.T
		}
		return n + "[]", ts, d + "[]"
	case *schema.BoolType:
		return "boolean", "", "boolean"
	case *schema.UUIDType, *schema.JSONType, *schema.FloatType, *schema.BinaryType,
		*postgres.IntervalType, *postgres.NetworkType, *postgres.BitType, *postgres.UserDefinedType:
		s, err := postgres.FormatType(t)
		if err == nil {
			return s, "", s
		}
	}
	if t != nil {
		if s, err := postgres.FormatType(t); err == nil {
			return s, "", s
		}
	}
	return raw, "", raw
}

// spaced renders drizzle's timestamp precision, "timestamp (3)".
func spaced(prec string) string {
	if prec == "" {
		return ""
	}
	return " " + prec
}

// baseType is the element type of an array, or t.
func baseType(t schema.Type) (schema.Type, bool) {
	if a, ok := t.(*postgres.ArrayType); ok {
		return a.Type, true
	}
	return t, false
}

// defaultText returns a column default as SQL text, or "" for none. Serial
// columns have none (their nextval default is part of the type).
func defaultText(c *schema.Column) string {
	if _, ok := c.Type.Type.(*postgres.SerialType); ok {
		return ""
	}
	switch d := c.Default.(type) {
	case *schema.Literal:
		return d.V
	case *schema.RawExpr:
		return d.X
	case nil:
		return ""
	default:
		return fmt.Sprint(d)
	}
}

var (
	numberRE = regexp.MustCompile(`^-?[\d.]+(?:e-?\d+)?$`)
)

// snapshotDefault is the column default as drizzle-kit writes it into a
// snapshot: numbers and booleans as JSON values, JSON defaults compacted
// and cast, everything else as SQL text without a trailing cast.
func snapshotDefault(c *schema.Column) any {
	x := defaultText(c)
	if x == "" {
		return nil
	}
	t, isArray := baseType(c.Type.Type)
	if !isArray {
		switch t := t.(type) {
		case *schema.IntegerType, *schema.FloatType:
			if numberRE.MatchString(x) {
				return json.Number(x)
			}
			return x
		case *schema.DecimalType:
			if strings.Contains(x, "'") {
				return x
			}
			return "'" + x + "'"
		case *schema.BoolType:
			switch strings.ToLower(x) {
			case "true":
				return true
			case "false":
				return false
			}
			return x
		case *schema.JSONType:
			if s, ok := unquoteLiteral(stripCast(x)); ok {
				if json.Valid([]byte(s)) {
					return pgquote.Literal(compactJSON(s)) + "::" + t.T
				}
			}
			return x
		}
	}
	if strings.HasPrefix(x, "'") {
		return stripCast(x)
	}
	return x
}

// drizzleDefault is a default as drizzle-kit export wrote it, typed the
// way drizzle-kit's serializer stores it: a number on a number column and
// true or false on a boolean column are JSON values (what .default(0) and
// .default(false) store; sql`0` would store the text, and export prints
// both alike), everything else is the SQL text as written.
func drizzleDefault(c *schema.Column, x string) any {
	if t, isArray := baseType(c.Type.Type); !isArray {
		switch t.(type) {
		case *schema.IntegerType, *schema.FloatType:
			if numberRE.MatchString(x) && json.Valid([]byte(x)) {
				return json.Number(x)
			}
		case *schema.BoolType:
			switch x {
			case "true":
				return true
			case "false":
				return false
			}
		}
	}
	return x
}

// sqlDefault is the default as drizzle-kit writes it in DDL: the
// snapshot's spelling.
func sqlDefault(c *schema.Column) string {
	switch d := snapshotDefault(c).(type) {
	case nil:
		return ""
	case string:
		return d
	case json.Number:
		return d.String()
	case bool:
		if d {
			return "true"
		}
		return "false"
	default:
		return defaultText(c)
	}
}

// stripCast removes a trailing ::type from a quoted literal default.
func stripCast(x string) string {
	if !strings.HasPrefix(x, "'") {
		return x
	}
	if i := strings.LastIndex(x, "'::"); i > 0 {
		return x[:i+1]
	}
	return x
}

// unquoteLiteral turns 'it”s' into it's.
func unquoteLiteral(x string) (string, bool) {
	if len(x) < 2 || x[0] != '\'' || x[len(x)-1] != '\'' {
		return "", false
	}
	return strings.ReplaceAll(x[1:len(x)-1], "''", "'"), true
}

// compactJSON is JSON.stringify(JSON.parse(s)) for valid JSON text.
func compactJSON(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

// constraintOf returns the constraint an index implements ("p", "u", "x")
// with its name, or "" for a plain index.
func constraintOf(idx *schema.Index) (kind, name string) {
	for _, a := range idx.Attrs {
		if c, ok := a.(*postgres.Constraint); ok && (c.T == "p" || c.T == "u" || c.T == "x") {
			n := c.N
			if n == "" {
				n = idx.Name
			}
			return c.T, n
		}
	}
	return "", ""
}

// inlinePK reports whether the table's primary key is drizzle's column-level
// .primaryKey(): one column and PostgreSQL's default name <table>_pkey.
func inlinePK(t *schema.Table) (*schema.Column, bool) {
	pk := t.PrimaryKey
	if pk == nil || len(pk.Parts) != 1 || pk.Parts[0].C == nil {
		return nil, false
	}
	name := pk.Name
	if _, n := constraintOf(pk); n != "" {
		name = n
	}
	if name != "" && name != t.Name+"_pkey" {
		return nil, false
	}
	return pk.Parts[0].C, true
}

func pkName(t *schema.Table) string {
	pk := t.PrimaryKey
	if _, n := constraintOf(pk); n != "" {
		return n
	}
	if pk.Name != "" {
		return pk.Name
	}
	return t.Name + "_pkey"
}

func isPKColumn(t *schema.Table, c *schema.Column) bool {
	col, ok := inlinePK(t)
	return ok && col.Name == c.Name
}

func pkColumns(pk *schema.Index) []string {
	var out []string
	for _, p := range pk.Parts {
		if p.C != nil {
			out = append(out, p.C.Name)
		}
	}
	return out
}

// indexColumn is one element of a drizzle index's "columns".
type indexColumn struct {
	Expression   string
	IsExpression bool
	Asc          bool
	Nulls        string // "first" or "last"
	Opclass      string
}

func indexColumns(idx *schema.Index) []indexColumn {
	out := make([]indexColumn, 0, len(idx.Parts))
	for _, p := range idx.Parts {
		ic := indexColumn{Asc: !p.Desc, Nulls: "last"}
		if p.Desc {
			ic.Nulls = "first"
		}
		switch {
		case p.C != nil:
			ic.Expression = p.C.Name
		case p.X != nil:
			ic.IsExpression = true
			if x, ok := p.X.(*schema.RawExpr); ok {
				ic.Expression = x.X
			} else {
				ic.Expression = fmt.Sprint(p.X)
			}
		}
		for _, a := range p.Attrs {
			switch a := a.(type) {
			case *postgres.IndexColumnProperty:
				if a.NullsFirst {
					ic.Nulls = "first"
				}
				if a.NullsLast {
					ic.Nulls = "last"
				}
			case *postgres.IndexOpClass:
				if !a.Default {
					ic.Opclass = a.Name
				}
			}
		}
		out = append(out, ic)
	}
	return out
}

func indexMethod(idx *schema.Index) string {
	for _, a := range idx.Attrs {
		if t, ok := a.(*postgres.IndexType); ok && t.T != "" {
			return strings.ToLower(t.T)
		}
	}
	return "btree"
}

func indexWhere(idx *schema.Index) string {
	for _, a := range idx.Attrs {
		if p, ok := a.(*postgres.IndexPredicate); ok {
			return schemastate.StripParens(p.P)
		}
	}
	return ""
}

func nullsNotDistinct(idx *schema.Index) bool {
	for _, a := range idx.Attrs {
		if n, ok := a.(*postgres.IndexNullsDistinct); ok {
			return !n.V
		}
	}
	return false
}

// plainIndex reports whether drizzle's index model can describe idx (no
// INCLUDE columns, storage parameters or NULLS NOT DISTINCT).
func plainIndex(idx *schema.Index) bool {
	for _, a := range idx.Attrs {
		switch a.(type) {
		case *postgres.IndexInclude, *postgres.IndexStorageParams:
			return false
		}
	}
	return !nullsNotDistinct(idx)
}

func checks(t *schema.Table) []*schema.Check {
	var out []*schema.Check
	for _, a := range t.Attrs {
		if c, ok := a.(*schema.Check); ok {
			out = append(out, c)
		}
	}
	return out
}

func fkAction(a schema.ReferenceOption) string {
	if a == "" {
		return "no action"
	}
	return strings.ToLower(string(a))
}

func fkColumns(cs []*schema.Column) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func generatedExpr(c *schema.Column) (string, bool) {
	for _, a := range c.Attrs {
		if g, ok := a.(*schema.GeneratedExpr); ok {
			return schemastate.StripParens(g.Expr), true
		}
	}
	return "", false
}

func hasIdentity(c *schema.Column) bool {
	for _, a := range c.Attrs {
		if _, ok := a.(*postgres.Identity); ok {
			return true
		}
	}
	return false
}
