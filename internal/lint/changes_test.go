package lint

import (
	"fmt"
	"strings"
	"testing"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// renderChanges names each change the way the tests below compare them.
func renderChanges(cs []schema.Change) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		switch c := c.(type) {
		case *schema.RenameTable:
			out[i] = "rename table " + c.From.Name + "->" + c.To.Name
		case *schema.RenameColumn:
			out[i] = "rename column " + c.From.Name + "->" + c.To.Name
		case *schema.RenameIndex:
			out[i] = "rename index " + c.From.Name + "->" + c.To.Name
		case *schema.DropTable:
			out[i] = "drop table " + c.T.Name
		case *schema.AddTable:
			out[i] = "add table " + c.T.Name
		case *schema.DropColumn:
			out[i] = "drop column " + c.C.Name
		case *schema.AddColumn:
			out[i] = "add column " + c.C.Name
		case *schema.DropIndex:
			out[i] = "drop index " + c.I.Name
		case *schema.AddIndex:
			out[i] = "add index " + c.I.Name
		case *schema.ModifyTable:
			out[i] = "modify table " + c.T.Name + " [" + renderChanges(c.Changes) + "]"
		default:
			out[i] = fmt.Sprintf("%T", c)
		}
	}
	return strings.Join(out, "; ")
}

func intColumn(name string) *schema.Column {
	return &schema.Column{Name: name, Type: &schema.ColumnType{Type: &schema.IntegerType{T: postgres.TypeInteger}}}
}

func textColumn(name string) *schema.Column {
	return &schema.Column{Name: name, Type: &schema.ColumnType{Type: &schema.StringType{T: postgres.TypeText}, Null: true}}
}

func tableOf(name string, cols ...*schema.Column) *schema.Table {
	return &schema.Table{Name: name, Columns: cols}
}

func indexOn(name string, cols ...*schema.Column) *schema.Index {
	idx := &schema.Index{Name: name}
	for _, c := range cols {
		idx.Parts = append(idx.Parts, &schema.IndexPart{C: c})
	}
	return idx
}

// Each drop pairs with the first add of its shape that no earlier drop
// took, in change order; an index on a renamed column pairs through the
// column's new name; what has no partner stays a drop or an add.
func TestRecogniseRenamesPairing(t *testing.T) {
	oldA, newA := intColumn("a"), intColumn("a2")
	oldB, newB := intColumn("b"), intColumn("b2")
	for _, tc := range []struct {
		name    string
		changes []schema.Change
		want    string
	}{
		{
			name: "two tables of one shape, each its own partner",
			changes: []schema.Change{
				&schema.DropTable{T: tableOf("t1", intColumn("id"))},
				&schema.DropTable{T: tableOf("t2", intColumn("id"))},
				&schema.AddTable{T: tableOf("u1", intColumn("id"))},
				&schema.AddTable{T: tableOf("u2", intColumn("id"))},
			},
			want: "rename table t1->u1; rename table t2->u2",
		},
		{
			name: "a table of another shape stays a drop and an add",
			changes: []schema.Change{
				&schema.DropTable{T: tableOf("t1", intColumn("id"))},
				&schema.DropTable{T: tableOf("t2", intColumn("id"))},
				&schema.AddTable{T: tableOf("u1", intColumn("id"))},
				&schema.AddTable{T: tableOf("u2", textColumn("id"))},
			},
			want: "rename table t1->u1; drop table t2; add table u2",
		},
		{
			name: "two columns of one type, each its own partner",
			changes: []schema.Change{&schema.ModifyTable{T: tableOf("t"), Changes: []schema.Change{
				&schema.DropColumn{C: oldA},
				&schema.DropColumn{C: oldB},
				&schema.AddColumn{C: newA},
				&schema.AddColumn{C: newB},
			}}},
			want: "modify table t [rename column a->a2; rename column b->b2]",
		},
		{
			name: "an index on a renamed column",
			changes: []schema.Change{&schema.ModifyTable{T: tableOf("t"), Changes: []schema.Change{
				&schema.DropIndex{I: indexOn("t_a_idx", oldA)},
				&schema.AddIndex{I: indexOn("t_a2_idx", newA)},
				&schema.DropColumn{C: oldA},
				&schema.AddColumn{C: newA},
			}}},
			want: "modify table t [rename index t_a_idx->t_a2_idx; rename column a->a2]",
		},
		{
			name: "an index on another column is no rename",
			changes: []schema.Change{&schema.ModifyTable{T: tableOf("t"), Changes: []schema.Change{
				&schema.DropIndex{I: indexOn("t_a_idx", oldA)},
				&schema.AddIndex{I: indexOn("t_b_idx", oldB)},
				&schema.DropColumn{C: textColumn("c")},
				&schema.AddColumn{C: intColumn("d")},
			}}},
			want: "modify table t [drop index t_a_idx; add index t_b_idx; drop column c; add column d]",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderChanges(recogniseRenames(tc.changes)); got != tc.want {
				t.Errorf("recogniseRenames:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
