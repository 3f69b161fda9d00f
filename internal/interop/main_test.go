package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/clitest"
	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/internal/schemastate"
)

// TestMain builds hogsend-db once per test binary (clitest.Bin).
func TestMain(m *testing.M) { os.Exit(clitest.Main(m, "interop")) }

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// root is the module root, located from this source file.
func root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate own source file")
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// The folders the scenarios use.
func kitFolder(t testing.TB) string    { return filepath.Join(drizzletest.Dir(t), "migrations") }
func engineFolder(t testing.TB) string { return filepath.Join(root(t), "engine", "migrations") }
func interopData(t testing.TB, rel string) string {
	return filepath.Join(root(t), "testdata", "interop", filepath.FromSlash(rel))
}

// Ledger tables as the drizzle-orm migrator is told to use them.
const (
	ledgerSchema = "drizzle"
	engineLedger = "__drizzle_migrations" // drizzle-orm's default, the engine track's
	clientLedger = "__client_migrations"
)

// copyFolder copies a migrations folder into a fresh temp dir, so that a
// test can let tools write into it, and returns the copy.
func copyFolder(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "migrations")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// hogsend runs hogsend-db to completion (at most three minutes) in a temp
// working directory, so no stray ./migrations is picked up.
func hogsend(t testing.TB, args ...string) clitest.Result {
	t.Helper()
	return clitest.Start(t, "", nil, args...).Wait(t, 3*time.Minute)
}

// mustExit runs hogsend-db and fails the test unless it exits with want.
func mustExit(t testing.TB, want int, args ...string) clitest.Result {
	t.Helper()
	r := hogsend(t, args...)
	if r.Code != want {
		t.Fatalf("hogsend-db %s: want exit %d\n%s", args[0], want, r)
	}
	return r
}

// trackState is one track of `status --json` (and of the health block).
type trackState struct {
	Applied       *string           `json:"applied"`
	Required      *string           `json:"required"`
	InSync        bool              `json:"inSync"`
	Pending       []string          `json:"pending"`
	Ledger        string            `json:"ledger"`
	LedgerExists  bool              `json:"ledgerExists"`
	OutOfOrder    []string          `json:"outOfOrder"`
	Modified      []string          `json:"modified"`
	Ahead         []json.RawMessage `json:"ahead"`
	Unknown       []json.RawMessage `json:"unknown"`
	NullCreatedAt []json.RawMessage `json:"nullCreatedAt"`
	NotIncreasing []string          `json:"notIncreasing"`
	Schema        *struct {
		Verified bool              `json:"verified"`
		Reason   string            `json:"reason"`
		Snapshot string            `json:"snapshot"`
		Missing  []json.RawMessage `json:"missing"`
	} `json:"schema"`
}

type statusDoc struct {
	Status string                 `json:"status"`
	Schema map[string]*trackState `json:"schema"`
}

// status runs `hogsend-db status --json args...` and decodes the document.
func status(t testing.TB, url string, args ...string) (statusDoc, clitest.Result) {
	t.Helper()
	r := hogsend(t, append([]string{"status", "--json", "--database-url", url}, args...)...)
	var doc statusDoc
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatalf("status --json: decode: %v\n%s", err, r)
	}
	return doc, r
}

// track returns one track of doc or fails.
func (d statusDoc) track(t testing.TB, name string) *trackState {
	t.Helper()
	s := d.Schema[name]
	if s == nil {
		t.Fatalf("status document has no %q track: %+v", name, d)
	}
	return s
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// ledgerRow is one drizzle ledger row.
type ledgerRow struct {
	ID        int64
	Hash      string
	CreatedAt int64
	Null      bool // created_at is NULL
}

func (r ledgerRow) String() string {
	c := fmt.Sprint(r.CreatedAt)
	if r.Null {
		c = "NULL"
	}
	return fmt.Sprintf("(%d, %s, %s)", r.ID, r.Hash, c)
}

// ledger reads drizzle.<table> in id order; a missing table is nil.
func ledger(t testing.TB, url, table string) []ledgerRow {
	t.Helper()
	c := pgtest.Connect(t, url)
	ctx := context.Background()
	qualified := pgx.Identifier{ledgerSchema, table}.Sanitize()
	var exists bool
	if err := c.QueryRow(ctx, "select to_regclass($1) is not null", qualified).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		return nil
	}
	return pgtest.Rows(t, c, func(r pgx.CollectableRow) (ledgerRow, error) {
		var l ledgerRow
		var c *int64
		err := r.Scan(&l.ID, &l.Hash, &c)
		if c == nil {
			l.Null = true
		} else {
			l.CreatedAt = *c
		}
		return l, err
	}, "select id, hash, created_at::bigint from "+qualified+" order by id")
}

