package drift_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/drift"
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

// A drizzle-kit 1.0 folder renamed after its migration ran: its row names
// the old folder, its objects are there. drift must not call it a push gap
// (repair would record the migration a second time, under the new name):
// it reports it renamed, with the name it ran under, and repair refuses,
// naming the folder and its old name, and writes nothing, also when it
// re-plans under the lock.
func TestFoldersRenamedNotStamped(t *testing.T) {
	t.Parallel()
	const a, b = "CREATE TABLE a (id int PRIMARY KEY);", "CREATE TABLE b (id int PRIMARY KEY);"
	db := pgtest.New(t)
	migrate(t, db, customTrack(t, fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(a)},
		"20240102000000_b/migration.sql": {Data: []byte(b)},
	}))
	rows := ledgerRows(t, db, ledger.ClientTable)
	cl := customTrack(t, fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(a)},
		"20240105000000_b/migration.sql": {Data: []byte(b)}, // 20240102000000_b, renamed
	})
	rep, h := check(t, db, cl)
	tr := rep.Track(tracks.Client)
	m := tr.Migration("20240105000000_b")
	if len(tr.PushGap) != 0 || m == nil || m.Status != drift.StatusRenamed || m.RanAs != "20240102000000_b" ||
		!slices.Equal(tr.Renamed, []string{"20240105000000_b"}) || !strings.Contains(tr.RenamedRemedy, "20240105000000_b back to 20240102000000_b") ||
		rep.InSync || !rep.Findings() {
		t.Fatalf("drift: %+v; want 20240105000000_b renamed from 20240102000000_b, no push gap", tr)
	}
	wantRefused := func(err error) {
		t.Helper()
		var re *drift.RenamedError
		if !errors.As(err, &re) || !errors.Is(err, drift.ErrRenamed) || !errors.Is(err, tracks.ErrModified) ||
			len(re.Migrations) != 1 || re.Migrations[0].Folder != "20240105000000_b" ||
			!strings.Contains(err.Error(), "nothing written") || !strings.Contains(err.Error(), "20240105000000_b back to 20240102000000_b") {
			t.Fatalf("repair: %v; want a *RenamedError naming 20240105000000_b and its old name", err)
		}
	}
	_, err := drift.PlanRepair(rep, h, readLive(t, db, cl))
	wantRefused(err)
	_, err = drift.Repair(context.Background(), db.Conn(t), db.URL, h, &drift.Plan{Rows: []drift.Row{}}, drift.RepairOptions{ToolVersion: "test"})
	wantRefused(err)
	if after := ledgerRows(t, db, ledger.ClientTable); !slices.Equal(after, rows) {
		t.Fatalf("repair wrote: ledger %v, was %v", after, rows)
	}
}

// A version-0 ledger (drizzle-orm 0.x, nameless rows) under a drizzle-kit
// 1.0 folder whose two migrations share a second, one of them edited after
// it ran: its row matches neither by hash, so that folder looks pending,
// and its objects are there because it ran. drift called it a push gap and
// repair stamped it: a second row for a migration that ran, which left the
// old row foreign. drift reports it edited, with the files to restore;
// repair refuses as migrate does (the edit in a shared second), naming the
// files, and writes nothing, also when it re-plans under the lock.
func TestFoldersEditedInSecondNotStamped(t *testing.T) {
	t.Parallel()
	const a, b = "CREATE TABLE a (id int PRIMARY KEY);", "CREATE TABLE b (id int PRIMARY KEY);"
	db := pgtest.New(t)
	ran := customTrack(t, fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(a)},
		"20240101000000_b/migration.sql": {Data: []byte(b)},
	})
	applySQL(t, db, ran, -1)
	ctx := context.Background()
	conn := db.Conn(t)
	if err := ledger.EnsureVersion(ctx, conn, ledger.ClientTable, ledger.Version0); err != nil {
		t.Fatal(err)
	}
	for _, m := range ran.Journal.Migrations {
		if err := ledger.Insert(ctx, conn, ledger.ClientTable, m.Hash, m.When); err != nil {
			t.Fatal(err)
		}
	}
	rows := ledgerRows(t, db, ledger.ClientTable)
	cl := customTrack(t, fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(a)},
		"20240101000000_b/migration.sql": {Data: []byte(b + "\n-- edited after it ran\n")},
	})
	rep, h := check(t, db, cl)
	tr := rep.Track(tracks.Client)
	m := tr.Migration("20240101000000_b")
	if len(tr.PushGap) != 0 || len(tr.Pending) != 0 || m == nil || m.Status != drift.StatusEdited ||
		!slices.Equal(tr.Edited, []string{"20240101000000_b"}) || !strings.Contains(tr.EditedRemedy, "restore") ||
		!strings.Contains(tr.EditedRemedy, "new migration") || !strings.Contains(tr.EditedRemedy, "20240101000000_b/migration.sql") ||
		rep.InSync || !rep.Findings() {
		t.Fatalf("drift: %+v; want 20240101000000_b edited, no push gap, the files to restore", tr)
	}
	wantRefused := func(err error) {
		t.Helper()
		var se *tracks.SameSecondError
		if !errors.As(err, &se) || !errors.Is(err, tracks.ErrModified) || !strings.Contains(err.Error(), "nothing written") ||
			!strings.Contains(err.Error(), "20240101000000_b/migration.sql") || !strings.Contains(err.Error(), "restore") {
			t.Fatalf("repair: %v; want a *tracks.SameSecondError naming 20240101000000_b/migration.sql", err)
		}
	}
	_, err := drift.PlanRepair(rep, h, readLive(t, db, cl))
	wantRefused(err)
	_, err = drift.Repair(ctx, db.Conn(t), db.URL, h, &drift.Plan{Rows: []drift.Row{}}, drift.RepairOptions{ToolVersion: "test"})
	wantRefused(err)
	if after := ledgerRows(t, db, ledger.ClientTable); !slices.Equal(after, rows) {
		t.Fatalf("repair wrote: ledger %v, was %v", after, rows)
	}
}
