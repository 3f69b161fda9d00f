package generate

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/schema"
)

// warningsFor lists what deserves a human look: statements that lose data,
// changes that fail on existing data, and drop+add pairs that may have been
// meant as renames (Atlas does not detect renames).
func warningsFor(changes []schema.Change) []Warning {
	out := []Warning{}
	var droppedTables, addedTables []string
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable:
			n := schemaName(c.T) + "." + c.T.Name
			droppedTables = append(droppedTables, n)
			out = append(out, Warning{WarnDestructive, "table " + n, "drops table " + n + " and all its rows"})
		case *schema.AddTable:
			addedTables = append(addedTables, schemaName(c.T)+"."+c.T.Name)
		case *schema.DropSchema:
			out = append(out, Warning{WarnDestructive, "schema " + c.S.Name, "drops schema " + c.S.Name})
		case *schema.DropObject:
			if e, ok := c.O.(*schema.EnumType); ok {
				out = append(out, Warning{WarnDestructive, "type " + enumSchema(e) + "." + e.T, "drops type " + enumSchema(e) + "." + e.T})
			}
		case *schema.ModifyObject:
			if e, ok := c.To.(*schema.EnumType); ok {
				out = append(out, Warning{WarnData, "type " + enumSchema(e) + "." + e.T,
					"adds enum values: drizzle's migrator runs pending migrations in one transaction, so a value added here cannot be used by a later migration applied in the same run"})
			}
		case *schema.ModifyTable:
			out = append(out, tableWarnings(c)...)
		}
	}
	if len(droppedTables) > 0 && len(addedTables) > 0 {
		out = append(out, Warning{WarnRename, "table " + strings.Join(droppedTables, ", "),
			fmt.Sprintf("drops %s and creates %s: if this is a rename, the data is lost; edit the file by hand to use ALTER TABLE ... RENAME TO instead",
				strings.Join(droppedTables, ", "), strings.Join(addedTables, ", "))})
	}
	return out
}

func tableWarnings(m *schema.ModifyTable) []Warning {
	var out []Warning
	tn := schemaName(m.T) + "." + m.T.Name
	var dropped, added []string
	for _, c := range m.Changes {
		switch c := c.(type) {
		case *schema.DropColumn:
			dropped = append(dropped, c.C.Name)
			out = append(out, Warning{WarnDestructive, "column " + tn + "." + c.C.Name, "drops column " + tn + "." + c.C.Name + " and its data"})
		case *schema.AddColumn:
			added = append(added, c.C.Name)
			if !c.C.Type.Null && c.C.Default == nil && !hasIdentity(c.C) {
				if _, ok := generatedExpr(c.C); !ok {
					out = append(out, Warning{WarnData, "column " + tn + "." + c.C.Name, "adds NOT NULL column " + tn + "." + c.C.Name + " without a default: fails if the table has rows"})
				}
			}
		case *schema.ModifyColumn:
			n := "column " + tn + "." + c.To.Name
			if c.Change.Is(schema.ChangeType) {
				from, _, _ := columnType(c.From)
				to, _, _ := columnType(c.To)
				out = append(out, Warning{WarnDestructive, n, fmt.Sprintf("changes the type of %s from %s to %s: may fail or lose data on existing rows", tn+"."+c.To.Name, from, to)})
			}
			if c.Change.Is(schema.ChangeNull) && !c.To.Type.Null {
				out = append(out, Warning{WarnData, n, "sets NOT NULL on " + tn + "." + c.To.Name + ": fails if a row holds NULL"})
			}
		case *schema.AddIndex:
			if c.I.Unique {
				out = append(out, Warning{WarnData, "index " + c.I.Name, "adds unique " + c.I.Name + ": fails if existing rows hold duplicates"})
			}
		case *schema.AddCheck:
			out = append(out, Warning{WarnData, "check " + c.C.Name, "adds check " + c.C.Name + ": fails if existing rows violate it"})
		case *schema.DropForeignKey:
			out = append(out, Warning{WarnDestructive, "fk " + c.F.Symbol, "drops foreign key " + c.F.Symbol})
		case *schema.DropIndex:
			out = append(out, Warning{WarnDestructive, "index " + c.I.Name, "drops index " + c.I.Name})
		}
	}
	if len(dropped) > 0 && len(added) > 0 {
		out = append(out, Warning{WarnRename, "table " + tn,
			fmt.Sprintf("drops column(s) %s and adds %s on %s: a rename appears as drop + add and loses the data; if you renamed, edit the file by hand to use ALTER TABLE ... RENAME COLUMN instead",
				strings.Join(dropped, ", "), strings.Join(added, ", "), tn)})
	}
	return out
}
