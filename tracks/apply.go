package tracks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// LockKey is the advisory lock key every Hogsend migrator takes, the Node
// implementation included, so mixed fleets serialize.
const LockKey = journal.LockKey

// TxMode says how pending migrations are grouped into transactions.
type TxMode string

const (
	// TxTrack runs all pending migrations of a track in one transaction,
	// as drizzle-orm does: the database is never half-migrated.
	TxTrack TxMode = "track"
	// TxMigration commits after each migration.
	TxMigration TxMode = "migration"
)

// Options for Apply and Preflight.
type Options struct {
	Tx              TxMode        // default TxTrack
	AllowOutOfOrder bool          // run pending migrations older than the newest row
	Strict          bool          // modified migrations are an error, not a warning
	LockWait        time.Duration // how long to wait for the lock (default 15m)
	ToolVersion     string        // recorded with the engine release
	OnEvent         func(Event)   // progress; may be nil
	// Progress asks the server to report each statement of a transaction as
	// it finishes (a NOTICE after each statement's marker flushes the
	// server's output buffer), so StatementStarted and MigrationRan arrive
	// live. It adds no round trip; without it a transaction's statements
	// report together when the message completes.
	Progress bool
}

func (o *Options) emit(e Event) {
	if o.OnEvent != nil {
		o.OnEvent(e)
	}
}

// Result says what Apply did.
type Result struct {
	Applied map[string][]string // tags applied, by track
	Report  *Report             // status after the run
	Locked  bool                // false when there was nothing to do (no lock taken)
}

// Preflight is what Apply refuses before it writes anything: it validates
// a report against the options. A foreign ledger, a folder renamed after
// it ran and rows that an edit in a shared second left unmatched (always),
// out-of-order migrations (unless allowed) and, with Strict, modified ones
// are errors.
// Warnings go to OnEvent. It is what a dry run calls.
func Preflight(rep *Report, ts []Loaded, opts Options) error {
	for _, t := range ts {
		switch s := rep.Schema[t.Name]; s.Verdict {
		case Foreign:
			return &ForeignError{Track: t.Name, Ledger: s.Ledger, Location: t.Location, Origin: t.Origin,
				Matched: s.Matched, Rows: s.Rows, Unknown: len(s.Unknown), Remedy: ForeignRemedy(t.Name)}
		case ModifiedSameSecond:
			if len(s.renamed) > 0 {
				return &RenamedError{Track: t.Name, Ledger: s.Ledger, Location: t.Location, Renamed: s.renamed,
					Remedy: RenamedRemedy(s.renamed)}
			}
			if e := s.EditedInSecond(t); e != nil {
				return e
			}
		}
	}
	for _, t := range ts {
		s := rep.Schema[t.Name]
		if len(s.OutOfOrder) > 0 && !opts.AllowOutOfOrder {
			return &OutOfOrderError{Track: t.Name, Tags: s.OutOfOrder}
		}
		if len(s.Modified) > 0 && opts.Strict {
			return &ModifiedError{Track: t.Name, Tags: s.Modified}
		}
		// Pending SQL that cannot run as written is refused before the
		// lock is taken: nothing runs, nothing is written.
		for _, m := range s.PendingMigrations() {
			if err := m.Check(); err != nil {
				return fmt.Errorf("%s track (%s): %w", t.Name, t.Location, err)
			}
		}
	}
	return nil
}

