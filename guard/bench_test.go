package guard

import (
	"context"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
)

// BenchmarkCheck compares Check on an in-sync database with a bare
// SELECT 1 on the same pool: the ratio of the two ns/op is guard's cost
// over the cheapest possible probe. Select1Deadline is the same SELECT 1
// under the deadline Check puts on its read (WithTimeout, default 5 s):
// pgx watches a context that can end with a goroutine per query, which a
// health handler's request context pays too. Check / Select1Deadline is
// the cost of what Check reads (two ledgers and the release record) and
// of building the report.
//
//	go test -run '^$' -bench Check ./guard
func BenchmarkCheck(b *testing.B) {
	db := pgtest.New(b)
	migrate(b, db)
	fsys, ms := clientFS(b)
	writeRows(b, db, ledger.ClientTable, ms)
	pool := newPool(b, db)
	ctx := context.Background()
	g := newGuardT(b, pool, WithClientMigrations(fsys))
	if rep := g.Check(ctx); rep.Status != "healthy" {
		b.Fatalf("not in sync: %+v", rep)
	}

	b.Run("Select1", func(b *testing.B) {
		for b.Loop() {
			var one int
			if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Select1Deadline", func(b *testing.B) {
		for b.Loop() {
			ctx, cancel := context.WithTimeout(ctx, g.timeout)
			var one int
			if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
			cancel()
		}
	})
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if rep := g.Check(ctx); rep.Status != "healthy" {
				b.Fatalf("%+v", rep)
			}
		}
	})
}
