package drift

import (
	"maps"
	"slices"
	"strings"

	"github.com/hogsend/hogsend-db/tracks"
)

// Classify compares the live database with the replayed history.
//
// The ledger says which migrations ran; call that set H. An object's
// expected value under H is its value right after the last migration of H
// that touched it (in replay order), or its value in the empty database if
// none did: that is the object in the cumulative state "after H".
//
//   - Push gap: for each track (engine first), the pending migrations right
//     after its last recorded one, r1..rq, are tried as prefixes r1..rk: the
//     prefix is consistent when every object touched by r1..rk has, in the
//     live schema, its expected value under H+r1..rk. The longest
//     consistent prefix wins, so a column r2 adds and r4 drops is expected
//     absent at k=4. A tail whose net effect is nothing (k and a shorter
//     consistent prefix expect the same values) is left pending: its
//     presence cannot be told from its absence. H grows by the gap before
//     the next track is tried.
//   - Missing: a recorded migration whose objects (those it was the last to
//     touch in H) differ from the live schema.
//   - Partial / present-blocked / pending: every other pending migration,
//     from its own effects: which are in place in the live schema, which are
//     not.
//   - Renamed: a pending folder whose migration the ledger records under
//     the name it had before it was renamed (tracks.State.Renamed). It ran,
//     so it counts in H, and it is neither a push gap nor pending.
//   - Edited: a pending folder of a second several folders share whose
//     nameless row matches none of them by hash (tracks.State.EditedInSecond):
//     it ran before it was edited, so it counts in H, and it is neither a
//     push gap nor pending.
//   - Untracked: live objects no migration touches and the empty database
//     does not have.
func Classify(h *History, live *Live) *Report {
	c := &classifier{h: h, live: map[string]string{}, in: make([]bool, len(h.steps))}
	for _, o := range live.Objects {
		c.live[o.Key] = o.Fingerprint
	}
	rep := &Report{Tracks: make([]TrackReport, len(h.Tracks)), Untracked: []ObjectRef{},
		Compared: len(live.Objects), NotCompared: live.NotCompared, NotComparedSummary: live.NotCompared.String()}

	// H = what the ledgers record.
	states := make([]tracks.State, len(h.Tracks))
	edits := make([]*tracks.SameSecondError, len(h.Tracks))
	recorded := make([]bool, len(h.steps))
	ranAs := make(map[int]string) // renamed steps: the name each ran under
	edited := make([]bool, len(h.steps))
	for ti, t := range h.Tracks {
		states[ti] = tracks.Match(t.Journal, live.Ledgers[ti])
		pending := map[string]bool{}
		for _, tag := range states[ti].Pending {
			pending[tag] = true
		}
		renamed := map[string]string{}
		for _, rn := range states[ti].Renamed() {
			renamed[rn.Folder] = rn.RanAs
		}
		var editedTags []string
		if edits[ti] = states[ti].EditedInSecond(t); edits[ti] != nil {
			editedTags = edits[ti].Tags
		}
		for _, g := range h.byTrack[ti] {
			tag := h.steps[g].m.Tag
			if as, ok := renamed[tag]; ok {
				c.in[g], ranAs[g] = true, as
			} else if slices.Contains(editedTags, tag) {
				c.in[g], edited[g] = true, true
			} else if !pending[tag] {
				c.in[g], recorded[g] = true, true
			}
		}
	}
	gap := make([]bool, len(h.steps))
	for ti := range h.Tracks {
		for _, g := range c.pushGap(h.byTrack[ti]) {
			c.in[g], gap[g] = true, true
		}
	}

	rep.InSync = true
	for ti, t := range h.Tracks {
		tr := TrackReport{Track: t.Name, Ledger: t.Ledger.String(), Migrations: []MigrationReport{},
			Missing: []string{}, PushGap: []string{}, Partial: []string{}, PresentBlocked: []string{}, Pending: []string{},
			Renamed: []string{}, Edited: []string{}, renamed: states[ti].Renamed(), edited: edits[ti]}
		if len(tr.renamed) > 0 {
			tr.RenamedRemedy = tracks.RenamedRemedy(tr.renamed)
		}
		if tr.edited != nil {
			tr.EditedRemedy = tr.edited.Fix()
		}
		for _, g := range h.byTrack[ti] {
			s := h.steps[g]
			mr := MigrationReport{Tag: s.m.Tag, Hash: s.m.Hash, When: s.m.When, Unverifiable: len(s.effects) == 0}
			as, renamed := ranAs[g]
			switch {
			case renamed:
				mr.Status, mr.RanAs = StatusRenamed, as
			case edited[g]:
				mr.Status = StatusEdited
			case recorded[g]:
				c.checkRecorded(g, &mr)
			case gap[g]:
				mr.Status = StatusPushGap
			default:
				c.checkPending(g, &mr)
			}
			switch mr.Status {
			case StatusMissing:
				tr.Missing = append(tr.Missing, mr.Tag)
			case StatusPushGap:
				tr.PushGap = append(tr.PushGap, mr.Tag)
			case StatusPartial:
				tr.Partial = append(tr.Partial, mr.Tag)
			case StatusPresentBlocked:
				tr.PresentBlocked = append(tr.PresentBlocked, mr.Tag)
			case StatusPending:
				tr.Pending = append(tr.Pending, mr.Tag)
			case StatusRenamed:
				tr.Renamed = append(tr.Renamed, mr.Tag)
			case StatusEdited:
				tr.Edited = append(tr.Edited, mr.Tag)
			}
			tr.Migrations = append(tr.Migrations, mr)
		}
		if tr.Findings() {
			rep.InSync = false
		}
		rep.Tracks[ti] = tr
	}

	engineTables := h.engineTables()
	for _, o := range live.Objects {
		if len(h.timeline[o.Key]) > 0 {
			continue
		}
		if fp, ok := h.initial[o.Key]; ok && fp == o.Fingerprint {
			continue
		}
		ref := ObjectRef{Kind: o.Kind, Name: strings.TrimPrefix(o.Key, o.Kind+" ")}
		switch o.Kind {
		case KindColumn, KindPrimaryKey, KindFK, KindCheck, KindExclusion:
			// column s.t.c, fk s.t.n, check s.t.n, primary key s.t: the table is s.t.
			parts := strings.SplitN(ref.Name, ".", 3)
			if len(parts) >= 2 && engineTables[parts[0]+"."+parts[1]] {
				ref.Owner = tracks.Engine
			}
		}
		rep.Untracked = append(rep.Untracked, ref)
	}
	if len(rep.Untracked) > 0 {
		rep.InSync = false
	}
	return rep
}

