package drift

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/internal/scratch"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

// Event is progress of a replay. The CLI renders events; the package never
// prints.
type Event interface{ event() }

// ScratchCreated: the scratch database exists (it is dropped before Replay
// returns, whatever happens).
type ScratchCreated struct{ Name string }

// StepReplayed: one migration ran on the scratch database and its schema
// was listed.
type StepReplayed struct {
	Track, Tag   string
	Index, Total int // 0-based position in the replay, number of migrations
}

// ScratchDropped: the scratch database was dropped (Err is nil) or could
// not be (Err says why; it is also returned by Replay if nothing else
// failed).
type ScratchDropped struct {
	Name string
	Err  error
}

func (ScratchCreated) event() {}
func (StepReplayed) event()   {}
func (ScratchDropped) event() {}

// Options configure Replay.
type Options struct {
	// DevURL names the server (and role) on which the scratch database is
	// created; the role needs CREATEDB. Required.
	DevURL string
	// OnEvent receives progress; may be nil.
	OnEvent func(Event)
	// FullInspection lists the whole scratch schema after every migration
	// instead of re-inspecting only the tables that changed (slower;
	// for cross-checks).
	FullInspection bool
}

func (o *Options) emit(e Event) {
	if o.OnEvent != nil {
		o.OnEvent(e)
	}
}

// value is an object's definition in one state: absent, or its fingerprint.
type value struct {
	ok bool
	fp string
}

// touch is a migration's effect on one object: the object's value right
// after the migration, in the replay.
type touch struct {
	step int
	v    value
}

// step is one replayed migration.
type step struct {
	track   int // index in History.Tracks
	m       *journal.Migration
	effects map[string]effect // by object key
}

type effect struct {
	kind          string
	before, after value
}

// History is the expected schema after every migration of the tracks,
// replayed in order (engine, then client) on one scratch database. It is
// expensive to build and depends only on the migration files: build it once
// per run and classify as often as needed.
type History struct {
	Tracks []tracks.Loaded
	// Duration of the replay; Inspections the full and per-table Atlas
	// inspections it took.
	Duration                          time.Duration
	FullInspections, TableInspections int

	initial  map[string]string  // object key -> fingerprint, before any migration
	kinds    map[string]string  // object key -> kind
	steps    []step             // replay order
	timeline map[string][]touch // object key -> effects, replay order
	byTrack  [][]int            // track index -> step indexes, journal order
}

// Replay runs every migration of ts, in order, on a new scratch database on
// opts.DevURL and records the schema after each. The scratch database is
// dropped before Replay returns, also on error and when ctx is cancelled.
// A role without CREATEDB yields an error matching scratch.ErrNoCreateDB; a
// migration PostgreSQL rejects yields a *schemastate.StepError.
func Replay(ctx context.Context, ts []tracks.Loaded, opts Options) (*History, error) {
	start := time.Now()
	if opts.DevURL == "" {
		return nil, fmt.Errorf("drift: no dev server to replay migrations on")
	}
	var h *History
	err := onScratch(ctx, opts, func(db *scratch.DB) (err error) {
		if h, err = replayOn(ctx, db, ts, opts); err != nil {
			return err
		}
		h.Duration = time.Since(start)
		return nil
	})
	// A scratch database that could not be dropped fails the replay, but
	// its History is still returned.
	return h, err
}

// onScratch runs fn on a new scratch database on opts.DevURL, which is
// dropped when fn returns, also on error and when ctx is cancelled.
func onScratch(ctx context.Context, opts Options, fn func(*scratch.DB) error) (rerr error) {
	srv, err := scratch.Open(ctx, opts.DevURL)
	if err != nil {
		return fmt.Errorf("drift: %w", err)
	}
	defer func() {
		if err := srv.Close(context.WithoutCancel(ctx)); err != nil && rerr == nil {
			rerr = fmt.Errorf("drift: %w", err)
		}
	}()
	db, err := srv.Create(ctx)
	if err != nil {
		return fmt.Errorf("drift: %w", err)
	}
	opts.emit(ScratchCreated{Name: db.Name})
	defer func() {
		err := db.Drop(context.WithoutCancel(ctx))
		opts.emit(ScratchDropped{Name: db.Name, Err: err})
		if err != nil && rerr == nil {
			rerr = fmt.Errorf("drift: %w", err)
		}
	}()
	return fn(db)
}