func warnings(rep *Report, ts []Loaded, opts *Options) {
	for _, t := range ts {
		s := rep.Schema[t.Name]
		if len(s.Modified) > 0 {
			opts.emit(Warning{Track: t.Name, Message: (&ModifiedError{Track: t.Name, Tags: s.Modified}).detail()})
		}
		if len(s.Unknown) > 0 {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%d ledger row(s) in %s match no migration in %s (ids %s)",
				len(s.Unknown), s.Ledger, t.Location, rowIDs(s.Unknown))})
		}
		if len(s.NotIncreasing) > 0 {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%s in %s: when is not above every earlier entry's; drizzle-orm would never apply such an entry to a database that has the earlier ones (hogsend-db does); give it a larger when",
				strings.Join(s.NotIncreasing, ", "), t.Location)})
		}
		if len(s.AppliedOutOfOrder) > 0 {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%s in %s: older than the newest applied migration; applied anyway, as drizzle-orm 1.0 does",
				strings.Join(s.AppliedOutOfOrder, ", "), t.Location)})
		}
		if len(s.NullName) > 0 {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%d ledger row(s) in %s have no name (ids %s), as drizzle-orm 0.x writes them: hogsend-db matches them by created_at and hash, drizzle-orm 1.0 would re-run their migrations",
				len(s.NullName), s.Ledger, rowIDs(s.NullName))})
		}
		for _, d := range s.Duplicate {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("ledger row id %d in %s duplicates the row of %s: it was recorded twice and may have run twice; check its effects, then delete the extra row",
				d.ID, s.Ledger, d.Migration)})
		}
		for _, m := range s.PendingMigrations() {
			if line := m.DirectiveNearMiss(); line > 0 {
				opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%s:%d looks like %q but is not it (it must be the exact first line of the file): %s will run inside a transaction",
					m.File, line, journal.NoTransactionDirective, m.Tag)})
			}
		}
		if len(s.NullCreatedAt) > 0 {
			opts.emit(Warning{Track: t.Name, Message: fmt.Sprintf("%d ledger row(s) in %s have NULL created_at (ids %s): drizzle-orm would re-run every migration; hogsend-db ignores them",
				len(s.NullCreatedAt), s.Ledger, rowIDs(s.NullCreatedAt))})
		}
	}
}

func rowIDs(rs []RowRef) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	return strings.Join(ids, ", ")
}

// Apply runs the pending migrations of each track, in order (engine first,
// then client), on conn, which must be a dedicated session (see Connect).
//
// It first reads the ledgers without locking; when nothing is pending it
// returns at once. Otherwise it polls pg_try_advisory_lock(LockKey) outside
// any transaction until it holds the lock or LockWait runs out
// (*LockTimeoutError), re-reads the ledgers under the lock (another replica
// may have finished the work), applies, and unlocks with a context that
// survives cancellation. Each migration's ledger row is written in the
// transaction of the migration. A failing statement rolls its transaction
// back and returns a *StatementError. When the run succeeded but unlocking
// failed, the Result says what was applied and the error matches ErrUnlock.
func Apply(ctx context.Context, conn *pgx.Conn, ts []Loaded, opts Options) (_ *Result, rerr error) {
	if opts.Tx == "" {
		opts.Tx = TxTrack
	}
	if opts.Tx != TxTrack && opts.Tx != TxMigration {
		return nil, fmt.Errorf("unknown transaction mode %q (want track or migration)", opts.Tx)
	}
	if opts.LockWait <= 0 {
		opts.LockWait = 15 * time.Minute
	}
	res := &Result{Applied: map[string][]string{}}
	// One Reader for every read of this run: it learns once which
	// bookkeeping tables exist.
	insp, err := NewInspector(ts)
	if err != nil {
		return nil, err
	}
	rep, err := insp.Status(ctx, conn)
	if err != nil {
		return nil, err
	}
	if err := Preflight(rep, ts, opts); err != nil {
		return nil, err
	}
	if rep.Status == StatusHealthy && !releaseDue(rep, ts) {
		warnings(rep, ts, &opts)
		res.Report = rep
		return res, nil
	}

	if err := acquire(ctx, conn, &opts); err != nil {
		return nil, err
	}
	res.Locked = true
	defer unlock(ctx, conn, &rerr)

	// Under the lock: what is pending now?
	if rep, err = insp.Status(ctx, conn); err != nil {
		return nil, err
	}
	if err := Preflight(rep, ts, opts); err != nil {
		return nil, err
	}
	warnings(rep, ts, &opts)
	for _, t := range ts {
		s := rep.Schema[t.Name]
		opts.emit(TrackPlanned{Track: t.Name, Pending: s.Pending})
		applied, err := applyTrack(ctx, conn, t, s, &opts)
		if len(applied) > 0 {
			res.Applied[t.Name] = applied
		}
		if err != nil {
			return res, err
		}
		if t.Name == Engine && t.Release != "" {
			if err := recordRelease(ctx, conn, t, rep, &opts); err != nil {
				return res, err
			}
		}
	}
	if res.Report, err = insp.Status(ctx, conn); err != nil {
		return res, err
	}
	return res, nil
}

