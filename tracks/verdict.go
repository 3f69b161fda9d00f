package tracks

import (
	"fmt"
	"strconv"
	"strings"
)

// Verdict is the one decision about a track, shared by `hogsend-db status`
// and guard. docs/status.md maps each to an exit code, a top-level health
// status and a boot decision.
type Verdict string

// Verdicts, from the most to the least severe (Judge returns the first that
// holds).
const (
	// Unreachable: the database could not be read; nothing is known.
	Unreachable Verdict = "unreachable"
	// Foreign: the ledger is not this folder's. No row matches a local
	// migration, rows that match nothing sit among the local ones, or rows
	// newer than every local migration sit above pending local ones (this
	// build's migrations are not a prefix of the ledger).
	Foreign Verdict = "foreign"
	// ModifiedSameSecond (1.0 layout): a local folder changed after its
	// migration ran, so that its row matches none and the migration looks
	// pending; none is run until the folder is restored. Either ledger
	// rows without a name have the second of several local migrations,
	// some of which have no row, and match none of them by hash: such a row
	// is told apart by its hash alone (drizzle-orm 1.0's ledger upgrade
	// does the same and throws on it), so one of those migrations was
	// edited after it ran, and which one cannot be told (problem
	// modified_same_second). Or a row has the hash of a pending folder
	// under another name or second: that folder was renamed after it ran
	// (problem renamed_folder, see RenamedFolder).
	ModifiedSameSecond Verdict = "modified_same_second"
	// ReleaseMajorAhead: the database records an engine release of a newer
	// major version than this build's (engine track only).
	ReleaseMajorAhead Verdict = "release_major_ahead"
	// MissingObjects: the ledger records migrations whose objects (tables,
	// columns, indexes, constraints, enum labels in their snapshot) are not
	// in the database: a drizzle-kit push or a partial restore removed them.
	MissingObjects Verdict = "missing_objects"
	// OutOfOrder: pending migrations older than the newest row.
	OutOfOrder Verdict = "out_of_order"
	// Pending: migrations to apply. (Modified ones, if any, are listed in
	// the problems: a track behind is behind first.)
	Pending Verdict = "pending"
	// Modified: nothing pending, but an applied migration's file no longer
	// has its row's hash.
	Modified Verdict = "modified"
	// Ahead: every local migration is applied and the other rows are newer
	// than the newest local one: a newer build migrated the database (fine).
	Ahead Verdict = "ahead"
	// InSync: the ledger records exactly this folder's migrations.
	InSync Verdict = "in_sync"
)

// Integrity reports whether the verdict is an integrity problem (exit 4).
func (v Verdict) Integrity() bool {
	switch v {
	case Foreign, ModifiedSameSecond, ReleaseMajorAhead, MissingObjects, Modified, OutOfOrder:
		return true
	}
	return false
}

// RefusesBoot reports whether a server must not serve when a fatal track
// (the engine) has this verdict. A non-fatal track (the client) never
// stops a server.
func (v Verdict) RefusesBoot() bool {
	switch v {
	case Unreachable, Foreign, ModifiedSameSecond, ReleaseMajorAhead, MissingObjects, OutOfOrder, Pending:
		return true
	}
	return false
}

// Facts is what Judge decides from: a track's match state and what is
// known beside it.
type Facts struct {
	Track string
	State *State
	// Unreachable: the ledgers could not be read.
	Unreachable bool
	// Unchecked: the caller supplied no migrations for this track (guard
	// without WithClientMigrations): its rows are never called foreign.
	Unchecked bool
	// MajorAhead: the recorded engine release has a higher major version
	// than the track's release.
	MajorAhead bool
	// Location and Origin name the folder the track's migrations came from.
	Location, Origin string
	// Recorded and Build are the release versions behind MajorAhead.
	Recorded, Build string
}

// Problem is one integrity finding, as listed in Report.Integrity so that a
// probe can read it without knowing every track field.
type Problem struct {
	Track   string   `json:"track"`
	Kind    string   `json:"kind"` // a Verdict, or KindRenamedFolder, "unknown_rows", "duplicate_rows", "folder_missing", "null_created_at", "invalid_index"
	Message string   `json:"message"`
	Items   []string `json:"items,omitempty"` // tags, row ids or index names
	// Remedy says what to do, in words (no CLI flag names).
	Remedy string `json:"remedy,omitempty"`
}

