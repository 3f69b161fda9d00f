package schemastate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"ariga.io/atlas/sql/schema"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Step is one unit of a replay: usually one migration file.
type Step struct {
	// Name says where the step comes from, e.g. "engine/0003_x".
	Name string
	// Statements are sent one by one, as-is (several statements in one
	// string are allowed, as drizzle allows them). Blank ones are skipped.
	Statements []string
	// NoTransaction runs the statements outside a transaction (for
	// CREATE INDEX CONCURRENTLY); otherwise the step is one transaction.
	NoTransaction bool
	// Migration, if set, is the file the statements were split from, so
	// errors can give a line and column in that file.
	Migration *journal.Migration
	// OnNotice, if set, sees each NOTICE (or WARNING) the server raised
	// while a statement ran, after that statement; an error it returns
	// fails the step at that statement, as a failed statement would. It is
	// how a caller catches what PostgreSQL skips with only a notice, such
	// as CREATE TABLE IF NOT EXISTS on an existing table.
	OnNotice func(*pgconn.Notice) error
}

// StepsFromJournal makes one Step per migration of j, named track/tag.
func StepsFromJournal(track string, j *journal.Journal) []Step {
	steps := make([]Step, 0, len(j.Migrations))
	for _, m := range j.Migrations {
		stmts := m.Statements()
		sqls := make([]string, len(stmts))
		for i, st := range stmts {
			sqls[i] = st.SQL
		}
		name := m.Tag
		if track != "" {
			name = track + "/" + m.Tag
		}
		steps = append(steps, Step{Name: name, Statements: sqls, NoTransaction: m.NoTransaction, Migration: m})
	}
	return steps
}

// StepError is a statement of a replayed step that PostgreSQL rejected.
type StepError struct {
	Step      string // Step.Name
	Statement int    // index in Step.Statements
	// Position is PostgreSQL's 1-based character position of the error in
	// the statement, 0 if it gave none.
	Position int
	// Line and Col locate Position (or the statement's start) in the
	// migration file when Step.Migration is set, else in the statement.
	Line, Col int
	File      string // Step.Migration.File, if set
	Err       error  // usually a *pgconn.PgError
}

func (e *StepError) Error() string {
	// Statement is an index; people (and migrate's errors) count from 1.
	where := fmt.Sprintf("statement %d", e.Statement+1)
	switch {
	case e.File != "":
		where += fmt.Sprintf(" (%s:%d:%d)", e.File, e.Line, e.Col)
	case e.Position > 0:
		where += fmt.Sprintf(" (line %d, col %d)", e.Line, e.Col)
	}
	return fmt.Sprintf("schemastate: replay %s: %s: %v", e.Step, where, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Replay applies steps in order on db, on one session, like drizzle's
// migrator does (each step in its own transaction unless NoTransaction).
// After each step it calls onStep (if non-nil) with the step's index and,
// when inspectEach is set, the realm inspected right after the step (nil
// otherwise). An error from onStep stops the replay and is returned as is.
// A rejected statement yields a *StepError.
func Replay(ctx context.Context, db *scratch.DB, steps []Step, inspectEach bool, onStep func(i int, realm *schema.Realm) error) error {
	// Notices arrive on the goroutine running the statement.
	var notices []*pgconn.Notice
	conn, err := db.Conn(ctx, func(c *pgx.ConnConfig) {
		c.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n) }
	})
	if err != nil {
		return fmt.Errorf("schemastate: replay: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var insp *Conn
	if inspectEach {
		// A separate session: Atlas resets search_path on its own session,
		// and a migration's SET must not leak into the inspection.
		if insp, err = Connect(ctx, db.URL); err != nil {
			return err
		}
		defer insp.Close()
	}
	for i, st := range steps {
		if err := applyStep(ctx, conn, st, &notices); err != nil {
			return err
		}
		var realm *schema.Realm
		if inspectEach {
			if realm, err = insp.Inspect(ctx); err != nil {
				return fmt.Errorf("schemastate: replay: inspect after %s: %w", st.Name, err)
			}
		}
		if onStep != nil {
			if err := onStep(i, realm); err != nil {
				return err
			}
		}
	}
	return nil
}

func applyStep(ctx context.Context, conn *pgx.Conn, st Step, notices *[]*pgconn.Notice) (rerr error) {
	if !st.NoTransaction {
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return fmt.Errorf("schemastate: replay %s: begin: %w", st.Name, err)
		}
		defer func() {
			end := "COMMIT"
			if rerr != nil {
				end = "ROLLBACK"
			}
			if _, err := conn.Exec(context.WithoutCancel(ctx), end); err != nil && rerr == nil {
				rerr = fmt.Errorf("schemastate: replay %s: commit: %w", st.Name, err)
			}
		}()
	}
	for i, sql := range st.Statements {
		if strings.TrimSpace(sql) == "" {
			continue
		}
		*notices = (*notices)[:0]
		if _, err := conn.Exec(ctx, sql); err != nil {
			return stepError(st, i, sql, err)
		}
		if st.OnNotice != nil {
			for _, n := range *notices {
				if err := st.OnNotice(n); err != nil {
					return stepError(st, i, sql, err)
				}
			}
		}
	}
	return nil
}

func stepError(st Step, i int, sql string, err error) *StepError {
	if m := st.Migration; m != nil && i < len(m.Statements()) {
		return StatementError(st.Name, m, i, err)
	}
	e := &StepError{Step: st.Name, Statement: i, Err: err, Position: errorPosition(err)}
	if e.Position > 0 {
		e.Line, e.Col = journal.Position(sql, PositionOffset(sql, e.Position))
	}
	return e
}

// StatementError is the *StepError for statement i of m, rejected with err
// while running step: located in m's file at PostgreSQL's error position,
// or at the statement's start when it gave none.
func StatementError(step string, m *journal.Migration, i int, err error) *StepError {
	st := m.Statements()[i]
	e := &StepError{Step: step, Statement: i, File: m.File, Err: err, Position: errorPosition(err), Line: st.Line, Col: st.Col}
	if e.Position > 0 {
		e.Line, e.Col = journal.Position(m.SQL, st.Offset+PositionOffset(st.SQL, e.Position))
	}
	return e
}

// errorPosition is PostgreSQL's 1-based character position of err in its
// statement, 0 if it gave none.
func errorPosition(err error) int {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return int(pgErr.Position)
	}
	return 0
}

// PositionOffset converts PostgreSQL's 1-based character position of an
// error in stmt (StepError.Position, pgconn.PgError.Position) into a byte
// offset in stmt; 0 when there is no position.
func PositionOffset(stmt string, position int) int {
	off := 0
	for n := 0; n < position-1 && off < len(stmt); n++ {
		_, size := utf8.DecodeRuneInString(stmt[off:])
		off += size
	}
	return off
}
