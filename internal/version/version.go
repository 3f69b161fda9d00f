// Package version holds the build's version, set by the linker:
//
//	go build -ldflags "-X github.com/hogsend/hogsend-db/internal/version.Version=v1.2.3 \
//	  -X github.com/hogsend/hogsend-db/internal/version.Commit=abc1234 \
//	  -X github.com/hogsend/hogsend-db/internal/version.Date=2026-01-02T15:04:05Z"
package version

import (
	"runtime/debug"
	"strings"
)

// Set by -ldflags -X; they are variables only because -X needs them to be.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

// String returns "v1.2.3 (commit abc1234, built 2026-01-02T15:04:05Z)",
// omitting what is unknown. A dev build falls back to the VCS revision that
// the go command stamps into the binary.
func String() string {
	commit, date := Commit, Date
	if commit == "" || date == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				switch {
				case s.Key == "vcs.revision" && commit == "":
					commit = s.Value
				case s.Key == "vcs.time" && date == "":
					date = s.Value
				}
			}
		}
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	var extra []string
	if commit != "" {
		extra = append(extra, "commit "+commit)
	}
	if date != "" {
		extra = append(extra, "built "+date)
	}
	if len(extra) == 0 {
		return Version
	}
	return Version + " (" + strings.Join(extra, ", ") + ")"
}
