package guard

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/ledger"
)

// A client folder in drizzle-kit 1.0's layout, against a version-1 ledger
// keyed by name: the guard reports what is pending by folder name, and an
// out-of-order folder as pending, as drizzle-orm 1.0 would run it.
func TestClientFolders(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	migrate(t, db)
	const a, b, c = "20240101000000_a", "20240102000000_b", "20240103000000_c"
	fsys := fstest.MapFS{
		a + "/migration.sql": {Data: []byte("SELECT 1;")},
		b + "/migration.sql": {Data: []byte("SELECT 2;")},
		c + "/migration.sql": {Data: []byte("SELECT 3;")},
	}
	ctx := context.Background()
	conn := db.Conn(t)
	if err := ledger.EnsureVersion(ctx, conn, ledger.ClientTable, ledger.Version1); err != nil {
		t.Fatal(err)
	}
	// a and c recorded by name, with created_at values no 0.x rule would match.
	for _, n := range []string{a, c} {
		if err := ledger.InsertNamed(ctx, conn, ledger.ClientTable, "whatever", 1, n); err != nil {
			t.Fatal(err)
		}
	}
	g := newGuardT(t, newPool(t, db), WithClientMigrations(fsys))
	if err := g.Boot(ctx); err != nil {
		t.Fatalf("Boot with the client behind: %v", err)
	}
	code, doc, rep := health(t, g)
	checkContract(t, doc)
	cl := rep.Schema["client"]
	if code != 200 || !slices.Equal(cl.Pending, []string{b}) || !slices.Equal(cl.AppliedOutOfOrder, []string{b}) ||
		cl.Applied == nil || *cl.Applied != c || cl.Layout != "1.0" || cl.LedgerVersion != 1 {
		t.Fatalf("health %d client %+v", code, cl)
	}
}