// KindRenamedFolder is the Problem kind of the ModifiedSameSecond verdict
// for rows whose folder was renamed after it ran (RenamedFolder): its items
// are the folders as they are named now.
const KindRenamedFolder = "renamed_folder"

// Judge is the verdict over one track's match state, and the integrity
// problems found on the way. It is pure: status and guard call it on the
// same facts and so cannot disagree.
func Judge(f Facts) (Verdict, []Problem) {
	s := f.State
	if f.Unreachable || s == nil {
		return Unreachable, nil
	}
	var ps []Problem
	add := func(kind, msg string, items []string, remedy string) {
		ps = append(ps, Problem{Track: f.Track, Kind: kind, Message: msg, Items: items, Remedy: remedy})
	}
	// Rows newer than every local migration while local migrations are
	// pending: the ledger went on without them (another engine sharing the
	// first migrations), so the local ones are not a prefix of it. In both
	// layouts: a pending migration that 1.0 applies out of order is still
	// missing under rows that no local migration knows.
	// A renamed folder is pending only by name: it ran.
	diverged := len(s.Ahead) > 0 && len(s.Pending)-len(s.renamed) > 0
	foreign := s.stray > 0 || diverged ||
		(!f.Unchecked && s.Matched == 0 && s.Rows-len(s.NullCreatedAt)-len(s.sameSecond)-len(s.renamed) > 0)
	changed := len(s.sameSecond) > 0 || len(s.renamed) > 0
	switch {
	case foreign:
		add(string(Foreign), ForeignMessage(f), rowIDList(append(append([]RowRef{}, s.Unknown...), s.Ahead...)), ForeignRemedy(f.Track))
	case changed:
		if len(s.sameSecond) > 0 {
			add(string(ModifiedSameSecond), SameSecondMessage(s.Ledger, s.sameSecond, s.editedTags), s.editedTags, SameSecondRemedy)
		}
		if len(s.renamed) > 0 {
			add(KindRenamedFolder, RenamedMessage(s.Ledger, s.renamed), renamedFolders(s.renamed), RenamedRemedy(s.renamed))
		}
	case len(s.Unknown) > 0:
		add("unknown_rows", "ledger rows repeat a migration's created_at but match it no more", rowIDList(s.Unknown),
			"compare them with the migration files; delete the extra rows if they are duplicates")
	}
	if f.MajorAhead {
		add(string(ReleaseMajorAhead), fmt.Sprintf("the database was migrated by engine release %s, a newer major release than %s",
			f.Recorded, f.Build), nil, "deploy a build of that release")
	}
	// On a foreign ledger, modified and out-of-order say nothing more.
	if len(s.Modified) > 0 && !foreign {
		add(string(Modified), "applied migrations were edited after they ran", s.Modified,
			"restore the files from version control and put changes in a new migration")
	}
	if len(s.OutOfOrder) > 0 && !foreign {
		add(string(OutOfOrder), "pending migrations are older than the newest applied one", s.OutOfOrder,
			"check they are safe to run after the newer ones, then allow out-of-order migrations")
	}
	if s.FolderMissing {
		add("folder_missing", s.Note, nil, "run from the project folder, or name the migrations folder")
	}
	if len(s.Duplicate) > 0 {
		items := make([]string, len(s.Duplicate))
		for i, d := range s.Duplicate {
			items[i] = fmt.Sprintf("%d (%s)", d.ID, d.Migration)
		}
		add("duplicate_rows", "ledger rows repeat a migration's row exactly: it was recorded twice and may have run twice", items,
			"check the migration's effects, then delete the extra row")
	}
	if s.MissingObjects() {
		items := make([]string, len(s.SchemaCheck.Missing))
		for i, m := range s.SchemaCheck.Missing {
			items[i] = m.Kind + " " + strings.TrimPrefix(m.Table+".", ".") + m.Name + " (" + m.Migration + ")" // column public.t.c (tag)
		}
		add(string(MissingObjects), "objects of applied migrations are missing from the database", items, s.SchemaCheck.Remedy)
	}
	if len(s.NullCreatedAt) > 0 {
		add("null_created_at", "ledger rows have NULL created_at: drizzle-orm would re-run every migration",
			rowIDList(s.NullCreatedAt), "")
	}
	for _, ix := range s.InvalidIndexes {
		add("invalid_index", fmt.Sprintf("index %s on %s, built by %s, is INVALID", ix.Index, ix.Table, ix.Migration),
			[]string{ix.Index}, ix.Remedy)
	}
	switch {
	case foreign:
		return Foreign, ps
	case changed:
		return ModifiedSameSecond, ps
	case f.MajorAhead:
		return ReleaseMajorAhead, ps
	case s.MissingObjects():
		return MissingObjects, ps
	case len(s.OutOfOrder) > 0:
		return OutOfOrder, ps
	case len(s.Pending) > 0:
		return Pending, ps
	case len(s.Modified) > 0:
		return Modified, ps
	case len(s.Ahead) > 0:
		return Ahead, ps
	}
	return InSync, ps
}

