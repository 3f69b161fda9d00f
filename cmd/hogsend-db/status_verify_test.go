package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

// After something dropped an engine table behind the ledger's back (a
// drizzle-kit push, a partial restore), the ledger still says in sync:
// status must exit 4 and name the object, its migration and the remedy.
func TestStatusMissingEngineTableExits4(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	args := []string{"--database-url", db.URL, "--dir", fixture}
	if code, out, errOut := hogsend(t, append([]string{"migrate"}, args...)...); code != exitOK {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	db.Exec(t, `DROP TABLE "account"`)
	code, out, errOut := hogsend(t, append([]string{"status", "--json"}, args...)...)
	var rep tracks.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitIntegrity {
		t.Fatalf("exit %d, want 4 (%v)\n%s%s", code, err, out, errOut)
	}
	sc := rep.Track(tracks.Engine).SchemaCheck
	if !rep.Track(tracks.Engine).InSync || sc == nil || len(sc.Missing) != 1 || sc.Missing[0].Name != "public.account" ||
		sc.Missing[0].Migration == "" || sc.Remedy == "" {
		t.Fatalf("engine schema check: %+v", sc)
	}
	code, out, _ = hogsend(t, append([]string{"status"}, args...)...)
	if code != exitIntegrity || !strings.Contains(out, "missing table public.account") || !strings.Contains(out, "hogsend-db drift") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

// A drizzle-kit 1.0 client folder (a folder per migration, version-8
// snapshots): a column dropped behind the ledger's back is exit 4, named
// with the migration that added it.
func TestStatusMissingClientColumnDrizzle1Exits4(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	args := []string{"--database-url", db.URL, "--dir", "../../testdata/drizzle1/migrations"}
	if code, out, errOut := hogsend(t, append([]string{"migrate"}, args...)...); code != exitOK {
		t.Fatalf("migrate: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := hogsend(t, append([]string{"status", "--json"}, args...)...); code != exitOK {
		t.Fatalf("status before the damage: exit %d\n%s%s", code, out, errOut)
	}
	db.Exec(t, `ALTER TABLE "tickets" DROP COLUMN "meta"`)
	code, out, errOut := hogsend(t, append([]string{"status", "--json"}, args...)...)
	var rep tracks.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitIntegrity {
		t.Fatalf("exit %d, want 4 (%v)\n%s%s", code, err, out, errOut)
	}
	sc := rep.Track(tracks.Client).SchemaCheck
	if !rep.Track(tracks.Client).InSync || sc == nil || !sc.Verified || sc.Snapshot != "20261130094853_v4" || len(sc.Missing) != 1 ||
		sc.Missing[0].Name != "meta" || sc.Missing[0].Migration != "20261130094838_v2" {
		t.Fatalf("client schema check: %+v", sc)
	}
}
