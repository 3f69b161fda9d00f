// Package enginesrc decides where the engine track's migrations come from:
// an explicit folder, the app's installed @hogsend/db package, or the engine
// bundled in this build. It reads the package's release from its
// package.json.
//
// It never reads the working directory itself: the caller says where the
// search starts (the CLI passes its working directory).
package enginesrc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/tracks"
)

// PackageName is the npm package that carries the Hogsend engine.
const PackageName = "@hogsend/db"

// Kind says where an engine came from.
type Kind string

const (
	// Explicit: a folder named by the caller (--engine-dir, HOGSEND_ENGINE_DIR).
	Explicit Kind = "engine-dir"
	// Package: node_modules/@hogsend/db/drizzle, found by walking up from
	// the start folder the way Node resolves a package.
	Package Kind = "package"
	// Bundled: the engine embedded in this build (package engine).
	Bundled Kind = "bundled"
)

// Source is the resolved engine track.
type Source struct {
	Kind Kind
	// Dir is the absolute drizzle folder, symlinks resolved; "" when bundled.
	Dir string
	// PackageJSON is the package.json the release was read from; "" for none.
	PackageJSON string
	// Release is the engine release (semantic version); "" when unknown
	// (a bare folder without --engine-release).
	Release string
	// FS is the migrations folder. A folder on disk is opened with os.Root,
	// so symlinks inside it cannot lead out of it.
	FS fs.FS
}

// Location names the source for messages: the folder, or "bundled".
func (s Source) Location() string {
	if s.Kind == Bundled {
		return string(Bundled)
	}
	return s.Dir
}

// Options say where to look.
type Options struct {
	// Start is the folder the package search walks up from (the working
	// directory). Relative paths in Dir are taken relative to it.
	Start string
	// Dir, when set, is the engine folder to use, and no search is made.
	Dir string
	// Release, when set, is the release of the engine (validated); it
	// overrides a package.json's version. Not allowed with the bundled
	// engine, whose release is fixed.
	Release string
}

// Sentinels matched with errors.Is on a *Error.
var (
	// ErrNoFolder: the engine folder (or a found package's drizzle/) is
	// missing or not a folder.
	ErrNoFolder = errors.New("migration folder does not exist")
	// ErrBadRelease: a release is not a semantic version MAJOR.MINOR.PATCH.
	ErrBadRelease = tracks.ErrBadRelease
	// ErrBadPackage: package.json cannot be read or parsed, or has no version.
	ErrBadPackage = errors.New("unreadable package.json")
	// ErrReleaseFixed: a release was given for the bundled engine.
	ErrReleaseFixed = errors.New("the bundled engine's release is fixed")
	// ErrBrokenPackage: something is at node_modules/@hogsend/db but it is
	// not a usable folder (a dangling symlink, a file): a broken install,
	// never a reason to use the bundled engine.
	ErrBrokenPackage = errors.New("broken package install")
)

