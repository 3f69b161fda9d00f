package tracks

import (
	"context"
	"fmt"

	"github.com/hogsend/hogsend-db/ledger"
)

// Inspector computes the status of the same tracks again and again, as a
// health probe does. It keeps a ledger.Reader, which remembers which
// bookkeeping tables exist, so a steady-state read is one plain query that
// PostgreSQL plans once per connection. Status gives the same answer; it is
// for one-shot use. An Inspector is safe for concurrent use.
type Inspector struct {
	ts []Loaded
	r  *ledger.Reader
	v  *verifier
}

// NewInspector returns an Inspector for the loaded tracks.
func NewInspector(ts []Loaded) (*Inspector, error) {
	tables := make([]ledger.Table, len(ts))
	for i, t := range ts {
		tables[i] = t.Ledger
	}
	var indexes []string
	for _, t := range ts {
		for _, m := range t.Journal.Migrations {
			indexes = append(indexes, m.ConcurrentIndexes()...)
		}
	}
	r, err := ledger.NewReader(tables, ledger.WatchIndexes(indexes))
	if err != nil {
		return nil, err
	}
	return &Inspector{ts: ts, r: r, v: newVerifier(ts)}, nil
}

// Status reads and matches, like the package-level Status. It does not
// verify the schema (see Verify).
func (c *Inspector) Status(ctx context.Context, q ledger.Querier) (*Report, error) {
	snap, err := c.r.Read(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return reportFrom(c.ts, snap, nil)
}

// Tracks returns the tracks the Inspector reports on.
func (c *Inspector) Tracks() []Loaded { return c.ts }
