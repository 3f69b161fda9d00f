package tracks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/journal"
)

// Sentinel errors; each typed error below matches one with errors.Is.
var (
	ErrOutOfOrder  = errors.New("out-of-order migrations")
	ErrModified    = errors.New("applied migrations were modified")
	ErrForeign     = errors.New("the ledger belongs to other migrations")
	ErrLockTimeout = errors.New("timed out waiting for the migration lock")
	ErrStatement   = errors.New("migration statement failed")
	ErrLockLost    = errors.New("advisory lock not held by this session")
	// ErrCommitUnknown: the connection failed with COMMIT possibly in
	// flight; the server may or may not have committed.
	ErrCommitUnknown = errors.New("outcome of COMMIT unknown")
)

// OutOfOrderError: pending migrations are older than the newest ledger row.
// The remedy is Options.AllowOutOfOrder, once they are known to be safe.
type OutOfOrderError struct {
	Track string
	Tags  []string
}

func (e *OutOfOrderError) Error() string {
	return fmt.Sprintf("%s track: %d pending migration(s) older than the newest applied one: %s; "+
		"drizzle-orm would skip them forever (it only runs entries newer than its last row). "+
		"Check they are safe to run after the newer ones, then allow out-of-order migrations",
		e.Track, len(e.Tags), strings.Join(e.Tags, ", "))
}
func (e *OutOfOrderError) Unwrap() error { return ErrOutOfOrder }

// ForeignError: a track's ledger does not record this folder's migrations
// (a ledger of another engine, or of another app's client folder).
// Nothing is written while it holds, whatever the options.
type ForeignError struct {
	Track    string
	Ledger   string
	Location string // where the track's migrations came from
	Origin   string // how that folder was chosen ("package", "bundled", ...)
	Matched  int    // ledger rows that record a local migration
	Rows     int    // ledger rows
	Unknown  int    // rows among the local ones that match none of them
	Remedy   string // what to do, in words
}

func (e *ForeignError) Error() string {
	msg := ForeignMessage(Facts{Track: e.Track, State: &State{Ledger: e.Ledger, Matched: e.Matched, Rows: e.Rows},
		Location: e.Location, Origin: e.Origin})
	if e.Unknown > 0 && e.Matched > 0 {
		msg += fmt.Sprintf(", and %d row(s) among them match none", e.Unknown)
	}
	return fmt.Sprintf("%s track: %s; nothing was written. Fix: %s", e.Track, msg, e.Remedy)
}
func (e *ForeignError) Unwrap() error { return ErrForeign }

// SameSecondError: a folder in drizzle-kit 1.0's layout has rows without a
// name that match none of the migrations of their second by hash, so one
// of those migrations was edited after it ran (see ModifiedSameSecond).
// Nothing is written while it holds: running the migrations of that second
// could run the edited one again. It matches ErrModified.
type SameSecondError struct {
	Track    string
	Ledger   string
	Location string   // the migrations folder, for messages
	Rows     []RowRef // the rows that match nothing
	Tags     []string // the migrations of their seconds that no row records
	Files    []string // their migration files, relative to Location
	Remedy   string   // what to do, in words
}

func (e *SameSecondError) Error() string {
	return fmt.Sprintf("%s track: %s; nothing was written. Fix: %s", e.Track, SameSecondMessage(e.Ledger, e.Rows, e.Tags), e.Fix())
}

// Fix is the remedy in words, with the files one of which to restore.
func (e *SameSecondError) Fix() string {
	if len(e.Files) == 0 {
		return e.Remedy
	}
	return fmt.Sprintf("%s (the file to restore is among %s in %s)", e.Remedy, strings.Join(e.Files, ", "), e.Location)
}
func (e *SameSecondError) Unwrap() error { return ErrModified }

// RenamedError: a folder in drizzle-kit 1.0's layout was renamed after its
// migration ran: a ledger row matches no folder but has the hash of the
// pending one (see RenamedFolder). Nothing is written while it holds:
// running that migration would run it again. It matches ErrModified.
type RenamedError struct {
	Track    string
	Ledger   string
	Location string // the migrations folder, for messages
	Renamed  []RenamedFolder
	Remedy   string // what to do, in words
}

func (e *RenamedError) Error() string {
	return fmt.Sprintf("%s track: %s; nothing was written. Fix: %s (the folders are in %s)",
		e.Track, RenamedMessage(e.Ledger, e.Renamed), e.Remedy, e.Location)
}
func (e *RenamedError) Unwrap() error { return ErrModified }

// ModifiedError: applied migrations' files no longer hash to their rows.
type ModifiedError struct {
	Track string
	Tags  []string
}

