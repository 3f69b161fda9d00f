package enginesrc_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/journal"
)

// pkg writes an @hogsend/db package at dir: package.json with version, and
// a drizzle/ folder holding a one-entry journal (unless noDrizzle).
func pkg(t *testing.T, dir, version string, noDrizzle bool) {
	t.Helper()
	write(t, filepath.Join(dir, "package.json"), `{"name": "@hogsend/db", "version": "`+version+`"}`)
	if !noDrizzle {
		write(t, filepath.Join(dir, "drizzle", "meta", "_journal.json"),
			`{"version":"7","dialect":"postgresql","entries":[{"idx":0,"version":"7","when":1,"tag":"0000_x","breakpoints":true}]}`)
		write(t, filepath.Join(dir, "drizzle", "0000_x.sql"), `SELECT 1;`)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pnpmApp is an app folder whose node_modules/@hogsend/db is a symlink into
// node_modules/.pnpm, as pnpm installs it.
func pnpmApp(t *testing.T, version string) (app, real string) {
	t.Helper()
	app = t.TempDir()
	real = filepath.Join(app, "node_modules", ".pnpm", "@hogsend+db@"+version, "node_modules", "@hogsend", "db")
	pkg(t, real, version, false)
	if err := os.MkdirAll(filepath.Join(app, "node_modules", "@hogsend"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", ".pnpm", "@hogsend+db@"+version, "node_modules", "@hogsend", "db"),
		filepath.Join(app, "node_modules", "@hogsend", "db")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(app, "src", "deep"), 0o755); err != nil {
		t.Fatal(err)
	}
	real, _ = filepath.EvalSymlinks(real)
	return app, real
}

func TestResolvePackage(t *testing.T) {
	app, real := pnpmApp(t, "0.67.0")
	for _, start := range []string{app, filepath.Join(app, "src", "deep")} {
		src, err := enginesrc.Resolve(enginesrc.Options{Start: start})
		if err != nil {
			t.Fatal(err)
		}
		if src.Kind != enginesrc.Package || src.Release != "0.67.0" || src.Dir != filepath.Join(real, "drizzle") ||
			src.PackageJSON != filepath.Join(real, "package.json") {
			t.Fatalf("from %s: %+v", start, src)
		}
		j, err := journal.Open(src.FS)
		if err != nil || len(j.Migrations) != 1 {
			t.Fatalf("journal: %v", err)
		}
		tr := src.Track()
		if tr.Origin != "package" || tr.Location != src.Dir || tr.Release != "0.67.0" || !tr.Fatal {
			t.Errorf("track %+v", tr)
		}
	}
	// npm and yarn: a real folder; a monorepo: node_modules in a parent.
	mono := t.TempDir()
	pkg(t, filepath.Join(mono, "node_modules", "@hogsend", "db"), "1.2.3", false)
	start := filepath.Join(mono, "apps", "web")
	if err := os.MkdirAll(start, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := enginesrc.Resolve(enginesrc.Options{Start: start})
	if err != nil || src.Kind != enginesrc.Package || src.Release != "1.2.3" {
		t.Fatalf("monorepo: %+v %v", src, err)
	}
}

func TestResolveBundled(t *testing.T) {
	src, err := enginesrc.Resolve(enginesrc.Options{Start: t.TempDir()})
	if err != nil || src.Kind != enginesrc.Bundled || src.Release != engine.Version || src.Location() != "bundled" {
		t.Fatalf("%+v %v", src, err)
	}
	if tr := enginesrc.BundledTrack(); tr.Origin != "bundled" || tr.Release != engine.Version {
		t.Errorf("BundledTrack %+v", tr)
	}
}

func TestResolveExplicit(t *testing.T) {
	app, real := pnpmApp(t, "0.67.0")
	bare := t.TempDir()
	pkg(t, bare, "9.9.9", false) // package.json of another name below: not read
	write(t, filepath.Join(bare, "package.json"), `{"name": "something-else", "version": "9.9.9"}`)
	for _, tc := range []struct {
		name    string
		o       enginesrc.Options
		dir     string
		release string
	}{
		// The explicit folder wins over the package.
		{"bare folder", enginesrc.Options{Start: app, Dir: filepath.Join(bare, "drizzle")}, filepath.Join(bare, "drizzle"), ""},
		{"bare folder with release", enginesrc.Options{Start: app, Dir: filepath.Join(bare, "drizzle"), Release: "2.0.0"}, filepath.Join(bare, "drizzle"), "2.0.0"},
		{"relative to start", enginesrc.Options{Start: app, Dir: "node_modules/@hogsend/db/drizzle"}, filepath.Join(real, "drizzle"), "0.67.0"},
		{"package folder, release overridden", enginesrc.Options{Start: app, Dir: "node_modules/@hogsend/db/drizzle", Release: "0.68.0-rc.1"}, filepath.Join(real, "drizzle"), "0.68.0-rc.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := enginesrc.Resolve(tc.o)
			if err != nil {
				t.Fatal(err)
			}
			wantDir, _ := filepath.EvalSymlinks(tc.dir)
			if src.Kind != enginesrc.Explicit || src.Dir != wantDir || src.Release != tc.release {
				t.Errorf("%+v, want dir %s release %q", src, wantDir, tc.release)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	broken := t.TempDir()
	pkg(t, filepath.Join(broken, "node_modules", "@hogsend", "db"), "0.67.0", true)
	badVersion := t.TempDir()
	pkg(t, filepath.Join(badVersion, "node_modules", "@hogsend", "db"), "latest", false)
	noVersion := t.TempDir()
	pkg(t, filepath.Join(noVersion, "node_modules", "@hogsend", "db"), "", false)
	write(t, filepath.Join(noVersion, "node_modules", "@hogsend", "db", "package.json"), `{"name": "@hogsend/db"}`)
	for _, tc := range []struct {
		name string
		o    enginesrc.Options
		is   error
		says string
	}{
		{"package without drizzle/", enginesrc.Options{Start: broken}, enginesrc.ErrNoFolder, filepath.Join("@hogsend", "db", "drizzle")},
		{"bad version", enginesrc.Options{Start: badVersion}, enginesrc.ErrBadRelease, `package.json: not a semantic version (MAJOR.MINOR.PATCH): "version" is "latest"`},
		{"no version", enginesrc.Options{Start: noVersion}, enginesrc.ErrBadPackage, `no "version"`},
		{"missing explicit folder", enginesrc.Options{Start: broken, Dir: "nope"}, enginesrc.ErrNoFolder, filepath.Join(broken, "nope")},
		{"bad release", enginesrc.Options{Start: broken, Dir: "nope", Release: "v1.0.0"}, enginesrc.ErrBadRelease, `"v1.0.0"`},
		{"two-part release", enginesrc.Options{Start: broken, Release: "1.0"}, enginesrc.ErrBadRelease, `"1.0"`},
		{"release for the bundled engine", enginesrc.Options{Start: t.TempDir(), Release: "1.0.0"}, enginesrc.ErrReleaseFixed, "fixed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := enginesrc.Resolve(tc.o)
			var e *enginesrc.Error
			if !errors.Is(err, tc.is) || !errors.As(err, &e) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.is, tc.says)
			}
		})
	}
}

// Something at node_modules/@hogsend/db that is not a usable folder is a
// broken install: an error naming the path, never the bundled engine
// (finding 6: os.Stat skipped it and the bundled engine ran). Also from a
// nested folder, and also when a parent has a good package further up.
func TestResolveBrokenPackage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		make   func(t *testing.T, p string)
		detail string
	}{
		{"dangling symlink", func(t *testing.T, p string) {
			if err := os.Symlink(filepath.Join("..", ".pnpm", "@hogsend+db@0.66.0", "node_modules", "@hogsend", "db"), p); err != nil {
				t.Fatal(err)
			}
		}, "a symlink to ../.pnpm/@hogsend+db@0.66.0/node_modules/@hogsend/db, which cannot be read"},
		{"regular file", func(t *testing.T, p string) { write(t, p, "not a package") }, "not a folder"},
		{"symlink to a file", func(t *testing.T, p string) {
			write(t, p+".txt", "x")
			if err := os.Symlink("db.txt", p); err != nil {
				t.Fatal(err)
			}
		}, "not a folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outer, _ := pnpmApp(t, "0.67.0") // a good package further up must not be used either
			app := filepath.Join(outer, "src", "deep", "app")
			p := filepath.Join(app, "node_modules", "@hogsend", "db")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			tc.make(t, p)
			for _, start := range []string{app, filepath.Join(app, "lib")} {
				src, err := enginesrc.Resolve(enginesrc.Options{Start: start})
				var e *enginesrc.Error
				if !errors.Is(err, enginesrc.ErrBrokenPackage) || !errors.As(err, &e) || e.File != p ||
					!strings.Contains(err.Error(), tc.detail) || !strings.Contains(err.Error(), "reinstall dependencies") {
					t.Fatalf("from %s: source %+v, err %v; want a broken install naming %s (%s)", start, src, err, p, tc.detail)
				}
			}
		})
	}
}

// package.json's version must be a JSON string, and semver without
// leading zeros; the error names the file (finding 14).
func TestResolvePackageVersionType(t *testing.T) {
	for _, tc := range []struct {
		json string
		is   error
		says string
	}{
		{`{"name": "@hogsend/db", "version": 0.67}`, enginesrc.ErrBadPackage, `"version" is a number, not a string`},
		{`{"name": "@hogsend/db", "version": ["0.67.0"]}`, enginesrc.ErrBadPackage, `"version" is an array, not a string`},
		{`{"name": 7, "version": "0.67.0"}`, enginesrc.ErrBadPackage, `"name" is a number, not a string`},
		{`["@hogsend/db"]`, enginesrc.ErrBadPackage, `the document is an array, not an object`},
		{`{"name": "@hogsend/db", "version": "01.2.3"}`, enginesrc.ErrBadRelease, `"version" is "01.2.3": numeric part "01" has a leading zero`},
		{`{"name": "@hogsend/db", "version": "0.67.0-rc.01"}`, enginesrc.ErrBadRelease, `numeric part "01" has a leading zero`},
	} {
		app, real := pnpmApp(t, "0.67.0")
		pj := filepath.Join(real, "package.json")
		write(t, pj, tc.json)
		_, err := enginesrc.Resolve(enginesrc.Options{Start: app})
		var e *enginesrc.Error
		if !errors.Is(err, tc.is) || !errors.As(err, &e) || e.File != pj || !strings.Contains(err.Error(), tc.says) ||
			strings.Contains(err.Error(), "Go struct") {
			t.Errorf("%s: err %v, want %v naming %s saying %q", tc.json, err, tc.is, pj, tc.says)
		}
		// The same through an explicit folder inside the package.
		if tc.is == enginesrc.ErrBadRelease {
			_, err := enginesrc.Resolve(enginesrc.Options{Start: app, Dir: "node_modules/@hogsend/db/drizzle"})
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), pj) {
				t.Errorf("%s with the explicit folder: err %v", tc.json, err)
			}
		}
	}
	// A leading zero in the release flag is refused, naming the value.
	_, err := enginesrc.Resolve(enginesrc.Options{Start: t.TempDir(), Dir: "x", Release: "01.2.3"})
	if !errors.Is(err, enginesrc.ErrBadRelease) || !strings.Contains(err.Error(), `"01.2.3"`) {
		t.Errorf("release 01.2.3: %v", err)
	}
}
