package generate_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/engine"
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

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// readJSON decodes a file of dir.
func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// copyDir copies a folder tree.
func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
