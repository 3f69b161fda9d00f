// Package version holds the build's version. Release builds set it with the
// linker:
//
//	go build -ldflags "-X github.com/hogsend/hogsend-db/internal/version.Version=v1.2.3 \
//	  -X github.com/hogsend/hogsend-db/internal/version.Commit=abc1234 \
//	  -X github.com/hogsend/hogsend-db/internal/version.Date=2026-01-02T15:04:05Z"
//
// Without ldflags, the version comes from the build info the go command
// stamps into every binary: `go install …/cmd/hogsend-db@v1.2.3` reports
// v1.2.3; a build from a git checkout reports the pseudo-version the go
// command stamps (v0.0.0-<commit time>-<commit>, Go 1.24 and later), or
// "devel" when it stamps none (-buildvcs=false, no VCS), with the revision
// when known.
package version

import (
	"runtime/debug"
	"strings"
)

// Set by -ldflags -X; they are variables only because -X needs them to be.
// Read them through Number and String, which fill in what is unset.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Devel is the version of a binary built from a source checkout (go build,
// go run, go test), where the go command knows no module version.
const Devel = "devel"

// Number returns the version alone, as written into the release history
// (tool_version): the ldflags version, else the module version the go
// command recorded (set by `go install …@version`), else Devel.
func Number() string {
	return number(Version, buildInfo())
}

// String returns "v1.2.3 (commit abc1234, built 2026-01-02T15:04:05Z)",
// omitting what is unknown; a build from a modified checkout says so.
func String() string {
	return format(Version, Commit, Date, buildInfo())
}

// VCS returns the commit and commit time: the ldflags values, else the ones
// the go command stamped from the checkout ("" when unknown).
func VCS() (commit, date string) {
	commit, date, _ = vcs(Commit, Date, buildInfo())
	return commit, date
}

func buildInfo() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}

func number(ldflags string, info *debug.BuildInfo) string {
	if ldflags != "" {
		return ldflags
	}
	// "(devel)" is what the go command records for the main module of a
	// build from a checkout: no version is known, so say so plainly.
	if info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return Devel
}

func vcs(commit, date string, info *debug.BuildInfo) (string, string, bool) {
	modified := false
	ldflags := commit != ""
	if info != nil {
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && commit == "":
				commit = s.Value
			case s.Key == "vcs.time" && date == "":
				date = s.Value
			case s.Key == "vcs.modified" && !ldflags:
				modified = s.Value == "true"
			}
		}
	}
	return commit, date, modified
}

func format(ldVersion, commit, date string, info *debug.BuildInfo) string {
	ldDate := date
	commit, date, modified := vcs(commit, date, info)
	if len(commit) > 12 {
		commit = commit[:12]
	}
	var extra []string
	if commit != "" {
		c := "commit " + commit
		if modified {
			c += ", modified"
		}
		extra = append(extra, c)
	}
	switch {
	case date != "" && date == ldDate:
		extra = append(extra, "built "+date) // the release build's date (ldflags)
	case date != "":
		extra = append(extra, "committed "+date) // vcs.time: the commit's time, not the build's
	}
	v := number(ldVersion, info)
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}
