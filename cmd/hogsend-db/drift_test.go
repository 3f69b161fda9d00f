package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/tracks"
)

// bootstrap runs every migration's SQL of the engine track and of the
// client fixture directly, writing no ledger rows: what a push leaves.
func bootstrap(t *testing.T, db *pgtest.DB) {
	t.Helper()
	eng, err := tracks.Load(enginesrc.BundledTrack())
	if err != nil {
		t.Fatal(err)
	}
	cl, err := tracks.Load(tracks.ClientTrack(fixture))
	if err != nil {
		t.Fatal(err)
	}
	conn := db.Conn(t)
	for _, l := range []tracks.Loaded{eng, cl} {
		for _, m := range l.Journal.Migrations {
			for _, st := range m.Statements() {
				if _, err := conn.Exec(context.Background(), st.SQL); err != nil {
					t.Fatalf("bootstrap %s: %v", m.Tag, err)
				}
			}
		}
	}
}

func TestDriftCleanExits0(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	if code, _, errOut := hogsend(t, "migrate", "--database-url", db.URL, "--dir", fixture); code != exitOK {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	code, out, errOut := hogsend(t, "drift", "--database-url", db.URL, "--dir", fixture)
	if code != exitOK || !strings.Contains(out, "no drift") {
		t.Fatalf("drift: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = hogsend(t, "drift", "--database-url", db.URL, "--dir", fixture, "--json")
	var doc driftJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK || !doc.InSync || doc.Replay.Migrations != 10 {
		t.Fatalf("drift --json: exit %d, %v\n%s", code, err, out)
	}
}

func TestDriftPushGapExits4(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	bootstrap(t, db)
	db.Exec(t, `ALTER TABLE "projects" ADD COLUMN "archived" boolean; CREATE VIEW open_tickets AS SELECT 1 AS one`)
	code, out, errOut := hogsend(t, "drift", "--database-url", db.URL, "--dir", fixture)
	if code != exitIntegrity {
		t.Fatalf("drift: exit %d, want 4\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"push gap:", "0000_initial_core", "0003_v4", "column public.projects.archived", "run hogsend-db generate", "not compared: 1 view", "drift found"} {
		if !strings.Contains(out, want) {
			t.Errorf("drift output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = hogsend(t, "drift", "--database-url", db.URL, "--dir", fixture, "--json", "--track", "client")
	var doc struct {
		InSync bool `json:"inSync"`
		Tracks []struct {
			Track   string   `json:"track"`
			PushGap []string `json:"pushGap"`
		} `json:"tracks"`
		Untracked   []drift.ObjectRef `json:"untracked"`
		NotCompared struct {
			Views int `json:"views"`
		} `json:"notCompared"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitIntegrity {
		t.Fatalf("drift --json: exit %d %v\n%s", code, err, out)
	}
	if doc.InSync || len(doc.Tracks) != 1 || doc.Tracks[0].Track != "client" || len(doc.Tracks[0].PushGap) != 4 ||
		doc.NotCompared.Views != 1 {
		t.Errorf("drift --json: %+v", doc)
	}
}

func TestDriftNoCreateDBSuggestsDevURL(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	url := pgtest.Role(t, db, "drift_cli_nocreatedb", "NOCREATEDB")
	code, out, errOut := hogsend(t, "drift", "--database-url", db.URL, "--dev-url", url, "--dir", fixture)
	if code != exitError || !strings.Contains(errOut, "--dev-url") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	pw := strings.SplitN(strings.TrimPrefix(url, "postgres://"), "@", 2)[0]
	pw = pw[strings.Index(pw, ":")+1:]
	if strings.Contains(out+errOut, pw) {
		t.Errorf("password printed:\n%s%s", out, errOut)
	}
}

func TestDriftUsage(t *testing.T) {
	t.Parallel()
	if code, _, _ := hogsend(t, "drift", "--dir", fixture); os.Getenv("DATABASE_URL") == "" && code != exitUsage {
		t.Errorf("drift without a database: exit %d, want 2", code)
	}
	if code, _, _ := hogsend(t, "drift", "--database-url", "postgres://x@127.0.0.1:1/x", "--track", "nope"); code != exitUsage {
		t.Errorf("drift --track nope: exit %d, want 2", code)
	}
}
