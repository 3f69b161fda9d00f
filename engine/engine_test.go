package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

const breakpoint = "--> statement-breakpoint"

// journalFile mirrors drizzle-kit 0.31's meta/_journal.json field for field,
// in drizzle-kit's key order, so re-marshalling it reproduces its bytes.
type journalFile struct {
	Version string         `json:"version"`
	Dialect string         `json:"dialect"`
	Entries []journalEntry `json:"entries"`
}

type journalEntry struct {
	Idx         int    `json:"idx"`
	Version     string `json:"version"`
	When        int64  `json:"when"`
	Tag         string `json:"tag"`
	Breakpoints bool   `json:"breakpoints"`
}

func readJournal(t *testing.T) (journalFile, []byte) {
	t.Helper()
	raw, err := fs.ReadFile(Migrations(), "meta/_journal.json")
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var j journalFile
	if err := dec.Decode(&j); err != nil {
		t.Fatalf("decode journal: %v", err)
	}
	return j, raw
}

// migrationSQL returns the text of every journal entry in journal order.
func migrationSQL(t *testing.T) []struct{ Tag, SQL string } {
	t.Helper()
	j, _ := readJournal(t)
	var out []struct{ Tag, SQL string }
	for _, e := range j.Entries {
		b, err := fs.ReadFile(Migrations(), e.Tag+".sql")
		if err != nil {
			t.Fatalf("read %s.sql: %v", e.Tag, err)
		}
		out = append(out, struct{ Tag, SQL string }{e.Tag, string(b)})
	}
	return out
}

// embeddedFile is one file of Migrations().
type embeddedFile struct {
	Path string
	Data []byte
}

// embeddedFiles lists every file of Migrations(), in lexical order.
func embeddedFiles(t *testing.T) []embeddedFile {
	t.Helper()
	var out []embeddedFile
	err := fs.WalkDir(Migrations(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Migrations(), p)
		out = append(out, embeddedFile{Path: p, Data: b})
		return err
	})
	if err != nil {
		t.Fatalf("walk the embedded migrations: %v", err)
	}
	return out
}

