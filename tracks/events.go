package tracks

import "time"

// Event is progress reported by Apply. The CLI renders events; the package
// never prints.
type Event interface{ event() }

// LockWaiting: the lock is held by another session; Apply polls until
// it is free or the wait runs out. Sent once per Apply.
type LockWaiting struct{ Holder *LockHolder }

// LockAcquired: this session holds the lock.
type LockAcquired struct{ Waited time.Duration }

// LockNotHeld: after acquiring, pg_locks does not show the lock on this
// session: a transaction-pooling proxy (PgBouncer) is probably in between,
// and the lock protects nothing. Apply goes on; the CLI warns. Holder is
// the pooled server session that took the lock (nil if unseen): the lock
// may stay there after the run, until the pooler recycles that session.
type LockNotHeld struct{ Holder *LockHolder }

// TrackPlanned: under the lock, this is what will run for a track.
type TrackPlanned struct {
	Track   string
	Pending []string
}

// Warning: something worth a line that does not stop the run
// (modified files without --strict, unknown rows, non-increasing whens).
type Warning struct {
	Track   string
	Message string
}

// StatementStarted: a migration statement is running. For a no-transaction
// migration it is sent as the statement is sent. Inside a transaction all
// statements go in one message, and it is sent when the server reports the
// previous statement done: only with Options.Progress, without it the
// reports arrive together at the end.
type StatementStarted struct {
	Track         string
	Tag           string
	File          string // the migration's file name, as in a StatementError
	Statement     int    // 1-based index in the file
	Line          int    // 1-based line of the statement in the file
	NoTransaction bool
}

// MigrationRan: every statement of a migration ran inside a transaction
// that has not committed yet; MigrationApplied follows the COMMIT, and a
// failure later in the transaction rolls this migration back too. Sent
// only with Options.Progress, and only for transactions holding more than
// one migration.
type MigrationRan struct {
	Track      string
	Tag        string
	Statements int           // non-blank statements
	Duration   time.Duration // from its first statement's start to its last's end
}

// MigrationApplied: a migration and its ledger row are committed.
type MigrationApplied struct {
	Track         string
	Tag           string
	NoTransaction bool
	Statements    int // non-blank statements
	// Duration is the time its statements took: the whole migration for a
	// no-transaction migration; inside a transaction, as measured for
	// MigrationRan (0 without Options.Progress when the transaction held
	// several migrations: see Committed for the transaction's time).
	Duration time.Duration
}

// Committed: one transaction of a track committed.
type Committed struct {
	Track    string
	Tags     []string
	Duration time.Duration
}

// ReleaseRecorded: the engine release side table was updated.
type ReleaseRecorded struct{ Version, Previous string }

func (LockWaiting) event()      {}
func (LockAcquired) event()     {}
func (LockNotHeld) event()      {}
func (TrackPlanned) event()     {}
func (Warning) event()          {}
func (StatementStarted) event() {}
func (MigrationRan) event()     {}
func (MigrationApplied) event() {}
func (Committed) event()        {}
func (ReleaseRecorded) event()  {}