// ForeignMessage says how many rows matched and where the migrations came from.
func ForeignMessage(f Facts) string {
	s := f.State
	from := f.Location
	if f.Origin != "" && f.Origin != f.Location {
		from += " (" + f.Origin + ")"
	}
	return fmt.Sprintf("the ledger %s is not this %s track's: %d of its %d row(s) match the migrations at %s",
		s.Ledger, f.Track, s.Matched, s.Rows, from)
}

// ForeignRemedy is the fix for a foreign ledger, in words.
func ForeignRemedy(track string) string {
	if track == Engine {
		return "run it from the app folder, or pass the engine folder"
	}
	return "run it from the app folder, or pass the client migrations folder"
}

// SameSecondMessage says what a ModifiedSameSecond track's rows mean:
// rows of ledger that match none of the migrations of their second, of
// which tags have no row.
func SameSecondMessage(ledger string, rows []RowRef, tags []string) string {
	edited := tags[0] + ", which has no row, was"
	if len(tags) > 1 {
		edited = "one of " + strings.Join(tags, ", ") + ", which have no row, was"
	}
	return fmt.Sprintf("ledger row(s) id %s in %s have no name and match none of the migrations of their second by hash "+
		"(several migrations share that second, and a row without a name is told from them by its hash alone, as drizzle-orm 1.0 matches it): "+
		"%s edited after it ran; which migration of that second the row records cannot be proven, so none of them is run",
		rowIDs(rows), ledger, edited)
}

// SameSecondRemedy is the fix for ModifiedSameSecond, in words.
const SameSecondRemedy = "restore the applied migration's file from version control (its SHA-256 must be the row's hash again) " +
	"and put the change in a new migration: never edit a migration that ran"

// RenamedMessage says what a ModifiedSameSecond track's renamed rows (see
// RenamedFolder) of ledger mean.
func RenamedMessage(ledger string, rs []RenamedFolder) string {
	each := make([]string, len(rs))
	for i, r := range rs {
		under := "name " + r.RanAs
		if !r.Named {
			// RanAs starts with the row's second, as a folder time.
			under = fmt.Sprintf("no name, created_at %s, in the second %s", createdAtText(r.Row), r.RanAs[:min(len(r.RanAs), 14)])
		}
		each[i] = fmt.Sprintf("row id %d (%s) has the hash of %s", r.Row.ID, under, r.File)
	}
	return fmt.Sprintf("ledger row(s) in %s match no folder but have the SHA-256 of a pending folder's migration file: %s; "+
		"the folder was renamed after its migration ran, so it is not pending, and running it would run it again",
		ledger, strings.Join(each, "; "))
}

// RenamedRemedy is the fix for renamed rows, in words: each folder gets
// back the name it ran under.
func RenamedRemedy(rs []RenamedFolder) string {
	each := make([]string, len(rs))
	anyName := false
	for i, r := range rs {
		each[i] = r.Folder + " back to " + r.RanAs
		anyName = anyName || !r.Named
	}
	remedy := "rename the folder(s) to the name their migration ran under: " + strings.Join(each, ", ")
	if anyName {
		remedy += " (a row without a name keeps only the time: any name with that time matches it)"
	}
	return remedy + "; a migration that ran keeps its folder name"
}

func renamedFolders(rs []RenamedFolder) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Folder
	}
	return out
}

// createdAtText is a row's created_at as its digits, "NULL" for none.
func createdAtText(r RowRef) string {
	if r.CreatedAt == nil {
		return "NULL"
	}
	return strconv.FormatInt(*r.CreatedAt, 10)
}

func rowIDList(rs []RowRef) []string {
	if len(rs) == 0 {
		return nil
	}
	return strings.Split(rowIDs(rs), ", ")
}
