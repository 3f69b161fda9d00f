package version

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)

	Version, Commit, Date = "v1.2.3", "0123456789abcdef0123", "2026-01-02T15:04:05Z"
	if got, want := String(), "v1.2.3 (commit 0123456789ab, built 2026-01-02T15:04:05Z)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}

	Version, Commit, Date = "dev", "", ""
	if got := String(); !strings.HasPrefix(got, "dev") {
		t.Errorf("String() = %q, want a dev version", got)
	}
}