func (e *ModifiedError) Error() string { return e.Track + " track: " + e.detail() }

// detail is the message without the track, as the warning of a
// non-strict run says it.
func (e *ModifiedError) detail() string {
	return fmt.Sprintf("applied migration(s) edited after they ran: %s; "+
		"the database does not contain the edits: restore the files from version control and put changes in a new migration",
		strings.Join(e.Tags, ", "))
}
func (e *ModifiedError) Unwrap() error { return ErrModified }

// CommitUnknownError: the connection broke, or was closed after a cancel
// request went unanswered, while the ledger rows and COMMIT of a group were
// in flight. The group is atomic: its migrations are either all applied and
// recorded or none is, and only the database can say which.
//
// For a no-transaction migration (NoTransaction) the statements have run;
// only its ledger row is in doubt. The remedy is to read the status, then
// migrate again (or, NoTransaction, repair from push).
type CommitUnknownError struct {
	Track         string
	Tags          []string
	NoTransaction bool
	Err           error // the connection error
}

func (e *CommitUnknownError) Error() string {
	if e.NoTransaction {
		return fmt.Sprintf("%s track: the connection failed while recording %s (%v); "+
			"its statements ran, but whether its ledger row was committed is unknown. "+
			"Check the status: if it is still pending, a repair from push records it once drift proves its objects exist",
			e.Track, strings.Join(e.Tags, ", "), e.Err)
	}
	return fmt.Sprintf("%s track: the connection failed while committing %s (%v); "+
		"whether the server committed is unknown: they are either all applied and recorded or none is. "+
		"Check the status to see which, then migrate again if they are pending",
		e.Track, strings.Join(e.Tags, ", "), e.Err)
}
func (e *CommitUnknownError) Unwrap() []error { return []error{ErrCommitUnknown, e.Err} }

// LockHolder describes the session holding the advisory lock.
type LockHolder struct {
	PID             int32     `json:"pid"`
	ApplicationName string    `json:"applicationName"`
	ClientAddr      string    `json:"clientAddr,omitempty"`
	Since           time.Time `json:"since"` // when the holder's current state began
	Query           string    `json:"query,omitempty"`
}

