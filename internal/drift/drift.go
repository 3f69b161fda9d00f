// Package drift compares a live database with what its migrations produce,
// and plans the ledger repair of a database bootstrapped with drizzle-kit
// push (or by hand).
//
// The expected schema comes from replaying every migration (engine track,
// then client track) on a scratch database, with the schema listed after
// each migration (History). The live schema is compared with those
// cumulative states, never with each migration's statements: an object one
// migration creates and a later one drops is expected absent once both are
// counted, and column order never matters (schemastate's Objects are keyed
// by name).
//
// The package never prints: it returns a Report, a Plan and typed errors,
// and reports progress as Events.
package drift

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hogsend/hogsend-db/tracks"
)

// Status is what drift concluded about one migration.
type Status string

// Migration statuses.
const (
	// StatusApplied: recorded in the ledger, its effects are in the live schema.
	StatusApplied Status = "applied"
	// StatusMissing: recorded in the ledger, but some of its effects are not
	// in the live schema (an object was dropped or changed by hand).
	StatusMissing Status = "missing"
	// StatusPushGap: not recorded, its effects are fully present, and it is
	// part of the contiguous run right after the last recorded migration of
	// its track: repair --from-push writes its ledger row.
	StatusPushGap Status = "push-gap"
	// StatusPartial: not recorded, and only part of its effects are present.
	StatusPartial Status = "partial"
	// StatusPresentBlocked: not recorded and fully present, but not
	// stampable: an earlier pending migration of the track is not present
	// (or it is older than the newest recorded one). Stamping it would make
	// drizzle skip the earlier one forever.
	StatusPresentBlocked Status = "present-blocked"
	// StatusPending: not recorded and none of its effects are present:
	// migrate will apply it.
	StatusPending Status = "pending"
	// StatusRenamed (drizzle-kit 1.0 layout): recorded under another
	// folder name: a ledger row has the hash of its file and the name (or
	// second) it had before it was renamed after it ran (the track's
	// renamed_folder problem, tracks.RenamedFolder). It ran: never stamped
	// (that would record it twice), nor run again; its folder gets its old
	// name back.
	StatusRenamed Status = "renamed"
	// StatusEdited (drizzle-kit 1.0 layout, version-0 ledger): one of the
	// folders of a second several folders share, with no row of its own,
	// while a nameless row of that second matches none of them by hash:
	// the folder was edited after it ran (the track's modified_same_second
	// problem, tracks.State.EditedInSecond). It ran, under its file as it
	// was: never stamped (that would record it twice), nor run again; its
	// file is restored and the change goes in a new migration.
	StatusEdited Status = "edited"
)

// Change says what a migration does to an object.
type Change string

// Changes.
const (
	Create Change = "create"
	Alter  Change = "alter"
	Drop   Change = "drop"
)

// ObjectRef names one schema object, e.g. {Kind: "index", Name:
// "public.contacts_email_idx"}, and what the migration it is listed under
// does to it.
type ObjectRef struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Change Change `json:"change,omitempty"`
	// Owner is "engine" for an untracked object on a table the engine
	// track creates: generate refuses engine objects, so the remedy is to
	// drop it (or move it to a client table), not to generate it.
	Owner string `json:"owner,omitempty"`
}

func (o ObjectRef) String() string { return o.Kind + " " + o.Name }

// MigrationReport is drift's verdict on one migration.
type MigrationReport struct {
	Tag    string `json:"tag"`
	Status Status `json:"status"`
	Hash   string `json:"hash"`
	When   int64  `json:"when"`
	// Unverifiable: the migration changes nothing Atlas can compare (only
	// views, functions, data, ...): its presence cannot be proven.
	Unverifiable bool `json:"unverifiable,omitempty"`
	// RanAs (renamed): the folder name it ran under, which its ledger row
	// records.
	RanAs string `json:"ranAs,omitempty"`
	// For partial, missing and present-blocked migrations: its effects
	// that are in place, missing (should exist), different (exist with
	// another definition) and not dropped (should be gone, still exist).
	Present    []ObjectRef `json:"present,omitempty"`
	Missing    []ObjectRef `json:"missing,omitempty"`
	Different  []ObjectRef `json:"different,omitempty"`
	NotDropped []ObjectRef `json:"notDropped,omitempty"`
}

// TrackReport is drift's verdict on one track.
type TrackReport struct {
	Track  string `json:"track"`
	Ledger string `json:"ledger"`
	// Migrations lists every migration of the track in journal order.
	Migrations []MigrationReport `json:"migrations"`
	// Tags by status, journal order.
	Missing        []string `json:"missing"`
	PushGap        []string `json:"pushGap"`
	Partial        []string `json:"partial"`
	PresentBlocked []string `json:"presentBlocked"`
	Pending        []string `json:"pending"`
	Renamed        []string `json:"renamed"`
	// RenamedRemedy says how to undo the renames, in words ("" for none).
	RenamedRemedy string   `json:"renamedRemedy,omitempty"`
	Edited        []string `json:"edited"`
	// EditedRemedy says how to undo the edits, in words, naming the files
	// to restore ("" for none).
	EditedRemedy string `json:"editedRemedy,omitempty"`

	renamed []tracks.RenamedFolder // the track's, from tracks.State.Renamed
	// edited: nameless rows that an edit in a shared second left unmatched
	// (tracks.State.EditedInSecond), nil for none: one of the pending
	// folders of that second ran, so none may be stamped (StatusEdited).
	edited *tracks.SameSecondError
}

