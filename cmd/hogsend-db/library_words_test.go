package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/hogsend/hogsend-db/internal/redact"
)

// Libraries speak in types, the CLI in flags: no string literal of a
// library package names a flag of hogsend-db or a `hogsend-db <command>`.
// Remedies travel as data (a typed field, a hint naming no flag) and
// cmd/hogsend-db words them. guard may name the migrate command (its boot
// message is read by operators); test helpers and black-box tests run the
// binary and other programs.
func TestLibraryStringsNameNoCLIFlag(t *testing.T) {
	skip := map[string]bool{
		"cmd": true, "guard": true, "bench": true, "examples": true, "testdata": true, "docs": true,
		"internal/e2e": true, "internal/interop": true, "internal/pgtest": true,
		"internal/drizzletest": true, "internal/clitest": true,
	}
	app := newApp(&streams{red: redact.New(), tags: &tagQuoter{}})
	var flags, commands []string
	var walk func([]*cli.Command)
	walk = func(cs []*cli.Command) {
		for _, c := range cs {
			commands = append(commands, regexp.QuoteMeta(c.Name))
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					if len(n) > 1 {
						flags = append(flags, regexp.QuoteMeta(n))
					}
				}
			}
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
	re := regexp.MustCompile(`--(` + strings.Join(flags, "|") + `)\b|hogsend-db (` + strings.Join(commands, "|") + `)\b`)

	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (skip[rel] || strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				s = lit.Value
			}
			if m := re.FindString(s); m != "" {
				t.Errorf("%s: %q names the CLI (%s): carry the remedy as data and word it in cmd/hogsend-db", fset.Position(lit.Pos()), s, m)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("scanned only %d files: the walk is broken", checked)
	}
}