func (h *LockHolder) String() string {
	if h == nil {
		return "an unknown session"
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if h.ApplicationName != "" {
		s += fmt.Sprintf(" (%s)", h.ApplicationName)
	}
	if h.ClientAddr != "" {
		s += " from " + h.ClientAddr
	}
	if !h.Since.IsZero() {
		s += " since " + h.Since.UTC().Format(time.RFC3339)
	}
	return s
}

// LockTimeoutError: the lock was still held when --lock-wait ran out.
type LockTimeoutError struct {
	Waited time.Duration
	Holder *LockHolder
}

func (e *LockTimeoutError) Error() string {
	pid := "pid"
	if e.Holder != nil && e.Holder.PID != 0 {
		pid = fmt.Sprint(e.Holder.PID)
	}
	return fmt.Sprintf("migration lock (advisory key %d) still held by %s after %s; "+
		"another migrate is running or stuck: wait for it, or end that session with SELECT pg_terminate_backend(%s)",
		LockKey, e.Holder, e.Waited.Round(time.Millisecond), pid)
}
func (e *LockTimeoutError) Unwrap() error { return ErrLockTimeout }

// StatementError: a migration statement failed. The track's open
// transaction was rolled back, so the ledger and schema are as they were
// (for a no-transaction migration, the statements before this one stay).
type StatementError struct {
	Track string
	// The statement, located in its file, with the server's SQLSTATE,
	// message, detail and hint (the one shape migrate and lint share).
	journal.StatementError
	// NoTransaction: the migration runs outside a transaction, so nothing
	// was rolled back.
	NoTransaction bool
	// Partial: a no-transaction migration whose statements 1..Statement-1
	// ran and stay.
	Partial bool
	// TxOpenedAt: a no-transaction migration whose statement TxOpenedAt
	// opened a transaction (BEGIN) that this failure aborted; it was rolled
	// back, so statements TxOpenedAt..Statement are not applied and only
	// those before TxOpenedAt stay.
	TxOpenedAt int
	// PushHint: the error says an object already exists while the ledger is
	// behind, the mark of a database bootstrapped with drizzle-kit push: the
	// remedy is drift, then a repair from push.
	PushHint bool
	// RolledBack: the tags of the rolled-back transaction (this migration,
	// and the others of its group under TxTrack). Migrations committed
	// before it, in this track or another, stay applied.
	RolledBack []string
}

func (e *StatementError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s track: %s (%s:%d:%d), statement %d failed", e.Track, e.Tag, e.File, e.Line, e.Col, e.Statement)
	if e.SQLState != "" {
		fmt.Fprintf(&b, ": %s (SQLSTATE %s)", e.Message, e.SQLState)
		if e.Detail != "" {
			fmt.Fprintf(&b, "; detail: %s", e.Detail)
		}
		if e.Hint != "" {
			fmt.Fprintf(&b, "; hint: %s", e.Hint)
		}
	} else {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	switch {
	case e.TxOpenedAt > 0:
		fmt.Fprintf(&b, "; this migration runs outside a transaction, but its statement %d opened one (BEGIN) that this failure aborted: "+
			"rolled back: %s not applied; %s; no ledger row was written; fix the cause and re-run",
			e.TxOpenedAt, statementRange(e.TxOpenedAt, e.Statement), appliedBefore(e.TxOpenedAt))
	case e.Partial:
		fmt.Fprintf(&b, "; this migration runs outside a transaction: %s, no ledger row was written; fix the cause and re-run (make the statements idempotent, e.g. IF NOT EXISTS)", appliedBefore(e.Statement))
	case e.NoTransaction:
		b.WriteString("; this migration runs outside a transaction: no earlier statement of it ran and no ledger row was written (a failed CREATE INDEX CONCURRENTLY leaves an INVALID index behind: the status shows it)")
	case len(e.RolledBack) > 4:
		fmt.Fprintf(&b, "; rolled back: %s … %s (%d migrations) not applied, no ledger row written",
			e.RolledBack[0], e.RolledBack[len(e.RolledBack)-1], len(e.RolledBack))
	case len(e.RolledBack) > 0:
		fmt.Fprintf(&b, "; rolled back: %s not applied, no ledger row written", strings.Join(e.RolledBack, ", "))
	default:
		b.WriteString("; rolled back: no ledger row written")
	}
	switch {
	case e.SQLState == "25001" && !e.NoTransaction:
		fmt.Fprintf(&b, ". This statement cannot run inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, REINDEX CONCURRENTLY, CREATE DATABASE ...): "+
			"put it in a migration of its own whose first line is %q, which runs its statements one by one outside a transaction", journal.NoTransactionDirective)
	case e.SQLState == "25001":
		b.WriteString(". PostgreSQL runs the statements of one chunk (the text between --> statement-breakpoint markers) as one implicit transaction: " +
			"put a breakpoint before and after this statement")
	}
	if e.PushHint {
		b.WriteString(". The object already exists although the ledger does not record its migration: the database was probably bootstrapped with drizzle-kit push or by hand")
	}
	return b.String()
}

// Unwrap matches ErrStatement and gives the located statement, and
// through it the driver's error.
func (e *StatementError) Unwrap() []error { return []error{ErrStatement, &e.StatementError} }

// alreadyExists reports SQLSTATEs that mean "the object is already there".
func alreadyExists(err error) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return false
	}
	switch pg.Code {
	case "42P07", "42710", "42701", "42P06", "42723", "42P16":
		return true
	}
	return false
}

// TxEndedError: the migrations' own SQL ended the runner's transaction (a
// COMMIT, ROLLBACK or the like that the up-front check did not catch, e.g.
// inside EXECUTE). Whatever ran before the end may be committed, and what
// ran after it ran in implicit transactions; no ledger row was written.
type TxEndedError struct {
	Track string
	Tags  []string // the migrations of the transaction
	Err   error    // the statement error after the end, if any
}

func (e *TxEndedError) Error() string {
	msg := fmt.Sprintf("%s track: the SQL of %s ended hogsend-db's transaction (a COMMIT, ROLLBACK, END or ABORT ran inside the migration); "+
		"no ledger row was written, but their statements may be committed, in part or in full: check the schema, "+
		"remove the transaction control from the migration (or mark it %s), undo or record what committed, then run migrate again",
		e.Track, strings.Join(e.Tags, ", "), journal.NoTransactionDirective)
	if e.Err != nil {
		msg += fmt.Sprintf(" (then: %v)", e.Err)
	}
	return msg
}

func (e *TxEndedError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrTxEnded, e.Err}
	}
	return []error{ErrTxEnded}
}

// ErrTxEnded: a migration ended the runner's transaction.
var ErrTxEnded = errors.New("migration ended the transaction")

// LockLostError: before COMMIT, this session no longer held the migration
// lock (the migration's SQL released it, e.g. pg_advisory_unlock_all()), so
// another migrate may be running the same migrations. The transaction was
// rolled back.
//
// For a no-transaction migration (NoTransaction) the statements had already
// run and committed: no ledger row was written, but another migrate may
// have run them too.
type LockLostError struct {
	Track         string
	Tags          []string
	NoTransaction bool
}

