package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/devserver"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// devHome points HOGSEND_DEV_DIR at a fresh directory the server's user can
// reach (as root, the server runs as "postgres") and stops the server at
// cleanup.
func devHome(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(pgtest.ServerDir(t, "hogsend-dev-cli-test-"), "dev")
	t.Setenv(devserver.EnvDir, dir)
	t.Cleanup(func() {
		if code, _, errOut := hogsend(t, "dev", "stop"); code != exitOK {
			t.Errorf("dev stop at cleanup: exit %d: %s", code, errOut)
		}
	})
	return dir
}

func TestDevStartStatusStop(t *testing.T) {
	dir := devHome(t)

	code, out, _ := hogsend(t, "dev", "status")
	if code != exitPending || out != "not running\n" {
		t.Fatalf("status before start: exit %d %q, want 3 \"not running\"", code, out)
	}

	code, out, errOut := hogsend(t, "dev", "start", "--json")
	if code != exitOK {
		t.Fatalf("dev start: exit %d\n%s", code, errOut)
	}
	var doc devJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !strings.HasPrefix(doc.URL, "postgres://postgres@127.0.0.1:") ||
		!doc.Running || doc.Started == nil || !*doc.Started || doc.Dir != dir {
		t.Fatalf("dev start --json: %v\n%s", err, out)
	}

	// Again: reused, the URL alone on stdout (for $(hogsend-db dev start)).
	code, out, errOut = hogsend(t, "dev", "start")
	if code != exitOK || out != doc.URL+"\n" || !strings.Contains(errOut, "already running") {
		t.Errorf("second dev start: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = hogsend(t, "dev", "status")
	if code != exitOK || out != "running: "+doc.URL+"\n" {
		t.Errorf("status while running: exit %d %q", code, out)
	}

	code, _, errOut = hogsend(t, "dev", "stop")
	if code != exitOK || !strings.Contains(errOut, "stopped") {
		t.Errorf("dev stop: exit %d %q", code, errOut)
	}
	code, out, _ = hogsend(t, "dev", "status", "--json")
	if code != exitPending || !strings.Contains(out, `"running": false`) {
		t.Errorf("status --json after stop: exit %d %s", code, out)
	}
}

// --dev-url dev starts the dev server and uses it as the scratch server.
func TestDevURLDev(t *testing.T) {
	devHome(t)
	code, out, errOut := lintCLI(t, "--dev-url", "dev", "--track", "engine")
	if code != exitOK || !strings.Contains(out, "linted engine/") || !strings.Contains(errOut, "started the dev server") {
		t.Fatalf("lint --dev-url dev: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ := hogsend(t, "dev", "status"); code != exitOK {
		t.Errorf("dev status after lint --dev-url dev: exit %d, want running", code)
	}

	db := pgtest.New(t)
	code, out, errOut = hogsend(t, "drift", "--database-url", db.URL, "--dev-url", "dev", "--track", "engine")
	if code == exitError || code == exitUsage || strings.Contains(errOut, "started the dev server") {
		t.Errorf("drift --dev-url dev (server already running): exit %d\n%s\n%s", code, out, errOut)
	}
}

// Stray arguments to a dev subcommand are refused before it does anything
// (`dev start stop` started the server, `dev stop start` stopped it), and
// an unknown subcommand names the valid ones (finding 11).
func TestDevStrayArgs(t *testing.T) {
	dir := devHome(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"dev", "start", "stop"}, `dev start takes no arguments (got "stop")`},
		{[]string{"dev", "stop", "start"}, `dev stop takes no arguments (got "start")`},
		{[]string{"dev", "status", "x"}, `dev status takes no arguments (got "x")`},
		{[]string{"dev", "start", "--json", "x"}, `dev start takes no arguments (got "x")`},
		{[]string{"dev", "frobnicate"}, `dev: unknown subcommand "frobnicate"; want start|stop|status`},
		{[]string{"dev"}, `dev: no subcommand given; want start|stop|status`},
	} {
		code, out, errOut := hogsend(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.says) {
			t.Errorf("%v: exit %d, want %d saying %q\n%s%s", tc.args, code, exitUsage, tc.says, out, errOut)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%v touched the dev server's folder %s (%v)", tc.args, dir, err)
		}
	}
	// --json keeps its promise: one document on stdout, with the error.
	code, out, _ := hogsend(t, "dev", "status", "--json", "x")
	var doc struct {
		Error struct {
			Message  string `json:"message"`
			ExitCode int    `json:"exitCode"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitUsage || doc.Error.ExitCode != exitUsage {
		t.Errorf("dev status --json x: exit %d, %v\n%s", code, err, out)
	}
}
