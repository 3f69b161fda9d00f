package tracks

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/go-version"
)

// The engine release policy has this one home; migrate (Apply), repair,
// status and guard all decide through these functions.
//
// Releases are compared as versions (hashicorp/go-version, which also
// reads "1.2" and "v1.2.3"; ValidRelease is the stricter check a release
// given by a user must pass). A release that does not parse is older than
// every release that does, and two that do not parse are equal:
//   - an unparsable recorded release is replaced by the build's release
//     (ShouldRecordRelease), and never makes the database ahead of a build
//     (MajorAhead);
//   - an unparsable build release is recorded only where nothing is
//     recorded yet, and never replaces another record, readable or not.

// CompareReleases returns -1, 0 or +1 as release a is older than, equal to
// or newer than release b. An unparsable release is older than any
// parsable one; two unparsable releases compare equal.
func CompareReleases(a, b string) int {
	va, errA := version.NewVersion(a)
	vb, errB := version.NewVersion(b)
	switch {
	case errA != nil && errB != nil:
		return 0
	case errA != nil:
		return -1
	case errB != nil:
		return 1
	}
	return va.Compare(vb)
}

// ShouldRecordRelease reports whether migrate or repair records build as
// the engine's release over recorded (nil when none is recorded): only a
// newer release moves the record, so an older build never rolls it back.
func ShouldRecordRelease(build string, recorded *Release) bool {
	return recorded == nil || CompareReleases(build, recorded.Version) > 0
}

// MajorAhead reports whether recorded's major version is above build's,
// the one release difference that makes the engine track fatal. An
// unparsable release on either side says nothing about majors: false.
func MajorAhead(recorded, build string) bool {
	r, ok := majorOf(recorded)
	if !ok {
		return false
	}
	b, ok := majorOf(build)
	return ok && r > b
}

// majorOf is a release's major version as go-version reads it, and whether
// it parses at all. A plain MAJOR.MINOR.PATCH, what migrate records, is read
// without go-version's regular expression, which would otherwise be half
// the Go-side cost of every guard health probe.
func majorOf(v string) (int64, bool) {
	if m, ok := plainMajor(v); ok {
		return m, true
	}
	p, err := version.NewVersion(v)
	if err != nil {
		return 0, false
	}
	return p.Segments64()[0], true
}

// plainMajor reads "MAJOR.MINOR.PATCH" made of 1 to 18 digits each (so no
// part overflows, as go-version requires); anything else is not plain.
func plainMajor(v string) (int64, bool) {
	major, rest, ok := strings.Cut(v, ".")
	minor, patch, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || !plainNumber(major) || !plainNumber(minor) || !plainNumber(patch) {
		return 0, false
	}
	m, err := strconv.ParseInt(major, 10, 64)
	return m, err == nil
}

func plainNumber(s string) bool {
	return len(s) > 0 && len(s) <= 18 && strings.Trim(s, "0123456789") == ""
}

// ParseRelease returns nil if v is a release the policy can compare, else
// why not. An unreadable recorded release is ignored (see CompareReleases);
// guard refuses an unreadable build release.
func ParseRelease(v string) error {
	_, err := version.NewVersion(v)
	return err
}

// ErrBadRelease: a release is not a semantic version as npm writes it.
var ErrBadRelease = errors.New("not a semantic version (MAJOR.MINOR.PATCH)")

// ValidRelease checks that v is a semantic version as npm writes it:
// MAJOR.MINOR.PATCH, optionally -prerelease and +build, no "v" prefix, no
// leading zero in a numeric part (semver 2.0.0, items 2 and 9; go-version
// reads "01.2.3" as 1.2.3, npm refuses it). The error matches ErrBadRelease.
func ValidRelease(v string) error {
	rest, _, _ := strings.Cut(v, "+") // build metadata may have leading zeros
	core, pre, hasPre := strings.Cut(rest, "-")
	if _, err := version.NewSemver(v); err != nil || strings.Count(core, ".") != 2 || strings.HasPrefix(v, "v") {
		return fmt.Errorf("release %q: %w", v, ErrBadRelease)
	}
	parts := strings.Split(core, ".")
	if hasPre {
		parts = append(parts, strings.Split(pre, ".")...)
	}
	for _, p := range parts {
		if len(p) > 1 && p[0] == '0' && strings.Trim(p, "0123456789") == "" {
			return fmt.Errorf("release %q: numeric part %q has a leading zero: %w", v, p, ErrBadRelease)
		}
	}
	return nil
}