func TestVersionIsSemantic(t *testing.T) {
	if !regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$`).MatchString(Version) {
		t.Fatalf("Version %q is not MAJOR.MINOR.PATCH", Version)
	}
}

func TestJournalIsDrizzleKitFormat(t *testing.T) {
	j, raw := readJournal(t)
	if j.Version != "7" || j.Dialect != "postgresql" {
		t.Fatalf("journal version/dialect = %q/%q, want 7/postgresql", j.Version, j.Dialect)
	}
	if len(j.Entries) < 5 {
		t.Fatalf("journal has %d entries, want at least 5", len(j.Entries))
	}
	// drizzle-kit writes JSON.stringify(journal, null, 2): 2-space indent,
	// no trailing newline. Re-marshalling must give the same bytes.
	want, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, want) {
		t.Errorf("journal bytes differ from drizzle-kit's formatting:\n got %q\nwant %q", raw, want)
	}
	// Plausible generate times: 2025-01-01 to 2027-01-01.
	lo := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	hi := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	tagRe := regexp.MustCompile(`^(\d{4})_[a-z0-9_]+$`)
	var prev int64
	for i, e := range j.Entries {
		if e.Idx != i || e.Version != "7" || !e.Breakpoints {
			t.Errorf("entry %d: idx=%d version=%q breakpoints=%v", i, e.Idx, e.Version, e.Breakpoints)
		}
		m := tagRe.FindStringSubmatch(e.Tag)
		if m == nil || m[1] != fmt.Sprintf("%04d", i) {
			t.Errorf("entry %d: tag %q is not %04d_name", i, e.Tag, i)
		}
		if e.When <= prev {
			t.Errorf("entry %d (%s): when %d not greater than previous %d", i, e.Tag, e.When, prev)
		}
		if e.When < lo || e.When >= hi {
			t.Errorf("entry %d (%s): when %d outside 2025-2026", i, e.Tag, e.When)
		}
		prev = e.When
	}
}

func TestMigrationFilesMatchJournal(t *testing.T) {
	j, _ := readJournal(t)
	tagged := map[string]bool{"meta/_journal.json": true}
	for _, e := range j.Entries {
		tagged[e.Tag+".sql"] = true
	}
	// drizzle-kit snapshots (written by hogsend-db generate) may accompany
	// the entries; only the newest is required by drizzle-kit.
	last := j.Entries[len(j.Entries)-1].Tag[:4]
	tagged["meta/"+last+"_snapshot.json"] = true
	for _, f := range embeddedFiles(t) {
		p, b := f.Path, f.Data
		if !tagged[p] {
			t.Errorf("%s: file not named by the journal", p)
		}
		delete(tagged, p)
		if strings.HasSuffix(p, "_snapshot.json") {
			continue // JSON with a trailing newline or not: drizzle-kit's own layout
		}
		if !utf8.Valid(b) {
			t.Errorf("%s: invalid UTF-8", p)
		}
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || bytes.Contains(b, []byte("\r")) {
			t.Errorf("%s: BOM or CR found", p)
		}
		if len(b) == 0 || b[len(b)-1] == '\n' {
			t.Errorf("%s: empty or ends with a newline", p)
		}
	}
	for p := range tagged {
		t.Errorf("%s: named by the journal but missing", p)
	}
}

func TestMigrationsAreDrizzleStyleAndExpandOnly(t *testing.T) {
	forbidden := regexp.MustCompile(`(?i)\b(DROP|RENAME|TRUNCATE|CONCURRENTLY|DELETE\s+FROM|UPDATE\s+"|SET\s+NOT\s+NULL|ALTER\s+COLUMN)\b`)
	addColumn := regexp.MustCompile(`(?i)ADD COLUMN "[^"]+" [^;]*`)
	for _, m := range migrationSQL(t) {
		chunks := strings.Split(m.SQL, breakpoint)
		for i, c := range chunks {
			if i > 0 && !strings.HasPrefix(c, "\n") {
				t.Errorf("%s: statement %d does not start on a new line after the breakpoint", m.Tag, i)
			}
			s := strings.TrimSpace(c)
			if s == "" || !strings.HasSuffix(s, ";") || strings.Count(s, ";") != 1 {
				t.Errorf("%s: statement %d is not exactly one statement: %q", m.Tag, i, s)
			}
			if f := forbidden.FindString(s); f != "" {
				t.Errorf("%s: statement %d is not expand-only (%s)", m.Tag, i, f)
			}
			for _, col := range addColumn.FindAllString(s, -1) {
				if strings.Contains(col, "NOT NULL") && !strings.Contains(col, "DEFAULT") {
					t.Errorf("%s: %s: NOT NULL column without a default", m.Tag, col)
				}
			}
			// A new enum value cannot be used in the transaction that adds
			// it, so ADD VALUE lives alone in its migration.
			if strings.Contains(s, "ADD VALUE") && len(chunks) != 1 {
				t.Errorf("%s: ALTER TYPE ... ADD VALUE shares its migration with other statements", m.Tag)
			}
		}
	}
}

func TestDesiredSchemaIsEmbedded(t *testing.T) {
	s := DesiredSchema()
	if !utf8.ValidString(s) || !strings.Contains(s, `CREATE TABLE "contacts"`) {
		t.Fatalf("DesiredSchema() does not look like the engine schema (%d bytes)", len(s))
	}
	if strings.Contains(s, breakpoint) {
		t.Fatal("schema.sql holds a drizzle statement breakpoint; it is plain DDL")
	}
}

// TestDesiredSchemaMatchesMigrations is the contract of schema.sql: the
// migrations applied in order (each in its own transaction, as hogsend-db
// does, and all in one transaction, as drizzle-orm does) and schema.sql
// applied to an empty database give the same catalog.
func TestDesiredSchemaMatchesMigrations(t *testing.T) {
	ctx := context.Background()
	want := newDB(t, ctx)
	execAll(t, ctx, want, "schema.sql", DesiredSchema())
	wantCat := catalog(t, ctx, want)
	if len(wantCat) < 50 {
		t.Fatalf("catalog of schema.sql has only %d facts; the inspection is broken", len(wantCat))
	}

	t.Run("one transaction per migration", func(t *testing.T) {
		t.Parallel()
		conn := newDB(t, ctx)
		for _, m := range migrationSQL(t) {
			applyInTx(t, ctx, conn, []struct{ Tag, SQL string }{m})
		}
		if d := diffCatalogs(catalog(t, ctx, conn), wantCat); d != "" {
			t.Errorf("migrations and schema.sql disagree (- migrations, + schema.sql):\n%s", d)
		}
	})
	t.Run("all in one transaction", func(t *testing.T) {
		t.Parallel()
		conn := newDB(t, ctx)
		applyInTx(t, ctx, conn, migrationSQL(t))
		if d := diffCatalogs(catalog(t, ctx, conn), wantCat); d != "" {
			t.Errorf("migrations and schema.sql disagree (- migrations, + schema.sql):\n%s", d)
		}
	})
}

// TestCatalogComparisonSeesDifferences proves the comparison above can fail:
// each small change to a database built from schema.sql must show up.
func TestCatalogComparisonSeesDifferences(t *testing.T) {
	ctx := context.Background()
	base := newDB(t, ctx)
	execAll(t, ctx, base, "schema.sql", DesiredSchema())
	baseCat := catalog(t, ctx, base)

	changes := map[string]struct{ sql, mention string }{
		"column added":       {`ALTER TABLE "contacts" ADD COLUMN "nickname" text`, "nickname"},
		"column default":     {`ALTER TABLE "email_sends" ALTER COLUMN "attempts" SET DEFAULT 1`, "attempts"},
		"column nullability": {`ALTER TABLE "contacts" ALTER COLUMN "email" SET NOT NULL`, "contacts.email"},
		"index dropped":      {`DROP INDEX "api_keys_prefix_idx"`, "api_keys_prefix_idx"},
		"partial predicate":  {`DROP INDEX "journey_states_due_idx"; CREATE INDEX "journey_states_due_idx" ON "journey_states" ("next_run_at") WHERE "status" = 'active'`, "journey_states_due_idx"},
		"fk action":          {`ALTER TABLE "link_clicks" DROP CONSTRAINT "link_clicks_link_id_tracked_links_id_fk", ADD CONSTRAINT "link_clicks_link_id_tracked_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "tracked_links"("id") ON DELETE SET NULL`, "link_clicks_link_id_tracked_links_id_fk"},
		"enum value":         {`ALTER TYPE "send_status" ADD VALUE 'complained'`, "send_status"},
		"enum order":         {`ALTER TYPE "journey_status" RENAME VALUE 'waiting' TO 'paused'`, "journey_status"},
		"table added":        {`CREATE TABLE "extra" ("id" integer)`, "extra"},
	}
	for name, c := range changes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conn := newDB(t, ctx)
			execAll(t, ctx, conn, "schema.sql", DesiredSchema())
			execAll(t, ctx, conn, name, c.sql)
			d := diffCatalogs(catalog(t, ctx, conn), baseCat)
			if d == "" {
				t.Fatalf("comparison missed: %s", c.sql)
			}
			if !strings.Contains(d, c.mention) {
				t.Errorf("difference does not mention %q:\n%s", c.mention, d)
			}
		})
	}
}

