package e2e

import (
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// TestStrayArgumentsRefused: urfave/cli stops parsing flags at the first
// argument, so `migrate x --dry-run` once applied every pending migration
// (the --dry-run was taken as an argument and ignored). Every command that
// takes no arguments refuses them with exit 2 before it connects, and
// nothing is written.
func TestStrayArgumentsRefused(t *testing.T) {
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), mig{"0000_a", 1, "CREATE TABLE stray_a (id int);"})
	before := fingerprint(t, db.URL)
	// The database and folder come from the environment, so that the flags
	// after the stray argument are the only ones that matter.
	env := []string{"DATABASE_URL=" + db.URL, "HOGSEND_MIGRATIONS_DIR=" + dir, "HOGSEND_TRACK=client"}
	for _, args := range [][]string{
		{"migrate", "x", "--dry-run"},
		{"migrate", "--dry-run", "x"},
		{"repair", "--from-push", "--yes", "x", "--dry-run"},
		{"status", "extra"},
		{"drift", "extra"},
		{"generate", "extra"},
		{"version", "extra"},
	} {
		r := run(t, "", env, args...)
		if r.Code != 2 {
			t.Errorf("%v: exit %d, want 2:\n%s", args, r.Code, r)
			continue
		}
		mustContain(t, "stderr", r.Stderr, args[0]+" takes no arguments")
	}
	if after := fingerprint(t, db.URL); after != before {
		t.Fatalf("a refused command changed the database:\n%s", diffLines(before, after))
	}
}

// TestFlagsAfterLintTags: `lint 0000_a --json` took --json as a tag ("no
// migration \"--json\""); flags after the tags are parsed as flags.
func TestFlagsAfterLintTags(t *testing.T) {
	db := pgtest.New(t)
	dir := writeFolder(t, t.TempDir(), mig{"0000_a", 1, "CREATE TABLE lint_a (id int);"})
	r := run(t, "", nil, "lint", "0000_a", "--json", "--dev-url", db.URL, "--dir", dir, "--track", "client")
	if r.Code != 0 || !strings.HasPrefix(strings.TrimSpace(r.Stdout), "{") {
		t.Fatalf("lint TAG --json: exit %d, want 0 and a JSON document:\n%s", r.Code, r)
	}
	mustContain(t, "stdout", r.Stdout, "0000_a")
}

// TestGlobalFlags: --version works; a command flag before the command is a
// usage error that shows the right spelling.
func TestGlobalFlags(t *testing.T) {
	r := run(t, "", nil, "--version")
	if r.Code != 0 || !strings.Contains(r.Stdout, "hogsend-db") {
		t.Errorf("--version: exit %d:\n%s", r.Code, r)
	}
	r = run(t, "", nil, "--json", "status")
	if r.Code != 2 {
		t.Errorf("--json status: exit %d, want 2:\n%s", r.Code, r)
	}
	mustContain(t, "stderr", r.Stderr, "hogsend-db status --json")
}

// TestMeaninglessFlagValues: --lock-wait 0 or -1s silently meant 15
// minutes, --connect-timeout -5s failed as a dial timeout and --track ""
// meant all. Each is a usage error (exit 2) naming the flag.
func TestMeaninglessFlagValues(t *testing.T) {
	url := "postgres://nobody@127.0.0.1:1/none"
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"migrate", "--lock-wait", "0"}, "--lock-wait"},
		{[]string{"migrate", "--lock-wait=-1s"}, "--lock-wait"},
		{[]string{"repair", "--from-push", "--lock-wait", "0"}, "--lock-wait"},
		{[]string{"migrate", "--lock-timeout=-1s"}, "--lock-timeout"},
		{[]string{"migrate", "--statement-timeout", "0"}, "--statement-timeout"},
		// PostgreSQL truncates these to whole milliseconds: 500us would be 0 = no limit.
		{[]string{"migrate", "--statement-timeout", "500us"}, "--statement-timeout"},
		{[]string{"migrate", "--lock-timeout", "999us"}, "--lock-timeout"},
		{[]string{"migrate", "--lock-timeout", "1500us"}, "--lock-timeout"},
		{[]string{"migrate", "--lock-wait", "1ns"}, "--lock-wait"},
		{[]string{"status", "--connect-timeout", "10us"}, "--connect-timeout"},
		{[]string{"status", "--connect-timeout=-5s"}, "--connect-timeout"},
		{[]string{"status", "--track", ""}, "--track"},
		{[]string{"migrate", "--track="}, "--track"},
	} {
		r := run(t, "", nil, append(tc.args, "--database-url", url)...)
		if r.Code != 2 {
			t.Errorf("%v: exit %d, want 2:\n%s", tc.args, r.Code, r)
			continue
		}
		mustContain(t, "stderr", r.Stderr, tc.flag)
	}
}