// Findings reports whether the track has anything drift reports (exit 4).
// Plain pending migrations are not findings: status reports them.
func (t *TrackReport) Findings() bool {
	return len(t.Missing)+len(t.PushGap)+len(t.Partial)+len(t.PresentBlocked)+len(t.Renamed)+len(t.Edited) > 0
}

// Migration returns the report of the migration tagged tag, or nil.
func (t *TrackReport) Migration(tag string) *MigrationReport {
	for i := range t.Migrations {
		if t.Migrations[i].Tag == tag {
			return &t.Migrations[i]
		}
	}
	return nil
}

// Report is the result of a drift check; its JSON is `drift --json`.
// Fields may be added, never renamed.
type Report struct {
	// InSync: the live schema, the ledgers and the migrations agree
	// (pending migrations whose effects are absent are fine).
	InSync bool          `json:"inSync"`
	Tracks []TrackReport `json:"tracks"`
	// Untracked are live objects no migration produces: a change pushed
	// but never generated (run hogsend-db generate).
	Untracked []ObjectRef `json:"untracked"`
	// Compared is how many live objects were compared.
	Compared int `json:"compared"`
	// NotCompared counts live objects Atlas's open-source driver cannot see.
	NotCompared        Counts `json:"notCompared"`
	NotComparedSummary string `json:"notComparedSummary"`
}

// Track returns the named track's report, or nil.
func (r *Report) Track(name string) *TrackReport {
	for i := range r.Tracks {
		if r.Tracks[i].Track == name {
			return &r.Tracks[i]
		}
	}
	return nil
}

// Findings reports whether drift found anything (exit code 4).
func (r *Report) Findings() bool { return !r.InSync }

// ErrPartial: repair refuses because a pending migration is partly present.
var ErrPartial = errors.New("a pending migration is only partly present")

// ErrRenamed: repair refuses because a folder was renamed after its
// migration ran (StatusRenamed).
var ErrRenamed = errors.New("a folder was renamed after its migration ran")

// RenamedError lists the folders renamed after their migration ran that
// make repair refuse: their ledger rows exist under the old names, so
// stamping them would record their migrations twice. It matches ErrRenamed
// and tracks.ErrModified (migrate refuses them the same way).
type RenamedError struct {
	Migrations []RenamedMigration
	Remedy     string // what to do, in words
}

// RenamedMigration is one folder renamed after its migration ran.
type RenamedMigration struct {
	Track string
	tracks.RenamedFolder
}

func (e *RenamedError) Error() string {
	each := make([]string, len(e.Migrations))
	for i, m := range e.Migrations {
		each[i] = fmt.Sprintf("%s/%s already ran as %s (ledger row id %d has the SHA-256 of %s)", m.Track, m.Folder, m.RanAs, m.Row.ID, m.File)
	}
	return fmt.Sprintf("drift: refusing to repair, nothing written: %s; the folder was renamed after its migration ran, "+
		"so stamping it would record it twice. Fix: %s", strings.Join(each, "; "), e.Remedy)
}

func (e *RenamedError) Unwrap() []error { return []error{ErrRenamed, tracks.ErrModified} }

// ErrChanged: between the check and the lock, the database changed so that
// repair would write other rows than it showed.
var ErrChanged = errors.New("the database changed since it was checked")

// PartialError lists the partly present migrations that make repair refuse.
type PartialError struct {
	Migrations []PartialMigration
}

// PartialMigration is one partly present migration.
type PartialMigration struct {
	Track string
	MigrationReport
}

func (e *PartialError) Error() string {
	var b strings.Builder
	b.WriteString("drift: refusing to repair, nothing written: ")
	for i, m := range e.Migrations {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s/%s is only partly present", m.Track, m.Tag)
		if l := refs(m.Missing); l != "" {
			fmt.Fprintf(&b, " (missing: %s)", l)
		}
		if l := refs(m.Different); l != "" {
			fmt.Fprintf(&b, " (different: %s)", l)
		}
		if l := refs(m.NotDropped); l != "" {
			fmt.Fprintf(&b, " (not dropped: %s)", l)
		}
	}
	b.WriteString("; create the missing objects (or drop the present ones) so that each migration is either fully present or absent, then run repair again")
	return b.String()
}

func (e *PartialError) Unwrap() error { return ErrPartial }

func refs(rs []ObjectRef) string {
	rs = Fold(rs)
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ", ")
}

// Fold drops from refs the parts (columns, primary key, checks, foreign
// keys, exclusion constraints) of tables that are themselves listed:
// "table public.x" says it all.
func Fold(refs []ObjectRef) []ObjectRef {
	tables := map[string]bool{}
	for _, r := range refs {
		if r.Kind == KindTable {
			tables[r.Name] = true
		}
	}
	var out []ObjectRef
	for _, r := range refs {
		table := ""
		switch r.Kind {
		case KindPrimaryKey:
			table = r.Name
		case KindColumn, KindCheck, KindFK, KindExclusion:
			if i := strings.LastIndex(r.Name, "."); i >= 0 {
				table = r.Name[:i]
			}
		}
		if table != "" && tables[table] {
			continue
		}
		out = append(out, r)
	}
	return out
}

// ChangedError: the re-check under the lock planned other rows.
type ChangedError struct {
	Want, Got []Row
}

func (e *ChangedError) Error() string {
	return fmt.Sprintf("drift: the database changed since it was checked (%d row(s) planned, %d now); nothing written: run repair again",
		len(e.Want), len(e.Got))
}

func (e *ChangedError) Unwrap() error { return ErrChanged }
