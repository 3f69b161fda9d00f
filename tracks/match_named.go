package tracks

import (
	"slices"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
)

// matchNamed is Match for a folder in drizzle-kit 1.0's layout, where
// drizzle-orm 1.0 keys the ledger by migration name:
//
//   - a row with a name records the migration of that name;
//   - a row without one (every row of a version-0 ledger; rows written by
//     drizzle-orm 0.x into a version-1 ledger) is matched as drizzle-orm
//     1.0's upgrade of a version-0 ledger would: by created_at truncated to
//     the second when one migration has that second, by hash when several
//     do, by hash alone when none does. So a later drizzle-orm 1.0 run
//     upgrades the ledger without finding an unmatched row.
//
// A pending migration that sorts before the newest applied one is applied
// anyway (drizzle-orm 1.0 does) and listed in AppliedOutOfOrder, not
// OutOfOrder. It is kept apart from the created_at matching of the 0.x
// layout on purpose: one function per ledger key.
func matchNamed(j *journal.Journal, l ledger.Ledger) State {
	s := newState(l)
	s.Layout = "1.0"
	n := len(j.Migrations)
	rowOf := make([]int, n) // index in l.Rows of the row recording migration k, or -1
	for k := range rowOf {
		rowOf[k] = -1
	}
	byName := make(map[string]int, n)
	for k, m := range j.Migrations {
		byName[m.Name] = k
	}
	used := make([]bool, len(l.Rows))
	for i, r := range l.Rows {
		if r.Name == "" {
			continue
		}
		if k, ok := byName[r.Name]; ok && rowOf[k] < 0 {
			rowOf[k], used[i] = i, true
		}
	}

	// The upgrade's indexes: migrations by second, and by hash (the last
	// in folder order wins, as drizzle's Map.set does).
	bySecond := make(map[int64][]int, n)
	byHash := make(map[string]int, n)
	for k, m := range j.Migrations {
		bySecond[m.When] = append(bySecond[m.When], k)
		byHash[m.Hash] = k
	}
	moved := make([]bool, len(l.Rows)) // rows taken back from a folder by movedAway
	upgrade := func() {
		for i, r := range l.Rows {
			if used[i] || moved[i] || r.Name != "" {
				continue
			}
			k := upgradeMatch(j, bySecond, byHash, rowOf, r)
			if k >= 0 && rowOf[k] < 0 {
				rowOf[k], used[i] = i, true
			}
		}
	}
	upgrade()
	if moves := movedAway(j, l, rowOf, used, moved); len(moves) > 0 {
		upgrade() // a row the moved one kept from its folder may be that folder's own
		for _, mv := range moves {
			if mv.to >= 0 && rowOf[mv.to] >= 0 && rowOf[mv.from] < 0 {
				// Another row took the folder it would record: not proven.
				rowOf[mv.from], used[mv.row], moved[mv.row] = mv.row, true, false
			}
		}
	}
	if l.Version == ledger.Version1 {
		for _, r := range l.Rows {
			if r.Name == "" {
				s.NullName = append(s.NullName, rowRef(r))
			}
		}
	}

	applied := -1
	// recorded holds the rows that record an unmodified migration, by
	// hash and created_at: a leftover row equal to one of them is that
	// migration recorded twice.
	type rowKey struct {
		hash string
		at   int64
	}
	recorded := make(map[rowKey]int, n)
	for k, m := range j.Migrations {
		if i := rowOf[k]; i >= 0 {
			applied = k
			s.Matched++
			if r := l.Rows[i]; r.Hash != m.Hash {
				s.Modified = append(s.Modified, m.Tag)
			} else if !r.NullCreatedAt {
				recorded[rowKey{r.Hash, r.CreatedAt}] = k
			}
		}
	}
	for k, m := range j.Migrations {
		if rowOf[k] >= 0 {
			continue
		}
		s.Pending = append(s.Pending, m.Tag)
		s.pending = append(s.pending, m)
		if k < applied {
			s.AppliedOutOfOrder = append(s.AppliedOutOfOrder, m.Tag)
		}
	}
	if applied >= 0 {
		tag := j.Migrations[applied].Tag
		s.Applied = &tag
	}
	var last *journal.Migration
	if n > 0 {
		last = j.Migrations[n-1]
		tag := last.Tag
		s.Required = &tag
	}
	// The pending migrations by hash, for rows that match no folder by
	// name or second: -1 when several pending migrations share the hash
	// (identical files), which leaves the row's migration unproven.
	pendingByHash := pendingHashes(j, rowOf)
	for i, r := range l.Rows {
		if used[i] {
			continue
		}
		// The same hash, created_at and migration (its name, or none: a
		// nameless row is matched by hash and second) as the row that
		// records it, as drizzle-orm 1.0's upgrade would match it too: a
		// duplicate, whichever second it is in.
		if k, ok := recorded[rowKey{r.Hash, r.CreatedAt}]; ok && !r.NullCreatedAt && (r.Name == "" || r.Name == j.Migrations[k].Name) {
			at := r.CreatedAt
			s.Duplicate = append(s.Duplicate, DuplicateRow{RowRef: RowRef{ID: r.ID, Hash: r.Hash, CreatedAt: &at}, Migration: j.Migrations[k].Tag})
			continue
		}
		if rn, ok := renamedFolder(j, byName, pendingByHash, r); ok {
			s.Unknown = append(s.Unknown, rowRef(r))
			s.renamed = append(s.renamed, rn)
			pendingByHash[r.Hash] = -1 // one row per folder: another is not its own
			continue
		}
		ahead := last == nil
		if !ahead && r.Name != "" {
			ahead = journal.CompareNames(r.Name, last.Name) > 0
		} else if !ahead {
			// At the second, as drizzle-orm 1.0's upgrade reads created_at:
			// a folder's When is a whole second, a row's created_at may
			// carry milliseconds (a 0.x journal's when). A row in the
			// newest folders' second that matched none of them is not
			// newer; it is unknown, and drizzle-orm would throw on it.
			ahead = !r.NullCreatedAt && createdSecond(r.CreatedAt) > last.When
		}
		switch {
		case ahead:
			s.Ahead = append(s.Ahead, rowRef(r))
		case r.Name == "" && editedInSecond(j, bySecond, rowOf, r, &s):
			s.Unknown = append(s.Unknown, rowRef(r))
		default:
			s.Unknown = append(s.Unknown, rowRef(r))
			s.stray++ // a row among the local migrations that records none of them
		}
	}
	s.InSync = len(s.Pending) == 0
	s.Verdict, _ = Judge(Facts{State: &s})
	return s
}