// queryBool evaluates a boolean SQL expression in the database.
func queryBool(t testing.TB, url, expr string) bool {
	t.Helper()
	var b bool
	if err := pgtest.Connect(t, url).QueryRow(context.Background(), "select "+expr).Scan(&b); err != nil {
		t.Fatalf("select %s: %v", expr, err)
	}
	return b
}

// sameSchema fails unless Atlas sees no difference between the two
// databases (outside the drizzle schema).
func sameSchema(t testing.TB, wantURL, gotURL string) {
	t.Helper()
	ctx := context.Background()
	want, err := schemastate.Inspect(ctx, wantURL)
	if err != nil {
		t.Fatal(err)
	}
	got, err := schemastate.Inspect(ctx, gotURL)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := schemastate.Diff(got, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		var b strings.Builder
		for _, c := range changes {
			fmt.Fprintf(&b, "  %T %+v\n", c, c)
		}
		t.Errorf("schemas differ (changes that turn got into want):\n%s", b.String())
	}
}

// catalog is an Atlas-independent picture of the public schema, in the
// server's own words, with column positions: identical for two databases
// built by the same statements.
func catalog(t testing.TB, url string) []string {
	t.Helper()
	const q = `
select 'column ' || c.relname || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
       || case when a.attnotnull then ' not null' else '' end
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
       || case a.attidentity when 'a' then ' identity always' when 'd' then ' identity by default' else '' end
  from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
 where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
union all
select 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
  from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = 'public'
union all
select 'index ' || pg_get_indexdef(i.indexrelid)
  from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = 'public'
union all
select 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' order by e.enumsortorder)
  from pg_enum e join pg_type t on t.oid = e.enumtypid join pg_namespace n on n.oid = t.typnamespace
 where n.nspname = 'public' group by t.typname
union all
select 'sequence ' || s.relname || ' ' || format_type(q.seqtypid, null) || ' ' || q.seqstart || ' ' || q.seqincrement
  from pg_sequence q join pg_class s on s.oid = q.seqrelid join pg_namespace n on n.oid = s.relnamespace
 where n.nspname = 'public'
order by 1`
	out := pgtest.Rows(t, pgtest.Connect(t, url), pgx.RowTo[string], q)
	if len(out) == 0 {
		t.Fatal("catalog: the public schema is empty")
	}
	return out
}

// sameCatalog fails unless catalog(a) == catalog(b), naming the lines that
// differ.
func sameCatalog(t testing.TB, wantURL, gotURL string) {
	t.Helper()
	want, got := catalog(t, wantURL), catalog(t, gotURL)
	if slices.Equal(want, got) {
		return
	}
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "  only in want: %s\n", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "  only in got:  %s\n", l)
		}
	}
	t.Errorf("catalogs differ:\n%s", b.String())
}

