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
	// Engine says which engine migrations the report was made against.
	Engine *EngineInfo `json:"engine,omitempty"`
	// Integrity lists every track's integrity problems (foreign ledger,
	// modified, out-of-order, ...): [] when there are none. A probe reads
	// it next to Status, which stays one of the three health values.
	Integrity []Problem `json:"integrity"`
}

// EngineInfo names the engine a report was made against.
type EngineInfo struct {
	Source  string `json:"source"`  // "engine-dir", "package", "bundled", "embedded"
	Path    string `json:"path"`    // the folder, or "bundled"
	Release string `json:"release"` // "" when unknown
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
	c, err := NewInspector(ts)
	if err != nil {
		return nil, err
	}
	return c.Status(ctx, q)
}

// reportFrom matches each track against its ledger and judges it. check,
// when not nil, adds what is known beside the ledger (schema verification)
// to a track's state before the verdict.
func reportFrom(ts []Loaded, snap ledger.Snapshot, check func(i int, t Loaded, s *State) error) (*Report, error) {
	r := newReport(ts, StatusHealthy, Component{Status: "up"})
	if rel, ok := snap.Releases[Engine]; ok {
		r.Release = &rel
	}
	missing := false
	for i, t := range ts {
		s := Match(t.Journal, snap.Ledgers[i])
		s.Note = t.Note
		s.InvalidIndexes = invalidFor(t.Journal, snap.InvalidIndexes)
		r.Schema[t.Name] = &s
		if n := len(snap.Ledgers[i].Rows); t.FolderMissing && n > 0 {
			s.FolderMissing = true
			s.Note = fmt.Sprintf("%s, yet its ledger %s records %d migration(s): the folder is missing, not empty; run from the project folder or name the migrations folder",
				t.Note, snap.Ledgers[i].Table, n)
			missing = true
		}
		if check != nil {
			if err := check(i, t, &s); err != nil {
				return nil, err
			}
		}
		f := factsOf(t, &s)
		if t.Name == Engine && r.Release != nil && t.Release != "" && MajorAhead(r.Release.Version, t.Release) {
			f.MajorAhead, f.Recorded, f.Build = true, r.Release.Version, t.Release
		}
		var ps []Problem
		s.Verdict, ps = Judge(f)
		if s.Verdict == Foreign {
			// Rows of other migrations are never "ahead", and local
			// migrations are not "out of order" against them.
			s.Unknown = append(s.Unknown, s.Ahead...)
			s.Ahead, s.OutOfOrder = []RowRef{}, []string{}
		}
		r.Integrity = append(r.Integrity, ps...)
		switch {
		case t.Fatal && (s.Verdict == Foreign || s.Verdict == ReleaseMajorAhead || s.Verdict == MissingObjects):
			r.Status = StatusDegraded
		case !s.InSync && r.Status == StatusHealthy:
			r.Status = StatusMigrationPending
		}
	}
	if missing && r.Status == StatusHealthy {
		r.Status = StatusDegraded
	}
	return r, nil
}

func newReport(ts []Loaded, status string, db Component) *Report {
	r := &Report{Status: status, Schema: make(map[string]*State, len(ts)),
		Components: map[string]Component{"database": db}, Integrity: []Problem{}}
	for _, t := range ts {
		if t.Name == Engine {
			r.Engine = &EngineInfo{Source: t.Origin, Path: t.Location, Release: t.Release}
		}
	}
	return r
}

// factsOf: an optional track without a folder (no ./migrations yet, or
// guard without WithClientMigrations) is unchecked; its rows are reported,
// never called foreign. An existing folder whose migrations match none of
// the rows is the wrong folder.
func factsOf(t Loaded, s *State) Facts {
	return Facts{Track: t.Name, State: s, Unchecked: t.Source == nil || (t.Optional && t.Note != ""),
		Location: t.Location, Origin: t.Origin}
}

// Degraded is the report for a database that could not be read: every
// track's pending list is unknown. msg must already be redacted.
func Degraded(ts []Loaded, msg string) *Report {
	r := newReport(ts, StatusDegraded, Component{Status: "down", Error: msg})
	for _, t := range ts {
		s := Match(t.Journal, ledger.Ledger{Table: t.Ledger})
		s.Pending, s.InSync, s.pending, s.Note = []string{}, false, nil, t.Note
		s.Verdict, _ = Judge(Facts{Track: t.Name, State: &s, Unreachable: true})
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