// upgradeMatch is drizzle-orm 1.0's rule for a nameless row: the index of
// the migration it records, or -1. Among migrations of one second with the
// same hash (identical files), it takes the first that no row records yet
// (drizzle takes the first, recording that one twice and running the other
// again): a row is never taken for a second record of one while another
// could be its own.
func upgradeMatch(j *journal.Journal, bySecond map[int64][]int, byHash map[string]int, rowOf []int, r ledger.Row) int {
	var candidates []int
	if !r.NullCreatedAt {
		candidates = bySecond[createdSecond(r.CreatedAt)]
	}
	switch {
	case len(candidates) == 1:
		return candidates[0]
	case len(candidates) > 1:
		found := -1
		for _, k := range candidates {
			if j.Migrations[k].Hash != r.Hash {
				continue
			}
			if rowOf[k] < 0 {
				return k
			}
			if found < 0 {
				found = k
			}
		}
		return found // drizzle does not fall back to the hash alone here
	}
	if k, ok := byHash[r.Hash]; ok {
		return k
	}
	return -1
}

// editedInSecond reports whether r, a nameless row that matched nothing,
// has the second of several local migrations of which some have no row:
// then it records one of those, whose file was edited after it ran, since a
// nameless row of a shared second is told apart by its hash alone (as
// drizzle-orm 1.0's upgrade does). It adds r and those migrations to s.
func editedInSecond(j *journal.Journal, bySecond map[int64][]int, rowOf []int, r ledger.Row, s *State) bool {
	if r.NullCreatedAt {
		return false
	}
	ks := bySecond[createdSecond(r.CreatedAt)]
	if len(ks) < 2 {
		return false
	}
	var tags []string
	for _, k := range ks {
		if rowOf[k] < 0 {
			tags = append(tags, j.Migrations[k].Tag)
		}
	}
	if len(tags) == 0 {
		return false // every migration of the second has its row: an extra row
	}
	s.sameSecond = append(s.sameSecond, rowRef(r))
	for _, tag := range tags {
		if !slices.Contains(s.editedTags, tag) {
			s.editedTags = append(s.editedTags, tag)
		}
	}
	return true
}

