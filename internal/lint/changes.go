package lint

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// recogniseRenames rewrites the changes of ONE statement so that renames
// read as renames, not as drop + add: a dropped and an added table of the
// same shape become a RenameTable, a dropped and an added column of the
// same definition in one table a RenameColumn, a dropped and an added
// index of the same definition a RenameIndex. Index, key and check changes
// that only follow a column rename are removed (they are the same objects
// seen through the new name).
func recogniseRenames(changes []schema.Change) []schema.Change {
	replaced := map[int]schema.Change{}
	removed := map[int]bool{}
	pairRenames(changes, replaced, removed,
		func(d *schema.DropTable, a *schema.AddTable) bool { return tableShape(d.T) == tableShape(a.T) },
		func(d *schema.DropTable, a *schema.AddTable) schema.Change {
			return &schema.RenameTable{From: d.T, To: a.T}
		})
	out := make([]schema.Change, 0, len(changes))
	for i, c := range changes {
		switch {
		case removed[i]:
		case replaced[i] != nil:
			out = append(out, replaced[i])
		default:
			if mt, ok := c.(*schema.ModifyTable); ok {
				cp := *mt
				cp.Changes = renamesInTable(mt.Changes)
				if len(cp.Changes) == 0 {
					continue
				}
				c = &cp
			}
			out = append(out, c)
		}
	}
	return out
}

// renamesInTable does recogniseRenames' work inside one table.
func renamesInTable(changes []schema.Change) []schema.Change {
	removed := map[int]bool{}
	replaced := map[int]schema.Change{}
	renamed := map[string]string{} // old column name -> new
	pairRenames(changes, replaced, removed,
		func(d *schema.DropColumn, a *schema.AddColumn) bool { return columnShape(d.C) == columnShape(a.C) },
		func(d *schema.DropColumn, a *schema.AddColumn) schema.Change {
			renamed[d.C.Name] = a.C.Name
			return &schema.RenameColumn{From: d.C, To: a.C}
		})
	// Indexes after columns: an index on a renamed column is compared
	// through the column's new name.
	pairRenames(changes, replaced, removed,
		func(d *schema.DropIndex, a *schema.AddIndex) bool {
			return indexShape(d.I, renamed) == indexShape(a.I, nil)
		},
		func(d *schema.DropIndex, a *schema.AddIndex) schema.Change {
			return &schema.RenameIndex{From: d.I, To: a.I}
		})
	out := make([]schema.Change, 0, len(changes))
	for i, c := range changes {
		if removed[i] {
			continue
		}
		if r := replaced[i]; r != nil {
			out = append(out, r)
			continue
		}
		if len(renamed) > 0 {
			switch c := c.(type) {
			case *schema.ModifyIndex:
				if indexShape(c.From, renamed) == indexShape(c.To, nil) {
					continue
				}
			case *schema.ModifyPrimaryKey:
				continue
			case *schema.ModifyForeignKey, *schema.ModifyCheck:
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// pairRenames pairs each drop (a change of type D) with the first add (of
// type A) not yet paired for which same holds, in change order: the drop is
// replaced by rename's change and the add removed.
func pairRenames[D, A schema.Change](changes []schema.Change, replaced map[int]schema.Change, removed map[int]bool,
	same func(D, A) bool, rename func(D, A) schema.Change) {
	for i, c := range changes {
		d, ok := c.(D)
		if !ok {
			continue
		}
		for j, c2 := range changes {
			if a, ok := c2.(A); ok && !removed[j] && same(d, a) {
				replaced[i] = rename(d, a)
				removed[j] = true
				break
			}
		}
	}
}

// columnShape is a column's definition without its name.
func columnShape(c *schema.Column) string {
	typ := "?"
	if c.Type != nil && c.Type.Type != nil {
		if s, err := postgres.FormatType(c.Type.Type); err == nil {
			typ = s
		}
	}
	return fmt.Sprintf("%s null=%t default=%s", typ, c.Type != nil && c.Type.Null, exprString(c.Default))
}

// tableShape is a table's definition without its name or schema.
func tableShape(t *schema.Table) string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.Name + " " + columnShape(c)
	}
	sort.Strings(cols)
	pk := ""
	if t.PrimaryKey != nil {
		pk = indexShape(t.PrimaryKey, nil)
	}
	return strings.Join(cols, ", ") + " pk " + pk
}

// indexShape is an index's definition without its name, with column
// names mapped through renamed.
func indexShape(idx *schema.Index, renamed map[string]string) string {
	parts := make([]string, len(idx.Parts))
	for i, p := range idx.Parts {
		switch {
		case p.C != nil:
			n := p.C.Name
			if r, ok := renamed[n]; ok {
				n = r
			}
			parts[i] = n
		case p.X != nil:
			parts[i] = exprString(p.X)
		}
		if p.Desc {
			parts[i] += " desc"
		}
	}
	return fmt.Sprintf("unique=%t (%s)", idx.Unique, strings.Join(parts, ", "))
}

func exprString(e schema.Expr) string {
	switch e := e.(type) {
	case nil:
		return ""
	case *schema.RawExpr:
		return e.X
	case *schema.Literal:
		return e.V
	default:
		return fmt.Sprintf("%v", e)
	}
}

var varcharType = regexp.MustCompile(`^(?:character varying|varchar)(?:\((\d+)\))?$`)

// wideningOnly reports whether a type change keeps every value and needs
// no rewrite: varchar(n) to a longer varchar or to text.
func wideningOnly(from, to *schema.Column) bool {
	if from.Type == nil || to.Type == nil || from.Type.Type == nil || to.Type.Type == nil {
		return false
	}
	f, err1 := postgres.FormatType(from.Type.Type)
	t, err2 := postgres.FormatType(to.Type.Type)
	if err1 != nil || err2 != nil {
		return false
	}
	fm := varcharType.FindStringSubmatch(f)
	if fm == nil {
		return false
	}
	if t == "text" {
		return true
	}
	tm := varcharType.FindStringSubmatch(t)
	if tm == nil {
		return false
	}
	if tm[1] == "" {
		return true
	}
	if fm[1] == "" {
		return false
	}
	a, _ := strconv.Atoi(fm[1])
	b, _ := strconv.Atoi(tm[1])
	return b >= a
}

// enums lists the enum types of a realm by "schema.name".
func enums(r *schema.Realm) map[string][]string {
	out := map[string][]string{}
	if r == nil {
		return out
	}
	for _, s := range r.Schemas {
		for _, o := range s.Objects {
			if e, ok := o.(*schema.EnumType); ok {
				out[s.Name+"."+e.T] = e.Values
			}
		}
	}
	return out
}

// tables lists the tables of a realm by "schema.name".
func tables(r *schema.Realm) map[string]bool {
	out := map[string]bool{}
	if r == nil {
		return out
	}
	for _, s := range r.Schemas {
		for _, t := range s.Tables {
			out[s.Name+"."+t.Name] = true
		}
	}
	return out
}

func tableKey(t *schema.Table) string {
	if t.Schema == nil {
		return t.Name
	}
	return t.Schema.Name + "." + t.Name
}

// missing returns the values of a absent from b, in a's order.
func missing(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, v := range b {
		in[v] = true
	}
	var out []string
	for _, v := range a {
		if !in[v] {
			out = append(out, v)
		}
	}
	return out
}
