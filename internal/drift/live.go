package drift

import (
	"context"
	"fmt"

	"ariga.io/atlas/sql/schema"

	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// Live is what a database holds: its schema objects (the drizzle schema
// left out), its ledgers and release records, and the count of objects
// Atlas cannot compare.
type Live struct {
	Objects     []Object
	Ledgers     []ledger.Ledger // one per track, in the tracks' order
	Releases    map[string]ledger.Release
	NotCompared Counts
}

// ReadLive reads the ledgers of ts through q (one round trip, nothing
// created) and inspects the database at url on a session of its own. It
// only reads.
func ReadLive(ctx context.Context, q ledger.Querier, url string, ts []tracks.Loaded) (*Live, error) {
	tables := make([]ledger.Table, len(ts))
	for i, t := range ts {
		tables[i] = t.Ledger
	}
	snap, err := ledger.ReadSnapshot(ctx, q, tables...)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	c, err := schemastate.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	defer c.Close()
	// One snapshot: a migrate running meanwhile must not show half a change.
	var (
		r      *schema.Realm
		counts Counts
	)
	err = c.InSnapshot(ctx, func() (err error) {
		if r, err = c.Inspect(ctx); err != nil {
			return err
		}
		counts, err = Unseen(ctx, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("drift: %w", err)
	}
	return &Live{Objects: Objects(r), Ledgers: snap.Ledgers, Releases: snap.Releases, NotCompared: counts}, nil
}

// Detect finds drift: it replays the migrations of ts on a scratch
// database (see Replay), reads the live database (see ReadLive) and
// classifies (see Classify). The History and Live are returned for a
// later repair plan (PlanRepair).
func Detect(ctx context.Context, q ledger.Querier, url string, ts []tracks.Loaded, opts Options) (*Report, *History, *Live, error) {
	h, err := Replay(ctx, ts, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	live, err := ReadLive(ctx, q, url, ts)
	if err != nil {
		return nil, h, nil, err
	}
	return Classify(h, live), h, live, nil
}
