package version

import (
	"runtime/debug"
	"testing"
)

func TestNumber(t *testing.T) {
	tests := []struct {
		name    string
		ldflags string
		info    *debug.BuildInfo
		want    string
	}{
		{"ldflags win", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}}, "v1.2.3"},
		{"go install @version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1"}}, "v0.4.1"},
		{"pseudo-version", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102150405-0123456789ab"}}, "v0.0.0-20260102150405-0123456789ab"},
		{"checkout build", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, Devel},
		{"no build info", "", nil, Devel},
	}
	for _, tt := range tests {
		if got := number(tt.ldflags, tt.info); got != tt.want {
			t.Errorf("%s: number() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	got := format("v1.2.3", "0123456789abcdef0123", "2026-01-02T15:04:05Z", nil)
	if want := "v1.2.3 (commit 0123456789ab, built 2026-01-02T15:04:05Z)"; got != want {
		t.Errorf("format(ldflags) = %q, want %q", got, want)
	}
	info := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "fedcba9876543210"},
		{Key: "vcs.time", Value: "2026-03-04T05:06:07Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	if got, want := format("", "", "", info), "devel (commit fedcba987654, modified, committed 2026-03-04T05:06:07Z)"; got != want {
		t.Errorf("format(checkout) = %q, want %q", got, want)
	}
	if got, want := format("", "", "", nil), Devel; got != want {
		t.Errorf("format(nothing) = %q, want %q", got, want)
	}
}

// A test binary is a checkout build: whatever it reports must not be empty.
func TestNumberOfThisBinary(t *testing.T) {
	if Number() == "" || String() == "" {
		t.Fatalf("Number() = %q, String() = %q: want non-empty", Number(), String())
	}
}
