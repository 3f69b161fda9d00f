package tracks

import (
	"context"
	"errors"
	"fmt"

	"github.com/hogsend/hogsend-db/ledger"
)

// Health statuses of a Report (the server's GET /v1/health contract).
const (
	StatusHealthy          = "healthy"
	StatusMigrationPending = "migration_pending"
	StatusDegraded         = "degraded"
)

// Report is the document printed by `hogsend-db status --json` and served
// by guard in GET /v1/health. Fields may be added, never renamed.
type Report struct {
	Status     string               `json:"status"`
	Schema     map[string]*State    `json:"schema"` // keyed by track name: "engine", "client"
	Components map[string]Component `json:"components"`
	// Release is what the engine version side table records, if anything.
	Release *Release `json:"release,omitempty"`
}

// Component is one dependency's health.
type Component struct {
	Status string `json:"status"`           // "up" or "down"
	Error  string `json:"error,omitempty"`  // redacted: never a password
	Remedy string `json:"remedy,omitempty"` // what fixes it, when known
}

// Track returns the state of the named track, or nil.
func (r *Report) Track(name string) *State { return r.Schema[name] }

// Problems reports whether any track has integrity problems.
func (r *Report) Problems() bool {
	for _, s := range r.Schema {
		if s.Problems() {
			return true
		}
	}
	return false
}

// Status reads every track's ledger (and the release record) in one round
// trip and matches them. It never locks, never writes and never creates
// anything, so it works for read-only roles and is safe in health probes.
// An error means the database could not be read; Degraded turns it into a
// report.
func Status(ctx context.Context, q ledger.Querier, ts []Loaded) (*Report, error) {
	c, err := NewChecker(ts)
	if err != nil {
		return nil, err
	}
	return c.Status(ctx, q)
}

func reportFrom(ts []Loaded, snap ledger.Snapshot) *Report {
	r := &Report{Status: StatusHealthy, Schema: make(map[string]*State, len(ts)),
		Components: map[string]Component{"database": {Status: "up"}}}
	missing := false
	for i, t := range ts {
		s := Match(t.Journal, snap.Ledgers[i])
		s.Note = t.Note
		s.InvalidIndexes = invalidFor(t.Journal, snap.InvalidIndexes)
		r.Schema[t.Name] = &s
		if !s.InSync {
			r.Status = StatusMigrationPending
		}
		if n := len(snap.Ledgers[i].Rows); t.FolderMissing && n > 0 {
			s.FolderMissing = true
			s.Note = fmt.Sprintf("%s, yet its ledger %s records %d migration(s): the folder is missing, not empty; run from the project folder or name the migrations folder",
				t.Note, snap.Ledgers[i].Table, n)
			missing = true
		}
	}
	if missing && r.Status == StatusHealthy {
		r.Status = StatusDegraded
	}
	if rel, ok := snap.Releases[Engine]; ok {
		r.Release = &rel
	}
	return r
}

// Degraded is the report for a database that could not be read: every
// track's pending list is unknown. msg must already be redacted.
func Degraded(ts []Loaded, msg string) *Report {
	r := &Report{Status: StatusDegraded, Schema: make(map[string]*State, len(ts)),
		Components: map[string]Component{"database": {Status: "down", Error: msg}}}
	for _, t := range ts {
		s := Match(t.Journal, ledger.Ledger{Table: t.Ledger})
		s.Pending, s.InSync, s.pending, s.Note = []string{}, false, nil, t.Note
		r.Schema[t.Name] = &s
	}
	return r
}

// LedgerComponent names the component of a report that says whether the
// ledgers could be read; it appears only when they could not.
const LedgerComponent = "ledger"

// DegradedFor is the report for a read that failed with err. When the
// database answered but a ledger could not be read (*ledger.UnreadableError:
// permission denied, a created_at that is not an integer), the database is
// "up" and the "ledger" component is "down" with the reason and the remedy;
// otherwise it is Degraded with err's message. scrub removes secrets from
// the messages.
func DegradedFor(ts []Loaded, err error, scrub func(string) string) *Report {
	var ue *ledger.UnreadableError
	if !errors.As(err, &ue) {
		return Degraded(ts, scrub(err.Error()))
	}
	r := Degraded(ts, "")
	r.Components["database"] = Component{Status: "up"}
	r.Components[LedgerComponent] = Component{Status: "down", Error: scrub(ue.Reason), Remedy: scrub(ue.Remedy)}
	for _, t := range ts {
		for _, u := range ue.Tables {
			if u == t.Ledger {
				r.Schema[t.Name].LedgerExists = true
			}
		}
	}
	return r
}

// Release is the engine release recorded in the database by the last
// migrate that applied (or repaired) the engine track.
type Release = ledger.Release