// replayOn replays ts on db, listing the objects before the first
// migration and after each.
func replayOn(ctx context.Context, db *scratch.DB, ts []tracks.Loaded, opts Options) (*History, error) {
	insp, err := schemastate.Connect(ctx, db.URL)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	defer insp.Close()
	list := func(ctx context.Context) ([]Object, error) {
		r, err := insp.Inspect(ctx)
		if err != nil {
			return nil, err
		}
		return Objects(r), nil
	}
	var tr *Tracker
	if !opts.FullInspection {
		if tr, err = NewTracker(ctx, insp); err != nil {
			return nil, fmt.Errorf("drift: %w", err)
		}
		list = tr.Objects
	}

	h := &History{Tracks: ts, initial: map[string]string{}, kinds: map[string]string{},
		timeline: map[string][]touch{}, byTrack: make([][]int, len(ts))}
	objs, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	prev := make(map[string]string, len(objs))
	for _, o := range objs {
		prev[o.Key] = o.Fingerprint
		h.initial[o.Key] = o.Fingerprint
		h.kinds[o.Key] = o.Kind
	}
	var steps []schemastate.Step
	for ti, t := range ts {
		for _, m := range t.Journal.Migrations {
			h.byTrack[ti] = append(h.byTrack[ti], len(h.steps))
			h.steps = append(h.steps, step{track: ti, m: m})
		}
		steps = append(steps, schemastate.StepsFromJournal(t.Name, t.Journal)...)
	}
	err = schemastate.Replay(ctx, db, steps, false, func(i int, _ *schema.Realm) error {
		objs, err := list(ctx)
		if err != nil {
			return err
		}
		prev = h.record(i, prev, objs)
		opts.emit(StepReplayed{Track: ts[h.steps[i].track].Name, Tag: h.steps[i].m.Tag, Index: i, Total: len(steps)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("drift: replay the migrations on a scratch database: %w", err)
	}
	if tr != nil {
		h.FullInspections, h.TableInspections = tr.FullInspections, tr.TableInspections
	} else {
		h.FullInspections = len(steps) + 1
	}
	return h, nil
}

// record notes the effects of step i: the objects it created, changed or
// dropped, from the fingerprints before it (prev) and the objects after it.
// It returns the fingerprints after it.
func (h *History) record(i int, prev map[string]string, objs []Object) map[string]string {
	cur := make(map[string]string, len(objs))
	eff := map[string]effect{}
	for _, o := range objs {
		cur[o.Key] = o.Fingerprint
		old, had := prev[o.Key]
		if !had || old != o.Fingerprint {
			eff[o.Key] = effect{kind: o.Kind, before: value{had, old}, after: value{true, o.Fingerprint}}
			h.kinds[o.Key] = o.Kind
		}
	}
	for k, old := range prev {
		if _, ok := cur[k]; !ok {
			eff[k] = effect{kind: h.kinds[k], before: value{true, old}}
		}
	}
	for k, e := range eff {
		h.timeline[k] = append(h.timeline[k], touch{step: i, v: e.after})
	}
	h.steps[i].effects = eff
	return cur
}

// ref turns an object key ("index public.x") into an ObjectRef.
func (h *History) ref(key string, c Change) ObjectRef {
	kind := h.kinds[key]
	return ObjectRef{Kind: kind, Name: strings.TrimPrefix(key, kind+" "), Change: c}
}

func changeOf(e effect) Change {
	switch {
	case !e.before.ok:
		return Create
	case !e.after.ok:
		return Drop
	}
	return Alter
}

// engineTables lists the tables ("schema.table") that engine migrations
// create or change.
func (h *History) engineTables() map[string]bool {
	out := map[string]bool{}
	for _, st := range h.steps {
		if h.Tracks[st.track].Name != tracks.Engine {
			continue
		}
		for key, e := range st.effects {
			if e.kind == "table" {
				out[strings.TrimPrefix(key, "table ")] = true
			}
		}
	}
	return out
}
