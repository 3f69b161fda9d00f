package schemastate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// benchInspect measures one Conn.Inspect of a database holding ddl.
func benchInspect(b *testing.B, ddl string) {
	ctx := context.Background()
	db := pgtest.New(b)
	db.Exec(b, ddl)
	c, err := schemastate.Connect(ctx, db.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Inspect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInspectEngine: the engine's desired schema (13 tables).
func BenchmarkInspectEngine(b *testing.B) { benchInspect(b, engine.DesiredSchema()) }

// BenchmarkInspectEngineX10: the engine schema copied into 10 schemas, to
// see that the cost grows with the schema, not with a fixed overhead.
func BenchmarkInspectEngineX10(b *testing.B) {
	var sb strings.Builder
	for i := range 10 {
		fmt.Fprintf(&sb, "CREATE SCHEMA s%d; SET search_path TO s%d;\n%s\n", i, i, strings.ReplaceAll(engine.DesiredSchema(), `"public".`, ""))
	}
	benchInspect(b, sb.String())
}

// BenchmarkInspectEmpty: the fixed cost of one inspection.
func BenchmarkInspectEmpty(b *testing.B) { benchInspect(b, "CREATE TABLE t (id int)") }
