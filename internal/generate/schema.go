package generate

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hogsend/hogsend-db/internal/sqllex"
)

// DefaultSchemaPaths are tried in order when no schema path is given.
var DefaultSchemaPaths = []string{"schema.sql", "schema"}

// ResolveSchemaPath returns path, or the first default that exists.
func ResolveSchemaPath(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	for _, p := range DefaultSchemaPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoDefaultSchema
}

// LoadSchema reads the desired schema: a .sql file, or every .sql file of
// a folder (not recursive) in name order.
func LoadSchema(path string) ([]SchemaFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoSchema, path)
		}
		return nil, fmt.Errorf("generate: schema %s: %w", path, err)
	}
	var paths []string
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("generate: schema %s: %w", path, err)
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".sql") {
				paths = append(paths, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(paths)
		if len(paths) == 0 {
			return nil, fmt.Errorf("%w: no .sql files in %s", ErrNoSchema, path)
		}
	} else {
		paths = []string{path}
	}
	out := make([]SchemaFile, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("generate: schema %s: %w", p, err)
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("generate: schema %s: not valid UTF-8", p)
		}
		out = append(out, SchemaFile{Path: p, SQL: string(b)})
	}
	return out, nil
}

// ReadSchema reads the desired schema from r (the CLI's stdin, for
// `drizzle-kit export | hogsend-db generate --schema -`); name labels it in
// messages. A schema without a single statement is refused: a failed
// export prints nothing, and an empty desired schema would drop every
// client table.
func ReadSchema(name string, r io.Reader) ([]SchemaFile, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("generate: schema %s: %w", name, err)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("generate: schema %s: not valid UTF-8", name)
	}
	if toks, _ := sqllex.Lex(string(b)); len(toks) == 0 {
		return nil, fmt.Errorf("%w: %s holds no SQL statement (did the command before the pipe fail?)", ErrNoSchema, name)
	}
	return []SchemaFile{{Path: name, SQL: string(b)}}, nil
}
