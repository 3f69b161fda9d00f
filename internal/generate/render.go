package generate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/pgquote"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// renderer writes Atlas changes as SQL statements in drizzle-kit's style and
// order. Changes drizzle-kit has no spelling for are planned by Atlas.
type renderer struct {
	ctx  context.Context
	conn *schemastate.Conn // for Atlas's planner; may be nil
	ids  identities        // identity columns of the desired state

	schemas, enums, enumValues, creates, dropFKs, dropTables []string
	alters, addFKs, adds, addConstraints, drops              []string
}

// render turns a diff into the statements of one migration.
func render(ctx context.Context, conn *schemastate.Conn, ids identities, changes []schema.Change) ([]string, error) {
	r := &renderer{ctx: ctx, conn: conn, ids: ids}
	for _, c := range changes {
		if err := r.change(c); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, part := range [][]string{r.schemas, r.enums, r.enumValues, r.creates, r.dropFKs, r.dropTables, r.alters, r.addFKs, r.adds, r.addConstraints, r.drops} {
		out = append(out, part...)
	}
	return out, nil
}

func (r *renderer) change(c schema.Change) error {
	switch c := c.(type) {
	case *schema.AddSchema:
		if c.S.Name != "public" {
			r.schemas = append(r.schemas, fmt.Sprintf("CREATE SCHEMA %s;\n", pgquote.Ident(c.S.Name)))
		}
	case *schema.DropSchema:
		r.drops = append(r.drops, fmt.Sprintf("DROP SCHEMA %s;", pgquote.Ident(c.S.Name)))
	case *schema.ModifySchema:
		// Schema comments: drizzle-kit has none. Ignored.
	case *schema.AddObject:
		e, ok := c.O.(*schema.EnumType)
		if !ok {
			return r.fallback(c)
		}
		vals := make([]string, len(e.Values))
		for i, v := range e.Values {
			vals[i] = pgquote.Literal(v)
		}
		r.enums = append(r.enums, fmt.Sprintf("CREATE TYPE %s AS ENUM(%s);", enumRef(e), strings.Join(vals, ", ")))
	case *schema.DropObject:
		e, ok := c.O.(*schema.EnumType)
		if !ok {
			return r.fallback(c)
		}
		r.drops = append(r.drops, fmt.Sprintf("DROP TYPE %s;", enumRef(e)))
	case *schema.ModifyObject:
		from, ok1 := c.From.(*schema.EnumType)
		to, ok2 := c.To.(*schema.EnumType)
		if !ok1 || !ok2 {
			return r.fallback(c)
		}
		stmts, err := addEnumValues(from, to)
		if err != nil {
			return err
		}
		r.enumValues = append(r.enumValues, stmts...)
	case *schema.AddTable:
		return r.addTable(c.T)
	case *schema.DropTable:
		r.dropTables = append(r.dropTables, fmt.Sprintf("DROP TABLE %s CASCADE;", tableRef(c.T)))
	case *schema.ModifyTable:
		return r.modifyTable(c)
	default:
		return r.fallback(c)
	}
	return nil
}

// addEnumValues renders ALTER TYPE ... ADD VALUE for values inserted into an
// enum. PostgreSQL cannot drop or reorder enum values in place.
func addEnumValues(from, to *schema.EnumType) ([]string, error) {
	// from must be a subsequence of to, in order.
	i := 0
	for _, v := range to.Values {
		if i < len(from.Values) && from.Values[i] == v {
			i++
		}
	}
	if i != len(from.Values) {
		return nil, fmt.Errorf("%w: enum %s.%s changes from (%s) to (%s): PostgreSQL can only add values; write this migration by hand",
			ErrUnsupported, enumSchema(to), to.T, strings.Join(from.Values, ", "), strings.Join(to.Values, ", "))
	}
	var out []string
	have := slices.Clone(from.Values)
	for k, v := range to.Values {
		if slices.Contains(have, v) {
			continue
		}
		stmt := fmt.Sprintf("ALTER TYPE %s ADD VALUE %s", enumRef(to), pgquote.Literal(v))
		for _, next := range to.Values[k+1:] {
			if slices.Contains(from.Values, next) {
				stmt += " BEFORE " + pgquote.Literal(next)
				break
			}
		}
		out = append(out, stmt+";")
		have = append(have, v)
	}
	return out, nil
}

// columnDef renders a column as drizzle-kit does in CREATE TABLE and ADD
// COLUMN: name, type, PRIMARY KEY, DEFAULT, GENERATED, NOT NULL, identity.
func (r *renderer) columnDef(t *schema.Table, c *schema.Column, pk bool) string {
	_, _, ddl := columnType(c)
	var b strings.Builder
	b.WriteString(pgquote.Ident(c.Name) + " " + ddl)
	if pk {
		b.WriteString(" PRIMARY KEY")
	}
	if d := sqlDefault(c); d != "" {
		b.WriteString(" DEFAULT " + d)
	}
	if g, ok := generatedExpr(c); ok {
		b.WriteString(" GENERATED ALWAYS AS (" + g + ") STORED")
	}
	id, isID := r.ids[columnKey(t, c)]
	if !c.Type.Null && !isID {
		b.WriteString(" NOT NULL")
	}
	if isID {
		b.WriteString(identityClause(id))
	}
	return b.String()
}

func identityClause(id identity) string {
	gen := "BY DEFAULT"
	if id.Always {
		gen = "ALWAYS"
	}
	name := pgquote.Ident(id.Name)
	if id.Schema != "" && id.Schema != "public" {
		name = pgquote.Ident(id.Schema) + "." + name
	}
	s := fmt.Sprintf(" GENERATED %s AS IDENTITY (sequence name %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s",
		gen, name, id.Increment, id.Min, id.Max, id.Start, id.Cache)
	if id.Cycle {
		s += " CYCLE"
	}
	return s + ")"
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgquote.Ident(n)
	}
	return strings.Join(q, ",")
}

