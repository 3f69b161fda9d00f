package ledger_test

import (
	"context"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
)

// BenchmarkReader reads both ledgers (6 and 4 rows) and the release record
// the way a health probe does, beside a bare SELECT 1 on the same pool.
//
//	go test -run '^$' -bench Reader ./ledger
func BenchmarkReader(b *testing.B) {
	db := pgtest.New(b)
	pool := db.Pool(b)
	ctx := context.Background()
	for _, t := range []ledger.Table{ledger.EngineTable, ledger.ClientTable} {
		if err := ledger.Ensure(ctx, pool, t); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 6 {
		if err := ledger.Insert(ctx, pool, ledger.EngineTable, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", int64(1700000000000+i)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 4 {
		if err := ledger.Insert(ctx, pool, ledger.ClientTable, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", int64(1700000000000+i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := ledger.RecordRelease(ctx, pool, "engine", "1.4.0", "bench"); err != nil {
		b.Fatal(err)
	}
	r, err := ledger.NewReader([]ledger.Table{ledger.EngineTable, ledger.ClientTable})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Select1", func(b *testing.B) {
		for b.Loop() {
			var one int
			if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Reader", func(b *testing.B) {
		for b.Loop() {
			snap, err := r.Read(ctx, pool)
			if err != nil || len(snap.Ledgers[0].Rows) != 6 {
				b.Fatal(err)
			}
		}
	})
}