// releaseDue: the engine track carries a release newer than the recorded
// one (or none is recorded), so migrate has a row to write.
func releaseDue(rep *Report, ts []Loaded) bool {
	for _, t := range ts {
		if t.Name != Engine || t.Release == "" {
			continue
		}
		return ShouldRecordRelease(t.Release, rep.Release)
	}
	return false
}

func recordRelease(ctx context.Context, conn *pgx.Conn, t Loaded, rep *Report, opts *Options) error {
	if !ShouldRecordRelease(t.Release, rep.Release) {
		return nil // never record an older release over a newer one
	}
	prev := ""
	if rep.Release != nil {
		prev = rep.Release.Version
	}
	if err := ledger.RecordRelease(ctx, conn, Engine, t.Release, opts.ToolVersion); err != nil {
		return err
	}
	opts.emit(ReleaseRecorded{Version: t.Release, Previous: prev})
	return nil
}

// applyTrack runs a track's pending migrations in groups: one transaction
// for consecutive transactional migrations (TxTrack) or one per migration
// (TxMigration); a no-transaction migration always runs alone.
func applyTrack(ctx context.Context, conn *pgx.Conn, t Loaded, s *State, opts *Options) ([]string, error) {
	var applied []string
	ensure := !s.LedgerExists
	version := writeVersion(t, s)
	pending := s.PendingMigrations()
	for i := 0; i < len(pending); {
		m := pending[i]
		if m.NoTransaction {
			start := time.Now()
			if err := applyNoTx(ctx, conn, t, m, ensure, version, opts); err != nil {
				return applied, err
			}
			ensure = false
			applied = append(applied, m.Tag)
			opts.emit(MigrationApplied{Track: t.Name, Tag: m.Tag, NoTransaction: true,
				Statements: statementCount(m), Duration: time.Since(start)})
			i++
			continue
		}
		j := i + 1
		if opts.Tx == TxTrack {
			for j < len(pending) && !pending[j].NoTransaction {
				j++
			}
		}
		group := pending[i:j]
		start := time.Now()
		prog := newProgress(t, group, opts)
		err := applyTx(ctx, conn, t, group, ensure, version, prog)
		if err != nil && prog.live() && noPlpgsql(err) {
			prog.off()
			err = applyTx(ctx, conn, t, group, ensure, version, prog)
		}
		if err != nil {
			return applied, err
		}
		ensure = false
		tags := make([]string, len(group))
		for k, g := range group {
			tags[k] = g.Tag
			d := prog.took(k)
			if len(group) == 1 {
				d = time.Since(start)
			}
			opts.emit(MigrationApplied{Track: t.Name, Tag: g.Tag, Statements: statementCount(g), Duration: d})
		}
		applied = append(applied, tags...)
		opts.emit(Committed{Track: t.Name, Tags: tags, Duration: time.Since(start)})
		i = j
	}
	return applied, nil
}

// markerColumn names the marker result that follows every statement in a
// transaction message, so a failure without a position can still be pinned
// to its statement.
const markerColumn = "hogsend_db_marker"

// piece is one migration statement inside a transaction message.
type piece struct {
	m      *journal.Migration
	st     journal.Statement
	offset int // byte offset of the statement in the message
}

