package lint_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/lint"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
)

// A drizzle-kit 1.0 folder lints like a 0.x one: the earlier folders are
// replayed, the finding names <folder>/migration.sql and its position.
func TestFoldersLayout(t *testing.T) {
	t.Parallel()
	j, err := journal.Open(fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(`CREATE TABLE "accounts" ("id" int PRIMARY KEY, "score" int);`)},
		"20240102000000_b/migration.sql": {Data: []byte("SELECT 1;\n--> statement-breakpoint\nALTER TABLE \"accounts\" DROP COLUMN \"score\";")},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := lint.Run(context.Background(), pgtest.New(t).AdminURL,
		[]lint.Track{{Name: "client", Journal: j, Dir: "migrations", Lint: []string{"20240102000000_b"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := has(rep.Findings, lint.CodeDropColumn)
	if f == nil || f.File != "migrations/20240102000000_b/migration.sql" || f.Line != 3 || f.Col != 1 || f.Tag != "20240102000000_b" {
		t.Fatalf("finding %+v; all:%s", f, describe(rep.Findings))
	}
}
