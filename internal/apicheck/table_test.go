package apicheck_test

import (
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// external maps the names the table's "may import" column uses for
// third-party modules to their import path prefixes.
var external = map[string]string{
	"pgx":        "github.com/jackc/pgx/v5",
	"pgconn":     "github.com/jackc/pgx/v5/pgconn",
	"go-version": "github.com/hashicorp/go-version",
	"atlas":      "ariga.io/atlas",
	"lipgloss":   "github.com/charmbracelet/lipgloss",
	"cli":        "github.com/urfave/cli/v2",
	"isatty":     "github.com/mattn/go-isatty",
	"termenv":    "github.com/muesli/termenv",
}

// row is one line of the package table.
type row struct {
	line    int
	pkg     string   // path inside the module, "cmd/hogsend-db"
	allowed []string // words of the "may import" cell before "never"
	never   []string // words after "never": forbidden anywhere in -deps
}

var (
	rowPackage = regexp.MustCompile("^`([a-z0-9_./-]+)`$")
	// Remarks in parentheses explain an arrow; they are not arrows.
	remark = regexp.MustCompile(`\([^)]*\)`)
	word   = regexp.MustCompile(`[A-Za-z0-9_./-]+`)
)

// readTable parses the first Markdown table of docs/ARCHITECTURE.md whose
// header is "| package | job | may import |".
func readTable(t *testing.T) []row {
	t.Helper()
	b, err := os.ReadFile(path.Join(moduleRoot, "docs/ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []row
	in := false
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if !in {
			in = strings.ReplaceAll(line, " ", "") == "|package|job|mayimport|"
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break
		}
		if strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("docs/ARCHITECTURE.md:%d: want 3 cells, have %d", i+1, len(cells))
		}
		m := rowPackage.FindStringSubmatch(strings.TrimSpace(cells[0]))
		if m == nil {
			t.Fatalf("docs/ARCHITECTURE.md:%d: the package cell must be one `path` inside the module, have %q", i+1, cells[0])
		}
		cell := remark.ReplaceAllString(cells[2], " ")
		allowed, never, _ := strings.Cut(cell, "never")
		rows = append(rows, row{line: i + 1, pkg: m[1],
			allowed: word.FindAllString(allowed, -1), never: word.FindAllString(never, -1)})
	}
	if len(rows) == 0 {
		t.Fatal("docs/ARCHITECTURE.md: no table with the header | package | job | may import |")
	}
	return rows
}

// TestPackageTable keeps the table of docs/ARCHITECTURE.md equal to go list:
// every package has a row, and each row's "may import" cell names exactly the
// module packages it imports, every third-party module it imports, "std" when
// it imports the standard library, and nothing it says "never" to is among
// its dependencies.
func TestPackageTable(t *testing.T) {
	pkgs := packages(t)
	rows := readTable(t)
	byPkg := map[string]row{}
	for _, r := range rows {
		if _, dup := byPkg[r.pkg]; dup {
			t.Errorf("docs/ARCHITECTURE.md:%d: %s has a second row", r.line, r.pkg)
		}
		byPkg[r.pkg] = r
	}
	listed := map[string]bool{}
	for _, p := range pkgs {
		listed[p.rel()] = true
	}
	for _, p := range pkgs {
		r, ok := byPkg[p.rel()]
		if !ok {
			t.Errorf("docs/ARCHITECTURE.md: package %s has no row in the package table", p.rel())
			continue
		}
		checkRow(t, p, r, listed)
	}
	for _, r := range rows {
		if !listed[r.pkg] {
			t.Errorf("docs/ARCHITECTURE.md:%d: %s is not a package of the module (go list ./...)", r.line, r.pkg)
		}
	}
}

func checkRow(t *testing.T, p pkg, r row, modulePackages map[string]bool) {
	t.Helper()
	imports := map[string]bool{} // module packages, by path inside the module
	usesStd := false
	for _, imp := range p.arrows() {
		switch {
		case strings.HasPrefix(imp, module+"/"):
			imports[strings.TrimPrefix(imp, module+"/")] = true
		case std(imp):
			usesStd = true
		default:
			if !namesExternal(r.allowed, imp) {
				t.Errorf("docs/ARCHITECTURE.md:%d: %s imports %s, which its \"may import\" cell does not name (names: %v)", r.line, r.pkg, imp, keys(external))
			}
		}
	}
	for imp := range imports {
		if !slices.Contains(r.allowed, imp) {
			t.Errorf("docs/ARCHITECTURE.md:%d: %s imports %s, which its \"may import\" cell does not name", r.line, r.pkg, imp)
		}
	}
	for _, w := range r.allowed {
		if _, ext := external[w]; ext || w == "std" {
			continue
		}
		if !modulePackages[w] {
			t.Errorf("docs/ARCHITECTURE.md:%d: %q in the \"may import\" cell of %s is not a package of the module, std or one of %v (put remarks in parentheses)", r.line, w, r.pkg, keys(external))
		} else if !imports[w] {
			t.Errorf("docs/ARCHITECTURE.md:%d: %s does not import %s, which its \"may import\" cell names (a stale arrow)", r.line, r.pkg, w)
		}
	}
	if usesStd && !slices.Contains(r.allowed, "std") {
		t.Errorf("docs/ARCHITECTURE.md:%d: %s imports the standard library: its \"may import\" cell must say std", r.line, r.pkg)
	}
	for _, w := range r.never {
		prefix, ok := external[w]
		if !ok {
			t.Errorf("docs/ARCHITECTURE.md:%d: %q after \"never\" is not a known module name (%v)", r.line, w, keys(external))
			continue
		}
		for _, d := range p.Deps {
			if d == prefix || strings.HasPrefix(d, prefix+"/") {
				t.Errorf("docs/ARCHITECTURE.md:%d: %s must never depend on %s, but go list -deps has %s", r.line, r.pkg, w, d)
				break
			}
		}
	}
}

// namesExternal reports whether the cell names the module imp belongs to.
func namesExternal(words []string, imp string) bool {
	for _, w := range words {
		prefix, ok := external[w]
		if ok && (imp == prefix || strings.HasPrefix(imp, prefix+"/")) {
			return true
		}
	}
	return false
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
