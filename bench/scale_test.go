package main

import (
	"context"

	"fmt"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"testing"

	"github.com/hogsend/hogsend-db/bench/corpus"
	"github.com/hogsend/hogsend-db/tracks"
)

// BenchmarkLoad reads, hashes and splits a folder of n small migrations:
// the client-side part of every command. ns/op divided by n must stay flat.
//
//	go test ./bench -run '^$' -bench Load -cpuprofile /tmp/load.pprof
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{100, 300, 1000, 3000} {
		dir := b.TempDir()
		if err := corpus.Small(n).Write(dir); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				ls, err := tracks.LoadAll(tracks.ClientTrack(dir))
				if err != nil {
					b.Fatal(err)
				}
				for _, m := range ls[0].Journal.Migrations {
					_ = m.Statements()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/migration")
		})
	}
}

// BenchmarkStatus reads the ledger of an in-sync database of n small
// migrations and matches it (tracks.Status on an open connection).
//
//	go test ./bench -run '^$' -bench Status -cpuprofile /tmp/status.pprof
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{100, 1000} {
		dir := b.TempDir()
		if err := corpus.Small(n).Write(dir); err != nil {
			b.Fatal(err)
		}
		db := pgtest.New(b)
		ctx := context.Background()
		if err := applyOnce(ctx, dir, db.URL); err != nil {
			b.Fatal(err)
		}
		loaded, err := tracks.LoadAll(tracks.ClientTrack(dir))
		if err != nil {
			b.Fatal(err)
		}
		conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				rep, err := tracks.Status(ctx, conn, loaded)
				if err != nil || rep.Status != tracks.StatusHealthy {
					b.Fatal(rep, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/migration")
		})
		conn.Close(ctx)
	}
}
