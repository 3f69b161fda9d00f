package drift_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

// syntheticHistory makes n migrations touching n*2/3 tables: two of every
// three create a table (columns, a unique constraint, a foreign key to the
// previous table, an index), the third adds a column with a default and an
// index to an earlier table, like a real history grows.
func syntheticHistory(n int) []string {
	var out []string
	tables := 0
	for i := 0; i < n; i++ {
		if i%3 != 2 || tables == 0 {
			var b strings.Builder
			fmt.Fprintf(&b, `CREATE TABLE "t%d" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text DEFAULT 'a' NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"parent_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "t%d_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE INDEX "t%d_created_at_idx" ON "t%d" USING btree ("created_at");`, tables, tables, tables, tables)
			if tables > 0 {
				fmt.Fprintf(&b, `--> statement-breakpoint
ALTER TABLE "t%d" ADD CONSTRAINT "t%d_parent_id_t%d_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."t%d"("id") ON DELETE cascade ON UPDATE no action;`,
					tables, tables, tables-1, tables-1)
			}
			tables++
			out = append(out, b.String())
			continue
		}
		t := (i * 7) % tables
		out = append(out, fmt.Sprintf(`ALTER TABLE "t%d" ADD COLUMN "c%d" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "t%d_c%d_idx" ON "t%d" USING btree ("c%d") WHERE "t%d"."c%d" > 0;`, t, i, t, i, t, i, t, i))
	}
	return out
}

// benchDrift measures a whole drift check (replay on a scratch database,
// live inspection, classification) of a database on which every migration
// ran without a ledger (all push gap).
func benchDrift(b *testing.B, n int, full bool) {
	cl := customTrack(b, folder(syntheticHistory(n)...))
	db := pgtest.New(b)
	applySQL(b, db, cl, -1)
	conn := db.Conn(b)
	ctx := context.Background()
	var last *drift.History
	for b.Loop() {
		rep, h, _, err := drift.Detect(ctx, conn, db.URL, []tracks.Loaded{cl}, drift.Options{DevURL: db.URL, FullInspection: full})
		if err != nil {
			b.Fatal(err)
		}
		if got := len(rep.Track(tracks.Client).PushGap); got != n {
			b.Fatalf("push gap %d, want %d", got, n)
		}
		last = h
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/migration")
	b.ReportMetric(float64(last.FullInspections), "full-inspections")
	b.ReportMetric(float64(last.TableInspections), "table-inspections")
}

func BenchmarkDrift75(b *testing.B)      { benchDrift(b, 75, false) }
func BenchmarkDrift300(b *testing.B)     { benchDrift(b, 300, false) }
func BenchmarkDrift75Full(b *testing.B)  { benchDrift(b, 75, true) }
func BenchmarkDrift300Full(b *testing.B) { benchDrift(b, 300, true) }
