package interop

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// driftDoc is the part of `drift --json` the scenarios read.
type driftDoc struct {
	InSync bool `json:"inSync"`
	Tracks []struct {
		Track      string `json:"track"`
		Ledger     string `json:"ledger"`
		Migrations []struct {
			Tag    string `json:"tag"`
			Status string `json:"status"`
			Hash   string `json:"hash"`
			When   int64  `json:"when"`
		} `json:"migrations"`
		Missing []string `json:"missing"`
		PushGap []string `json:"pushGap"`
		Partial []any    `json:"partial"`
		Pending []string `json:"pending"`
	} `json:"tracks"`
	Untracked []any `json:"untracked"`
}

func drift(t testing.TB, url string, args ...string) (driftDoc, clitest.Result) {
	t.Helper()
	r := hogsend(t, append([]string{"drift", "--json", "--database-url", url}, args...)...)
	var doc driftDoc
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("drift --json: decode: %v\n%s", err, r)
	}
	return doc, r
}

// schemaFile is a TypeScript schema version of testdata/drizzle.
func schemaFile(t testing.TB, version string) string {
	return filepath.Join(drizzletest.Dir(t), "schema", version+".ts")
}

// pushTracks are the two ways the same folder is used: as the client track
// (ledger __client_migrations) and as the engine track via --engine-dir
// (ledger __drizzle_migrations, drizzle-orm's default).
func pushTracks(t testing.TB) []struct {
	track, table string
	args         []string
} {
	return []struct {
		track, table string
		args         []string
	}{
		{"client", clientLedger, []string{"--track", "client", "--dir", kitFolder(t)}},
		{"engine", engineLedger, []string{"--track", "engine", "--engine-dir", kitFolder(t)}},
	}
}

// Scenario 3: drizzle-kit push of the newest schema into an empty database.
// drift names every migration as push gap (exit 4); repair --from-push
// refuses without --yes and no terminal, then with --yes writes exactly the
// rows drizzle-orm would have written; status is in sync and drizzle-orm's
// migrator applies nothing.
func TestPushThenRepair(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	tags := journalTags(t, kitFolder(t))

	// The ledger drizzle-orm writes for the folder, to compare with.
	reference := pgtest.New(t)
	drizzleApplies(t, reference.URL, kitFolder(t), clientLedger)
	wantRows := ledger(t, reference.URL, clientLedger)

	for _, tc := range pushTracks(t) {
		t.Run(tc.track, func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			drizzletest.Push(t, db.URL, schemaFile(t, "v4"))
			sameSchema(t, reference.URL, db.URL) // the push and the migrations agree

			doc, r := drift(t, db.URL, tc.args...)
			if r.Code != 4 {
				t.Fatalf("drift after push: want exit 4\n%s", r)
			}
			if doc.InSync || len(doc.Tracks) != 1 || doc.Tracks[0].Track != tc.track {
				t.Fatalf("drift document: %+v", doc)
			}
			tr := doc.Tracks[0]
			if !slices.Equal(tr.PushGap, tags) {
				t.Errorf("pushGap = %v, want every migration %v", tr.PushGap, tags)
			}
			for _, m := range tr.Migrations {
				if m.Status != "push-gap" {
					t.Errorf("%s: status %q, want push-gap", m.Tag, m.Status)
				}
			}
			if len(tr.Missing)+len(tr.Partial)+len(doc.Untracked) != 0 {
				t.Errorf("drift reports more than a push gap: %s", r.Stdout)
			}
			if _, r := status(t, db.URL, tc.args...); r.Code != 3 {
				t.Errorf("status before repair: want exit 3 (pending)\n%s", r)
			}

			repair := append([]string{"repair", "--from-push", "--database-url", db.URL}, tc.args...)
			r = hogsend(t, repair...)
			if r.Code == 0 || !strings.Contains(r.Stderr, "nothing written") {
				t.Errorf("repair without --yes and without a terminal must refuse:\n%s", r)
			}
			if rows := ledger(t, db.URL, tc.table); len(rows) != 0 {
				t.Fatalf("repair without --yes wrote %d rows", len(rows))
			}

			mustExit(t, 0, append(repair, "--yes")...)
			if got := ledger(t, db.URL, tc.table); !slices.Equal(got, wantRows) {
				t.Errorf("ledger after repair differs from drizzle-orm's\ndrizzle-orm: %v\nrepair:      %v", wantRows, got)
			}
			doc2, r := status(t, db.URL, tc.args...)
			if r.Code != 0 || !doc2.track(t, tc.track).InSync || str(doc2.track(t, tc.track).Applied) != tags[len(tags)-1] {
				t.Errorf("status after repair: want exit 0, in sync at %s\n%s", tags[len(tags)-1], r)
			}
			if n := drizzleApplies(t, db.URL, kitFolder(t), tc.table); n != 0 {
				t.Errorf("drizzle-orm applied %d migrations after repair, want 0", n)
			}
			if _, r := drift(t, db.URL, tc.args...); r.Code != 0 {
				t.Errorf("drift after repair: want exit 0\n%s", r)
			}
		})
	}
}

