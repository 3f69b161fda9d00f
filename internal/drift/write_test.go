package drift

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

// repair's write carries the checks of migrate's ledger writes. The plan
// and the ledger it was re-checked against (under the lock) predate a row
// that a session without the lock (drizzle-orm's migrator takes none)
// committed meanwhile: that row is not written twice. And a session that
// does not hold the migration lock writes nothing.
func TestRepairWriteGuards(t *testing.T) {
	fsys := fstest.MapFS{
		"20240101000000_a/migration.sql": {Data: []byte(`CREATE TABLE "a" ("id" int);`)},
		"20240102000000_b/migration.sql": {Data: []byte(`CREATE TABLE "b" ("id" int);`)},
	}
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tr := tracks.Loaded{Track: tracks.Track{Name: tracks.Client, Source: fsys, Location: "test", Ledger: ledger.ClientTable}, Journal: j}
	h := &History{Tracks: []tracks.Loaded{tr}}
	plan := &Plan{}
	for _, m := range j.Migrations {
		plan.Rows = append(plan.Rows, Row{Track: tracks.Client, Ledger: tr.Ledger.String(), Tag: m.Tag, Hash: m.Hash, CreatedAt: m.When, Name: m.Tag})
	}
	ctx := context.Background()

	for _, tc := range []struct {
		name    string
		version int
		locked  bool
		before  []*journal.Migration // rows committed by another session after the re-check
		want    error
	}{
		{"a row recorded meanwhile", ledger.Version1, true, j.Migrations[1:], tracks.ErrRecordedElsewhere},
		{"a row recorded meanwhile, version-0 ledger", ledger.Version0, true, j.Migrations[:1], tracks.ErrRecordedElsewhere},
		{"the lock not held", ledger.Version1, false, nil, tracks.ErrLockLost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := pgtest.New(t)
			conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if tc.locked {
				if _, err := conn.Exec(ctx, "select pg_advisory_lock($1)", tracks.LockKey); err != nil {
					t.Fatal(err)
				}
			}
			other := db.Conn(t)
			if err := ledger.EnsureVersion(ctx, other, ledger.ClientTable, tc.version); err != nil {
				t.Fatal(err)
			}
			live := &Live{Ledgers: []ledger.Ledger{{Table: ledger.ClientTable, Exists: true, Version: tc.version}}}
			for _, m := range tc.before {
				var err error
				if tc.version == ledger.Version0 {
					err = ledger.Insert(ctx, other, ledger.ClientTable, m.Hash, m.When)
				} else {
					err = ledger.InsertNamed(ctx, other, ledger.ClientTable, m.Hash, m.When, m.Name)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			err = write(ctx, conn, h, live, plan, RepairOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("write = %v, want an error matching %v", err, tc.want)
			}
			var n, dup int
			if err := other.QueryRow(ctx, `select count(*), count(*) - count(distinct (hash, created_at)) from drizzle.__client_migrations`).Scan(&n, &dup); err != nil {
				t.Fatal(err)
			}
			if n != len(tc.before) || dup != 0 {
				t.Fatalf("ledger has %d rows (%d duplicates), want the %d written before, none twice", n, dup, len(tc.before))
			}
		})
	}
}
