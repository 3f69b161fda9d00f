package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestExplicitClientFolderMustExist: --dir ./migratoins, --dir /, --dir ""
// and HOGSEND_MIGRATIONS_DIR=/does/not/exist all exited 0 with an empty
// client track, and migrate applied nothing. A named folder that is
// missing, is not a directory or has no journal is an error naming it.
func TestExplicitClientFolderMustExist(t *testing.T) {
	db := pgtest.New(t)
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "afile"), "x")
	for _, tc := range []struct {
		env    []string
		args   []string
		folder string
		reason string
	}{
		{nil, []string{"--dir", "./migratoins"}, "./migratoins", "does not exist"},
		{nil, []string{"--dir", "/"}, "/", "has no meta/_journal.json"},
		{nil, []string{"--dir", ""}, "", "does not exist"},
		{nil, []string{"--dir", "afile"}, "afile", "is not a directory"},
		{[]string{"HOGSEND_MIGRATIONS_DIR=/does/not/exist"}, nil, "/does/not/exist", "does not exist"},
	} {
		for _, cmd := range []string{"migrate", "status"} {
			args := append([]string{cmd, "--database-url", db.URL}, tc.args...)
			r := run(t, work, tc.env, args...)
			if r.Code != 1 {
				t.Errorf("%v %v: exit %d, want 1:\n%s", tc.env, args, r.Code, r)
				continue
			}
			mustContain(t, "stderr", r.Stderr, strconv.Quote(tc.folder), tc.reason)
		}
	}
	if fp := fingerprint(t, db.URL); strings.Contains(fp, "drizzle") {
		t.Errorf("a refused migrate wrote a ledger:\n%s", fp)
	}
}

// TestDefaultFolderMissingWithLedgerRows: the default ./migrations may be
// absent, but when the client ledger has rows, status does not say
// healthy: it says the folder is missing.
func TestDefaultFolderMissingWithLedgerRows(t *testing.T) {
	db := pgtest.New(t)
	project := t.TempDir()
	writeFolder(t, filepath.Join(project, "migrations"), mig{"0000_a", 1, "CREATE TABLE dm_a (id int);"})
	if r := run(t, project, nil, "migrate", "--database-url", db.URL); r.Code != 0 {
		t.Fatalf("migrate: %s", r)
	}
	elsewhere := t.TempDir()
	r := run(t, elsewhere, nil, "status", "--database-url", db.URL, "--track", "client", "--json")
	var doc struct {
		Status string
		Schema map[string]struct {
			FolderMissing bool
			Note          string
		}
	}
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r)
	}
	if r.Code == 0 || doc.Status == "healthy" || !doc.Schema["client"].FolderMissing {
		t.Errorf("status with rows but no folder: exit %d, %+v", r.Code, doc)
	}
	mustContain(t, "note", doc.Schema["client"].Note, "missing")
	r = run(t, elsewhere, nil, "status", "--database-url", db.URL, "--track", "client")
	if r.Code == 0 {
		t.Errorf("status text: exit 0:\n%s", r)
	}
	mustContain(t, "stdout", r.Stdout, "missing")
	// An empty ledger and no default folder is fine.
	if err := os.RemoveAll(filepath.Join(project, "migrations")); err != nil {
		t.Fatal(err)
	}
	fresh := pgtest.New(t)
	if r := run(t, elsewhere, nil, "status", "--database-url", fresh.URL, "--track", "client"); r.Code != 0 {
		t.Errorf("no folder, empty ledger: %s", r)
	}
}
