package drift_test

import (
	"context"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// A drizzle-kit 1.0 folder whose schema was pushed: drift sees the push
// gap, and repair writes the rows drizzle-orm 1.0 would have written (a
// version-1 ledger with names), the same rows migrate writes.
func TestFoldersPushGapRepair(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte("CREATE TABLE a (id int PRIMARY KEY);")},
		"20240102000000_b/migration.sql": {Data: []byte("CREATE TABLE b (id int PRIMARY KEY, a int REFERENCES a(id));")},
	}
	cl := customTrack(t, fsys)
	if cl.Journal.Layout != journal.LayoutFolders {
		t.Fatal("not the 1.0 layout")
	}
	pushed := pgtest.New(t)
	applySQL(t, pushed, cl, -1)
	rep, _ := check(t, pushed, cl)
	wantTags(t, "push gap", rep.Track(tracks.Client).PushGap, cl.Journal.Tags())
	plan, after := repair(t, pushed, cl)
	if !after.InSync || len(plan.Rows) != 2 || plan.Rows[0].Name != "20240101000000_a" {
		t.Fatalf("plan %+v, after in sync %v", plan, after.InSync)
	}

	migrated := pgtest.New(t)
	migrate(t, migrated, cl)
	read := func(db *pgtest.DB) ledger.Ledger {
		l, err := ledgertest.Read(context.Background(), db.Conn(t), ledger.ClientTable)
		if err != nil {
			t.Fatal(err)
		}
		for i := range l.Rows {
			l.Rows[i].ID = 0
		}
		return l
	}
	got, want := read(pushed), read(migrated)
	if got.Version != ledger.Version1 || !slices.Equal(got.Rows, want.Rows) {
		t.Fatalf("repair wrote version %d rows %+v, migrate %+v", got.Version, got.Rows, want.Rows)
	}
}