type classifier struct {
	h    *History
	live map[string]string
	in   []bool // the hypothesis: migrations counted as run
}

// expected is the object's value after the last counted migration that
// touched it, or in the empty database; owner is that migration (-1).
func (c *classifier) expected(key string) (v value, owner int) {
	tl := c.h.timeline[key]
	for i := len(tl) - 1; i >= 0; i-- {
		if c.in[tl[i].step] {
			return tl[i].v, tl[i].step
		}
	}
	fp, ok := c.h.initial[key]
	return value{ok, fp}, -1
}

func (c *classifier) liveValue(key string) value {
	fp, ok := c.live[key]
	return value{ok, fp}
}

// explained reports whether the live value of key is its expected value
// under the hypothesis, or the value a later migration outside the
// hypothesis gives it (that migration is judged on its own: an enum value
// added by a later pushed migration must not make the migration that created
// the enum look absent).
func (c *classifier) explained(key string) bool {
	have := c.liveValue(key)
	want, owner := c.expected(key)
	if have == want {
		return true
	}
	for _, t := range c.h.timeline[key] {
		if t.step > owner && !c.in[t.step] && t.v == have {
			return true
		}
	}
	return false
}

// laterGives reports whether a migration after step g, outside the
// hypothesis, gives key the value v.
func (c *classifier) laterGives(key string, g int, v value) bool {
	for _, t := range c.h.timeline[key] {
		if t.step > g && !c.in[t.step] && t.v == v {
			return true
		}
	}
	return false
}

