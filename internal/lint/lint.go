// Package lint finds migrations that break expand → migrate → contract:
// changes the running release (old code against the new schema) cannot
// survive, and statements that make the deploy itself fail or block.
//
// It replays the earlier migrations on a scratch database, then applies
// each linted migration statement by statement (inside the transaction
// the track would use), inspecting the schema after every statement. The
// per-statement change list feeds Atlas's analyzers (destructive,
// data_depend, condrop, incompatible) and this package's own rules. It
// returns findings; it never prints.
package lint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
)

// Engine names the track whose objects are engine-owned: a later track
// (the client's) that changes them gets CodeEngineObject.
const Engine = "engine"

// ErrUnknownTag: a tag to lint is not in its track's journal.
var ErrUnknownTag = errors.New("lint: no such migration")

// Track is one migration track, in apply order (the engine first).
type Track struct {
	Name    string // "engine" or "client"
	Journal *journal.Journal
	// Dir is put before file names in findings ("migrations" gives
	// "migrations/0003_x.sql"); empty for bare file names.
	Dir string
	// Lint lists the tags to lint. The track's other migrations are only
	// replayed, as far as needed, to build the schema the linted ones
	// run against.
	Lint []string
}

// Finding is one problem in one statement.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Source   string   `json:"source"`
	Track    string   `json:"track"`
	Tag      string   `json:"tag"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Col      int      `json:"col"`
	// Statement is the statement's SQL (leading comments and whitespace
	// removed).
	Statement string `json:"statement"`
	Message   string `json:"message"`
	Why       string `json:"why"`
	Fix       string `json:"fix"`
	// Reason is the suppression's reason (suppressed findings only).
	Reason string `json:"reason,omitempty"`

	stmt int // statement index in the file
	off  int // byte offset in the file
}

// Linted names a migration that was linted.
type Linted struct {
	Track      string `json:"track"`
	Tag        string `json:"tag"`
	File       string `json:"file"`
	Statements int    `json:"statements"`
}

// Report is the result of Run.
type Report struct {
	Linted []Linted `json:"linted"`
	// Findings are the unsuppressed findings, in apply order of
	// migrations, then by position.
	Findings []Finding `json:"findings"`
	// Suppressed are findings silenced by a lint-ignore with a reason.
	Suppressed []Finding `json:"suppressed"`
}

// Count returns the number of unsuppressed findings of a severity.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Run lints the migrations named in each track's Lint on a scratch
// database of the server at devURL (created from template0 and dropped at
// the end; the role needs CREATEDB). A migration that PostgreSQL rejects
// on the scratch database stops the run with a *schemastate.StepError.
func Run(ctx context.Context, devURL string, ts []Track) (rep *Report, err error) {
	last := -1
	for i, t := range ts {
		if t.Journal == nil {
			return nil, fmt.Errorf("lint: %s track: no journal", t.Name)
		}
		known := map[string]bool{}
		for _, m := range t.Journal.Migrations {
			known[m.Tag] = true
		}
		for _, tag := range t.Lint {
			if !known[tag] {
				return nil, fmt.Errorf("%w: %s track has no migration %q", ErrUnknownTag, t.Name, tag)
			}
		}
		if len(t.Lint) > 0 {
			last = i
		}
	}
	rep = &Report{Linted: []Linted{}, Findings: []Finding{}, Suppressed: []Finding{}}
	if last < 0 {
		return rep, nil
	}
	srv, err := scratch.Open(ctx, devURL)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	defer func() { err = errors.Join(err, srv.Close(ctx)) }()
	db, err := srv.Create(ctx)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	c, err := schemastate.Connect(ctx, db.URL)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	defer c.Close()
	l := &linter{c: c, rep: rep}
	for i, t := range ts[:last+1] {
		if err := l.track(ctx, t, i == last); err != nil {
			if l.inTx {
				_ = c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
			}
			return nil, err
		}
	}
	return rep, nil
}

// linter holds the scratch session and what is known about it.
type linter struct {
	c    *schemastate.Conn
	inTx bool          // a lint transaction is open
	cur  *schema.Realm // the schema now; nil when it must be inspected
	// owned is the state after the engine track (nil before it).
	owned *schema.Realm
	// added are the enum values added in the open transaction, by value,
	// with where they were added.
	added map[string]string
	rep   *Report
}

func (l *linter) track(ctx context.Context, t Track, isLast bool) error {
	lint := map[string]bool{}
	for _, tag := range t.Lint {
		lint[tag] = true
	}
	end := len(t.Journal.Migrations)
	if isLast {
		for i, m := range t.Journal.Migrations {
			if lint[m.Tag] {
				end = i + 1
			}
		}
	}
	for _, m := range t.Journal.Migrations[:end] {
		var err error
		if lint[m.Tag] {
			err = l.migration(ctx, t, m)
		} else {
			err = l.replay(ctx, t, m)
		}
		if err != nil {
			return err
		}
	}
	if err := l.commit(ctx); err != nil {
		return err
	}
	if t.Name == Engine && !isLast {
		r, err := l.state(ctx)
		if err != nil {
			return err
		}
		l.owned = r
	}
	return nil
}

// state returns the current schema, inspecting when unknown.
func (l *linter) state(ctx context.Context) (*schema.Realm, error) {
	if l.cur == nil {
		r, err := l.c.Inspect(ctx)
		if err != nil {
			return nil, fmt.Errorf("lint: %w", err)
		}
		l.cur = r
	}
	return l.cur, nil
}

func (l *linter) begin(ctx context.Context) error {
	if err := l.c.Exec(ctx, "BEGIN"); err != nil {
		return fmt.Errorf("lint: begin: %w", err)
	}
	l.inTx = true
	l.added = map[string]string{}
	return nil
}

// commit ends the open lint transaction, if any.
func (l *linter) commit(ctx context.Context) error {
	if !l.inTx {
		return nil
	}
	l.inTx = false
	l.added = nil
	if err := l.c.Exec(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("lint: commit: %w", err)
	}
	return nil
}

// abort rolls the open transaction back after a failure.
func (l *linter) abort(ctx context.Context) {
	if l.inTx {
		_ = l.c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		l.inTx = false
	}
}

// replay applies a migration that is not linted, in its own transaction
// unless it is marked no-transaction.
func (l *linter) replay(ctx context.Context, t Track, m *journal.Migration) error {
	if err := l.commit(ctx); err != nil {
		return err
	}
	l.cur = nil
	if !m.NoTransaction {
		if err := l.begin(ctx); err != nil {
			return err
		}
	}
	for i, st := range m.Statements() {
		if st.Blank() {
			continue
		}
		if err := l.c.Exec(ctx, st.SQL); err != nil {
			l.abort(ctx)
			return stepError(t, m, i, err)
		}
	}
	return l.commit(ctx)
}

// stmtRun is what one statement of a linted migration did.
type stmtRun struct {
	ran           bool
	changes       []schema.Change
	before, after *schema.Realm
	// escaped is set when the statement failed inside the transaction
	// with an error that only the transaction caused (25001, 55P04) and
	// was re-run outside it.
	escaped *pgconn.PgError
}

// migration applies a linted migration statement by statement, with an
// inspection after each, then runs the rules on what it saw.
func (l *linter) migration(ctx context.Context, t Track, m *journal.Migration) error {
	if m.NoTransaction {
		if err := l.commit(ctx); err != nil {
			return err
		}
	} else if !l.inTx {
		if err := l.begin(ctx); err != nil {
			return err
		}
	}
	start, err := l.state(ctx)
	if err != nil {
		return err
	}
	ml := newMigLint(t, m, start, l.owned)
	before := start
	for i, st := range ml.stmts {
		if len(ml.toks[i]) == 0 {
			continue
		}
		run := &ml.runs[i]
		if run.escaped, err = l.exec(ctx, t, m, i, st.SQL); err != nil {
			return err
		}
		if l.inTx {
			for _, v := range addedEnumValues(ml.toks[i]) {
				l.added[v] = ml.where(i)
			}
		}
		if run.escaped != nil && run.escaped.Code == "55P04" {
			run.escaped.Detail = l.addedWhere(run.escaped.Message)
		}
		l.cur = nil
		after, err := l.state(ctx)
		if err != nil {
			return err
		}
		changes, err := schemastate.Diff(before, after)
		if err != nil {
			return fmt.Errorf("lint: %s/%s statement %d: %w", t.Name, m.Tag, i+1, err)
		}
		run.ran, run.before, run.after, run.changes = true, before, after, recogniseRenames(changes)
		before = after
	}
	if err := ml.analyze(ctx); err != nil {
		return err
	}
	ml.report(l.rep)
	return nil
}

// savepoint guards each linted statement inside a transaction, so that a
// statement that cannot run there does not lose the transaction.
const savepoint = "hogsend_lint_statement"

// exec runs one statement of a linted migration. Inside a transaction, a
// statement refused only because of the transaction (SQLSTATE 25001:
// CONCURRENTLY and the like; 55P04: a new enum value used before commit)
// is re-run after committing, and its error returned as escaped, so the
// rest of the migration can still be linted.
func (l *linter) exec(ctx context.Context, t Track, m *journal.Migration, i int, sql string) (escaped *pgconn.PgError, err error) {
	if !l.inTx {
		if err := l.c.Exec(ctx, sql); err != nil {
			return nil, stepError(t, m, i, err)
		}
		return nil, nil
	}
	if err := l.c.Exec(ctx, "SAVEPOINT "+savepoint); err != nil {
		l.abort(ctx)
		return nil, fmt.Errorf("lint: savepoint: %w", err)
	}
	execErr := l.c.Exec(ctx, sql)
	if execErr == nil {
		if err := l.c.Exec(ctx, "RELEASE SAVEPOINT "+savepoint); err != nil {
			l.abort(ctx)
			return nil, fmt.Errorf("lint: release savepoint: %w", err)
		}
		return nil, nil
	}
	var pgErr *pgconn.PgError
	if !errors.As(execErr, &pgErr) || (pgErr.Code != "25001" && pgErr.Code != "55P04") {
		l.abort(ctx)
		return nil, stepError(t, m, i, execErr)
	}
	added := l.added
	if err := l.c.Exec(ctx, "ROLLBACK TO SAVEPOINT "+savepoint); err != nil {
		l.abort(ctx)
		return nil, fmt.Errorf("lint: rollback to savepoint: %w", err)
	}
	if err := l.commit(ctx); err != nil {
		return nil, err
	}
	if err := l.c.Exec(ctx, sql); err != nil {
		return nil, stepError(t, m, i, err)
	}
	if err := l.begin(ctx); err != nil {
		return nil, err
	}
	l.added = added // still "the same transaction" for later statements' findings
	cp := *pgErr
	return &cp, nil
}

// addedWhere finds where the value named in an "unsafe use of new value"
// message was added.
func (l *linter) addedWhere(msg string) string {
	i := strings.IndexByte(msg, '"')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(msg[i+1:], '"')
	if j < 0 {
		return ""
	}
	return l.added[msg[i+1:i+1+j]]
}

// addedEnumValues parses ALTER TYPE ... ADD VALUE [IF NOT EXISTS] 'v'.
func addedEnumValues(toks []token) []string {
	var out []string
	for _, st := range statements(toks) {
		if findWords(st, "ALTER", "TYPE") != 0 {
			continue
		}
		k := findWords(st, "ADD", "VALUE")
		if k < 0 {
			continue
		}
		k += 2
		if findWords(st[k:], "IF", "NOT", "EXISTS") == 0 {
			k += 3
		}
		if k < len(st) && st[k].Kind == tokString {
			out = append(out, st[k].Text)
		}
	}
	return out
}

// stepError locates a rejected statement in its file.
func stepError(t Track, m *journal.Migration, i int, err error) error {
	se := schemastate.StatementError(t.Name+"/"+m.Tag, m, i, err)
	se.File = fileName(t, m)
	return se
}

func fileName(t Track, m *journal.Migration) string {
	if t.Dir == "" {
		return m.File
	}
	return path.Join(t.Dir, m.File)
}

// sortFindings orders findings by file position, then code.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].off != fs[j].off {
			return fs[i].off < fs[j].off
		}
		return fs[i].Code < fs[j].Code
	})
}
