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

// MigrationApplied: a migration and its ledger row are committed.
type MigrationApplied struct {
	Track         string
	Tag           string
	NoTransaction bool
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
func (MigrationApplied) event() {}
func (Committed) event()        {}
func (ReleaseRecorded) event()  {}