func (r *renderer) addTable(t *schema.Table) error {
	inline, hasInline := inlinePK(t)
	var lines []string
	for _, c := range t.Columns {
		lines = append(lines, "\t"+r.columnDef(t, c, hasInline && inline.Name == c.Name))
	}
	if t.PrimaryKey != nil && !hasInline {
		lines = append(lines, fmt.Sprintf("\tCONSTRAINT %s PRIMARY KEY(%s)", pgquote.Ident(pkName(t)), quotedList(pkColumns(t.PrimaryKey))))
	}
	for _, idx := range t.Indexes {
		if kind, name := constraintOf(idx); kind == "u" {
			lines = append(lines, "\tCONSTRAINT "+pgquote.Ident(name)+uniqueClause(idx))
		}
	}
	for _, ck := range checks(t) {
		lines = append(lines, fmt.Sprintf("\tCONSTRAINT %s CHECK (%s)", pgquote.Ident(ck.Name), schemastate.StripParens(ck.Expr)))
	}
	r.creates = append(r.creates, fmt.Sprintf("CREATE TABLE %s (\n%s\n);\n", tableRef(t), strings.Join(lines, ",\n")))
	for _, fk := range t.ForeignKeys {
		r.addFKs = append(r.addFKs, addFK(t, fk))
	}
	for _, idx := range t.Indexes {
		var err error
		switch kind, _ := constraintOf(idx); kind {
		case "":
			err = r.createIndex(t, idx)
		case "x":
			err = r.fallbackInto(&r.adds, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddIndex{I: idx}}})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func uniqueClause(idx *schema.Index) string {
	nn := ""
	if nullsNotDistinct(idx) {
		nn = " NULLS NOT DISTINCT"
	}
	var cols []string
	for _, p := range idx.Parts {
		if p.C != nil {
			cols = append(cols, p.C.Name)
		}
	}
	return " UNIQUE" + nn + "(" + quotedList(cols) + ")"
}

func addFK(t *schema.Table, fk *schema.ForeignKey) string {
	return fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s(%s) ON DELETE %s ON UPDATE %s;",
		tableRef(t), pgquote.Ident(fk.Symbol), quotedList(fkColumns(fk.Columns)), fullTableRef(fk.RefTable),
		quotedList(fkColumns(fk.RefColumns)), fkAction(fk.OnDelete), fkAction(fk.OnUpdate))
}

