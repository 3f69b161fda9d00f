package generate_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hogsend/hogsend-db/internal/generate"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
)

const v1 = `
CREATE TYPE status AS ENUM ('open', 'closed');
CREATE TABLE projects (
	id serial PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE tickets (
	id integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
	project_id integer NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	title text NOT NULL,
	status status NOT NULL DEFAULT 'open',
	legacy text
);
CREATE INDEX tickets_open_idx ON tickets (project_id) WHERE status = 'open';
`

func wantStatements(t *testing.T, res *generate.Result, subs ...string) {
	t.Helper()
	sql := string(res.SQL())
	for _, s := range subs {
		if !strings.Contains(sql, s) {
			t.Errorf("migration lacks %q:\n%s", s, sql)
		}
	}
}

func hasWarning(res *generate.Result, kind, sub string) bool {
	for _, w := range res.Warnings {
		if w.Kind == kind && strings.Contains(w.Message, sub) {
			return true
		}
	}
	return false
}

func TestNewTableWithEnumFKAndPartialIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.generate(v1, "init")
	if !res.Changed || res.Tag != "0000_init" || !res.Written {
		t.Fatalf("got %+v", res)
	}
	wantStatements(t, res,
		`CREATE TYPE "public"."status" AS ENUM('open', 'closed');`,
		"CREATE TABLE \"tickets\" (\n\t\"id\" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name \"tickets_id_seq\"",
		`"status" "status" DEFAULT 'open' NOT NULL`,
		`FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;`,
		`CREATE INDEX "tickets_open_idx" ON "tickets" USING btree ("project_id") WHERE status = 'open'::public.status;`,
	)
	sql := string(res.SQL())
	if strings.HasSuffix(sql, "\n") || !strings.Contains(sql, ";--> statement-breakpoint\n") {
		t.Errorf("not drizzle-kit's layout:\n%q", sql)
	}
	j, err := journal.Open(tracks.DirFS(e.dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Migrations) != 1 || j.Migrations[0].Tag != "0000_init" || !j.Migrations[0].Breakpoints {
		t.Fatalf("journal %+v", j.File())
	}
	raw, _ := os.ReadFile(filepath.Join(e.dir, "meta", "_journal.json"))
	if string(raw) != string(journal.MarshalJournal(j.File())) {
		t.Errorf("journal not written as drizzle-kit writes it:\n%s", raw)
	}
	snap := e.snapshot("0000")
	if snap["prevId"] != generate.ZeroID || snap["version"] != "7" || snap["dialect"] != "postgresql" {
		t.Errorf("snapshot header %v %v %v", snap["prevId"], snap["version"], snap["dialect"])
	}
	e.checkApplies(v1)
	e.wantNothingMore(v1)
}

func TestAddedColumnWithDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.generate(v1, "init")
	v2 := v1 + `ALTER TABLE tickets ADD COLUMN priority integer NOT NULL DEFAULT 3;`
	res := e.generate(v2, "priority")
	wantStatements(t, res, `ALTER TABLE "tickets" ADD COLUMN "priority" integer DEFAULT 3 NOT NULL;`)
	if res.Tag != "0001_priority" || res.When <= first.When {
		t.Fatalf("tag %s when %d after %d", res.Tag, res.When, first.When)
	}
	a, b := e.snapshot("0000"), e.snapshot("0001")
	if b["prevId"] != a["id"] {
		t.Errorf("snapshots not chained: prevId %v, previous id %v", b["prevId"], a["id"])
	}
	col := dig(b, "tables", "public.tickets", "columns", "priority")
	if col["default"] != float64(3) || col["notNull"] != true || col["type"] != "integer" {
		t.Errorf("snapshot column %v", col)
	}
	e.checkApplies(v2)
}

func TestDroppedColumnWarns(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	v2 := strings.Replace(v1, "\tlegacy text\n", "\tcode text\n", 1)
	v2 = strings.Replace(v2, "DEFAULT 'open',", "DEFAULT 'open'", 1)
	v2 = strings.Replace(v2, "\tcode text\n", "", 1)
	res := e.generate(v2, "")
	wantStatements(t, res, `ALTER TABLE "tickets" DROP COLUMN "legacy";`)
	if !hasWarning(res, generate.WarnDestructive, "drops column public.tickets.legacy") {
		t.Errorf("no destructive warning: %+v", res.Warnings)
	}
	e.checkApplies(v2)

	// Dropping and adding in one table hints at a rename.
	e2 := newEnvAtV1(t)
	renamed := strings.Replace(v1, "\tlegacy text\n", "\tlegacy_code text\n", 1)
	res = e2.generate(renamed, "rename")
	if !hasWarning(res, generate.WarnRename, "rename appears as drop + add") {
		t.Errorf("no rename warning: %+v", res.Warnings)
	}
	e2.checkApplies(renamed)
}