// applyTx applies a group of migrations in one transaction, in two round
// trips: one simple-query message with BEGIN and every statement (each
// followed by a tiny marker query), then one pipelined batch with the ledger
// rows (bind parameters) and COMMIT, led by a check that this session still
// holds the migration lock.
func applyTx(ctx context.Context, conn *pgx.Conn, t Loaded, group []*journal.Migration, ensure bool, version int, prog *progress) error {
	schemaExists := false
	if ensure {
		// One catalog look-up on the first migrate of a track only.
		var err error
		if schemaExists, err = ledger.SchemaExists(ctx, conn, t.Ledger); err != nil {
			return fmt.Errorf("%s track: %w", t.Name, err)
		}
	}
	msg, pieces := txMessage(t, group, ensure, schemaExists, version, prog.live())

	prog.begin(pieces)
	last, err := execMarked(ctx, conn, msg, prog.marker)
	// The migrations' own SQL may have ended the transaction (a COMMIT the
	// up-front check cannot see, e.g. inside EXECUTE): ReadyForQuery then
	// says idle, not "in transaction" (or "failed" after an error). Write
	// no ledger row over effects that may already be committed.
	//
	// Unless no marker came back at all: PostgreSQL parses the whole
	// message before it runs any of it, so a syntax error anywhere in it
	// (CREATE TABLE (;, \copy) fails with nothing run, BEGIN included, and
	// the session is idle because it never left. That is an ordinary failed
	// statement: nothing ran, nothing is recorded.
	var pgErr *pgconn.PgError
	if err != nil && last == -2 && conn.PgConn().TxStatus() == 'I' && errors.As(err, &pgErr) {
		return statementError(ctx, conn, t, msg, pieces, last, err)
	}
	if st := conn.PgConn().TxStatus(); st == 'I' && (err == nil || errors.As(err, &pgErr)) {
		var cause error
		if err != nil {
			cause = statementError(ctx, conn, t, msg, pieces, last, err)
		}
		return &TxEndedError{Track: t.Name, Tags: migrationTags(group), Err: cause}
	}
	if err != nil {
		rollback(ctx, conn)
		return statementError(ctx, conn, t, msg, pieces, last, err)
	}

	// The second round trip: the ledger rows and COMMIT in one pipeline
	// (extended protocol, text parameters, one Sync). pgconn directly, not a
	// pgx.Batch, which would first prepare the insert in a round trip of
	// its own on a fresh session. One insert for all rows costs a fraction
	// of one per migration.
	rec := recordBatch(t, group, version, true)
	results, err := conn.PgConn().ExecBatch(ctx, rec.Batch).ReadAll()
	if err != nil {
		rollback(ctx, conn)
		if CommitInDoubt(err) {
			return &CommitUnknownError{Track: t.Name, Tags: migrationTags(group), Err: err}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s track: interrupted; rolled back: %w", t.Name, errors.Join(ctx.Err(), err))
		}
		if isLockLost(err) {
			return &LockLostError{Track: t.Name, Tags: migrationTags(group)}
		}
		if tags, ok := recordedElsewhere(err, group); ok {
			return &RecordedElsewhereError{Track: t.Name, Tags: tags, Group: migrationTags(group)}
		}
		if rec.succeeded(results, rec.insert) {
			// The inserts went through; COMMIT failed (a deferred constraint).
			return fmt.Errorf("%s track: commit %s: %w; rolled back", t.Name, tagList(group), err)
		}
		return fmt.Errorf("%s track: record %s in %s: %w; rolled back", t.Name, tagList(group), t.Ledger, err)
	}
	if tag := results[rec.commit].CommandTag.String(); tag != "COMMIT" {
		// COMMIT of an aborted transaction answers ROLLBACK: never report
		// migrations applied that are not.
		return fmt.Errorf("%s track: commit %s: server answered %s; rolled back", t.Name, tagList(group), tag)
	}
	return nil
}

// ledgerBatch is the pipeline that records a group's ledger rows. Its
// results come back in the order the statements were queued; insert and
// commit name the two that callers read, so none of them counts positions.
type ledgerBatch struct {
	*pgconn.Batch
	insert int // the insert of the rows
	commit int // COMMIT; -1 when the caller commits on its own
}

// succeeded reports whether the statement at index i of the batch ran
// without error. A pipeline stops at its first error, so a statement after
// the failing one has no result at all.
func (b ledgerBatch) succeeded(results []*pgconn.Result, i int) bool {
	return i >= 0 && i < len(results) && results[i].Err == nil
}