func (r *renderer) createIndex(t *schema.Table, idx *schema.Index) error {
	if !plainIndex(idx) {
		return r.fallbackInto(&r.adds, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddIndex{I: idx}}})
	}
	var cols []string
	for _, ic := range indexColumns(idx) {
		s := ic.Expression
		if !ic.IsExpression {
			s = pgquote.Ident(s)
		}
		switch {
		case ic.Opclass != "":
			s += " " + ic.Opclass
		case !ic.Asc:
			s += " DESC"
		}
		if !(ic.Asc && ic.Nulls == "last") && ic.Opclass == "" {
			s += " NULLS " + strings.ToUpper(ic.Nulls)
		}
		cols = append(cols, s)
	}
	unique := ""
	if idx.Unique {
		unique = "UNIQUE "
	}
	stmt := fmt.Sprintf("CREATE %sINDEX %s ON %s USING %s (%s)", unique, pgquote.Ident(idx.Name), tableRef(t), indexMethod(idx), strings.Join(cols, ","))
	if w := indexWhere(idx); w != "" {
		stmt += " WHERE " + w
	}
	r.adds = append(r.adds, stmt+";")
	return nil
}

func indexRef(t *schema.Table, name string) string {
	if s := schemaName(t); s != "public" {
		return pgquote.Ident(s, name)
	}
	return pgquote.Ident(name)
}

func (r *renderer) modifyTable(m *schema.ModifyTable) error {
	t := m.T
	alter := "ALTER TABLE " + tableRef(t) + " "
	var dropIdx, dropCons, dropCols, addCols, alterCols, addPK []string
	for _, c := range m.Changes {
		switch c := c.(type) {
		case *schema.DropForeignKey:
			r.dropFKs = append(r.dropFKs, alter+"DROP CONSTRAINT "+pgquote.Ident(c.F.Symbol)+";")
		case *schema.AddForeignKey:
			r.addFKs = append(r.addFKs, addFK(t, c.F))
		case *schema.ModifyForeignKey:
			r.dropFKs = append(r.dropFKs, alter+"DROP CONSTRAINT "+pgquote.Ident(c.From.Symbol)+";")
			r.addFKs = append(r.addFKs, addFK(t, c.To))
		case *schema.DropIndex:
			dropIdx = append(dropIdx, r.dropIndex(t, c.I)...)
		case *schema.AddIndex:
			if err := r.addIndex(t, c.I); err != nil {
				return err
			}
		case *schema.ModifyIndex:
			dropIdx = append(dropIdx, r.dropIndex(t, c.From)...)
			if err := r.addIndex(t, c.To); err != nil {
				return err
			}
		case *schema.DropCheck:
			dropCons = append(dropCons, alter+"DROP CONSTRAINT "+pgquote.Ident(c.C.Name)+";")
		case *schema.AddCheck:
			r.addConstraints = append(r.addConstraints, fmt.Sprintf("%sADD CONSTRAINT %s CHECK (%s);", alter, pgquote.Ident(c.C.Name), schemastate.StripParens(c.C.Expr)))
		case *schema.ModifyCheck:
			dropCons = append(dropCons, alter+"DROP CONSTRAINT "+pgquote.Ident(c.From.Name)+";")
			r.addConstraints = append(r.addConstraints, fmt.Sprintf("%sADD CONSTRAINT %s CHECK (%s);", alter, pgquote.Ident(c.To.Name), schemastate.StripParens(c.To.Expr)))
		case *schema.DropPrimaryKey:
			dropCons = append(dropCons, alter+"DROP CONSTRAINT "+pgquote.Ident(pkNameOf(t, c.P))+";")
		case *schema.AddPrimaryKey:
			addPK = append(addPK, fmt.Sprintf("%sADD CONSTRAINT %s PRIMARY KEY(%s);", alter, pgquote.Ident(pkNameOf(t, c.P)), quotedList(pkColumns(c.P))))
		case *schema.ModifyPrimaryKey:
			dropCons = append(dropCons, alter+"DROP CONSTRAINT "+pgquote.Ident(pkNameOf(t, c.From))+";")
			addPK = append(addPK, fmt.Sprintf("%sADD CONSTRAINT %s PRIMARY KEY(%s);", alter, pgquote.Ident(pkNameOf(t, c.To)), quotedList(pkColumns(c.To))))
		case *schema.DropColumn:
			dropCols = append(dropCols, alter+"DROP COLUMN "+pgquote.Ident(c.C.Name)+";")
		case *schema.AddColumn:
			addCols = append(addCols, alter+"ADD COLUMN "+r.columnDef(t, c.C, false)+";")
		case *schema.ModifyColumn:
			stmts, err := r.modifyColumn(t, c)
			if err != nil {
				return err
			}
			alterCols = append(alterCols, stmts...)
		case *schema.AddAttr, *schema.ModifyAttr, *schema.DropAttr:
			// Table comments and the like: drizzle-kit has none.
			if err := r.fallbackInto(&r.alters, &schema.ModifyTable{T: t, Changes: []schema.Change{c}}); err != nil {
				return err
			}
		default:
			if err := r.fallbackInto(&r.alters, &schema.ModifyTable{T: t, Changes: []schema.Change{c}}); err != nil {
				return err
			}
		}
	}
	for _, part := range [][]string{dropIdx, dropCons, dropCols, addCols, alterCols, addPK} {
		r.alters = append(r.alters, part...)
	}
	return nil
}

