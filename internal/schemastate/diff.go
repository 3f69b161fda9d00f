package schemastate

import (
	"fmt"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// Diff returns the changes that turn from into to. It uses Atlas's
// connection-less PostgreSQL differ in normalized mode (both realms are
// expected to come from Inspect), then drops changes that are only
// spelling: a column default written as now() on one side and
// CURRENT_TIMESTAMP on the other, and the like (see EquivalentDefaults).
// Column order is never a change (Atlas matches columns by name).
func Diff(from, to *schema.Realm) ([]schema.Change, error) {
	if from == nil {
		from = schema.NewRealm()
	}
	if to == nil {
		to = schema.NewRealm()
	}
	changes, err := postgres.DefaultDiff.RealmDiff(from, to, schema.DiffNormalized())
	if err != nil {
		return nil, fmt.Errorf("schemastate: diff: %w", err)
	}
	return normalizeChanges(changes), nil
}

// Equal reports whether a and b have no difference Diff would report. A
// realm Atlas cannot diff is never equal to anything.
func Equal(a, b *schema.Realm) bool {
	changes, err := Diff(a, b)
	return err == nil && len(changes) == 0
}

// normalizeChanges removes default-only spelling changes from ModifyColumn
// changes, and ModifyTable changes left empty by that. The input realms are
// not modified.
func normalizeChanges(changes []schema.Change) []schema.Change {
	out := changes[:0]
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			out = append(out, c)
			continue
		}
		kept := make([]schema.Change, 0, len(mt.Changes))
		for _, tc := range mt.Changes {
			mc, ok := tc.(*schema.ModifyColumn)
			if ok && mc.Change.Is(schema.ChangeDefault) && EquivalentDefaults(mc.From.Default, mc.To.Default) {
				rest := mc.Change &^ schema.ChangeDefault
				if rest == schema.NoChange {
					continue
				}
				cp := *mc
				cp.Change = rest
				tc = &cp
			}
			kept = append(kept, tc)
		}
		if len(kept) == 0 {
			continue
		}
		cp := *mt
		cp.Changes = kept
		out = append(out, &cp)
	}
	return out
}

// EquivalentDefaults reports whether two column defaults mean the same value
// although PostgreSQL shows them differently (pg_get_expr keeps now() and
// CURRENT_TIMESTAMP apart). Defaults that differ otherwise are not
// equivalent.
func EquivalentDefaults(a, b schema.Expr) bool {
	x, okA := exprText(a)
	y, okB := exprText(b)
	if okA != okB {
		return false
	}
	return !okA || CanonicalDefault(x) == CanonicalDefault(y)
}

// equivalentSpellings maps the lower-cased spellings PostgreSQL keeps
// distinct to one canonical spelling of the same value.
var equivalentSpellings = map[string]string{
	"now()":                   "now()",
	"current_timestamp":       "now()",
	"transaction_timestamp()": "now()",
	"('now'::text)::timestamp with time zone": "now()",
	"current_date":        "current_date",
	"('now'::text)::date": "current_date",
	"(now())::date":       "current_date",
	"localtimestamp":      "localtimestamp",
	"('now'::text)::timestamp without time zone": "localtimestamp",
	"(now())::timestamp without time zone":       "localtimestamp",
	"current_user":                               "current_user",
	"user":                                       "current_user",
	"session_user":                               "session_user",
	"current_role":                               "current_user",
}

// CanonicalDefault returns one spelling for the equivalent spellings of a
// default expression (now(), CURRENT_TIMESTAMP, transaction_timestamp() →
// "now()", ...); other expressions are returned trimmed, unchanged.
func CanonicalDefault(x string) string {
	x = strings.TrimSpace(x)
	for s := StripParens(x); s != x; s = StripParens(x) {
		x = s
	}
	if c, ok := equivalentSpellings[strings.ToLower(x)]; ok {
		return c
	}
	return x
}

// StripParens removes one pair of parentheses around a whole expression,
// and surrounding space: PostgreSQL shows CHECK, WHERE and default
// expressions as "(a > 0)" where drizzle-kit writes "a > 0".
func StripParens(x string) string {
	x = strings.TrimSpace(x)
	if len(x) > 2 && x[0] == '(' && x[len(x)-1] == ')' && balanced(x[1:len(x)-1]) {
		return strings.TrimSpace(x[1 : len(x)-1])
	}
	return x
}

// balanced reports whether the parentheses in s pair up, so that stripping
// an outer pair around it is safe. Quotes are respected.
func balanced(s string) bool {
	depth := 0
	inQuote := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote != 0:
			if ch == inQuote {
				inQuote = 0
			}
		case ch == '\'' || ch == '"':
			inQuote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// exprText returns the text of a default expression.
func exprText(e schema.Expr) (string, bool) {
	switch e := e.(type) {
	case nil:
		return "", false
	case *schema.RawExpr:
		return e.X, true
	case *schema.Literal:
		return e.V, true
	default:
		return fmt.Sprintf("%v", e), true
	}
}
