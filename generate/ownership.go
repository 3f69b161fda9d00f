package generate

import (
	"errors"
	"fmt"
	"regexp"

	"ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/schemastate"
)

// ownedBy returns a predicate that tells objects of base (the engine track)
// apart. With no base, nothing is owned.
func ownedBy(base *schema.Realm) func(kind, schemaName, name string) bool {
	if base == nil {
		return func(string, string, string) bool { return false }
	}
	set := map[string]bool{}
	for _, s := range base.Schemas {
		if s.Name != "public" {
			set["schema "+s.Name+"."+s.Name] = true
		}
		for _, o := range s.Objects {
			if e, ok := o.(*schema.EnumType); ok {
				set["enum "+s.Name+"."+e.T] = true
			}
		}
		for _, t := range s.Tables {
			set["table "+s.Name+"."+t.Name] = true
		}
	}
	return func(kind, schemaName, name string) bool { return set[kind+" "+schemaName+"."+name] }
}

// checkOwnership refuses a desired state that changes what the base track
// built: diffing the base alone against the desired state must only add.
func checkOwnership(base, desired *schema.Realm, owned func(kind, schema, name string) bool, who string) error {
	if base == nil {
		return nil
	}
	changes, err := schemastate.Diff(base, desired)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return touches(changes, owned, who)
}

// checkTouches refuses a migration that would change an engine object.
func checkTouches(changes []schema.Change, owned func(kind, schema, name string) bool) error {
	return touches(changes, owned, "the client migrations")
}

func touches(changes []schema.Change, owned func(kind, schema, name string) bool, who string) error {
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.DropTable:
			if owned("table", schemaName(c.T), c.T.Name) {
				return &EngineObjectError{Object: "table " + schemaName(c.T) + "." + c.T.Name, Detail: "drops it (" + who + ")"}
			}
		case *schema.ModifyTable:
			if owned("table", schemaName(c.T), c.T.Name) {
				return &EngineObjectError{Object: "table " + schemaName(c.T) + "." + c.T.Name, Detail: describe(c.Changes) + " (" + who + ")"}
			}
		case *schema.DropObject:
			if e, ok := c.O.(*schema.EnumType); ok && owned("enum", enumSchema(e), e.T) {
				return &EngineObjectError{Object: "type " + enumSchema(e) + "." + e.T, Detail: "drops it (" + who + ")"}
			}
		case *schema.ModifyObject:
			if e, ok := c.To.(*schema.EnumType); ok && owned("enum", enumSchema(e), e.T) {
				return &EngineObjectError{Object: "type " + enumSchema(e) + "." + e.T, Detail: "changes its values (" + who + ")"}
			}
		case *schema.DropSchema:
			if owned("schema", c.S.Name, c.S.Name) {
				return &EngineObjectError{Object: "schema " + c.S.Name, Detail: "drops it (" + who + ")"}
			}
		}
	}
	return nil
}

// describe says what the first of a table's changes does.
func describe(cs []schema.Change) string {
	for _, c := range cs {
		switch c := c.(type) {
		case *schema.AddColumn:
			return "adds column " + quote(c.C.Name) + " to it"
		case *schema.DropColumn:
			return "drops its column " + quote(c.C.Name)
		case *schema.ModifyColumn:
			return "changes its column " + quote(c.To.Name)
		case *schema.AddIndex:
			return "adds index " + quote(c.I.Name) + " to it"
		case *schema.DropIndex:
			return "drops its index " + quote(c.I.Name)
		case *schema.ModifyIndex:
			return "changes its index " + quote(c.To.Name)
		case *schema.AddForeignKey:
			return "adds foreign key " + quote(c.F.Symbol) + " to it"
		case *schema.DropForeignKey:
			return "drops its foreign key " + quote(c.F.Symbol)
		case *schema.AddCheck:
			return "adds check " + quote(c.C.Name) + " to it"
		case *schema.DropCheck:
			return "drops its check " + quote(c.C.Name)
		}
	}
	return "changes it"
}

var alreadyExistsRE = regexp.MustCompile(`"([^"]+)"`)

// schemaError turns a failed schema file into a *SchemaError, or an
// *EngineObjectError when the statement recreates an engine object.
func schemaError(err error, base *schema.Realm) error {
	var se *schemastate.StepError
	if !errors.As(err, &se) {
		return fmt.Errorf("generate: desired schema: %w", err)
	}
	var pe *pgconn.PgError
	if base != nil && errors.As(se.Err, &pe) && (pe.Code == "42P07" || pe.Code == "42710") {
		if m := alreadyExistsRE.FindStringSubmatch(pe.Message); m != nil {
			if obj := findObject(base, m[1]); obj != "" {
				return &EngineObjectError{Object: obj, Detail: "creates it again", File: se.Step, Line: se.Line, Col: se.Col}
			}
		}
	}
	return &SchemaError{File: se.Step, Line: se.Line, Col: se.Col, Err: se.Err}
}

// findObject names the base object called name (table, index, type).
func findObject(base *schema.Realm, name string) string {
	for _, s := range base.Schemas {
		for _, o := range s.Objects {
			if e, ok := o.(*schema.EnumType); ok && e.T == name {
				return "type " + s.Name + "." + e.T
			}
		}
		for _, t := range s.Tables {
			if t.Name == name {
				return "table " + s.Name + "." + t.Name
			}
			for _, idx := range t.Indexes {
				if idx.Name == name {
					return "index " + s.Name + "." + idx.Name + " (on table " + t.Name + ")"
				}
			}
			if t.PrimaryKey != nil && pkName(t) == name {
				return "primary key " + name + " (on table " + t.Name + ")"
			}
		}
	}
	return ""
}