func (e *LockLostError) Error() string {
	if e.NoTransaction {
		return fmt.Sprintf("%s track: %s runs outside a transaction: its statements ran and committed in this session, "+
			"but the migration lock (advisory key %d) was released inside it (pg_advisory_unlock or pg_advisory_unlock_all in the SQL?), "+
			"so another migrate could run it at the same time: its effects may have been applied twice; this session wrote no ledger row. "+
			"Check the objects and data it changes for double effects and the status (another session may have recorded it), and remove the unlock from the migration",
			e.Track, strings.Join(e.Tags, ", "), LockKey)
	}
	return fmt.Sprintf("%s track: the migration lock (advisory key %d) was released inside %s (pg_advisory_unlock or pg_advisory_unlock_all in the SQL?), "+
		"so another migrate could run them at the same time; rolled back: not applied, no ledger row written. Remove the unlock from the migration",
		e.Track, LockKey, strings.Join(e.Tags, ", "))
}
func (e *LockLostError) Unwrap() error { return ErrLockLost }

// ErrRecordedElsewhere: another session recorded the migrations while this
// one was running them.
var ErrRecordedElsewhere = errors.New("migration recorded by another session")

// RecordedElsewhereError: just before writing its ledger rows, this session
// found rows for the same migrations (same hash and created_at, and name in
// a version-1 ledger) that another session committed meanwhile: the
// migration's SQL gave the lock away and took it back
// (pg_advisory_unlock_all(), then pg_advisory_lock), so two migrates ran it.
//
// A transactional group was rolled back: the other session's run stands,
// recorded once. A no-transaction migration's statements had already run
// and committed in this session (NoTransaction): no row was written, but
// its effects may have been applied twice.
type RecordedElsewhereError struct {
	Track         string
	Tags          []string // the migrations another session recorded
	Group         []string // the migrations of this session's transaction
	NoTransaction bool
}

func (e *RecordedElsewhereError) Error() string {
	tags := strings.Join(e.Tags, ", ")
	if e.NoTransaction {
		return fmt.Sprintf("%s track: %s runs outside a transaction: its statements ran and committed in this session, "+
			"but another session recorded it meanwhile (its SQL gave the migration lock away, advisory key %d): "+
			"its effects may have been applied twice; this session wrote no ledger row. "+
			"Check the objects and data it changes for double effects, and remove the unlock from the migration",
			e.Track, tags, LockKey)
	}
	return fmt.Sprintf("%s track: another session recorded %s while this one ran it (the SQL gave the migration lock away, advisory key %d, and took it back): "+
		"rolled back: %s not applied by this session, no ledger row written; the other session's run stands. Remove the unlock from the migration",
		e.Track, tags, LockKey, strings.Join(e.Group, ", "))
}
func (e *RecordedElsewhereError) Unwrap() error { return ErrRecordedElsewhere }

// OpenTxError: a no-transaction migration opened a transaction (BEGIN) and
// did not close it. hogsend-db rolled it back: statements Opened..Last
// (the chunk that opened it and every one after) were not applied, the
// ones before stay, and no ledger row was written.
type OpenTxError struct {
	Track  string
	Tag    string
	File   string
	Opened int // the statement (chunk) that opened the transaction
	Last   int // the migration's last statement
}

func (e *OpenTxError) Error() string {
	return fmt.Sprintf("%s track: %s (%s) runs outside a transaction but its statement %d opened one (BEGIN) that was still open at its end: "+
		"rolled back: %s not applied; %s; no ledger row written. End the transaction in the migration (COMMIT) or remove the BEGIN, then re-run",
		e.Track, e.Tag, e.File, e.Opened, statementRange(e.Opened, e.Last), appliedBefore(e.Opened))
}
func (e *OpenTxError) Unwrap() error { return ErrTxOpen }

// ErrTxOpen: a no-transaction migration left a transaction open.
var ErrTxOpen = errors.New("no-transaction migration left a transaction open")

// appliedBefore says what stays of a no-transaction migration whose
// statement n failed or was rolled back: the statements before it.
func appliedBefore(n int) string {
	switch {
	case n <= 1:
		return "no statement of it stays applied"
	case n == 2:
		return "statement 1 was applied and stays"
	}
	return fmt.Sprintf("statements 1-%d were applied and stay", n-1)
}

// statementRange is "statement 3" or "statements 3-5".
func statementRange(from, to int) string {
	if from >= to {
		return fmt.Sprintf("statement %d", from)
	}
	return fmt.Sprintf("statements %d-%d", from, to)
}
