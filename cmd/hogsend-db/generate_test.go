package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
)

// Done-when of the generate issue: from a folder drizzle-kit generated,
// generate --schema desired.sql writes exactly one migration, a second run
// writes nothing, and drizzle-orm's migrator applies the folder.
func TestGenerateExtendsDrizzleKitFolder(t *testing.T) {
	t.Parallel()
	drizzletest.Require(t)
	db := pgtest.New(t)
	dir := copyDir(t, fixture)
	desired := filepath.Join("..", "..", "testdata", "generate", "drizzle_v5.sql")

	code, out, errOut := hogsend(t, "generate", "--dir", dir, "--schema", desired, "--dev-url", db.AdminURL, "--name", "v5", "--json")
	if code != exitOK {
		t.Fatalf("generate: exit %d\n%s%s", code, out, errOut)
	}
	var doc struct {
		Changed  bool   `json:"changed"`
		Tag      string `json:"tag"`
		Written  bool   `json:"written"`
		Warnings []any  `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !doc.Changed || !doc.Written || doc.Tag != "0004_v5" {
		t.Fatalf("generate --json: %v\n%s", err, out)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 6 { // meta + 5 .sql
		t.Errorf("want exactly one new migration, folder has %d entries", len(entries))
	}

	code, out, errOut = hogsend(t, "generate", "--dir", dir, "--schema", desired, "--dev-url", db.AdminURL)
	if code != exitOK || !strings.Contains(out, "no schema changes, nothing written") {
		t.Fatalf("second generate: exit %d\n%s%s", code, out, errOut)
	}
	drizzletest.Check(t, dir)
	if before, after := drizzletest.Migrate(t, db.URL, dir, "", ""); before != 0 || after != 5 {
		t.Fatalf("drizzle migrator: %d -> %d rows", before, after)
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "migrations")
	write := func(name, sql string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	broken := write("broken.sql", "CREATE TABLE a (id int);\nCREATE TABEL b (id int);\n")
	code, out, errOut := hogsend(t, "generate", "--dir", dir, "--schema", broken, "--dev-url", db.AdminURL)
	if code != exitError || !strings.Contains(errOut, broken+":2:8") {
		t.Errorf("broken schema: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = hogsend(t, "generate", "--dir", dir, "--schema", broken, "--dev-url", db.AdminURL, "--json")
	var doc struct {
		Error *errorJSON `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitError || doc.Error == nil || doc.Error.Line != 2 || doc.Error.File != broken {
		t.Errorf("broken schema --json: exit %d %v\n%s", code, err, out)
	}

	redefine := write("redefine.sql", "CREATE TABLE contacts (id uuid PRIMARY KEY);\n")
	code, _, errOut = hogsend(t, "generate", "--dir", dir, "--schema", redefine, "--dev-url", db.AdminURL)
	if code != exitError || !strings.Contains(errOut, "table public.contacts belongs to the engine track") {
		t.Errorf("engine redefinition: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("something was written: %v", err)
	}

	if code, _, errOut = hogsend(t, "generate", "--engine", "--schema", redefine, "--dev-url", db.AdminURL); code != exitUsage {
		t.Errorf("--engine without --engine-dir: exit %d %s", code, errOut)
	}
	if code, _, errOut = hogsend(t, "generate", "--dir", dir, "--schema", filepath.Join(tmp, "nope.sql"), "--dev-url", db.AdminURL); code != exitError || !strings.Contains(errOut, "does not exist") {
		t.Errorf("missing schema: exit %d %s", code, errOut)
	}
	for _, name := range []string{"a/b", "a.b", "é", "_x"} {
		if code, _, errOut = hogsend(t, "generate", "--dir", dir, "--schema", redefine, "--dev-url", db.AdminURL, "--name", name); code != exitUsage {
			t.Errorf("bad name %q: exit %d, want %d (README: bad --name is a usage error) %s", name, code, exitUsage, errOut)
		}
	}
}

func TestGenerateWarnsOnDrop(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "migrations")
	schema := filepath.Join(tmp, "schema.sql")
	if err := os.WriteFile(schema, []byte("CREATE TABLE notes (id int PRIMARY KEY, body text, legacy text);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := hogsend(t, "generate", "--dir", dir, "--schema", schema, "--dev-url", db.AdminURL); code != exitOK || !strings.Contains(out, `CREATE TABLE "notes"`) {
		t.Fatalf("first: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.WriteFile(schema, []byte("CREATE TABLE notes (id int PRIMARY KEY, body text, code text);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hogsend(t, "generate", "--dir", dir, "--schema", schema, "--dev-url", db.AdminURL, "--name", "swap")
	if code != exitOK || !strings.Contains(out, `DROP COLUMN "legacy"`) {
		t.Fatalf("second: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"warning (destructive): drops column public.notes.legacy", "warning (rename):", "edit the file by hand"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