// journalTags lists the tags of a folder's journal, in journal order.
func journalTags(t testing.TB, folder string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(folder, "meta", "_journal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Entries []struct {
			Tag string `json:"tag"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, e := range j.Entries {
		tags = append(tags, e.Tag)
	}
	return tags
}

// The steps shared by the tests in which hogsend-db generate writes into a
// drizzle-kit folder what drizzle-kit would write from a TypeScript schema
// (generate_test.go, generate1_test.go, export_test.go), for either pinned
// drizzle (V0: a journal; V1: a folder per migration).

// migrationNames lists dir's migrations in drizzle's order: the journal's
// tags (V0) or the migration folders (V1).
func migrationNames(t testing.TB, tools drizzletest.Tools, dir string) []string {
	t.Helper()
	if tools == drizzletest.V1 {
		return folderNames(t, dir)
	}
	return journalTags(t, dir)
}

// migrationSQL reads the SQL file of dir's newest migration.
func migrationSQL(t testing.TB, tools drizzletest.Tools, dir string) []byte {
	t.Helper()
	names := migrationNames(t, tools, dir)
	file := filepath.Join(dir, names[len(names)-1]+".sql")
	if tools == drizzletest.V1 {
		file = filepath.Join(dir, names[len(names)-1], "migration.sql")
	}
	sql, _ := os.ReadFile(file) // only for a failure message
	return sql
}

// kitFindsNothing checks a folder hogsend-db generate wrote from the same
// schema as schemaTS the way a drizzle-kit user would: drizzle-kit check
// accepts it, and drizzle-kit generate with schemaTS finds nothing to do
// and leaves the migrations as they were. A change found means the
// snapshot hogsend-db wrote does not hold drizzle-kit's own texts.
func kitFindsNothing(t testing.TB, tools drizzletest.Tools, schemaTS, dir string) {
	t.Helper()
	before := migrationNames(t, tools, dir)
	tools.Check(t, dir)
	if tools.Generate(t, schemaTS, dir, "after_hogsend") {
		t.Fatalf("drizzle-kit (testdata/%s) generate with %s found changes after hogsend-db generate (the snapshot does not hold drizzle-kit's own texts):\n%s",
			tools, filepath.Base(schemaTS), migrationSQL(t, tools, dir))
	}
	if got := migrationNames(t, tools, dir); !slices.Equal(got, before) {
		t.Fatalf("drizzle-kit (testdata/%s) generate changed the migrations: %v, was %v", tools, got, before)
	}
}

// wroteNothing fails unless r, a second hogsend-db generate of the same
// schema, exited 0 saying so and left dir's migrations as want.
func wroteNothing(t testing.TB, tools drizzletest.Tools, dir string, want []string, r clitest.Result) {
	t.Helper()
	if r.Code != 0 || !strings.Contains(r.Stdout, "no schema changes") {
		t.Errorf("a second generate: want exit 0 and no schema changes\n%s", r)
	}
	if got := migrationNames(t, tools, dir); !slices.Equal(got, want) {
		t.Errorf("a second generate wrote %v\n%s", got, r)
	}
}

// drizzleBuilds applies dir with drizzle-orm (tools) to a fresh database,
// failing unless it applies all n migrations, builds desiredSQL in another
// fresh database, and compares the two with same (sameSchema or
// sameCatalog). It returns both databases.
func drizzleBuilds(t testing.TB, tools drizzletest.Tools, dir string, n int, desiredSQL string, same func(t testing.TB, wantURL, gotURL string)) (db, desired *pgtest.DB) {
	t.Helper()
	db = pgtest.New(t)
	if before, after := tools.Migrate(t, db.URL, dir, ledgerSchema, clientLedger); before != 0 || after != n {
		t.Fatalf("drizzle-orm (testdata/%s) applied %d..%d, want 0..%d", tools, before, after, n)
	}
	desired = pgtest.New(t)
	desired.Exec(t, desiredSQL)
	same(t, desired.URL, db.URL)
	return db, desired
}

// drizzleApplies runs drizzle-orm's migrator and returns how many rows it
// added to the ledger.
func drizzleApplies(t testing.TB, url, folder, table string) int {
	t.Helper()
	before, after := drizzletest.Migrate(t, url, folder, ledgerSchema, table)
	return after - before
}

// truncateJournal keeps the first n entries of a folder's journal (the SQL
// files of the others stay, as on a checkout of an older commit they would
// not, which no tool minds).
func truncateJournal(t testing.TB, folder string, n int) {
	t.Helper()
	path := filepath.Join(folder, "meta", "_journal.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var j struct {
		Version string            `json:"version"`
		Dialect string            `json:"dialect"`
		Entries []json.RawMessage `json:"entries"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if n > len(j.Entries) {
		t.Fatalf("journal has %d entries, cannot keep %d", len(j.Entries), n)
	}
	j.Entries = j.Entries[:n]
	out, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// kit1Base is a new drizzle-kit 1.0 migrations folder holding one migration
// drizzle-kit 1.0 wrote from support-base.ts (support.ts's enum alone).
func kit1Base(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "migrations")
	if !drizzletest.V1.Generate(t, schemaFile(t, "support-base"), dir, "base") {
		t.Fatal("drizzle-kit 1.0 generate wrote no first migration from support-base.ts")
	}
	return dir
}
