package schemastate

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// StepError is a statement of a replayed step that PostgreSQL rejected:
// the step, and the statement as a *journal.StatementError (located in the
// migration file when Step.Migration is set, else in the statement).
type StepError struct {
	Step string // Step.Name
	// Position is PostgreSQL's 1-based character position of the error in
	// the statement, 0 if it gave none.
	Position int
	journal.StatementError
}

func (e *StepError) Error() string {
	return fmt.Sprintf("schemastate: replay %s: %s", e.Step, e.StatementError.Error())
}

// Unwrap gives the statement error, and through it the driver's.
func (e *StepError) Unwrap() error { return &e.StatementError }

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
	e := newStepError(st.Name, i, err)
	if e.Position > 0 {
		e.Line, e.Col = journal.Position(sql, journal.CharOffset(sql, e.Position))
	}
	return e
}

// StatementError is the *StepError for statement i of m, rejected with err
// while running step: located in m's file at PostgreSQL's error position,
// or at the statement's start when it gave none.
func StatementError(step string, m *journal.Migration, i int, err error) *StepError {
	e := newStepError(step, i, err)
	e.Tag, e.File = m.Tag, m.File
	e.Line, e.Col = journal.ErrorPosition(m.SQL, m.Statements()[i], e.Position)
	return e
}

// newStepError copies the server's fields of err, if it is PostgreSQL's.
func newStepError(step string, i int, err error) *StepError {
	e := &StepError{Step: step, StatementError: journal.StatementError{Statement: i + 1, Err: err}}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		e.Position = int(pg.Position)
		e.SQLState, e.Message, e.Detail, e.Hint = pg.Code, pg.Message, pg.Detail, pg.Hint
	}
	return e
}
