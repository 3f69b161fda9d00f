package tracks_test

import (
	"fmt"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

// BenchmarkApplyCold applies a folder of 200 small migrations to a fresh
// database per iteration (database creation not timed).
func BenchmarkApplyCold(b *testing.B) {
	for _, mode := range []tracks.TxMode{tracks.TxTrack, tracks.TxMigration} {
		b.Run(string(mode), func(b *testing.B) {
			var ms []mig
			for i := range 200 {
				ms = append(ms, mig{tag: fmt.Sprintf("%04d_m", i), when: int64(1700000000000 + i),
					sql: fmt.Sprintf("CREATE TABLE t%d (id serial PRIMARY KEY, name text NOT NULL);\n--> statement-breakpoint\nCREATE INDEX t%d_name_idx ON t%d (name);", i, i, i)})
			}
			ts := []tracks.Loaded{client(b, folder(ms...))}
			for b.Loop() {
				b.StopTimer()
				db := pgtest.New(b)
				conn := connect(b, db)
				b.StartTimer()
				res, err := tracks.Apply(ctxT(b), conn, ts, tracks.Options{Tx: mode})
				if err != nil || len(res.Applied[tracks.Client]) != 200 {
					b.Fatalf("Apply: %v", err)
				}
			}
		})
	}
}
