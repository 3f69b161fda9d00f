package tracks

import (
	"slices"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// RowRef names a ledger row that matches no journal entry.
type RowRef struct {
	ID        int64  `json:"id"`
	Hash      string `json:"hash"`
	CreatedAt *int64 `json:"createdAt"` // null for a NULL created_at
}

// DuplicateRow is a ledger row with the same hash and created_at as the row
// that records a migration: the migration was recorded twice (two runners
// without the lock between them). An integrity problem, not an unknown row.
type DuplicateRow struct {
	RowRef
	Migration string `json:"migration"` // the tag it duplicates
}

// State is one track matched against its ledger. Its JSON is the track
// block of `status --json` and of the server's health document: the first
// four fields are the health contract and are never renamed.
type State struct {
	Applied  *string  `json:"applied"`  // latest applied entry in journal order, or null
	Required *string  `json:"required"` // last entry of the journal, or null
	InSync   bool     `json:"inSync"`   // nothing pending
	Pending  []string `json:"pending"`  // tags not applied, journal order

	// Verdict is the one decision about this track (Judge): status and
	// guard both read it.
	Verdict Verdict `json:"verdict"`
	// Rows counts the ledger's rows; Matched those that record a migration
	// of this track's folder. Rows > 0 with Matched == 0 is another
	// folder's ledger.
	Rows    int `json:"rows"`
	Matched int `json:"matched"`

	Ledger        string         `json:"ledger"`
	LedgerExists  bool           `json:"ledgerExists"`
	OutOfOrder    []string       `json:"outOfOrder"`    // pending, yet older than the newest ledger row: drizzle skips them forever
	Modified      []string       `json:"modified"`      // applied, but the file's hash differs from the row's
	Ahead         []RowRef       `json:"ahead"`         // rows newer than this build's journal: the database is ahead (fine)
	Unknown       []RowRef       `json:"unknown"`       // other rows that match no entry
	NullCreatedAt []RowRef       `json:"nullCreatedAt"` // rows with NULL created_at: drizzle would re-run everything
	Duplicate     []DuplicateRow `json:"duplicate"`     // rows that repeat the matched row of a migration exactly
	NotIncreasing []string       `json:"notIncreasing"` // journal entries whose when is not above every earlier one
	// AppliedOutOfOrder (1.0 layout): pending, yet sorting before the newest
	// applied migration; drizzle-orm 1.0 applies them, and so does migrate.
	AppliedOutOfOrder []string `json:"appliedOutOfOrder"`
	// NullName (version-1 ledger, 1.0 layout): rows without a name, matched
	// by created_at and hash; drizzle-orm 1.0 matches by name only and would
	// re-run their migrations.
	NullName []RowRef `json:"nullName"`
	// Layout is the folder's layout ("0.x" or "1.0"); LedgerVersion the
	// ledger's (0: drizzle-orm 0.x columns, 1: with name and applied_at).
	Layout        string `json:"layout"`
	LedgerVersion int    `json:"ledgerVersion"`
	// InvalidIndexes: INVALID indexes that this track's migrations build concurrently.
	InvalidIndexes []InvalidIndex `json:"invalidIndexes"`
	Note           string         `json:"note,omitempty"`
	// SchemaCheck: the live catalog compared with the snapshot of the
	// newest applied migration; set by Verify, absent from Status.
	SchemaCheck *SchemaCheck `json:"schema,omitempty"`
	// FolderMissing: the track's folder is missing (so its journal is
	// empty) while its ledger records migrations: the folder was not found,
	// not emptied. Status is not healthy; Note says so.
	FolderMissing bool `json:"folderMissing,omitempty"`

	// pending holds the migrations to run, in journal order.
	pending []*journal.Migration
	// stray counts the Unknown rows whose created_at is no local
	// migration's: rows of other migrations among the local ones (foreign).
	// The others duplicate a local migration's created_at.
	stray int
	// sameSecond (1.0 layout) holds the Unknown rows without a name whose
	// second several local migrations share and whose hash matches none of
	// them while some of them have no row: one of those was edited after it
	// ran. editedTags are those migrations. Such rows are not counted in
	// stray.
	sameSecond []RowRef
	editedTags []string
	// renamed (1.0 layout) holds the Unknown rows that record a pending
	// migration under the name it had before its folder was renamed. Not
	// counted in stray either.
	renamed []RenamedFolder
}

// RenamedFolder (1.0 layout) is a ledger row that matches no local folder
// by name (or, without a name, by second) but has the hash of exactly one
// pending folder: that folder's migration ran under another name, and the
// folder was renamed after it ran. Running it would run it again.
type RenamedFolder struct {
	Row    RowRef
	Folder string // the folder's name now (its tag)
	File   string // its migration file, relative to the migrations folder
	// RanAs is the name it ran under: the row's name, or, for a row
	// without one, Folder with the time of the row's created_at (the
	// ledger keeps only that time: any name with it matches the row).
	RanAs string
	Named bool // RanAs is the row's own name
}

// Renamed returns the rows that record a pending folder under the name it
// had before it was renamed (1.0 layout; see RenamedFolder): those
// folders' migrations ran, and must be neither run nor recorded again.
func (s *State) Renamed() []RenamedFolder { return slices.Clone(s.renamed) }

// EditedInSecond (1.0 layout) is the refusal for the rows without a name
// that an edit in a shared second left unmatched (problem
// modified_same_second): one of the pending folders it names ran, under
// its file as it was. Nil when there are none.
func (s *State) EditedInSecond(t Loaded) *SameSecondError {
	if len(s.sameSecond) == 0 {
		return nil
	}
	e := &SameSecondError{Track: t.Name, Ledger: s.Ledger, Location: t.Location, Rows: s.sameSecond, Tags: s.editedTags, Remedy: SameSecondRemedy}
	for _, m := range s.PendingMigrations() {
		if slices.Contains(s.editedTags, m.Tag) {
			e.Files = append(e.Files, m.File)
		}
	}
	return e
}

// Problems reports whether the state has integrity problems (exit code 4):
// a foreign ledger, out-of-order, modified, unknown, duplicate or
// NULL-created_at rows, invalid indexes, a newer major release, objects of
// applied migrations missing from the database, or a missing folder whose
// ledger has rows.
func (s *State) Problems() bool {
	return s.Verdict.Integrity() || len(s.OutOfOrder) > 0 || len(s.Modified) > 0 || len(s.Unknown) > 0 ||
		len(s.NullCreatedAt) > 0 || len(s.InvalidIndexes) > 0 || len(s.Duplicate) > 0 || s.MissingObjects() || s.FolderMissing
}

// MissingObjects reports whether schema verification found objects of
// applied migrations missing.
func (s *State) MissingObjects() bool { return s.SchemaCheck != nil && len(s.SchemaCheck.Missing) > 0 }

// PendingMigrations returns the migrations that are not applied, in journal order.
func (s *State) PendingMigrations() []*journal.Migration { return s.pending }

// Match decides, for each journal entry, whether the ledger records it.
//
// Unlike drizzle-orm (one high-water mark: the newest created_at) and the
// Node tool (the row count), an entry is applied when a row has
// created_at == when; the hash breaks ties between rows sharing a
// created_at. A matching row whose hash differs marks the entry modified.
// The cost is linear in entries plus rows.
//
// A folder in drizzle-kit 1.0's layout is matched by name instead (see
// matchNamed).
func Match(j *journal.Journal, l ledger.Ledger) State {
	if j.Layout == journal.LayoutFolders {
		return matchNamed(j, l)
	}
	s := newState(l)
	// Rows by created_at: first[when] is the first row (id order) with that
	// created_at and next chains the others, so no slice per row.
	first := make(map[int64]int, len(l.Rows))
	next := make([]int, len(l.Rows))
	var newest int64
	haveRows := false
	for i := len(l.Rows) - 1; i >= 0; i-- {
		r := l.Rows[i]
		if r.NullCreatedAt {
			continue
		}
		next[i] = -1
		if j, ok := first[r.CreatedAt]; ok {
			next[i] = j
		}
		first[r.CreatedAt] = i
		if !haveRows || r.CreatedAt > newest {
			newest, haveRows = r.CreatedAt, true
		}
	}
	for _, r := range l.Rows {
		if r.NullCreatedAt {
			s.NullCreatedAt = append(s.NullCreatedAt, RowRef{ID: r.ID, Hash: r.Hash})
		}
	}
	used := make([]bool, len(l.Rows))
	matched := make(map[int64]*journal.Migration) // created_at -> migration whose row has the same hash
	applied := -1                                 // index in j.Migrations of the latest applied entry
	whens := make(map[int64]struct{}, len(j.Migrations))
	var lastWhen int64
	for k, m := range j.Migrations {
		if m.When > lastWhen {
			lastWhen = m.When
		}
		whens[m.When] = struct{}{}
		row := -1
		i, ok := first[m.When]
		for ; ok && i >= 0; i = next[i] {
			if used[i] {
				continue
			}
			if l.Rows[i].Hash == m.Hash {
				row = i
				break
			}
			if row < 0 {
				row = i // same created_at, other hash: applied, then edited
			}
		}
		if row < 0 {
			s.Pending = append(s.Pending, m.Tag)
			s.pending = append(s.pending, m)
			if haveRows && m.When < newest {
				s.OutOfOrder = append(s.OutOfOrder, m.Tag)
			}
			continue
		}
		used[row] = true
		s.Matched++
		applied = k
		if l.Rows[row].Hash != m.Hash {
			s.Modified = append(s.Modified, m.Tag)
		} else {
			matched[m.When] = m
		}
	}
	if applied >= 0 {
		tag := j.Migrations[applied].Tag
		s.Applied = &tag
	}
	for i, r := range l.Rows {
		if used[i] || r.NullCreatedAt {
			continue
		}
		at := r.CreatedAt
		ref := RowRef{ID: r.ID, Hash: r.Hash, CreatedAt: &at}
		if m, ok := matched[at]; ok && m.Hash == r.Hash {
			s.Duplicate = append(s.Duplicate, DuplicateRow{RowRef: ref, Migration: m.Tag})
			continue
		}
		if len(j.Migrations) == 0 || r.CreatedAt > lastWhen {
			s.Ahead = append(s.Ahead, ref)
		} else {
			s.Unknown = append(s.Unknown, ref)
			if _, local := whens[r.CreatedAt]; !local {
				s.stray++
			}
		}
	}
	if n := len(j.Migrations); n > 0 {
		tag := j.Migrations[n-1].Tag
		s.Required = &tag
	}
	s.InSync = len(s.Pending) == 0
	s.NotIncreasing = append(s.NotIncreasing, j.NotIncreasing()...)
	// The verdict on the match alone; Status judges again with what it
	// knows beside it (the release record, an unchecked track).
	s.Verdict, _ = Judge(Facts{State: &s})
	return s
}

// newState is the empty state of a track against ledger l.
func newState(l ledger.Ledger) State {
	return State{
		Ledger: l.Table.String(), LedgerExists: l.Exists, LedgerVersion: l.Version, Layout: "0.x", Rows: len(l.Rows),
		Pending: []string{}, OutOfOrder: []string{}, Modified: []string{},
		Ahead: []RowRef{}, Unknown: []RowRef{}, NullCreatedAt: []RowRef{}, NotIncreasing: []string{},
		AppliedOutOfOrder: []string{}, NullName: []RowRef{},
		Duplicate: []DuplicateRow{}, InvalidIndexes: []InvalidIndex{},
	}
}