// pushGap finds the longest run of pending migrations right after the last
// counted one of a track (steps in journal order) that is consistent with
// the live schema, and returns it.
func (c *classifier) pushGap(steps []int) []int {
	last := -1
	for p, g := range steps {
		if c.in[g] {
			last = p
		}
	}
	run := steps[last+1:]
	if len(run) == 0 {
		return nil
	}
	// Grow the hypothesis one migration at a time; only the objects the
	// added migration touches can change their expected value.
	mismatched := map[string]bool{}
	consistent := make([]bool, len(run)+1)
	consistent[0] = true
	for k := 1; k <= len(run); k++ {
		g := run[k-1]
		c.in[g] = true
		for key := range c.h.steps[g].effects {
			if c.explained(key) {
				delete(mismatched, key)
			} else {
				mismatched[key] = true
			}
		}
		consistent[k] = len(mismatched) == 0
	}
	for _, g := range run {
		c.in[g] = false
	}
	best := 0
	for k := len(run); k > 0; k-- {
		if consistent[k] {
			best = k
			break
		}
	}
	if best == 0 {
		return nil
	}
	// Leave out a tail with no net effect: the live schema cannot tell it
	// ran. Try shorter consistent prefixes, shortest kept.
	end := best
	for k := best - 1; k >= 0; k-- {
		if consistent[k] && c.sameEffect(run, k, best) {
			end = k
		}
	}
	return run[:end]
}

// sameEffect reports whether counting run[:a] and counting run[:b] (a < b)
// give every object touched by run[a:b] the same expected value.
func (c *classifier) sameEffect(run []int, a, b int) bool {
	keys := map[string]bool{}
	for _, g := range run[a:b] {
		for key := range c.h.steps[g].effects {
			keys[key] = true
		}
	}
	set := func(n int) {
		for i, g := range run {
			c.in[g] = i < n
		}
	}
	defer set(0)
	set(a)
	before := make(map[string]value, len(keys))
	for key := range keys {
		before[key], _ = c.expected(key)
	}
	set(b)
	for key := range keys {
		if v, _ := c.expected(key); v != before[key] {
			return false
		}
	}
	return true
}

// checkRecorded checks the objects a recorded migration was the last to
// touch against the live schema.
func (c *classifier) checkRecorded(g int, mr *MigrationReport) {
	mr.Status = StatusApplied
	for _, key := range slices.Sorted(maps.Keys(c.h.steps[g].effects)) {
		e := c.h.steps[g].effects[key]
		want, owner := c.expected(key)
		if owner != g {
			continue
		}
		have := c.liveValue(key)
		if have == want {
			continue
		}
		ref := c.h.ref(key, changeOf(e))
		switch {
		case want.ok && !have.ok:
			mr.Missing = append(mr.Missing, ref)
		case !want.ok && have.ok:
			mr.NotDropped = append(mr.NotDropped, ref)
		default:
			mr.Different = append(mr.Different, ref)
		}
	}
	if len(mr.Missing)+len(mr.NotDropped)+len(mr.Different) > 0 {
		mr.Status = StatusMissing
	}
}

// checkPending sorts a pending migration's effects into present and not.
func (c *classifier) checkPending(g int, mr *MigrationReport) {
	var present, absent int
	for _, key := range slices.Sorted(maps.Keys(c.h.steps[g].effects)) {
		e := c.h.steps[g].effects[key]
		without, _ := c.expected(key)
		if e.after == without {
			continue // the migration would change nothing here now
		}
		have := c.liveValue(key)
		ref := c.h.ref(key, changeOf(e))
		later := have != e.after && c.laterGives(key, g, have)
		if later && !have.ok {
			continue // a later migration drops it: no evidence either way
		}
		switch {
		case have == e.after || later:
			present++
			mr.Present = append(mr.Present, ref)
		case have == without:
			absent++
			if e.after.ok {
				mr.Missing = append(mr.Missing, ref)
			} else {
				mr.NotDropped = append(mr.NotDropped, ref)
			}
		default:
			absent++
			mr.Different = append(mr.Different, ref)
		}
	}
	switch {
	case present == 0 && len(mr.Different) == 0:
		mr.Status = StatusPending
		mr.Present, mr.Missing, mr.NotDropped = nil, nil, nil
	case absent == 0:
		mr.Status = StatusPresentBlocked
	default:
		mr.Status = StatusPartial
	}
}
