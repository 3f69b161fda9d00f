package journal

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Breakpoint separates statements in a drizzle-kit SQL file.
const Breakpoint = "--> statement-breakpoint"

// Statement is one chunk of a migration file as drizzle-orm sends it.
type Statement struct {
	Index  int    // 0-based position in the file
	SQL    string // the chunk, whitespace kept, exactly as drizzle sends it
	Offset int    // byte offset of the chunk in the file
	Line   int    // 1-based line of the chunk's first non-blank character
	Col    int    // 1-based column (in characters) of that character
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
		start := off + (len(p) - len(strings.TrimLeft(p, " \t\r\n\ufeff")))
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

// concurrentIndex finds CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name.
var concurrentIndex = regexp.MustCompile(`(?is)\bcreate\s+(?:unique\s+)?index\s+concurrently\s+(?:if\s+not\s+exists\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`)

// ConcurrentIndexes lists the index names a migration builds with CREATE
// INDEX CONCURRENTLY (unquoted; unquoted names folded to lower case, as
// PostgreSQL does). A failed concurrent build leaves an INVALID index
// behind, and IF NOT EXISTS then skips it silently: callers check these
// names before trusting the migration.
func (m *Migration) ConcurrentIndexes() []string {
	var out []string
	for _, sub := range concurrentIndex.FindAllStringSubmatch(m.SQL, -1) {
		name := sub[1]
		if strings.HasPrefix(name, `"`) {
			name = strings.ReplaceAll(name[1:len(name)-1], `""`, `"`)
		} else {
			name = strings.ToLower(name)
		}
		out = append(out, name)
	}
	return out
}
