package corpus_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hogsend/hogsend-db/bench/corpus"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

func TestHistoryShape(t *testing.T) {
	c := corpus.History()
	if got := len(c.Migrations); got != 75 {
		t.Errorf("migrations = %d, want 75", got)
	}
	if c.Tables != 50 {
		t.Errorf("tables = %d, want 50", c.Tables)
	}
	if c.Enums < 4 {
		t.Errorf("enums = %d, want at least 4", c.Enums)
	}
	if n := c.Statements(); n < 250 {
		t.Errorf("statements = %d, want at least 250", n)
	}
	if corpus.History().Script() != c.Script() {
		t.Error("History is not deterministic")
	}
}

// TestWriteOpens: the folder is one journal.Open accepts, with drizzle's
// statement split giving back the generated statements.
func TestWriteOpens(t *testing.T) {
	for name, c := range map[string]*corpus.Corpus{"history": corpus.History(), "small": corpus.Small(20)} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.Write(dir); err != nil {
				t.Fatal(err)
			}
			j, err := journal.Open(os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(j.Migrations) != len(c.Migrations) {
				t.Fatalf("journal has %d migrations, want %d", len(j.Migrations), len(c.Migrations))
			}
			for i, m := range j.Migrations {
				if m.Tag != c.Migrations[i].Tag || m.When != c.Migrations[i].When {
					t.Errorf("entry %d = %s/%d, want %s/%d", i, m.Tag, m.When, c.Migrations[i].Tag, c.Migrations[i].When)
				}
				if got, want := len(m.Statements()), len(c.Migrations[i].Statements); got != want {
					t.Errorf("%s: %d statements, want %d", m.Tag, got, want)
				}
				if i > 0 && m.When <= j.Migrations[i-1].When {
					t.Errorf("%s: when not increasing", m.Tag)
				}
			}
		})
	}
}

// TestApplies: the whole history runs in one transaction on PostgreSQL (as
// drizzle-orm and hogsend-db run a cold track) and leaves 50 tables.
func TestApplies(t *testing.T) {
	for name, c := range map[string]*corpus.Corpus{"history": corpus.History(), "small": corpus.Small(30)} {
		t.Run(name, func(t *testing.T) {
			db := pgtest.New(t)
			ctx := context.Background()
			conn, err := pgconn.Connect(ctx, db.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, "BEGIN;\n"+c.Script()+"COMMIT;").ReadAll(); err != nil {
				t.Fatal(err)
			}
			res, err := conn.Exec(ctx, "select count(*) from pg_catalog.pg_tables where schemaname = 'public'").ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res[0].Rows[0][0]); got != strconv.Itoa(c.Tables) {
				t.Errorf("public tables = %s, want %d", got, c.Tables)
			}
		})
	}
}
