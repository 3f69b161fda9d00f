package tracks

import (
	"context"
	"fmt"

	"github.com/hogsend/hogsend-db/ledger"
)

// Checker computes the status of the same tracks again and again, as a
// health probe does. It keeps a ledger.Reader, which remembers which
// bookkeeping tables exist, so a steady-state check is one plain query that
// PostgreSQL plans once per connection. Status gives the same answer; it is
// for one-shot use. A Checker is safe for concurrent use.
type Checker struct {
	ts []Loaded
	r  *ledger.Reader
	v  *verifier
}

// NewChecker returns a Checker for the loaded tracks.
func NewChecker(ts []Loaded) (*Checker, error) {
	tables := make([]ledger.Table, len(ts))
	for i, t := range ts {
		tables[i] = t.Ledger
	}
	r, err := ledger.NewReader(tables...)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	var indexes []string
	for _, t := range ts {
		for _, m := range t.Journal.Migrations {
			indexes = append(indexes, m.ConcurrentIndexes()...)
		}
	}
	r.WatchIndexes(indexes)
	return &Checker{ts: ts, r: r, v: newVerifier(ts)}, nil
}

// Status reads and matches, like the package-level Status. It does not
// verify the schema (see Verify).
func (c *Checker) Status(ctx context.Context, q ledger.Querier) (*Report, error) {
	snap, err := c.r.Read(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return reportFrom(c.ts, snap, nil)
}

// Tracks returns the tracks the Checker reports on.
func (c *Checker) Tracks() []Loaded { return c.ts }
