// Package pgquote is the one home for writing a name or a value into SQL
// text, for the places a bind parameter cannot go: generated DDL and the
// object fingerprints drift compares. Everything else binds its values.
package pgquote

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// Ident quotes an identifier, each of parts in double quotes joined by dots
// ("schema"."table"), by pgx's rule (pgx.Identifier.Sanitize): a double
// quote is doubled and a NUL byte, which no PostgreSQL name can hold, is
// dropped.
func Ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// Literal quotes s as a standard string constant: in single quotes, a single
// quote doubled. A backslash stays as it is (standard_conforming_strings,
// on since PostgreSQL 9.1); a NUL byte, which no PostgreSQL text can hold,
// is dropped, as Ident drops it.
func Literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
