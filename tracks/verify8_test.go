package tracks_test

import (
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// drizzle1Folder is a client folder written by the real drizzle-kit 1.0
// (folder per migration, version-8 snapshots).
const drizzle1Folder = "../testdata/drizzle1/migrations"

// Verification reads a drizzle-kit 1.0 folder's snapshots on either track:
// each kind of dropped object is reported, attributed to the migration
// whose snapshot first holds it.
func TestVerifyDrizzle1Folder(t *testing.T) {
	const (
		v1 = "20261130094833_v1"
		v2 = "20261130094838_v2"
		v3 = "20261130094848_v3"
		v4 = "20261130094853_v4"
	)
	cases := []struct {
		damage string
		want   verify.Missing
	}{
		{`DROP TABLE "labels"`, verify.Missing{Kind: verify.KindTable, Name: "public.labels", Migration: v3}},
		{`ALTER TABLE "tickets" DROP COLUMN "meta"`, verify.Missing{Kind: verify.KindColumn, Name: "meta", Table: "public.tickets", Migration: v2}},
		{`ALTER TABLE "comments" ALTER COLUMN "body" DROP NOT NULL`, verify.Missing{Kind: verify.KindNotNull, Name: "body", Table: "public.comments", Detail: "NOT NULL is missing", Migration: v2}},
		{`ALTER TABLE "tickets" ALTER COLUMN "meta" TYPE json`, verify.Missing{Kind: verify.KindColumnType, Name: "meta", Table: "public.tickets", Detail: "want jsonb, have json", Migration: v2}},
		{`DROP INDEX "tickets_open_by_project_idx"`, verify.Missing{Kind: verify.KindIndex, Name: "tickets_open_by_project_idx", Table: "public.tickets", Migration: v3}},
		{`ALTER TABLE "labels" DROP CONSTRAINT "labels_name_not_empty"`, verify.Missing{Kind: verify.KindCheck, Name: "labels_name_not_empty", Table: "public.labels", Migration: v3}},
		{`ALTER TABLE "tickets" DROP CONSTRAINT "tickets_project_id_projects_id_fkey"`, verify.Missing{Kind: verify.KindForeignKey, Name: "tickets_project_id_projects_id_fkey", Table: "public.tickets", Migration: v1}},
		{`ALTER TABLE "comments" DROP CONSTRAINT "comments_pkey"`, verify.Missing{Kind: verify.KindPrimaryKey, Name: "comments_pkey", Table: "public.comments", Migration: v2}},
		{`ALTER TYPE "ticket_status" RENAME VALUE 'closed' TO 'shut'`, verify.Missing{Kind: verify.KindEnumLabel, Name: "closed", Table: "public.ticket_status", Migration: v1}},
	}
	for _, name := range []string{tracks.Engine, tracks.Client} {
		t.Run(name, func(t *testing.T) {
			ctx := ctxT(t)
			db, ts, sc := migratedClean(t, ctx, name, drizzle1Folder)
			if sc.Snapshot != v4 {
				t.Fatalf("clean database compared with snapshot %s, want %s", sc.Snapshot, v4)
			}
			for _, c := range cases {
				t.Run(c.damage, func(t *testing.T) {
					rep := verifyDamaged(t, ctx, db, ts, cascade(c.damage))
					sc := rep.Track(name).SchemaCheck
					if !sc.Verified || len(sc.Missing) == 0 || sc.Missing[0] != c.want || !rep.Problems() || sc.Remedy == "" {
						t.Fatalf("missing = %+v, want first %+v", sc.Missing, c.want)
					}
				})
			}
		})
	}
}

// A 1.0 folder behind its newest migration is compared with its newest
// applied snapshot; a migration without snapshot.json falls back to the
// newest earlier one; a missing or unreadable version-8 snapshot is "not
// verified" with the reason.
func TestVerifyDrizzle1Snapshots(t *testing.T) {
	db := connect(t, newDB(t))
	ctx := ctxT(t)
	orig := readFolder(t, drizzle1Folder)
	first := fstest.MapFS{}
	for p, f := range orig {
		if strings.HasPrefix(p, "20261130094833_v1/") {
			first[p] = f
		}
	}
	check := func(ts []tracks.Loaded) *tracks.SchemaCheck {
		t.Helper()
		return mustVerify(t, ctx, db, ts).Track(tracks.Client).SchemaCheck
	}
	mustApply(t, ctx, db, []tracks.Loaded{client(t, first)})
	if sc := check([]tracks.Loaded{client(t, orig)}); !sc.Verified || sc.Snapshot != "20261130094833_v1" || len(sc.Missing) != 0 {
		t.Fatalf("behind: %+v", sc)
	}
	mustApply(t, ctx, db, []tracks.Loaded{client(t, orig)})
	noV4 := clone(orig)
	delete(noV4, "20261130094853_v4/snapshot.json")
	if sc := check([]tracks.Loaded{client(t, noV4)}); !sc.Verified || sc.Snapshot != "20261130094848_v3" {
		t.Fatalf("no newest snapshot: %+v", sc)
	}
	for name, data := range map[string]string{
		"not json":      `{"version":"8",`,
		"0.x dialect":   `{"version":"8","dialect":"postgresql","ddl":[]}`,
		"bad entity":    `{"version":"8","dialect":"postgres","ddl":[{"entityType":"columns","table":"nowhere","name":"a"}]}`,
		"no entityType": `{"version":"8","dialect":"postgres","ddl":[{"name":"t"}]}`,
		"no ddl":        `{"version":"8","dialect":"postgres"}`,
		"ddl object":    `{"version":"8","dialect":"postgres","ddl":{}}`,
	} {
		bad := clone(orig)
		bad["20261130094853_v4/snapshot.json"] = &fstest.MapFile{Data: []byte(data)}
		sc := check([]tracks.Loaded{client(t, bad)})
		if sc.Verified || sc.Reason == "" || len(sc.Missing) != 0 {
			t.Fatalf("%s: %+v", name, sc)
		}
		t.Logf("%s: %s", name, sc.Reason)
	}
	none := clone(orig)
	for p := range none {
		if strings.HasSuffix(p, "/snapshot.json") {
			delete(none, p)
		}
	}
	if sc := check([]tracks.Loaded{client(t, none)}); sc.Verified || sc.Reason == "" {
		t.Fatalf("no snapshots: %+v", sc)
	}
}

// readFolder copies a folder on disk into memory, to be altered.
func readFolder(t *testing.T, dir string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(tracks.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(tracks.DirFS(dir), p)
		out[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func clone(m fstest.MapFS) fstest.MapFS { return maps.Clone(m) }