func TestIndexChange(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	v2 := strings.Replace(v1, "ON tickets (project_id) WHERE status = 'open'", "ON tickets (project_id, title)", 1) +
		"CREATE UNIQUE INDEX projects_lower_name_key ON projects (lower(name));\n"
	res := e.generate(v2, "indexes")
	wantStatements(t, res,
		`DROP INDEX "tickets_open_idx";`,
		`CREATE INDEX "tickets_open_idx" ON "tickets" USING btree ("project_id","title");`,
		`CREATE UNIQUE INDEX "projects_lower_name_key" ON "projects" USING btree (lower(name));`)
	e.checkApplies(v2)
}

func TestCheckConstraint(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	v2 := v1 + `ALTER TABLE projects ADD CONSTRAINT projects_name_not_empty CHECK (length(name) > 0);`
	res := e.generate(v2, "check")
	wantStatements(t, res, `ALTER TABLE "projects" ADD CONSTRAINT "projects_name_not_empty" CHECK (length(name) > 0);`)
	snap := e.snapshot("0001")
	ck := dig(snap, "tables", "public.projects", "checkConstraints")
	if dig(ck, "projects_name_not_empty")["value"] != "length(name) > 0" {
		t.Errorf("snapshot check %v", ck)
	}
	e.checkApplies(v2)
}

func TestEnumValueAdded(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	v2 := strings.Replace(v1, "('open', 'closed')", "('draft', 'open', 'closed', 'archived')", 1)
	res := e.generate(v2, "enum")
	wantStatements(t, res,
		`ALTER TYPE "public"."status" ADD VALUE 'draft' BEFORE 'open';`,
		`ALTER TYPE "public"."status" ADD VALUE 'archived';`)
	e.checkApplies(v2)

	// Removing a value cannot be written safely: refused, nothing written.
	before := tree(t, e.dir)
	o := e.options(v1)
	if _, err := generate.Generate(t.Context(), o); !errors.Is(err, generate.ErrUnsupported) {
		t.Fatalf("want ErrUnsupported, got %v", err)
	}
	if !sameTree(before, tree(t, e.dir)) {
		t.Error("the folder changed")
	}
}

func TestNoChangeWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	before := tree(t, e.dir)
	res := e.generate(v1, "again")
	if res.Changed || res.Written || len(res.Statements) != 0 {
		t.Fatalf("got %+v", res)
	}
	if !sameTree(before, tree(t, e.dir)) {
		t.Errorf("the folder changed: %v -> %v", keys(before), keys(tree(t, e.dir)))
	}
	// An empty folder and an empty schema: nothing either, and no folder.
	e2 := newEnv(t)
	if res := e2.generate("-- nothing yet\n", ""); res.Changed {
		t.Fatalf("got %+v", res)
	}
	if _, err := os.Stat(e2.dir); !os.IsNotExist(err) {
		t.Errorf("folder created: %v", err)
	}
}

const clientSchema = `
CREATE TABLE contact_notes (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	contact_id uuid NOT NULL,
	note text NOT NULL,
	CONSTRAINT contact_notes_contact_id_contacts_id_fk FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE CASCADE
);
CREATE INDEX contact_notes_contact_id_idx ON contact_notes (contact_id);
`

func TestClientSchemaReferencesEngineTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.engine = true
	res := e.generate(clientSchema, "notes")
	sql := string(res.SQL())
	wantStatements(t, res, `REFERENCES "public"."contacts"("id") ON DELETE cascade`)
	for _, engineTable := range []string{`CREATE TABLE "contacts"`, `"email_sends"`, `"send_status"`} {
		if strings.Contains(sql, engineTable) {
			t.Errorf("engine object %s in the client migration:\n%s", engineTable, sql)
		}
	}
	snap := e.snapshot("0000")
	tables := dig(snap, "tables")
	if _, ok := tables["public.contacts"]; ok || len(tables) != 1 || len(snap["enums"].(map[string]any)) != 0 {
		t.Errorf("the client snapshot holds engine objects: %v", keys(tables))
	}
	e.checkApplies(clientSchema)
	e.wantNothingMore(clientSchema)
}

func TestClientSchemaRedefiningEngineObjectIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.engine = true
	cases := map[string]struct{ sql, object string }{
		"create table": {clientSchema + "CREATE TABLE contacts (id uuid PRIMARY KEY);\n", "table public.contacts"},
		"alter table":  {clientSchema + "ALTER TABLE email_sends ADD COLUMN tenant text;\n", "table public.email_sends"},
		"index":        {clientSchema + "CREATE INDEX my_idx ON contacts (email);\n", "table public.contacts"},
		"enum":         {"CREATE TYPE send_status AS ENUM ('x');\n", "type public.send_status"},
		// PostgreSQL skips these with only a notice: the client's
		// definition would vanish without a word.
		"create table if not exists": {clientSchema + "CREATE TABLE IF NOT EXISTS contacts (id uuid PRIMARY KEY, tenant text);\n", "table public.contacts"},
		"create index if not exists": {clientSchema + "create index if not exists \"email_sends_contact_id_idx\" on contact_notes (note);\n", "index public.email_sends_contact_id_idx (on table email_sends)"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := generate.Generate(t.Context(), e.options(c.sql))
			var eo *generate.EngineObjectError
			if !errors.As(err, &eo) || !errors.Is(err, generate.ErrEngineObject) {
				t.Fatalf("want an EngineObjectError, got %v", err)
			}
			if eo.Object != c.object || !strings.Contains(err.Error(), "reference the engine table instead of redefining it") {
				t.Errorf("error %q names %q, want %q", err, eo.Object, c.object)
			}
			if strings.Contains(name, "if not exists") {
				// The clause is on the file's last line.
				if wantLine := strings.Count(c.sql, "\n"); eo.File != "schema.sql" || eo.Line != wantLine || !strings.Contains(err.Error(), "IF NOT EXISTS") {
					t.Errorf("error %q at %s:%d, want schema.sql:%d and a word on IF NOT EXISTS", err, eo.File, eo.Line, wantLine)
				}
			}
			if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
				t.Errorf("something was written: %v", err)
			}
		})
	}
}

func TestBrokenSchemaReportsFileAndLine(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	before := tree(t, e.dir)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "01_base.sql"), []byte(v1), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := "-- more\nCREATE TABLE extra (\n\tid integer,\n\tname txet\n);\n"
	if err := os.WriteFile(filepath.Join(dir, "02_extra.sql"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := generate.LoadSchema(dir)
	if err != nil || len(files) != 2 {
		t.Fatalf("LoadSchema: %v %d", err, len(files))
	}
	o := e.options("")
	o.Schema = files
	_, err = generate.Generate(t.Context(), o)
	var se *generate.SchemaError
	if !errors.As(err, &se) || !errors.Is(err, generate.ErrSchema) {
		t.Fatalf("want a SchemaError, got %v", err)
	}
	if se.File != filepath.Join(dir, "02_extra.sql") || se.Line != 4 || se.Col != 7 {
		t.Errorf("at %s:%d:%d, want 02_extra.sql:4:7 (%v)", se.File, se.Line, se.Col, err)
	}
	// A syntax error, too.
	o.Schema = []generate.SchemaFile{{Path: "s.sql", SQL: "CREATE TABLE a (id int);\nCREATE TABEL b (id int);\n"}}
	if _, err = generate.Generate(t.Context(), o); !errors.As(err, &se) || se.Line != 2 || se.Col != 8 {
		t.Errorf("syntax error at %+v: %v", se, err)
	}
	if !sameTree(before, tree(t, e.dir)) {
		t.Error("the folder changed")
	}
}

func TestWhenAlwaysIncreases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.generate(v1, "init")
	o := e.options(v1 + "CREATE TABLE later (id int);\n")
	o.Now = func() time.Time { return time.UnixMilli(first.When - 60_000) } // a clock behind the journal
	res, err := generate.Generate(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.When != first.When+1 {
		t.Errorf("when %d, want %d", res.When, first.When+1)
	}
	parts := strings.SplitN(res.Tag, "_", 2)
	if parts[0] != "0001" || len(strings.Split(parts[1], "_")) < 2 {
		t.Errorf("random tag %q is not NNNN_adjective_hero", res.Tag)
	}
}

func TestFailedWriteLeavesFolderAsItWas(t *testing.T) {
	t.Parallel()
	e := newEnvAtV1(t)
	o := e.options(v1 + "CREATE TABLE later (id int);\n")
	o.Name = "later"
	res, err := generate.Prepare(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	// A stray snapshot where the new one goes makes the write fail after
	// the SQL file was written.
	stray := filepath.Join(e.dir, "meta", "0001_snapshot.json")
	if err := os.WriteFile(stray, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := tree(t, e.dir)
	if err := generate.Write(e.dir, res); !errors.Is(err, generate.ErrExists) {
		t.Fatalf("want ErrExists, got %v", err)
	}
	if !sameTree(before, tree(t, e.dir)) {
		t.Errorf("the folder changed: %v -> %v", keys(before), keys(tree(t, e.dir)))
	}
}
