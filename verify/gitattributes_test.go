package verify

import (
	"os/exec"
	"strings"
	"testing"
)

// Migration folders are kept byte for byte in git (.gitattributes: -text):
// a CRLF conversion on checkout changes every hash. Both layouts: 0.x
// (NNNN_name.sql, meta/) and 1.0 (<migration>/migration.sql, snapshot.json).
func TestGitAttributesKeepMigrationFilesExact(t *testing.T) {
	if err := exec.Command("git", "rev-parse", "--is-inside-work-tree").Run(); err != nil {
		t.Skipf("not a git work tree (%v): .gitattributes does not apply", err)
	}
	files := []string{
		"engine/migrations/0000_initial_core.sql",
		"engine/migrations/meta/_journal.json",
		"engine/migrations/meta/0005_snapshot.json",
		"testdata/drizzle1/migrations/20261130094833_v1/migration.sql",
		"testdata/drizzle1/migrations/20261130094833_v1/snapshot.json",
		"app/drizzle/20990101000000_x/migration.sql", // any folder, not only these
		"app/drizzle/20990101000000_x/snapshot.json",
	}
	cmd := exec.Command("git", append([]string{"check-attr", "text", "--"}, files...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git check-attr: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasSuffix(line, ": text: unset") {
			t.Errorf("%s (want text: unset, i.e. -text)", line)
		}
	}
}
