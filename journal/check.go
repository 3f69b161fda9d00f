package journal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// Sentinels of (*Migration).Check, each inside a *Error with the position.
var (
	// ErrOpenConstruct: a chunk between statement-breakpoints ends inside a
	// string, quoted identifier, dollar quote, block comment or BEGIN
	// ATOMIC body. drizzle-orm sends each chunk on its own and fails there.
	ErrOpenConstruct = errors.New("statement-breakpoint inside an open construct")
	// ErrTxControl: a transactional migration ends or starts a transaction
	// itself (COMMIT, ROLLBACK, END, ABORT, BEGIN, PREPARE TRANSACTION ...).
	ErrTxControl = errors.New("transaction control in a transactional migration")
	// ErrCopyStdin: COPY ... FROM STDIN (or its synonym STDOUT) waits for
	// data no migrator sends.
	ErrCopyStdin = errors.New("COPY FROM STDIN in a migration")
	// ErrStringSetting: the migration changes standard_conforming_strings,
	// which decides whether a backslash in a '' string escapes.
	ErrStringSetting = errors.New("standard_conforming_strings changed by a migration")
	// ErrLockRelease: the migration releases the migration advisory lock
	// (pg_advisory_unlock_all, or pg_advisory_unlock of LockKey).
	ErrLockRelease = errors.New("migration releases the migration lock")
	// ErrUnknownSavepoint: a transactional migration rolls back to, or
	// releases, a savepoint it did not declare.
	ErrUnknownSavepoint = errors.New("savepoint not declared in this migration")
)

// LockKey is the advisory lock key under which hogsend-db (and the Node
// migrator) serialises migrations; a migration that unlocks it is refused.
const LockKey int64 = 4812007

// Check reads the migration's SQL with the project's lexer and refuses what
// cannot run as written: a chunk left lexically open at a breakpoint (the
// runner's glue would land inside it), top-level transaction control in a
// transactional migration (it would end the runner's transaction, and the
// ledger would lie), and COPY ... FROM STDIN (it would wait forever for
// data), a change of standard_conforming_strings (PostgreSQL would then
// read strings differently from this check), a release of the migration
// lock, and a ROLLBACK TO or RELEASE of a savepoint the migration did not
// declare. The error is a *Error with the line and column of the culprit.
func (m *Migration) Check() error {
	savepoints := savepointSet{}
	for _, st := range m.Statements() {
		toks, open := sqllex.Lex(st.SQL)
		at := func(off int, err error, hint string) error {
			line, col := Position(m.SQL, st.Offset+off)
			return &Error{File: m.File, Line: line, Col: col, Err: err, Hint: hint}
		}
		end := "the next statement-breakpoint"
		if st.Index == strings.Count(m.SQL, Breakpoint) {
			end = "the end of the file"
		}
		if open != nil {
			return at(open.Off, fmt.Errorf("%w: %s opened here is not closed before %s", ErrOpenConstruct, open.What(), end),
				"drizzle-orm sends each chunk between breakpoints on its own and fails here too; close it before the breakpoint or move the breakpoint after it")
		}
		if t := sqllex.OpenAtomic(toks); t != nil {
			return at(t.Off, fmt.Errorf("%w: BEGIN ATOMIC body opened here has no END before %s", ErrOpenConstruct, end),
				"drizzle-orm sends each chunk between breakpoints on its own and fails here too; keep the function body in one chunk")
		}
		for _, s := range sqllex.Statements(toks) {
			if !m.NoTransaction {
				if what, ok := txControl(s); ok {
					return at(s[0].Off, fmt.Errorf("%w: %s", ErrTxControl, what),
						"the migration runs inside hogsend-db's transaction, as with drizzle-orm, and this would end it; remove it, or put "+
							NoTransactionDirective+" on the first line to run the migration outside a transaction")
				}
				if err := savepoints.check(s, st.SQL); err != nil {
					return at(s[0].Off, err,
						"rolling back to a savepoint of an earlier migration would undo that migration while its ledger row is still written; declare it with SAVEPOINT in this migration first")
				}
			}
			if t := copyFromStdin(s); t != nil {
				return at(s[0].Off, fmt.Errorf("%w: COPY ... FROM %s", ErrCopyStdin, t.Text),
					"it would wait for rows that no migrator sends (node-postgres, under drizzle-orm, fails it with 'No source stream defined'); load the rows with INSERT, or COPY from a file on the server")
			}
			if f := hazard(s, st.SQL, true); f != nil {
				return at(f.off, f.err, f.hint)
			}
		}
	}
	return nil
}

// txControl recognises a statement that starts, ends or prepares a
// transaction. SAVEPOINT, RELEASE and ROLLBACK TO stay inside the
// transaction and are fine.
func txControl(s []sqllex.Token) (string, bool) {
	if s[0].Kind != sqllex.Word {
		return "", false
	}
	switch w := s[0].Text; w {
	case "COMMIT", "END", "ABORT", "BEGIN":
		return w, true
	case "ROLLBACK":
		rest := s[1:]
		if len(rest) > 0 && rest[0].Kind == sqllex.Word && (rest[0].Text == "WORK" || rest[0].Text == "TRANSACTION") {
			rest = rest[1:]
		}
		if sqllex.IsWords(rest, "TO") {
			return "", false
		}
		return w, true
	case "START":
		return "START TRANSACTION", sqllex.IsWords(s, "START", "TRANSACTION")
	case "PREPARE":
		return "PREPARE TRANSACTION", sqllex.IsWords(s, "PREPARE", "TRANSACTION")
	}
	return "", false
}

// copyFromStdin returns the STDIN (or STDOUT, PostgreSQL's synonym for it
// in COPY FROM) of a COPY ... FROM STDIN statement, outside parentheses (a
// COPY (query) TO may read a table called stdin), or nil.
func copyFromStdin(s []sqllex.Token) *sqllex.Token {
	if !sqllex.IsWords(s, "COPY") {
		return nil
	}
	depth := 0
	for i := 1; i+1 < len(s); i++ {
		switch {
		case s[i].Kind == sqllex.Punct && s[i].Text == "(":
			depth++
		case s[i].Kind == sqllex.Punct && s[i].Text == ")":
			depth--
		case depth == 0 && (sqllex.IsWords(s[i:], "FROM", "STDIN") || sqllex.IsWords(s[i:], "FROM", "STDOUT")):
			return &s[i+1]
		}
	}
	return nil
}

// DirectiveNearMiss returns the 1-based line of a comment that looks like
// NoTransactionDirective but is not it (other case, missing or extra
// spaces, not on the first line), so the migration will run in a
// transaction although its author meant otherwise; 0 when there is none.
func (m *Migration) DirectiveNearMiss() int {
	if m.NoTransaction {
		return 0
	}
	want := strings.ReplaceAll(NoTransactionDirective, " ", "")
	for i, line := range strings.Split(strings.TrimPrefix(m.SQL, "\ufeff"), "\n") {
		norm := strings.ToLower(strings.Join(strings.Fields(line), ""))
		norm = strings.ReplaceAll(norm, "_", "-")
		if norm == want || norm == strings.Replace(want, "no-transaction", "notransaction", 1) {
			return i + 1
		}
		if i >= 20 {
			break
		}
	}
	return 0
}
