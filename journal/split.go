package journal

import (
	"strings"
	"unicode/utf8"

	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// Breakpoint separates statements in a drizzle-kit SQL file.
const Breakpoint = "--> statement-breakpoint"

// Statement is one chunk of a migration file as drizzle-orm sends it.
type Statement struct {
	Index  int    // 0-based position in the file
	SQL    string // the chunk, whitespace kept, exactly as drizzle sends it
	Offset int    // byte offset of the chunk in the file
	Line   int    // 1-based line of the chunk's first token (comments skipped)
	Col    int    // 1-based column (in characters) of that token
}

// Split cuts a migration file on the literal breakpoint marker, exactly as
// drizzle-orm does (no regular expression, not comment-aware). A file with
// no marker is one statement.
func Split(sql string) []Statement {
	parts := strings.Split(sql, Breakpoint)
	out := make([]Statement, 0, len(parts))
	off := 0
	// Position is computed incrementally: one pass over the file in total.
	line, col, at := 1, 1, 0
	advance := func(to int) {
		for at < to {
			r, size := utf8.DecodeRuneInString(sql[at:])
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			at += size
		}
	}
	for i, p := range parts {
		lead := len(p) - len(strings.TrimLeft(p, " \t\r\n\ufeff"))
		// The first token, not a comment before it (the no-transaction
		// directive, say): a failure without a position points there.
		start := off + lead + sqllex.FirstToken(p[lead:])
		advance(start)
		out = append(out, Statement{Index: i, SQL: p, Offset: off, Line: line, Col: col})
		off += len(p) + len(Breakpoint)
	}
	return out
}

// Blank reports whether a statement holds nothing but whitespace.
func (s Statement) Blank() bool { return strings.TrimSpace(s.SQL) == "" }

// Position converts a byte offset in src into a 1-based line and column
// (columns count characters, as editors and PostgreSQL do).
func Position(src string, byteOffset int) (line, col int) {
	if byteOffset > len(src) {
		byteOffset = len(src)
	}
	if byteOffset < 0 {
		byteOffset = 0
	}
	head := src[:byteOffset]
	line = 1 + strings.Count(head, "\n")
	lastNL := strings.LastIndexByte(head, '\n')
	col = 1 + utf8.RuneCountInString(head[lastNL+1:])
	return line, col
}

// ConcurrentIndexes lists the index names a migration builds with CREATE
// [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name (unquoted; unquoted names
// folded to lower case, as PostgreSQL does), read with the project's lexer,
// so strings, comments and function bodies do not count. A failed
// concurrent build leaves an INVALID index behind, and IF NOT EXISTS then
// skips it silently: callers check these names before trusting the
// migration.
func (m *Migration) ConcurrentIndexes() []string {
	var out []string
	toks, _ := sqllex.Lex(m.SQL)
	for _, s := range sqllex.Statements(toks) {
		if !sqllex.IsWords(s, "CREATE") {
			continue
		}
		s = s[1:]
		if sqllex.IsWords(s, "UNIQUE") {
			s = s[1:]
		}
		if !sqllex.IsWords(s, "INDEX", "CONCURRENTLY") {
			continue
		}
		s = s[2:]
		if sqllex.IsWords(s, "IF", "NOT", "EXISTS") {
			s = s[3:]
		}
		switch {
		case len(s) == 0 || sqllex.IsWords(s, "ON"):
			// no name: PostgreSQL picks one
		case s[0].Kind == sqllex.Ident:
			out = append(out, s[0].Text)
		case s[0].Kind == sqllex.Word:
			out = append(out, strings.ToLower(m.SQL[s[0].Off:s[0].End]))
		}
	}
	return out
}
