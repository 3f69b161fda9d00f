package tracks_test

import (
	"testing"

	"github.com/hogsend/hogsend-db/tracks"
)

// The release policy decides unparsable releases one way for migrate,
// repair, status and guard: older than any parsable release, equal to
// each other.
func TestCompareReleases(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.4.0", "1.4.0", 0},
		{"1.4.0", "1.3.9", 1},
		{"1.3.9", "1.4.0", -1},
		{"1.10.0", "1.9.0", 1}, // numeric, not text
		{"2.0.0-rc.1", "2.0.0", -1},
		{"1.4", "1.4.0", 0},
		{"garbage", "1.0.0", -1},
		{"1.0.0", "garbage", 1},
		// Two unparsable releases are equal: neither replaces the other
		// (the text order "zz" > "aa" says nothing about releases).
		{"zz", "aa", 0},
		{"aa", "zz", 0},
		{"", "garbage", 0},
	} {
		if got := tracks.CompareReleases(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareReleases(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestShouldRecordRelease(t *testing.T) {
	rec := func(v string) *tracks.Release { return &tracks.Release{Version: v} }
	for _, tc := range []struct {
		build    string
		recorded *tracks.Release
		want     bool
	}{
		{"1.4.0", nil, true},
		{"1.4.0", rec("1.3.0"), true},
		{"1.4.0", rec("1.4.0"), false},
		{"1.3.0", rec("1.4.0"), false}, // never roll the record back
		{"1.4.0", rec("not-a-version"), true},
		{"not-a-version", rec("1.4.0"), false},
		{"zz", rec("aa"), false}, // unparsable over unparsable: no
		{"zz", nil, true},
	} {
		if got := tracks.ShouldRecordRelease(tc.build, tc.recorded); got != tc.want {
			t.Errorf("ShouldRecordRelease(%q, %+v) = %v, want %v", tc.build, tc.recorded, got, tc.want)
		}
	}
}

func TestMajorAhead(t *testing.T) {
	for _, tc := range []struct {
		recorded, build string
		want            bool
	}{
		{"2.0.0", "1.4.0", true},
		{"1.9.0", "1.4.0", false},
		{"1.4.0", "2.0.0", false},
		{"2.0.0", "2.0.0", false},
		{"garbage", "1.4.0", false},
		{"2.0.0", "garbage", false},
	} {
		if got := tracks.MajorAhead(tc.recorded, tc.build); got != tc.want {
			t.Errorf("MajorAhead(%q, %q) = %v, want %v", tc.recorded, tc.build, got, tc.want)
		}
	}
}

func TestParseRelease(t *testing.T) {
	if err := tracks.ParseRelease("1.4.0"); err != nil {
		t.Errorf("ParseRelease(1.4.0) = %v", err)
	}
	if err := tracks.ParseRelease("one"); err == nil {
		t.Error("ParseRelease(one) = nil, want an error")
	}
}
