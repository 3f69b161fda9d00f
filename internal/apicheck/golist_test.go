package apicheck_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/hogsend/hogsend-db"

// moduleRoot is where the tests run go list from and read the docs: this
// package is internal/apicheck.
const moduleRoot = "../.."

// pkg is what go list -json says about one package of the module.
type pkg struct {
	ImportPath   string
	Name         string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
}

// rel is the path inside the module, "" for the module root.
func (p pkg) rel() string {
	return strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
}

// arrows are the imports the page's table describes: the package's own, or,
// for a package made only of tests (internal/e2e), its tests'.
func (p pkg) arrows() []string {
	if len(p.GoFiles) > 1 || len(p.GoFiles) == 1 && p.GoFiles[0] != "doc.go" {
		return p.Imports
	}
	return append(append([]string(nil), p.TestImports...), p.XTestImports...)
}

var (
	listOnce sync.Once
	listPkgs []pkg
	listErr  error
)

// packages runs go list once per test binary: one process for every test
// here, so the checks stay fast.
func packages(t *testing.T) []pkg {
	t.Helper()
	listOnce.Do(func() {
		cmd := exec.Command("go", "list", "-json=ImportPath,Name,GoFiles,Imports,TestImports,XTestImports,Deps", "./...")
		cmd.Dir = moduleRoot
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			listErr = errors.New("go list ./...: " + err.Error() + "\n" + stderr.String())
			return
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var p pkg
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				listErr = err
				return
			}
			listPkgs = append(listPkgs, p)
		}
	})
	if listErr != nil {
		t.Fatal(listErr)
	}
	// A broken go list (wrong folder, empty output) must not pass as "no
	// package breaks a rule".
	if len(listPkgs) < 20 {
		t.Fatalf("go list ./... found %d packages; run from the wrong folder?", len(listPkgs))
	}
	return listPkgs
}

// std reports whether an import path is the standard library's.
func std(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
