package tracks

import (
	"context"
	"fmt"
	"sync"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/verify"
)

// SchemaCheck is the result of comparing a track's newest applied snapshot
// with the live catalog (the "schema" block of a track in status --json).
//
// Verified says the comparison was made; Missing lists what the database
// lacks (an integrity problem: exit code 4). When Verified is false, Reason
// says why not (no snapshot for the applied migrations, an unreadable
// snapshot, a database ahead of this build): the schema was not verified,
// never silently passed.
type SchemaCheck struct {
	Verified bool   `json:"verified"`
	Reason   string `json:"reason,omitempty"`
	// Snapshot is the tag of the migration whose snapshot was compared: the
	// newest applied one, or the newest before it that has a snapshot.
	Snapshot string           `json:"snapshot,omitempty"`
	Missing  []verify.Missing `json:"missing"`
	// Remedy is set when something is missing.
	Remedy string `json:"remedy,omitempty"`
}

// verifier holds each track's parsed snapshots, read on first use: guard
// verifies again and again with the same folders.
type verifier struct {
	mu      sync.Mutex
	folders []verify.Folder
	tags    [][]string
	byTag   []map[string]int
	parsed  []map[int]parsedSnapshot
}

type parsedSnapshot struct {
	exp *verify.Expected
	err error
}

func newVerifier(ts []Loaded) *verifier {
	v := &verifier{folders: make([]verify.Folder, len(ts)), tags: make([][]string, len(ts)), byTag: make([]map[string]int, len(ts)), parsed: make([]map[int]parsedSnapshot, len(ts))}
	for i, t := range ts {
		v.folders[i] = verify.Folder{FS: t.Source, PerMigration: t.Journal.Layout == journal.LayoutFolders}
		v.byTag[i] = map[string]int{}
		v.parsed[i] = map[int]parsedSnapshot{}
		for k, m := range t.Journal.Migrations {
			v.tags[i] = append(v.tags[i], m.Tag)
			v.byTag[i][m.Tag] = k
		}
	}
	return v
}

// snapshot returns the expected objects of track i as of migration upTo:
// the snapshot of upTo or the newest before it, and that migration's index.
func (v *verifier) snapshot(t Loaded, i, upTo int) (*verify.Expected, int, error) {
	if t.Source == nil {
		return nil, -1, fmt.Errorf("%w: the track has no folder", verify.ErrNoSnapshot)
	}
	at, err := v.folders[i].Locate(v.tags[i], upTo)
	if err != nil {
		return nil, -1, err
	}
	v.mu.Lock()
	p, ok := v.parsed[i][at]
	v.mu.Unlock()
	if !ok {
		p.exp, p.err = v.folders[i].Load(v.tags[i][at])
		v.mu.Lock()
		v.parsed[i][at] = p
		v.mu.Unlock()
	}
	return p.exp, at, p.err
}

// Verify is Status plus schema verification: each track's newest applied
// snapshot compared with the live catalog. The catalog statement rides the
// ledger read (one round trip), guessing that every track is at its newest
// migration; a track behind whose snapshot names other tables costs one
// more round trip.
func (c *Inspector) Verify(ctx context.Context, q ledger.Querier) (*Report, error) {
	guess := make([]*verify.Expected, len(c.ts))
	for i, t := range c.ts {
		guess[i], _, _ = c.v.snapshot(t, i, len(t.Journal.Migrations)-1)
	}
	tables, enums := verify.Names(guess...)
	extra := &ledger.Extra{SQL: verify.CatalogSQL, Args: []any{tables, enums}}
	if len(tables)+len(enums) == 0 {
		extra = nil
	}
	snap, err := c.r.ReadWith(ctx, q, extra)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	live := verify.NewLive(tables, enums)
	for _, row := range snap.Extra {
		if err := live.Add(row.Marker, row.A, row.B, row.C, row.D); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
	}
	return reportFrom(c.ts, snap, func(i int, t Loaded, s *State) (err error) {
		s.SchemaCheck, err = c.verifyTrack(ctx, q, t, i, s, live)
		return err
	})
}

func (c *Inspector) verifyTrack(ctx context.Context, q ledger.Querier, t Loaded, i int, s *State, live *verify.Live) (*SchemaCheck, error) {
	if s.Applied == nil {
		return &SchemaCheck{Verified: true, Reason: "no migration applied: nothing to verify", Missing: []verify.Missing{}}, nil
	}
	if len(s.Ahead) > 0 && s.stray == 0 {
		// Newer migrations may have dropped or renamed objects of this
		// build's snapshot (a contract step): what is missing here is not
		// damage, and this build cannot tell which it is.
		return &SchemaCheck{Reason: fmt.Sprintf("the database is ahead of this build: %d newer migration(s) recorded; "+
			"its schema is verified by the build that has them", len(s.Ahead)), Missing: []verify.Missing{}}, nil
	}
	upTo := c.v.byTag[i][*s.Applied]
	exp, at, err := c.v.snapshot(t, i, upTo)
	if err != nil {
		return &SchemaCheck{Reason: err.Error(), Missing: []verify.Missing{}}, nil
	}
	if !live.Covers(exp) {
		if live, err = readLive(ctx, q, exp); err != nil {
			return nil, fmt.Errorf("status: %s track: %w", t.Name, err)
		}
	}
	tag := c.v.tags[i][at]
	sc := &SchemaCheck{Verified: true, Snapshot: tag, Missing: verify.Compare(exp, live)}
	if len(sc.Missing) > 0 {
		c.v.folders[i].Attribute(c.v.tags[i], at, sc.Missing, tag)
		sc.Remedy = verify.Remedy
	}
	return sc, nil
}

// readLive asks the catalog about one snapshot's names on their own.
func readLive(ctx context.Context, q ledger.Querier, exp *verify.Expected) (*verify.Live, error) {
	tables, enums := verify.Names(exp)
	live := verify.NewLive(tables, enums)
	rows, err := q.Query(ctx, fmt.Sprintf(verify.CatalogSQL, 1, 2), tables, enums)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		var n, a, b, cc *string
		if err := rows.Scan(&m, &n, &a, &b, &cc); err != nil {
			return nil, err
		}
		if err := live.AddRaw(m, n, a, b, cc); err != nil {
			return nil, err
		}
	}
	return live, rows.Err()
}

// Verify is the one-shot form of (*Inspector).Verify.
func Verify(ctx context.Context, q ledger.Querier, ts []Loaded) (*Report, error) {
	c, err := NewInspector(ts)
	if err != nil {
		return nil, err
	}
	return c.Verify(ctx, q)
}
