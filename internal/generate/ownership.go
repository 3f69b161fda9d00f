package generate

import (
	"errors"
	"fmt"
	"regexp"

	"ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/pgquote"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/journal"
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
		if phrase, kind, name := tableChange(c); phrase != "" {
			return fmt.Sprintf(phrase, kind+" "+pgquote.Ident(name))
		}
	}
	return "changes it"
}

// How describe phrases a change to a table's column, index, foreign key or
// check.
const (
	addsTo    = "adds %s to it"
	dropsIts  = "drops its %s"
	changesIt = "changes its %s"
)

// tableChange is the phrase, the kind and the name of what c changes in a
// table; "" for a change describe does not name.
func tableChange(c schema.Change) (phrase, kind, name string) {
	switch c := c.(type) {
	case *schema.AddColumn:
		return addsTo, "column", c.C.Name
	case *schema.DropColumn:
		return dropsIts, "column", c.C.Name
	case *schema.ModifyColumn:
		return changesIt, "column", c.To.Name
	case *schema.AddIndex:
		return addsTo, "index", c.I.Name
	case *schema.DropIndex:
		return dropsIts, "index", c.I.Name
	case *schema.ModifyIndex:
		return changesIt, "index", c.To.Name
	case *schema.AddForeignKey:
		return addsTo, "foreign key", c.F.Symbol
	case *schema.DropForeignKey:
		return dropsIts, "foreign key", c.F.Symbol
	case *schema.AddCheck:
		return addsTo, "check", c.C.Name
	case *schema.DropCheck:
		return dropsIts, "check", c.C.Name
	}
	return "", "", ""
}

var alreadyExistsRE = regexp.MustCompile(`"([^"]+)"`)

// schemaError turns a failed schema file into a *SchemaError, or an
// *EngineObjectError when the statement recreates an engine object.
func schemaError(err error, base *schema.Realm, files []SchemaFile) error {
	var se *schemastate.StepError
	if !errors.As(err, &se) {
		return fmt.Errorf("generate: desired schema: %w", err)
	}
	if name := alreadyExists(se.Err); base != nil && name != "" {
		if obj := findObject(base, name); obj != "" {
			e := &EngineObjectError{Object: obj, Detail: "creates it again", File: se.Step, Line: se.Line, Col: se.Col}
			var sk *skippedError
			if errors.As(se.Err, &sk) {
				e.Detail = "creates it again with IF NOT EXISTS, which PostgreSQL skips with only a notice (the client's definition would be silently ignored)"
				for _, f := range files {
					if f.Path == se.Step && e.Line == 0 {
						e.Line, e.Col = locateIfNotExists(f.SQL, name)
					}
				}
			}
			return e
		}
	}
	return &SchemaError{File: se.Step, Line: se.Line, Col: se.Col, Err: se.Err}
}

// alreadyExists is the name in an "already exists" error or notice
// (duplicate table, object or schema), "" for anything else.
func alreadyExists(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || (pe.Code != "42P07" && pe.Code != "42710" && pe.Code != "42P06") {
		return ""
	}
	if m := alreadyExistsRE.FindStringSubmatch(pe.Message); m != nil {
		return m[1]
	}
	return ""
}

// skippedError is a NOTICE that an IF NOT EXISTS statement was skipped
// because the object already exists.
type skippedError struct{ notice *pgconn.PgError }

func (e *skippedError) Error() string { return e.notice.Message }
func (e *skippedError) Unwrap() error { return e.notice }

// skippedEngineObject fails a desired-schema statement that PostgreSQL
// skipped because an engine object of that name exists (CREATE TABLE IF NOT
// EXISTS contacts …): without it, the client's definition would vanish
// silently. nil when there is no engine track.
func skippedEngineObject(base *schema.Realm) func(*pgconn.Notice) error {
	if base == nil {
		return nil
	}
	return func(n *pgconn.Notice) error {
		err := &skippedError{notice: (*pgconn.PgError)(n)}
		if name := alreadyExists(err); name != "" && findObject(base, name) != "" {
			return err
		}
		return nil
	}
}

// locateIfNotExists finds the "IF NOT EXISTS name" clause in sql for a
// line and column (PostgreSQL gives notices no position); 0, 0 if absent.
func locateIfNotExists(sql, name string) (line, col int) {
	re := regexp.MustCompile(`(?i)\bif\s+not\s+exists\s+(?:"?[^\s."]+"?\s*\.\s*)?"?` + regexp.QuoteMeta(name) + `(?:"|\s|\(|;|$)`)
	loc := re.FindStringIndex(sql)
	if loc == nil {
		return 0, 0
	}
	return journal.Position(sql, loc[0])
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
