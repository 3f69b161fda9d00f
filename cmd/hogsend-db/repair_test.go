package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drift"
	"github.com/hogsend/hogsend-db/internal/ledgertest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/ledger"
	"github.com/hogsend/hogsend-db/tracks"
)

func ledgerCount(t *testing.T, db *pgtest.DB, table ledger.Table) int {
	t.Helper()
	l, err := ledgertest.Read(context.Background(), db.Conn(t), table)
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Rows)
}

func TestRepairFromPush(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	bootstrap(t, db)
	args := []string{"--database-url", db.URL, "--dir", fixture}

	code, out, errOut := hogsend(t, append([]string{"repair", "--from-push", "--dry-run"}, args...)...)
	if code != exitOK || !strings.Contains(out, "0005_send_status_bounced") || !strings.Contains(out, "nothing was written") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if n := ledgerCount(t, db, ledger.EngineTable); n != 0 {
		t.Fatalf("dry run wrote %d rows", n)
	}
	// go test runs with stdin on /dev/null, a character device but no
	// terminal: the case of CI jobs, which must be refused, not prompted.
	if !isTerminal(os.Stdin) {
		code, _, errOut = hogsend(t, append([]string{"repair", "--from-push"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, "--yes") {
			t.Fatalf("without --yes and without a terminal: exit %d\n%s", code, errOut)
		}
		if n := ledgerCount(t, db, ledger.EngineTable); n != 0 {
			t.Fatalf("unconfirmed repair wrote %d rows", n)
		}
	}
	code, out, errOut = hogsend(t, append([]string{"repair", "--from-push", "--yes", "--json"}, args...)...)
	var doc repairJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK || !doc.Written || len(doc.Rows) != 10 || doc.Release == "" {
		t.Fatalf("repair: exit %d %v\n%s%s", code, err, out, errOut)
	}
	if !doc.After.InSync {
		t.Errorf("after repair: %+v", doc.After)
	}
	if e, c := ledgerCount(t, db, ledger.EngineTable), ledgerCount(t, db, ledger.ClientTable); e != 6 || c != 4 {
		t.Errorf("ledger rows: engine %d, client %d", e, c)
	}
	if code, out, _ := hogsend(t, append([]string{"status"}, args...)...); code != exitOK {
		t.Errorf("status after repair: exit %d\n%s", code, out)
	}
	if code, out, _ := hogsend(t, append([]string{"drift"}, args...)...); code != exitOK {
		t.Errorf("drift after repair: exit %d\n%s", code, out)
	}
	code, out, _ = hogsend(t, append([]string{"repair", "--from-push", "--yes"}, args...)...)
	if code != exitOK || !strings.Contains(out, "nothing to repair") {
		t.Errorf("second repair: exit %d\n%s", code, out)
	}
}

func TestRepairPartialExits4(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	bootstrap(t, db)
	db.Exec(t, `DROP INDEX "labels_project_name_key"`)
	code, out, errOut := hogsend(t, "repair", "--from-push", "--yes", "--database-url", db.URL, "--dir", fixture)
	if code != exitIntegrity || !strings.Contains(errOut, "labels_project_name_key") || !strings.Contains(errOut, "0002_v3") {
		t.Fatalf("exit %d, want 4\n%s%s", code, out, errOut)
	}
	if l, err := ledgertest.Read(context.Background(), db.Conn(t), ledger.EngineTable); err != nil || l.Exists {
		t.Errorf("refused repair created the ledger (%v)", err)
	}
	code, out, _ = hogsend(t, "repair", "--from-push", "--yes", "--json", "--database-url", db.URL, "--dir", fixture)
	var doc repairJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitIntegrity || doc.Error == nil || doc.Error.ExitCode != exitIntegrity || doc.Written {
		t.Errorf("--json: exit %d %v\n%s", code, err, out)
	}
}

func TestRepairNeedsFromPush(t *testing.T) {
	t.Parallel()
	if code, _, errOut := hogsend(t, "repair", "--database-url", "postgres://x@127.0.0.1:1/x"); code != exitUsage || !strings.Contains(errOut, "--from-push") {
		t.Errorf("repair without --from-push: exit %d %s", code, errOut)
	}
}

// A 1.0 folder renamed to another time after it ran, its objects in place:
// drift shows it renamed (not a push gap) with the name to give back, and
// repair refuses with exit 4, naming it, and writes no second row.
func TestRepairRefusesRenamedFolder(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	dir := t.TempDir()
	for name, sql := range map[string]string{"20240101000000_a": "CREATE TABLE rp_a (id int);", "20240102000000_b": "CREATE TABLE rp_b (id int);"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "migration.sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--database-url", db.URL, "--track", "client", "--dir", dir}
	if code, _, errOut := hogsend(t, append([]string{"migrate"}, args...)...); code != exitOK {
		t.Fatalf("migrate: exit %d %s", code, errOut)
	}
	if err := os.Rename(filepath.Join(dir, "20240102000000_b"), filepath.Join(dir, "20240103000000_b")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hogsend(t, append([]string{"drift"}, args...)...)
	if code != exitIntegrity || !strings.Contains(out, "renamed: 20240103000000_b") || strings.Contains(out, "push gap") ||
		!strings.Contains(out, "20240103000000_b back to 20240102000000_b") {
		t.Fatalf("drift: exit %d, want %d and the rename; output:\n%s%s", code, exitIntegrity, out, errOut)
	}
	code, out, errOut = hogsend(t, append([]string{"repair", "--from-push", "--yes"}, args...)...)
	if code != exitIntegrity || !strings.Contains(errOut, "client/20240103000000_b already ran as 20240102000000_b") ||
		!strings.Contains(errOut, "20240103000000_b back to 20240102000000_b") {
		t.Fatalf("repair: exit %d, want %d naming the renamed folder; output:\n%s%s", code, exitIntegrity, out, errOut)
	}
	if n := ledgerCount(t, db, ledger.ClientTable); n != 2 {
		t.Fatalf("repair wrote: %d ledger rows, want 2", n)
	}
}

// A version-0 ledger under 1.0 folders that share a second, one edited
// after it ran: drift shows it edited (not a push gap) with the file to
// restore, in text and JSON, and repair refuses with exit 4, writing no
// second row.
func TestRepairRefusesEditedInSecond(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	dir := t.TempDir()
	for name, sql := range map[string]string{"20240101000000_a": "CREATE TABLE re_a (id int);", "20240101000000_b": "CREATE TABLE re_b (id int);"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "migration.sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// What drizzle-orm 0.x leaves: the migrations ran, nameless rows.
	j, err := journal.Open(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx, conn := context.Background(), db.Conn(t)
	if err := ledger.EnsureVersion(ctx, conn, ledger.ClientTable, ledger.Version0); err != nil {
		t.Fatal(err)
	}
	for _, m := range j.Migrations {
		if _, err := conn.Exec(ctx, m.SQL); err != nil {
			t.Fatal(err)
		}
		if err := ledger.Insert(ctx, conn, ledger.ClientTable, m.Hash, m.When); err != nil {
			t.Fatal(err)
		}
	}
	b := filepath.Join(dir, "20240101000000_b", "migration.sql")
	if err := os.WriteFile(b, []byte("CREATE TABLE re_b (id int);\n-- edited after it ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--database-url", db.URL, "--track", "client", "--dir", dir}
	code, out, errOut := hogsend(t, append([]string{"drift"}, args...)...)
	if code != exitIntegrity || !strings.Contains(out, "edited: 20240101000000_b") || strings.Contains(out, "push gap") ||
		!strings.Contains(out, "fix: restore") || !strings.Contains(out, "20240101000000_b/migration.sql") {
		t.Fatalf("drift: exit %d, want %d and the edit; output:\n%s%s", code, exitIntegrity, out, errOut)
	}
	code, out, errOut = hogsend(t, append([]string{"drift", "--json"}, args...)...)
	var rep drift.Report
	if err := json.Unmarshal([]byte(out), &rep); code != exitIntegrity || err != nil {
		t.Fatalf("drift --json: exit %d, %v; output:\n%s%s", code, err, out, errOut)
	}
	if tr := rep.Track(tracks.Client); tr == nil || len(tr.PushGap) != 0 || len(tr.Edited) != 1 || tr.EditedRemedy == "" ||
		tr.Migration("20240101000000_b").Status != drift.StatusEdited {
		t.Fatalf("drift --json: %s; want 20240101000000_b edited, no push gap", out)
	}
	code, out, errOut = hogsend(t, append([]string{"repair", "--from-push", "--yes"}, args...)...)
	if code != exitIntegrity || !strings.Contains(errOut, "20240101000000_b/migration.sql") {
		t.Fatalf("repair: exit %d, want %d naming the file to restore; output:\n%s%s", code, exitIntegrity, out, errOut)
	}
	if n := ledgerCount(t, db, ledger.ClientTable); n != 2 {
		t.Fatalf("repair wrote: %d ledger rows, want 2", n)
	}
}
