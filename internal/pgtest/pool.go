package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Pool opens a connection pool on the database and closes it at cleanup.
func (d *DB) Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, d.URL)
	if err != nil {
		t.Fatalf("pgtest: pool for %s: %v", d.Name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		t.Fatalf("pgtest: pool for %s: %v", d.Name, err)
	}
	t.Cleanup(pool.Close)
	return pool
}
