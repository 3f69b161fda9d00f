package guard

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

// An older replica during a rolling deploy: a newer build's engine
// migration dropped an index this build's snapshot still names. Boot
// starts (the database is ahead), logging that the schema was not verified.
func TestBootStartsWhenEngineAheadDroppedObjects(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	newer := fstest.MapFS{}
	if err := fs.WalkDir(engine.Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(engine.Migrations(), p)
		newer[p] = &fstest.MapFile{Data: data}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(newer)
	if err != nil {
		t.Fatal(err)
	}
	f := j.File()
	last := f.Entries[len(f.Entries)-1]
	f.Entries = append(f.Entries, journal.Entry{Idx: last.Idx + 1, Version: last.Version, When: last.When + 1000,
		Tag: "0006_drop_account_user_id_idx", Breakpoints: true})
	newer[journal.JournalPath] = &fstest.MapFile{Data: journal.MarshalJournal(f)}
	newer["0006_drop_account_user_id_idx.sql"] = &fstest.MapFile{Data: []byte(`DROP INDEX "account_user_id_idx";`)}

	ctx := context.Background()
	conn, err := tracks.Connect(ctx, db.URL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ts, err := tracks.LoadAll(tracks.NewEngineTrack(newer, "engine-dir", "newer", ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tracks.Apply(ctx, conn, ts, tracks.Options{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	g := newGuardT(t, newPool(t, db), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err := g.Boot(ctx); err != nil {
		t.Fatalf("Boot refused an older replica: %v", err)
	}
	if !strings.Contains(logs.String(), "ahead of this build") {
		t.Errorf("no warning that the schema was not verified: %s", logs.String())
	}
}
