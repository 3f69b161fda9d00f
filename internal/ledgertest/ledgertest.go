// Package ledgertest reads ledgers for tests: the one-call shapes tests
// want, kept out of package ledger's API (code reads through a
// ledger.Reader or ledger.ReadSnapshot).
package ledgertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/hogsend/hogsend-db/ledger"
)

// ReadAll reads the given ledgers in one round trip, creating nothing: a
// missing table is an empty ledger with Exists=false.
func ReadAll(ctx context.Context, q ledger.Querier, tables ...ledger.Table) ([]ledger.Ledger, error) {
	snap, err := ledger.ReadSnapshot(ctx, q, tables...)
	return snap.Ledgers, err
}

// Read reads one ledger.
func Read(ctx context.Context, q ledger.Querier, t ledger.Table) (ledger.Ledger, error) {
	ls, err := ReadAll(ctx, q, t)
	if err != nil {
		return ledger.Ledger{}, err
	}
	return ls[0], nil
}

// State is both ledgers' rows and the number of tables outside the system
// schemas: what a test compares before and after a run that must write
// nothing. It fails the test if it cannot read them.
func State(t testing.TB, q ledger.Querier) string {
	t.Helper()
	ctx := context.Background()
	ls, err := ReadAll(ctx, q, ledger.EngineTable, ledger.ClientTable)
	if err != nil {
		t.Fatalf("ledgertest: read ledgers: %v", err)
	}
	var n int
	if err := q.QueryRow(ctx, `select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`).Scan(&n); err != nil {
		t.Fatalf("ledgertest: count tables: %v", err)
	}
	return fmt.Sprintf("%+v tables=%d", ls, n)
}