// recordBatch queues the ledger rows of group, led by the lock check and
// the duplicate guard, so all of them share one round trip: the lock check
// fails if the migrations' SQL released the lock, the guard if another
// session recorded one of them meanwhile (it released the lock and took it
// back). With commit, COMMIT follows in the same pipeline. All rows go in
// one statement (unnest keeps array order, so ids follow the journal as
// drizzle's one-by-one inserts would). Hashes are hex digests and whens
// integers, so their text array literals need no quoting.
func recordBatch(t Loaded, group []*journal.Migration, version int, commit bool) ledgerBatch {
	hashes, whens := make([]string, len(group)), make([]string, len(group))
	for k, m := range group {
		hashes[k], whens[k] = m.Hash, strconv.FormatInt(m.When, 10)
	}
	args := [][]byte{[]byte("{" + strings.Join(hashes, ",") + "}"), []byte("{" + strings.Join(whens, ",") + "}")}
	named := version == ledger.Version1
	insert := ledger.InsertManySQL(t.Ledger)
	if named {
		names := make([]string, len(group))
		for k, m := range group {
			names[k] = m.Name
		}
		args = append(args, ledger.TextArray(names))
		insert = ledger.InsertManyNamedSQL(t.Ledger)
	}
	b := ledgerBatch{Batch: &pgconn.Batch{}, commit: -1}
	queued := 0
	queue := func(sql string, params [][]byte) int {
		b.ExecParams(sql, params, nil, nil, nil)
		queued++
		return queued - 1
	}
	queue(lockCheckSQL, [][]byte{lockKeyText})
	queue(ledger.DuplicateGuardSQL(t.Ledger, named), args)
	b.insert = queue(insert, args)
	if commit {
		b.commit = queue("COMMIT", nil)
	}
	return b
}

// txMessage builds the one simple-query message of a transaction: BEGIN,
// the ledger's creation when ensure, and every statement followed by a
// marker query. Each statement is lexically complete ((*journal.Migration).
// Check refuses the others), so the glue can never land inside one.
// flush adds the progress notice after each statement's marker (see progress).
func txMessage(t Loaded, group []*journal.Migration, ensure, schemaExists bool, version int, flush bool) (string, []piece) {
	var b strings.Builder
	b.WriteString("BEGIN;\n")
	if ensure {
		b.WriteString(ledger.EnsureVersionSQL(t.Ledger, schemaExists, version))
		b.WriteString(";\n")
	}
	b.WriteString("select -1 as " + markerColumn + ";\n")
	var pieces []piece
	for _, m := range group {
		for _, st := range m.Statements() {
			pieces = append(pieces, piece{m: m, st: st, offset: b.Len()})
			b.WriteString(st.SQL)
			// A newline first: the statement may end in a "--" comment.
			fmt.Fprintf(&b, "\n;\nselect %d as %s;\n", len(pieces)-1, markerColumn)
			if flush {
				b.WriteString(flushSQL)
			}
		}
	}
	return b.String(), pieces
}

func tagList(group []*journal.Migration) string { return strings.Join(migrationTags(group), ", ") }

func migrationTags(group []*journal.Migration) []string {
	tags := make([]string, len(group))
	for i, m := range group {
		tags[i] = m.Tag
	}
	return tags
}

// execMarked sends msg as one simple-query message and returns the last
// marker it saw (-2 when none) and the first error.
func execMarked(ctx context.Context, conn *pgx.Conn, msg string, onMarker func(int)) (int, error) {
	last := -2
	mrr := conn.PgConn().Exec(ctx, msg)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fds := rr.FieldDescriptions()
		marker := len(fds) == 1 && fds[0].Name == markerColumn
		for rr.NextRow() {
			if marker {
				if n, err := strconv.Atoi(string(rr.Values()[0])); err == nil {
					last = n
					onMarker(n)
				}
			}
		}
		if _, err := rr.Close(); err != nil {
			break
		}
	}
	return last, mrr.Close()
}

