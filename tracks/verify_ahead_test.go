package tracks_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

// withDropMigration returns fsys (a 0.x folder) plus one newer migration,
// tagged tag, that drops an index: a contract step of a newer build.
func withDropMigration(t *testing.T, fsys fstest.MapFS, tag, index string) fstest.MapFS {
	t.Helper()
	j, err := journal.Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	f := j.File()
	last := f.Entries[len(f.Entries)-1]
	f.Entries = append(f.Entries, journal.Entry{Idx: last.Idx + 1, Version: last.Version, When: last.When + 1000, Tag: tag, Breakpoints: true})
	out := clone(fsys)
	out[journal.JournalPath] = &fstest.MapFile{Data: journal.MarshalJournal(f)}
	out[tag+".sql"] = &fstest.MapFile{Data: []byte(`DROP INDEX "` + index + `";`)}
	return out
}

// writeDir writes fsys to a new folder on disk.
func writeDir(t *testing.T, fsys fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A database migrated by a newer build (rows newer than this build's
// newest migration) may lack objects this build's snapshot names: the newer
// migrations dropped or renamed them. Its schema is "not verified", with
// the reason, never an integrity problem; on the engine track it does not
// stop an older replica.
func TestVerifyAhead(t *testing.T) {
	t.Run(tracks.Engine, func(t *testing.T) {
		db := connect(t, newDB(t))
		ctx := ctxT(t)
		newer := writeDir(t, withDropMigration(t, readFolder(t, "../engine/migrations"), "0006_drop_account_user_id_idx", "account_user_id_idx"))
		n, err := tracks.Load(tracks.EngineTrackFrom(newer)) // hogsend-db migrate --engine-dir
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, ctx, db, []tracks.Loaded{n})
		rep := mustVerify(t, ctx, db, []tracks.Loaded{engineLoaded(t)}) // status with the bundled engine
		checkAhead(t, rep, tracks.Engine)
	})
	t.Run(tracks.Client, func(t *testing.T) {
		db := connect(t, newDB(t))
		ctx := ctxT(t)
		newer := withDropMigration(t, verifyFolder(), "0002_drop_owner_idx", "tickets_owner_idx")
		mustApply(t, ctx, db, []tracks.Loaded{engineLoaded(t), client(t, newer)})
		rep := mustVerify(t, ctx, db, []tracks.Loaded{engineLoaded(t), client(t, verifyFolder())})
		checkAhead(t, rep, tracks.Client)
	})
}

func checkAhead(t *testing.T, rep *tracks.Report, name string) {
	t.Helper()
	s := rep.Track(name)
	sc := s.SchemaCheck
	if len(s.Ahead) != 1 || s.Verdict != tracks.Ahead || rep.Problems() || len(rep.Integrity) != 0 {
		t.Fatalf("verdict %s, ahead %+v, integrity %+v", s.Verdict, s.Ahead, rep.Integrity)
	}
	want := "the database is ahead of this build: 1 newer migration(s) recorded; its schema is verified by the build that has them"
	if sc == nil || sc.Verified || sc.Reason != want || len(sc.Missing) != 0 {
		t.Fatalf("schema check %+v", sc)
	}
	if !strings.Contains(sc.Reason, "ahead") {
		t.Fatal(sc.Reason)
	}
}