func pkNameOf(t *schema.Table, pk *schema.Index) string {
	if _, n := constraintOf(pk); n != "" {
		return n
	}
	if pk.Name != "" {
		return pk.Name
	}
	return t.Name + "_pkey"
}

func (r *renderer) dropIndex(t *schema.Table, idx *schema.Index) []string {
	if kind, name := constraintOf(idx); kind != "" {
		return []string{"ALTER TABLE " + tableRef(t) + " DROP CONSTRAINT " + pgquote.Ident(name) + ";"}
	}
	return []string{"DROP INDEX " + indexRef(t, idx.Name) + ";"}
}

func (r *renderer) addIndex(t *schema.Table, idx *schema.Index) error {
	switch kind, name := constraintOf(idx); kind {
	case "u":
		r.addConstraints = append(r.addConstraints, "ALTER TABLE "+tableRef(t)+" ADD CONSTRAINT "+pgquote.Ident(name)+uniqueClause(idx)+";")
		return nil
	case "":
		return r.createIndex(t, idx)
	}
	return r.fallbackInto(&r.adds, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.AddIndex{I: idx}}})
}

// modifyColumn renders type, nullability and default changes as
// drizzle-kit does; anything else (identity, generated expression,
// collation) is planned by Atlas.
func (r *renderer) modifyColumn(t *schema.Table, m *schema.ModifyColumn) ([]string, error) {
	handled := schema.ChangeType | schema.ChangeNull | schema.ChangeDefault | schema.ChangeComment
	if m.Change&^handled != 0 {
		var out []string
		err := r.fallbackInto(&out, &schema.ModifyTable{T: t, Changes: []schema.Change{m}})
		return out, err
	}
	col := "ALTER TABLE " + tableRef(t) + " ALTER COLUMN " + pgquote.Ident(m.To.Name) + " "
	var out []string
	if m.Change.Is(schema.ChangeType) {
		_, _, ddl := columnType(m.To)
		// A default of the old type may not cast: drop it first, set the
		// new one after.
		if defaultText(m.From) != "" {
			out = append(out, col+"DROP DEFAULT;")
		}
		out = append(out, fmt.Sprintf("%sSET DATA TYPE %s USING %s::%s;", col, ddl, pgquote.Ident(m.To.Name), ddl))
		if d := sqlDefault(m.To); d != "" {
			out = append(out, col+"SET DEFAULT "+d+";")
		}
	} else if m.Change.Is(schema.ChangeDefault) {
		if d := sqlDefault(m.To); d != "" {
			out = append(out, col+"SET DEFAULT "+d+";")
		} else {
			out = append(out, col+"DROP DEFAULT;")
		}
	}
	if m.Change.Is(schema.ChangeNull) {
		if m.To.Type.Null {
			out = append(out, col+"DROP NOT NULL;")
		} else {
			out = append(out, col+"SET NOT NULL;")
		}
	}
	if m.Change.Is(schema.ChangeComment) {
		if err := r.fallbackInto(&out, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.ModifyColumn{From: m.From, To: m.To, Change: schema.ChangeComment}}}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *renderer) fallback(c schema.Change) error { return r.fallbackInto(&r.alters, c) }

// fallbackInto plans one change with Atlas and appends its statements.
func (r *renderer) fallbackInto(dst *[]string, c schema.Change) error {
	stmts, err := schemastate.Plan(r.ctx, r.conn, []schema.Change{c})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	for _, s := range stmts {
		*dst = append(*dst, strings.TrimRight(s, "; \n")+";")
	}
	return nil
}
