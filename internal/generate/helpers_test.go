package generate_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/enginesrc"
	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
	"github.com/hogsend/hogsend-db/tracks"
)

// root is the module root.
func root(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// env is one test's server and migrations folder.
type env struct {
	t      *testing.T
	dev    string // server for scratch databases
	dir    string // client migrations folder
	engine bool   // the client track sits on the bundled engine track
}

func newEnv(t *testing.T) *env {
	db := pgtest.New(t)
	return &env{t: t, dev: db.AdminURL, dir: filepath.Join(t.TempDir(), "migrations")}
}

// newEnvAtV1 is a new env whose folder holds v1, generated as 0000_init.
func newEnvAtV1(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.generate(v1, "init")
	return e
}

// writeFolder writes a drizzle-kit 1.0 migration folder by hand: name/migration.sql
// and no snapshot.json, as a hand-written migration leaves it.
func (e *env) writeFolder(name, sql string) {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Join(e.dir, name), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, name, "migration.sql"), []byte(sql), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) options(desired string) generate.Options {
	o := generate.Options{
		Track:  "client",
		Dir:    e.dir,
		Schema: []generate.SchemaFile{{Path: "schema.sql", SQL: desired}},
		DevURL: e.dev,
	}
	if e.engine {
		o.Base, o.BaseName = engine.Migrations(), "engine"
	}
	return o
}

// generate runs Generate and fails the test on error.
func (e *env) generate(desired, name string) *generate.Result {
	e.t.Helper()
	o := e.options(desired)
	o.Name = name
	res, err := generate.Generate(e.t.Context(), o)
	if err != nil {
		e.t.Fatalf("generate: %v", err)
	}
	return res
}

// checkApplies applies the folder to a fresh database (after the engine
// track when e.engine) and compares its schema with desired applied
// directly to another fresh database.
func (e *env) checkApplies(desired string) {
	e.t.Helper()
	t := e.t
	viaFolder := pgtest.New(t)
	var ts []tracks.Track
	if e.engine {
		ts = append(ts, enginesrc.BundledTrack())
	}
	ts = append(ts, tracks.ClientTrack(e.dir))
	loaded, err := tracks.LoadAll(ts...)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tracks.Connect(t.Context(), viaFolder.URL, tracks.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := tracks.Apply(t.Context(), conn, loaded, tracks.Options{}); err != nil {
		t.Fatalf("apply the generated folder: %v", err)
	}
	e.compare(viaFolder.URL, desired)
}

// wantNothingMore fails the test if generating desired again, on the
// folder as it is, finds changes: a second run writes nothing.
func (e *env) wantNothingMore(desired string) {
	e.t.Helper()
	if again := e.generate(desired, ""); again.Changed {
		e.t.Fatalf("second run generated:\n%s", again.SQL())
	}
}

func (e *env) compare(url, desired string) {
	e.t.Helper()
	t := e.t
	direct := pgtest.New(t)
	if e.engine {
		loaded, err := tracks.LoadAll(enginesrc.BundledTrack())
		if err != nil {
			t.Fatal(err)
		}
		conn, err := tracks.Connect(t.Context(), direct.URL, tracks.Session{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tracks.Apply(t.Context(), conn, loaded, tracks.Options{}); err != nil {
			t.Fatal(err)
		}
		conn.Close(t.Context())
	}
	direct.Exec(t, desired)
	got, err := schemastate.Inspect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	want, err := schemastate.Inspect(t.Context(), direct.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !schemastate.Equal(got, want) {
		changes, _ := schemastate.Diff(got, want)
		stmts, _ := schemastate.Plan(t.Context(), nil, changes)
		t.Fatalf("the folder does not build the desired schema; missing:\n%s", strings.Join(stmts, "\n"))
	}
}

// tree hashes every file of dir, to prove nothing was written.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	return out
}

func sameTree(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// keys lists m's keys in order.
func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// snapshot decodes the folder's snapshot meta/<prefix>_snapshot.json.
func (e *env) snapshot(prefix string) map[string]any {
	e.t.Helper()
	var snap map[string]any
	drizzletest.ReadJSON(e.t, filepath.Join(e.dir, "meta", prefix+"_snapshot.json"), &snap)
	return snap
}

// dig follows keys down nested JSON objects (a decoded snapshot), nil
// where one is missing.
func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// copyDir copies the folder from to to, which must not hold any of its
// files yet.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