// statementError pins a failure to its migration, statement and position:
// from PostgreSQL's error position when it has one (a character offset into
// the message), else from the last marker seen.
func statementError(ctx context.Context, conn *pgx.Conn, t Loaded, msg string, pieces []piece, last int, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s track: interrupted; rolled back: %w", t.Name, errors.Join(ctx.Err(), err))
	}
	if len(pieces) == 0 {
		return fmt.Errorf("%s track: %w", t.Name, err)
	}
	// A position wins: PostgreSQL parses the whole message before running
	// any of it, so a syntax error anywhere fails before the first marker.
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Position > 0 {
		off := serverOffset(conn, msg, int(pg.Position))
		if k := sort.Search(len(pieces), func(i int) bool { return pieces[i].offset > off }) - 1; k >= 0 {
			p := pieces[k]
			in := off - p.offset
			if in >= len(p.st.SQL) {
				// In the glue after the statement: the statement is
				// unterminated ("syntax error at or near ;"); point at its end.
				in = len(strings.TrimRight(p.st.SQL, " \t\r\n"))
			}
			line, col := journal.Position(p.m.SQL, p.st.Offset+in)
			e := newStatementError(t, p.m, p.st, line, col, err)
			e.RolledBack = pieceTags(pieces)
			return e
		}
	}
	idx := last + 1
	if idx < 0 {
		// Failed before the first statement: creating the ledger.
		return fmt.Errorf("%s track: create ledger %s: %w", t.Name, t.Ledger, err)
	}
	if idx >= len(pieces) { // the COMMIT itself (deferred constraints)
		idx = len(pieces) - 1
	}
	p := pieces[idx]
	e := newStatementError(t, p.m, p.st, p.st.Line, p.st.Col, err)
	e.RolledBack = pieceTags(pieces)
	return e
}

// pieceTags lists the migrations of a transaction message, in order.
func pieceTags(pieces []piece) []string {
	var tags []string
	for _, p := range pieces {
		if len(tags) == 0 || tags[len(tags)-1] != p.m.Tag {
			tags = append(tags, p.m.Tag)
		}
	}
	return tags
}

// newStatementError is the *StatementError of statement st of m at
// line:col, with the server's fields of err when it is PostgreSQL's.
func newStatementError(t Loaded, m *journal.Migration, st journal.Statement, line, col int, err error) *StatementError {
	e := &StatementError{Track: t.Name, PushHint: alreadyExists(err), StatementError: journal.StatementError{
		Tag: m.Tag, File: m.File, Statement: st.Index + 1, Line: line, Col: col, Err: err}}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		e.SQLState, e.Message, e.Detail, e.Hint = pg.Code, pg.Message, pg.Detail, pg.Hint
	}
	return e
}

// serverOffset converts PostgreSQL's 1-based error position in s into a
// byte offset: journal.CharOffset, except on a SQL_ASCII server, which
// counts bytes.
func serverOffset(conn *pgx.Conn, s string, pgPosition int) int {
	if conn.PgConn().ParameterStatus("server_encoding") == "SQL_ASCII" {
		return min(max(pgPosition-1, 0), len(s))
	}
	return journal.CharOffset(s, pgPosition)
}