// Scenario 4: drizzle-kit push of an older schema version. Only the
// migrations that version covers are push gap and stamped; migrate applies
// the rest; the schema then equals that of a database migrated from scratch,
// and drizzle-orm has nothing left to do. v2 is the interesting one: the
// pending 0002 adds tickets.legacy_code and the pending 0003 drops it.
func TestPushOlderVersionThenMigrate(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	tags := journalTags(t, kitFolder(t))

	scratch := pgtest.New(t)
	drizzleApplies(t, scratch.URL, kitFolder(t), clientLedger)
	wantRows := ledger(t, scratch.URL, clientLedger)

	for _, version := range []string{"v1", "v2", "v3"} {
		covered := map[string]int{"v1": 1, "v2": 2, "v3": 3}[version]
		for _, tc := range pushTracks(t) {
			t.Run(version+"/"+tc.track, func(t *testing.T) {
				t.Parallel()
				db := pgtest.New(t)
				drizzletest.Push(t, db.URL, schemaFile(t, version))

				doc, r := drift(t, db.URL, tc.args...)
				if r.Code != 4 || len(doc.Tracks) != 1 {
					t.Fatalf("drift after push of %s: want exit 4 and one track\n%s", version, r)
				}
				tr := doc.Tracks[0]
				if !slices.Equal(tr.PushGap, tags[:covered]) {
					t.Errorf("pushGap = %v, want %v", tr.PushGap, tags[:covered])
				}
				if !slices.Equal(tr.Pending, tags[covered:]) {
					t.Errorf("pending = %v, want %v (not present: migrate applies them)", tr.Pending, tags[covered:])
				}
				if len(tr.Missing)+len(tr.Partial)+len(doc.Untracked) != 0 {
					t.Errorf("drift reports more than a push gap and pending migrations:\n%s", r)
				}

				mustExit(t, 0, append([]string{"repair", "--from-push", "--yes", "--database-url", db.URL}, tc.args...)...)
				if got := ledger(t, db.URL, tc.table); !slices.Equal(got, wantRows[:covered]) {
					t.Errorf("repair stamped %v, want the first %d rows drizzle-orm writes %v", got, covered, wantRows[:covered])
				}
				st, r := status(t, db.URL, tc.args...)
				if r.Code != 3 || !slices.Equal(st.track(t, tc.track).Pending, tags[covered:]) {
					t.Errorf("status after repair: want exit 3 with %v pending\n%s", tags[covered:], r)
				}

				r = mustExit(t, 0, append([]string{"migrate", "--database-url", db.URL}, tc.args...)...)
				for _, tag := range tags[covered:] {
					if !strings.Contains(r.Stderr, tc.track+": applied "+tag) {
						t.Errorf("migrate did not apply %s:\n%s", tag, r)
					}
				}
				if got := ledger(t, db.URL, tc.table); !slices.Equal(got, wantRows) {
					t.Errorf("ledger after migrate differs from drizzle-orm's\ndrizzle-orm: %v\nhogsend-db:  %v", wantRows, got)
				}
				sameSchema(t, scratch.URL, db.URL)
				sameCatalog(t, scratch.URL, db.URL)
				if n := drizzleApplies(t, db.URL, kitFolder(t), tc.table); n != 0 {
					t.Errorf("drizzle-orm applied %d migrations after migrate, want 0", n)
				}
				if _, r := status(t, db.URL, tc.args...); r.Code != 0 {
					t.Errorf("status at the end: want exit 0\n%s", r)
				}
			})
		}
	}
}