// newDB creates a fresh database, connects to it and drops it at cleanup.
func newDB(t *testing.T, ctx context.Context) *pgx.Conn {
	t.Helper()
	url := os.Getenv("HOGSEND_TEST_DATABASE_URL")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to admin database: %v", err)
	}
	defer admin.Close(ctx)

	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "engine_test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}

	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("parse database url: %v", err)
	}
	cfg.Database = name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn.Close(ctx)
		admin, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("cleanup: connect: %v", err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("cleanup: drop database %s: %v", name, err)
		}
	})
	return conn
}

func execAll(t *testing.T, ctx context.Context, conn *pgx.Conn, what, sql string) {
	t.Helper()
	// Without arguments pgx uses the simple protocol, which accepts several
	// statements in one message.
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("apply %s: %v", what, err)
	}
}

// applyInTx runs the given migrations in one transaction, statement chunk by
// statement chunk, split exactly as drizzle-orm splits them.
func applyInTx(t *testing.T, ctx context.Context, conn *pgx.Conn, ms []struct{ Tag, SQL string }) {
	t.Helper()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, m := range ms {
		for i, chunk := range strings.Split(m.SQL, breakpoint) {
			if _, err := tx.Exec(ctx, chunk); err != nil {
				t.Fatalf("apply %s statement %d: %v\n%s", m.Tag, i, err, chunk)
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// catalogQueries describe a database's user schemas (everything but the
// system schemas and drizzle's ledger schema) as one text fact per row.
// Column order is deliberately not part of a fact: a column added by a
// later migration sits last in its table while schema.sql may list it
// anywhere.
var catalogQueries = []string{
	// schemas
	`SELECT 'schema ' || n.nspname FROM pg_namespace n
	 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// extensions
	`SELECT 'extension ' || extname FROM pg_extension`,
	// relations: tables, sequences, views, indexes, ...
	`SELECT format('relation %s.%s kind=%s persistence=%s', n.nspname, c.relname, c.relkind, c.relpersistence)
	 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// columns
	`SELECT format('column %s.%s.%s %s notnull=%s default=%s identity=%s generated=%s collation=%s',
	         n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	         coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), a.attidentity, a.attgenerated,
	         coalesce(co.collname, '-'))
	 FROM pg_attribute a
	 JOIN pg_class c ON c.oid = a.attrelid
	 JOIN pg_namespace n ON n.oid = c.relnamespace
	 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	 LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
	 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
	   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// constraints (tables and domains)
	`SELECT format('constraint %s.%s on %s: %s deferrable=%s deferred=%s',
	         n.nspname, co.conname, coalesce(co.conrelid::regclass::text, co.contypid::regtype::text),
	         pg_get_constraintdef(co.oid, true), co.condeferrable, co.condeferred)
	 FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
	 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// indexes
	`SELECT format('index %s.%s: %s', schemaname, indexname, indexdef) FROM pg_indexes
	 WHERE schemaname NOT LIKE 'pg\_%' AND schemaname NOT IN ('information_schema', 'drizzle')`,
	// enums, labels in their sort order
	`SELECT format('enum %s.%s (%s)', n.nspname, t.typname,
	         string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder))
	 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
	 GROUP BY n.nspname, t.typname`,
	// other user types (domains, composites, ranges)
	`SELECT format('type %s.%s kind=%s base=%s', n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod))
	 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	 WHERE t.typtype IN ('d', 'r', 'm') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
	   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// functions and procedures
	`SELECT format('function %s.%s(%s) returns %s kind=%s body=%s', n.nspname, p.proname,
	         pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), p.prokind, md5(p.prosrc))
	 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	 WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// triggers
	`SELECT format('trigger %s', pg_get_triggerdef(tg.oid)) FROM pg_trigger tg
	 JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE NOT tg.tgisinternal
	   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	// row level security and policies
	`SELECT format('rls %s rls=%s force=%s', c.oid::regclass, c.relrowsecurity, c.relforcerowsecurity)
	 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE (c.relrowsecurity OR c.relforcerowsecurity)
	   AND n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'drizzle')`,
	`SELECT format('policy %s.%s.%s %s %s using=%s check=%s', schemaname, tablename, policyname,
	         permissive, cmd, coalesce(qual, '-'), coalesce(with_check, '-'))
	 FROM pg_policies`,
}

func catalog(t *testing.T, ctx context.Context, conn *pgx.Conn) []string {
	t.Helper()
	var facts []string
	for _, q := range catalogQueries {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("inspect catalog: %v\n%s", err, q)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("inspect catalog: %v\n%s", err, q)
		}
		facts = append(facts, got...)
	}
	sort.Strings(facts)
	return facts
}

// diffCatalogs lists the facts only in a ("- ") and only in b ("+ ").
func diffCatalogs(a, b []string) string {
	count := map[string]int{}
	for _, f := range a {
		count[f]++
	}
	for _, f := range b {
		count[f]--
	}
	var out []string
	for f, n := range count {
		switch {
		case n > 0:
			out = append(out, "- "+f)
		case n < 0:
			out = append(out, "+ "+f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] || out[i][2:] == out[j][2:] && out[i] < out[j] })
	return strings.Join(out, "\n")
}

// TestEmbeddedFilesHaveNoCRLF guards against a checkout that converted line
// endings (core.autocrlf on Windows): the ledger hash is of the bytes, so a
// CRLF engine file would make every database's engine track look modified.
// .gitattributes marks these files -text; this test catches a build made
// from a tree where that did not hold.
func TestEmbeddedFilesHaveNoCRLF(t *testing.T) {
	var n int
	check := func(name string, b []byte) {
		n++
		if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
			line := 1 + bytes.Count(b[:i], []byte("\n"))
			t.Errorf("%s:%d: CRLF line ending; the file must be byte-exact LF (see .gitattributes: -text), re-checkout with core.autocrlf=false", name, line)
		}
	}
	for _, f := range embeddedFiles(t) {
		check("engine/migrations/"+f.Path, f.Data)
	}
	check("engine/schema.sql", []byte(DesiredSchema()))
	if n < 3 {
		t.Fatalf("checked only %d embedded files; the walk is broken", n)
	}
}