// Error is a resolution failure. File names what is wrong (a folder or a
// package.json), Remedy says what to do.
type Error struct {
	File   string
	Err    error
	Detail string
	Remedy string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("enginesrc: engine track: %s: %v", e.File, e.Err)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Remedy != "" {
		msg += "; " + e.Remedy
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Resolve finds the engine: o.Dir when set; otherwise
// node_modules/@hogsend/db/drizzle in o.Start or the nearest parent that
// has it (symlinks followed, so pnpm, npm and yarn layouts all work);
// otherwise the bundled engine. A package found without a drizzle/ folder
// is an error, never a fall back to the bundled engine.
func Resolve(o Options) (Source, error) {
	if o.Release != "" {
		if err := ValidRelease(o.Release); err != nil {
			return Source{}, &Error{File: "engine release " + quote(o.Release), Err: ErrBadRelease,
				Remedy: "give the release as MAJOR.MINOR.PATCH, e.g. 0.67.0"}
		}
	}
	start := o.Start
	if start == "" {
		return Source{}, errors.New("enginesrc: no start folder")
	}
	if o.Dir != "" {
		dir := o.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(start, dir)
		}
		src, err := openFolder(Explicit, dir)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Remedy = "check the engine folder's path"
			}
			return Source{}, err
		}
		// A folder inside an installed package: its package.json says the release.
		if pj := filepath.Join(filepath.Dir(src.Dir), "package.json"); o.Release == "" {
			if name, ver, err := readPackage(pj); err == nil && name == PackageName {
				if err := ValidRelease(ver); err != nil {
					return Source{}, &Error{File: pj, Err: ErrBadRelease, Detail: releaseDetail(ver, err),
						Remedy: "reinstall the package, or pass the release explicitly"}
				}
				src.Release, src.PackageJSON = ver, pj
			}
		}
		if o.Release != "" {
			src.Release = o.Release
		}
		return src, nil
	}
	pkg, ok, err := FindPackage(start)
	if err != nil {
		return Source{}, err
	}
	if ok {
		src, err := openFolder(Package, filepath.Join(pkg, "drizzle"))
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Detail = "the " + PackageName + " package at " + pkg + " has no engine migrations"
				e.Remedy = "the install looks broken: reinstall dependencies (pnpm install)"
			}
			return Source{}, err
		}
		pj := filepath.Join(src.Dir, "..", "package.json")
		pj = filepath.Clean(pj)
		name, ver, err := readPackage(pj)
		switch {
		case err != nil:
			return Source{}, &Error{File: pj, Err: ErrBadPackage, Detail: err.Error(),
				Remedy: "the install looks broken: reinstall dependencies"}
		case name != PackageName:
			return Source{}, &Error{File: pj, Err: ErrBadPackage, Detail: fmt.Sprintf("name is %s, want %s", quote(name), PackageName)}
		case o.Release == "" && ValidRelease(ver) != nil:
			return Source{}, &Error{File: pj, Err: ErrBadRelease, Detail: releaseDetail(ver, ValidRelease(ver)),
				Remedy: "reinstall the package, or pass the release explicitly"}
		}
		src.Release, src.PackageJSON = ver, pj
		if o.Release != "" {
			src.Release = o.Release
		}
		return src, nil
	}
	if o.Release != "" {
		return Source{}, &Error{File: "engine release " + quote(o.Release), Err: ErrReleaseFixed,
			Detail: "no engine folder was given and no " + PackageName + " package was found from " + start,
			Remedy: "pass the engine folder with the release, or drop the release"}
	}
	return Source{Kind: Bundled, Release: engine.Version, FS: engine.Migrations()}, nil
}

// FindPackage walks up from start like Node's module resolution and returns
// the first node_modules/@hogsend/db folder that exists (following
// symlinks), with its symlinks resolved. Something at that path that is not
// a usable folder (a dangling symlink, a file, an unreadable entry) is an
// *Error matching ErrBrokenPackage: a broken install is never skipped.
func FindPackage(start string) (string, bool, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", false, fmt.Errorf("enginesrc: start folder: %w", err)
	}
	for {
		if filepath.Base(dir) != "node_modules" {
			p := filepath.Join(dir, "node_modules", filepath.FromSlash(PackageName))
			if real, found, err := usablePackage(p); found || err != nil {
				return real, found, err
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false, nil
		}
		dir = parent
	}
}

// usablePackage: p resolved if it is a folder; not found if nothing is
// there; an error if something is there but it is not a usable folder.
func usablePackage(p string) (string, bool, error) {
	broken := func(detail string) (string, bool, error) {
		return "", false, &Error{File: p, Err: ErrBrokenPackage, Detail: detail,
			Remedy: "the install looks broken: reinstall dependencies (pnpm install)"}
	}
	li, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return "", false, nil // nothing there: look further up
	case err != nil:
		return broken(errText(err))
	}
	fi, err := os.Stat(p)
	if err != nil {
		if li.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			return broken(fmt.Sprintf("a symlink to %s, which cannot be read: %s", target, errText(err)))
		}
		return broken(errText(err))
	}
	if !fi.IsDir() {
		return broken("not a folder")
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return broken(errText(err))
	}
	return real, true, nil
}

