package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/tracks"
)

// Where the engine track comes from (docs/engine.md): --engine-dir, else
// node_modules/@hogsend/db/drizzle found from the working directory, else
// the engine bundled in this binary.

func engineDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "engine-dir", EnvVars: []string{"HOGSEND_ENGINE_DIR"}, Action: notEmpty("engine-dir", "HOGSEND_ENGINE_DIR"),
		Usage: "engine track: this drizzle-kit folder (default: node_modules/@hogsend/db/drizzle found from the working directory, else the engine bundled in this binary)"}
}

func engineReleaseFlag() cli.Flag {
	return &cli.StringFlag{Name: "engine-release", EnvVars: []string{"HOGSEND_ENGINE_RELEASE"}, Action: notEmpty("engine-release", "HOGSEND_ENGINE_RELEASE"),
		Usage: "engine release (MAJOR.MINOR.PATCH) of an --engine-dir folder that is not inside an installed @hogsend/db package"}
}

// notEmpty refuses a flag set to "" (on the command line or by its env
// var): an explicit empty value is a mistake (an unset variable in a
// script), not "use the default".
func notEmpty(flag, env string) func(*cli.Context, string) error {
	return func(_ *cli.Context, v string) error {
		if v == "" {
			return usageError("--%s (or %s) is set but empty: give a value, or unset it for the default", flag, env)
		}
		return nil
	}
}

// resolveEngine finds the engine track from the flags and the working
// directory.
func resolveEngine(o trackOptions) (tracks.Track, error) {
	if o.WorkDirErr != nil {
		return tracks.Track{}, fmt.Errorf("engine: working directory: %w", o.WorkDirErr)
	}
	src, err := enginesrc.Resolve(enginesrc.Options{Start: o.WorkDir, Dir: o.EngineDir, Release: o.EngineRelease})
	if err != nil {
		if errors.Is(err, enginesrc.ErrBadRelease) && o.EngineRelease != "" {
			return tracks.Track{}, asUsage(fmt.Errorf("--engine-release: %w", err))
		}
		if errors.Is(err, enginesrc.ErrReleaseFixed) {
			return tracks.Track{}, asUsage(fmt.Errorf("--engine-release: %w", err))
		}
		var e *enginesrc.Error
		if errors.As(err, &e) && errors.Is(err, enginesrc.ErrBadRelease) {
			e.Remedy = "reinstall the package, or give the release with --engine-release"
		}
		return tracks.Track{}, err
	}
	return src.Track(), nil
}

// engineLine says which engine a command used, for people.
func engineLine(e *tracks.EngineInfo) string {
	if e == nil {
		return ""
	}
	release := e.Release
	if release == "" {
		release = "unknown (pass --engine-release)"
	}
	switch e.Source {
	case string(enginesrc.Bundled):
		return fmt.Sprintf("engine source: bundled with hogsend-db, release %s", release)
	case string(enginesrc.Package):
		return fmt.Sprintf("engine source: %s (node_modules/%s), release %s", e.Path, enginesrc.PackageName, release)
	}
	return fmt.Sprintf("engine source: %s (--engine-dir), release %s", e.Path, release)
}

// engineInfo is the engine of loaded tracks, or nil.
func engineInfo(loaded []tracks.Loaded) *tracks.EngineInfo {
	for _, l := range loaded {
		if l.Name == tracks.Engine {
			return &tracks.EngineInfo{Source: l.Origin, Path: l.Location, Release: l.Release}
		}
	}
	return nil
}

// remedyFlag names the flag that fixes a foreign track.
func remedyFlag(track string) string {
	if track == tracks.Engine {
		return "run hogsend-db from the app folder (the one with node_modules/" + enginesrc.PackageName + "), or pass --engine-dir"
	}
	return "run hogsend-db from the app folder, or pass --dir"
}
