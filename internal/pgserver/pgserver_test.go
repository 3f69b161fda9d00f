package pgserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionOrder(t *testing.T) {
	if versionOf("/usr/lib/postgresql/16/bin") <= versionOf("/usr/lib/postgresql/9.6/bin") {
		t.Error("16 should sort above 9.6")
	}
	for dir, want := range map[string]float64{"/usr/pgsql-15/bin": 15, "/opt/homebrew/opt/postgresql@16/bin": 16, "/usr/bin": -1} {
		if got := versionOf(dir); got != want {
			t.Errorf("versionOf(%s) = %v, want %v", dir, got, want)
		}
	}
}

// Without binaries, the error names the package to install per platform.
func TestFindBinDirMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	empty := t.TempDir()
	dir, err := FindBinDir(empty, "HOGSEND_X_BIN")
	if err == nil {
		// This machine has server binaries in a standard place; the
		// override must still have been rejected.
		if dir == empty {
			t.Fatalf("an empty override was accepted")
		}
		t.Skipf("server binaries installed at %s: the missing case is covered below", dir)
	}
	checkMissing(t, err)
}

func TestMissingErrorNamesPackages(t *testing.T) {
	checkMissing(t, &MissingError{Tried: []string{"initdb not on PATH"}, EnvVar: "HOGSEND_X_BIN"})
}

func checkMissing(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNoBinaries) {
		t.Errorf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"apt-get install postgresql", "brew install postgresql@16", "dnf install postgresql-server", "HOGSEND_X_BIN", "initdb not on PATH"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestReadPostmaster(t *testing.T) {
	dir := t.TempDir()
	body := "4242\n/data\n1700000000\n54321\n/tmp\n127.0.0.1\n  1234  5678\nready   \n"
	if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	pm, err := ReadPostmaster(dir)
	if err != nil || pm.PID != 4242 || pm.Port != 54321 {
		t.Fatalf("ReadPostmaster = %+v, %v; want pid 4242 port 54321", pm, err)
	}
	if _, err := ReadPostmaster(t.TempDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("no postmaster.pid: err = %v, want ErrNotExist", err)
	}
}

// The URL both local servers are reached on: the one devserver prints and
// pgtest's clusters connect to.
func TestLocalURL(t *testing.T) {
	const want = "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable"
	if got := LocalURL(5433).String(); got != want {
		t.Errorf("LocalURL(5433) = %s, want %s", got, want)
	}
}