// ClientDir is the default client migrations folder seen from start:
// "./migrations" when start has one or is an app root (it holds a
// package.json or a drizzle.config.*); otherwise the "migrations" folder of
// the nearest app root above start (an absolute path), so hogsend-db run
// from src/schema of an app finds the app's migrations as it finds the
// app's engine package. With no app root above, "./migrations".
func ClientDir(start string) string {
	const local = "./migrations"
	dir, err := filepath.Abs(start)
	if err != nil {
		return local
	}
	if _, err := os.Stat(filepath.Join(dir, "migrations")); err == nil || isAppRoot(dir) {
		return local
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if isAppRoot(d) {
			return filepath.Join(d, "migrations")
		}
		if filepath.Dir(d) == d {
			return local
		}
	}
}

func isAppRoot(dir string) bool {
	for _, name := range []string{"package.json", "drizzle.config.ts", "drizzle.config.js", "drizzle.config.mjs", "drizzle.config.cjs", "drizzle.config.mts", "drizzle.config.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// ValidRelease is tracks.ValidRelease.
func ValidRelease(v string) error { return tracks.ValidRelease(v) }

func openFolder(kind Kind, dir string) (Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Source{}, &Error{File: dir, Err: ErrNoFolder, Detail: err.Error()}
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return Source{}, &Error{File: abs, Err: ErrNoFolder, Detail: errText(err)}
	}
	fi, err := os.Stat(real)
	if err != nil {
		return Source{}, &Error{File: abs, Err: ErrNoFolder, Detail: errText(err)}
	}
	if !fi.IsDir() {
		return Source{}, &Error{File: abs, Err: ErrNoFolder, Detail: "not a folder"}
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return Source{}, &Error{File: abs, Err: ErrNoFolder, Detail: errText(err)}
	}
	return Source{Kind: kind, Dir: real, FS: root.FS()}, nil
}

func readPackage(path string) (name, ver string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", errors.New(errText(err))
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(b, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return "", "", fmt.Errorf("invalid JSON: the document is %s, not an object", jsonKind(b))
		}
		return "", "", fmt.Errorf("invalid JSON: %v", err)
	}
	if name, err = stringField(p, "name"); err != nil {
		return "", "", err
	}
	if ver, err = stringField(p, "version"); err != nil {
		return name, "", err
	}
	if ver == "" {
		return name, "", errors.New(`no "version"`)
	}
	return name, ver, nil
}

// stringField is the string member key of a package.json; absent is "".
// Any other JSON type is an error that says which.
func stringField(p map[string]json.RawMessage, key string) (string, error) {
	raw, ok := p[key]
	if !ok {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%q is %s, not a string", key, jsonKind(raw))
	}
	return v, nil
}

// jsonKind names the JSON type of a valid JSON value, with its article.
func jsonKind(raw []byte) string {
	t := strings.TrimLeft(string(raw), " \t\r\n")
	switch {
	case t == "":
		return "empty"
	case t[0] == '{':
		return "an object"
	case t[0] == '[':
		return "an array"
	case t[0] == '"':
		return "a string"
	case t[0] == 't' || t[0] == 'f':
		return "a boolean"
	case t[0] == 'n':
		return "null"
	}
	return "a number"
}

// releaseDetail says what is wrong with a package.json's version: the
// value, and why when ValidRelease says more than "not semver".
func releaseDetail(ver string, err error) string {
	d := `"version" is ` + quote(ver)
	msg := strings.TrimSuffix(err.Error(), ": "+ErrBadRelease.Error())
	if why, ok := strings.CutPrefix(msg, "release "+quote(ver)+": "); ok {
		d += ": " + why
	}
	return d
}

// errText is an os error without its path (the Error names the file).
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// Track is the engine track of the source.
func (s Source) Track() tracks.Track {
	return tracks.NewEngineTrack(s.FS, string(s.Kind), s.Location(), s.Release)
}

// BundledTrack is the engine track bundled in this build.
func BundledTrack() tracks.Track {
	return tracks.NewEngineTrack(engine.Migrations(), string(Bundled), string(Bundled), engine.Version)
}