// move is a nameless row taken back from the folder of its second (from)
// because it has the hash of the pending folder to (-1: of several).
type move struct{ row, from, to int }

// movedAway takes back the nameless rows that their second gave to a
// folder whose hash they do not have, when they have the hash of exactly
// one pending folder, of another second (or of several: then the row is
// unproven, foreign): drizzle-orm 1.0's upgrade matches
// a row to the only folder of its second whatever its hash, so a folder
// renamed to another time after it ran would leave its row to the folder
// now alone in its old second. That folder looked modified and the renamed
// one pending (running it again); the row is the renamed folder's (see
// renamedFolder), and the other folder is pending, or has its own row. A
// row whose hash no pending folder has stays where it is: an edit.
func movedAway(j *journal.Journal, l ledger.Ledger, rowOf []int, used, moved []bool) []move {
	pendingByHash := pendingHashes(j, rowOf)
	var moves []move
	taken := make(map[string]bool) // hashes a row was taken back for
	for k, m := range j.Migrations {
		i := rowOf[k]
		if i < 0 || l.Rows[i].Name != "" || l.Rows[i].Hash == m.Hash {
			continue
		}
		// Several pending folders with the hash (identical files): one of
		// them may be the renamed one, and which cannot be told. The row
		// is taken back all the same (it is unproven, so the track is
		// refused), else they would all run, the renamed one again, and
		// the folder of the second would pass for applied.
		p, ok := pendingByHash[l.Rows[i].Hash]
		if !ok || taken[l.Rows[i].Hash] {
			continue
		}
		taken[l.Rows[i].Hash] = true // one row per folder
		rowOf[k], used[i], moved[i] = -1, false, true
		moves = append(moves, move{row: i, from: k, to: p})
	}
	return moves
}

// renamedFolder reports whether r, a row that matches no folder, records
// the pending migration whose file has its hash, one that no other pending
// migration shares: a row with a name no folder has, or a row without one
// whose second differs from that folder's (a folder of the same second
// would have matched it). That folder was renamed after its migration ran.
func renamedFolder(j *journal.Journal, byName map[string]int, pendingByHash map[string]int, r ledger.Row) (RenamedFolder, bool) {
	k, ok := pendingByHash[r.Hash]
	if !ok || k < 0 {
		return RenamedFolder{}, false
	}
	m := j.Migrations[k]
	rn := RenamedFolder{Row: rowRef(r), Folder: m.Tag, File: m.File}
	switch {
	case r.Name != "":
		if _, local := byName[r.Name]; local {
			return RenamedFolder{}, false
		}
		rn.RanAs, rn.Named = r.Name, true
	case r.NullCreatedAt || createdSecond(r.CreatedAt) == m.When:
		return RenamedFolder{}, false
	default:
		rn.RanAs = journal.Retimed(m.Tag, r.CreatedAt)
	}
	return rn, true
}

// createdSecond is created_at truncated to the second, in milliseconds, as
// drizzle-orm 1.0 reads it: it replaces the last three digits of the
// decimal text with zeros (truncation toward zero, also for negative
// values).
func createdSecond(ms int64) int64 { return ms / 1000 * 1000 }

func rowRef(r ledger.Row) RowRef {
	ref := RowRef{ID: r.ID, Hash: r.Hash}
	if !r.NullCreatedAt {
		at := r.CreatedAt
		ref.CreatedAt = &at
	}
	return ref
}

// pendingHashes maps the hash of each migration without a row (rowOf[k] <
// 0) to its index, or to -1 when several of them share the hash (identical
// files): a row with that hash proves no one of them.
func pendingHashes(j *journal.Journal, rowOf []int) map[string]int {
	byHash := make(map[string]int)
	for k, m := range j.Migrations {
		if rowOf[k] >= 0 {
			continue
		}
		if _, dup := byHash[m.Hash]; dup {
			k = -1
		}
		byHash[m.Hash] = k
	}
	return byHash
}