// applyNoTx runs a migration marked -- hogsend-db:no-transaction: each
// statement on its own, outside any transaction, then its ledger row.
// Each chunk (between breakpoints) is one simple-query message; PostgreSQL
// runs a message holding several statements as one implicit transaction,
// so CREATE INDEX CONCURRENTLY needs a breakpoint of its own.
//
// The migration's own SQL may open a transaction (BEGIN): after each chunk
// the session's transaction status says whether one is open, and since
// which statement. A failure inside it, or a migration that ends with it
// still open, rolls it back, and the error says which statements were
// rolled back and which stay; no row is written.
func applyNoTx(ctx context.Context, conn *pgx.Conn, t Loaded, m *journal.Migration, ensure bool, version int, opts *Options) error {
	opened := 0 // the statement that opened the migration's own transaction
	last := 0
	for _, st := range m.Statements() {
		if st.Blank() {
			continue
		}
		last = st.Index + 1
		opts.emit(StatementStarted{Track: t.Name, Tag: m.Tag, File: m.File, Statement: st.Index + 1, Line: st.Line, NoTransaction: true})
		_, err := conn.PgConn().Exec(ctx, st.SQL).ReadAll()
		if txs := conn.PgConn().TxStatus(); opened == 0 && (txs == 'T' || txs == 'E') {
			opened = st.Index + 1
		} else if txs == 'I' {
			opened = 0
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s track: %s interrupted at statement %d (no transaction: earlier statements stay): %w",
					t.Name, m.Tag, st.Index+1, errors.Join(ctx.Err(), err))
			}
			line, col := st.Line, st.Col
			var pg *pgconn.PgError
			if errors.As(err, &pg) && pg.Position > 0 {
				line, col = journal.Position(m.SQL, st.Offset+serverOffset(conn, st.SQL, int(pg.Position)))
			}
			serr := newStatementError(t, m, st, line, col, err)
			serr.NoTransaction, serr.Partial = true, st.Index > 0
			if opened > 0 {
				// The failure aborted the migration's own transaction:
				// everything since its BEGIN is gone.
				rollback(ctx, conn)
				serr.TxOpenedAt = opened
			}
			// A failed concurrent build leaves an INVALID index: say so,
			// with the remedy, instead of only the build's error.
			if ierr := checkConcurrentIndexes(ctx, conn, t, m, serr); ierr != error(serr) {
				serr.PushHint = false
				return ierr
			}
			return serr
		}
	}
	if opened > 0 {
		// Never write the row into the migration's own transaction, nor
		// stamp statements that a disconnect would roll back.
		rollback(ctx, conn)
		return &OpenTxError{Track: t.Name, Tag: m.Tag, File: m.File, Opened: opened, Last: last}
	}
	// IF NOT EXISTS skips an INVALID index silently: never stamp over one.
	if err := checkConcurrentIndexes(ctx, conn, t, m, nil); err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%s track: record %s: %w", t.Name, m.Tag, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if ensure {
		if err := ledger.EnsureVersion(ctx, tx, t.Ledger, version); err != nil {
			return fmt.Errorf("%s track: %w", t.Name, err)
		}
	}
	// The row, led by the lock check and the duplicate guard, in the round
	// trip that used to carry the insert alone.
	rec := recordBatch(t, []*journal.Migration{m}, version, false)
	if _, err := conn.PgConn().ExecBatch(ctx, rec.Batch).ReadAll(); err != nil {
		if isLockLost(err) {
			return &LockLostError{Track: t.Name, Tags: []string{m.Tag}, NoTransaction: true}
		}
		if tags, ok := recordedElsewhere(err, []*journal.Migration{m}); ok {
			return &RecordedElsewhereError{Track: t.Name, Tags: tags, Group: tags, NoTransaction: true}
		}
		return fmt.Errorf("%s track: %s applied but not recorded: %w", t.Name, m.Tag, err)
	}
	if err := tx.Commit(ctx); err != nil {
		if CommitInDoubt(err) {
			return &CommitUnknownError{Track: t.Name, Tags: []string{m.Tag}, NoTransaction: true, Err: err}
		}
		return fmt.Errorf("%s track: %s applied but not recorded: %w", t.Name, m.Tag, err)
	}
	return nil
}

// CommitInDoubt reports whether a failed COMMIT may still have committed:
// the server did not answer it (the connection broke, or pgconn closed it
// after an unanswered cancel request), and it may have reached the server.
// When it reports false, the server answered (with an error, or ROLLBACK)
// or pgconn refused to send on a context already done: the transaction was
// rolled back.
//
// pgconn.SafeToRetry alone cannot tell: when the connection breaks while
// the answer is awaited, pgconn (v5.9) reports "conn closed", an error it
// calls safe to retry, although the COMMIT was sent. Any failure without an
// answer is in doubt but the one that wraps the done context.
func CommitInDoubt(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) || errors.Is(err, pgx.ErrTxCommitRollback) {
		return false
	}
	notSent := pgconn.SafeToRetry(err) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	return !notSent
}

// rollback ends the open transaction even when ctx is cancelled.
func rollback(ctx context.Context, conn *pgx.Conn) {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_, _ = conn.Exec(c, "ROLLBACK")
}

// writeVersion is the version of the ledger rows this run writes: the
// ledger's own when it exists (hogsend-db never adds the name column to a
// version-0 ledger: drizzle-orm 1.0 would take it as upgraded and re-run
// every nameless row), else version 1 for a folder in drizzle-kit 1.0's
// layout, as drizzle-orm 1.0 creates it, and version 0 for a 0.x folder.
func writeVersion(t Loaded, s *State) int {
	if s.LedgerExists {
		return s.LedgerVersion
	}
	if t.Journal.Layout == journal.LayoutFolders {
		return ledger.Version1
	}
	return ledger.Version0
}
