package journal

import (
	"fmt"
	"unicode/utf8"
)

// Where in a migration file a statement failed. PostgreSQL reports the
// position of an error as a 1-based character offset into the text it was
// sent (pgconn.PgError.Position, 0 when it gives none); these helpers turn
// it into the file's line:column. They are pure: the callers (tracks when
// applying, schemastate when replaying) copy the server's fields into a
// *StatementError.

// CharOffset converts PostgreSQL's 1-based character position in text
// into a byte offset in text, clamped to it; 0 when there is no position.
// The server counts characters of its own encoding, which for every
// encoding but SQL_ASCII are the characters of UTF-8 text (SQL_ASCII
// counts bytes: the caller, which knows the server, handles it).
func CharOffset(text string, pgPosition int) int {
	off := 0
	for n := 0; n < pgPosition-1 && off < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[off:])
		off += size
	}
	return off
}

// ErrorPosition locates PostgreSQL's error position in statement st of
// src (the migration file's text) as a 1-based line and column of the
// file; without a position, the statement's first non-blank character.
func ErrorPosition(src string, st Statement, pgPosition int) (line, col int) {
	if pgPosition <= 0 {
		return st.Line, st.Col
	}
	return Position(src, st.Offset+CharOffset(st.SQL, pgPosition))
}

// StatementError is a statement of a migration file that PostgreSQL
// rejected: the one shape for "where in the file it failed", whether the
// statement ran in migrate (tracks wraps it with what was rolled back) or
// on a scratch database (schemastate's replay). SQLState, Message, Detail
// and Hint are the server's, empty when the error did not come from the
// server (a broken connection).
type StatementError struct {
	Tag       string // the migration's tag, "" when the statement is not a migration's
	File      string // the file, as the caller names it; "" when the text is not a file's
	Statement int    // 1-based statement number (drizzle's chunks)
	Line, Col int    // 1-based position in File (in the statement when File is "")
	SQLState  string
	Message   string
	Detail    string
	Hint      string
	Err       error // the driver's error (*pgconn.PgError, usually)
}

// Error names the statement and its position, then the driver's error.
func (e *StatementError) Error() string {
	where := fmt.Sprintf("statement %d", e.Statement)
	switch {
	case e.File != "":
		where += fmt.Sprintf(" (%s:%d:%d)", e.File, e.Line, e.Col)
	case e.Line > 0:
		where += fmt.Sprintf(" (line %d, col %d)", e.Line, e.Col)
	}
	return fmt.Sprintf("%s: %v", where, e.Err)
}

func (e *StatementError) Unwrap() error { return e.Err }
