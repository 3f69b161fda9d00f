package drift

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/pgquote"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// Object kinds, as they appear first in an Object's Key.
const (
	KindSchema     = "schema"
	KindTable      = "table"
	KindColumn     = "column"
	KindPrimaryKey = "primary key"
	KindIndex      = "index"
	KindExclusion  = "exclusion"
	KindFK         = "fk"
	KindCheck      = "check"
	KindEnum       = "enum"
	KindEnumValue  = "enum value"
)

// Object is one named thing of a realm that Atlas compares, with a
// fingerprint of its definition. Two realms hold "the same" object when the
// keys match and "a different" one when only the fingerprints differ.
type Object struct {
	// Key names the object stably, kind first:
	//
	//	schema app
	//	table public.contacts
	//	column public.contacts.email
	//	primary key public.contacts
	//	index public.contacts_email_idx  (index names are per schema; a
	//	                                  UNIQUE constraint is keyed as its index)
	//	exclusion public.bookings.no_overlap (constraint names are per table)
	//	fk public.sends.sends_contact_id_contacts_id_fk
	//	check public.sends.sends_attempts_check
	//	enum public.send_status
	//	enum value public.send_status.bounced
	Key  string
	Kind string
	// Fingerprint is the normalised definition (SQL as Atlas would write
	// it, with equivalent defaults spelled one way). Empty for objects that
	// are fully described by their key (enum values, tables without comment).
	Fingerprint string
}

// Objects lists the objects of r sorted by Key. Column order, the order of
// tables and the inspection's OIDs do not influence the result.
func Objects(r *schema.Realm) []Object {
	if r == nil {
		return nil
	}
	var out []Object
	add := func(kind, name, fp string) {
		out = append(out, Object{Key: kind + " " + name, Kind: kind, Fingerprint: fp})
	}
	for _, s := range r.Schemas {
		add(KindSchema, s.Name, comment(s.Attrs))
		for _, o := range s.Objects {
			e, ok := o.(*schema.EnumType)
			if !ok {
				continue
			}
			name := s.Name + "." + e.T
			quoted := make([]string, len(e.Values))
			for i, v := range e.Values {
				quoted[i] = pgquote.Literal(v)
				add(KindEnumValue, name+"."+v, "")
			}
			add(KindEnum, name, "("+strings.Join(quoted, ", ")+")")
		}
		for _, t := range s.Tables {
			tname := s.Name + "." + t.Name
			add(KindTable, tname, comment(t.Attrs))
			for _, c := range t.Columns {
				add(KindColumn, tname+"."+c.Name, columnFingerprint(t, c))
			}
			if pk := t.PrimaryKey; pk != nil {
				// Atlas ignores the primary key's name: so does the fingerprint.
				add(KindPrimaryKey, tname, "PRIMARY KEY ("+partsList(pk)+")")
			}
			for _, idx := range t.Indexes {
				switch constraintType(idx.Attrs) {
				case "u":
					// Atlas's diff treats a UNIQUE constraint and a unique
					// index of the same name as equal: so do we.
					add(KindIndex, s.Name+"."+idx.Name, plan1(t, &schema.AddIndex{I: withoutConstraints(idx)}))
				case "x":
					add(KindExclusion, tname+"."+constraintName(idx), plan1(t, &schema.AddIndex{I: idx}))
				default:
					add(KindIndex, s.Name+"."+idx.Name, plan1(t, &schema.AddIndex{I: idx}))
				}
			}
			for _, fk := range t.ForeignKeys {
				add(KindFK, tname+"."+fk.Symbol, plan1(t, &schema.AddForeignKey{F: fk}))
			}
			for _, a := range t.Attrs {
				if ck, ok := a.(*schema.Check); ok {
					add(KindCheck, tname+"."+ck.Name, plan1(t, &schema.AddCheck{C: ck}))
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// columnFingerprint renders a column definition with its default spelled
// canonically, so that now() and CURRENT_TIMESTAMP give one fingerprint.
func columnFingerprint(t *schema.Table, c *schema.Column) string {
	cp := *c
	if raw, ok := c.Default.(*schema.RawExpr); ok {
		cp.Default = &schema.RawExpr{X: schemastate.CanonicalDefault(raw.X)}
	}
	fp := plan1(t, &schema.AddColumn{C: &cp})
	if cm := comment(c.Attrs); cm != "" {
		fp += " COMMENT " + pgquote.Literal(cm)
	}
	return fp
}

// plan1 renders one table change as SQL with Atlas's connection-less
// planner, dropping the "ALTER TABLE <table>" prefix where there is one.
func plan1(t *schema.Table, c schema.Change) string {
	p, err := postgres.DefaultPlan.PlanChanges(context.Background(), "fingerprint",
		[]schema.Change{&schema.ModifyTable{T: t, Changes: []schema.Change{c}}})
	if err != nil {
		return "unrenderable: " + err.Error()
	}
	cmds := make([]string, 0, len(p.Changes))
	for _, ch := range p.Changes {
		cmds = append(cmds, ch.Cmd)
	}
	s := strings.Join(cmds, "; ")
	prefix := "ALTER TABLE " + qualified(t) + " "
	s = strings.TrimPrefix(s, prefix)
	return strings.TrimPrefix(s, "ADD COLUMN ")
}

func qualified(t *schema.Table) string {
	if t.Schema != nil {
		return pgquote.Ident(t.Schema.Name, t.Name)
	}
	return pgquote.Ident(t.Name)
}

func partsList(idx *schema.Index) string {
	parts := make([]string, len(idx.Parts))
	for i, p := range idx.Parts {
		switch {
		case p.C != nil:
			parts[i] = pgquote.Ident(p.C.Name)
		case p.X != nil:
			parts[i] = fmt.Sprintf("%v", p.X)
		}
	}
	return strings.Join(parts, ", ")
}

// withoutConstraints returns a copy of idx that does not say it backs a
// constraint, so that it renders as CREATE UNIQUE INDEX.
func withoutConstraints(idx *schema.Index) *schema.Index {
	cp := *idx
	cp.Attrs = nil
	for _, a := range idx.Attrs {
		if _, ok := a.(*postgres.Constraint); !ok {
			cp.Attrs = append(cp.Attrs, a)
		}
	}
	return &cp
}

// backedConstraint returns the constraint an index implements (contype
// "p", "u" or "x"), or nil for a plain index. Atlas also lists constraints
// that merely use the index (a foreign key referencing it), in map order:
// those are skipped.
func backedConstraint(attrs []schema.Attr) *postgres.Constraint {
	for _, a := range attrs {
		if c, ok := a.(*postgres.Constraint); ok && (c.T == "p" || c.T == "u" || c.T == "x") {
			return c
		}
	}
	return nil
}

func constraintType(attrs []schema.Attr) string {
	if c := backedConstraint(attrs); c != nil {
		return c.T
	}
	return ""
}

// constraintName returns the name of the constraint an index backs, or the
// index name.
func constraintName(idx *schema.Index) string {
	if c := backedConstraint(idx.Attrs); c != nil && c.N != "" {
		return c.N
	}
	return idx.Name
}

func comment(attrs []schema.Attr) string {
	for _, a := range attrs {
		if c, ok := a.(*schema.Comment); ok {
			return c.Text
		}
	}
	return ""
}
