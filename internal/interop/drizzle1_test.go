package interop

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/internal/drizzletest"
	"github.com/hogsend/hogsend-db/internal/pgtest"
	"github.com/hogsend/hogsend-db/journal"
	ledgerpkg "github.com/hogsend/hogsend-db/ledger"
)

// upFolder copies the 0.x folder of testdata/drizzle and converts the copy
// with drizzle-kit 1.0's `up`: the 1.0 layout of the same migrations.
func upFolder(t testing.TB) string {
	t.Helper()
	dir := copyFolder(t, kitFolder(t))
	var res struct {
		OK bool `json:"ok"`
	}
	drizzletest.V1.Kit(t, &res, "up", "--out", dir)
	if fileExists(filepath.Join(dir, "meta", "_journal.json")) {
		t.Fatal("drizzle-kit up left meta/_journal.json")
	}
	return dir
}

// folderNames lists the 1.0 migration folders of dir in drizzle's order.
func folderNames(t testing.TB, dir string) []string {
	t.Helper()
	j, err := journal.Open(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if j.Layout != journal.LayoutFolders {
		t.Fatalf("%s is not in the 1.0 layout", dir)
	}
	return j.Tags()
}

// namedRow is a version-1 ledger row without its id and applied_at.
type namedRow struct {
	Hash      string
	CreatedAt int64
	Name      string // "" for NULL
}

// namedLedger reads drizzle.<table> with its name column, in id order.
func namedLedger(t testing.TB, url, table string) []namedRow {
	t.Helper()
	return pgtest.Rows(t, pgtest.Connect(t, url), pgx.RowToStructByPos[namedRow],
		"select hash, created_at::bigint, coalesce(name, '') from "+pgx.Identifier{ledgerSchema, table}.Sanitize()+" order by id")
}

// ledgerColumns describes a ledger table's columns as information_schema does.
func ledgerColumns(t testing.TB, url, table string) []string {
	t.Helper()
	return pgtest.Rows(t, pgtest.Connect(t, url), pgx.RowTo[string], `select column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
		from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`, ledgerSchema, table)
}

// hogsend-db and drizzle-orm 1.0, each first on a 1.0 folder, write the
// same version-1 ledger (hash, created_at, name), and the other then has
// nothing to apply.
func TestDrizzle1SameLedger(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	dir := upFolder(t)
	names := folderNames(t, dir)

	byDrizzle := pgtest.New(t)
	if before, after := drizzletest.V1.Migrate(t, byDrizzle.URL, dir, ledgerSchema, clientLedger); before != 0 || after != len(names) {
		t.Fatalf("drizzle-orm 1.0 applied %d..%d, want 0..%d", before, after, len(names))
	}
	byHogsend := pgtest.New(t)
	r := mustExit(t, 0, "migrate", "--database-url", byHogsend.URL, "--track", "client", "--dir", dir)
	for _, n := range names {
		if !strings.Contains(r.Stderr, "client: applied "+n) {
			t.Errorf("migrate did not report %s as applied:\n%s", n, r)
		}
	}

	want, got := namedLedger(t, byDrizzle.URL, clientLedger), namedLedger(t, byHogsend.URL, clientLedger)
	if len(want) != len(names) || want[0].Name != names[0] {
		t.Fatalf("drizzle-orm 1.0 wrote %+v", want)
	}
	if !slices.Equal(want, got) {
		t.Errorf("ledgers differ\ndrizzle-orm 1.0: %+v\nhogsend-db:      %+v", want, got)
	}
	if w, g := ledgerColumns(t, byDrizzle.URL, clientLedger), ledgerColumns(t, byHogsend.URL, clientLedger); !slices.Equal(w, g) {
		t.Errorf("ledger tables differ\ndrizzle-orm 1.0: %v\nhogsend-db:      %v", w, g)
	}
	if !queryBool(t, byHogsend.URL, "(select bool_and(applied_at is not null) from drizzle.__client_migrations)") {
		t.Error("hogsend-db left applied_at NULL; drizzle-orm 1.0 fills it with now()")
	}
	sameCatalog(t, byDrizzle.URL, byHogsend.URL)

	if before, after := drizzletest.V1.Migrate(t, byHogsend.URL, dir, ledgerSchema, clientLedger); after != before {
		t.Errorf("drizzle-orm 1.0 applied %d migrations after hogsend-db", after-before)
	}
	doc, r := status(t, byDrizzle.URL, "--track", "client", "--dir", dir)
	if r.Code != 0 || !doc.track(t, "client").InSync {
		t.Errorf("status after drizzle-orm 1.0: want exit 0, in sync\n%s", r)
	}
	r = mustExit(t, 0, "migrate", "--database-url", byDrizzle.URL, "--track", "client", "--dir", dir)
	if strings.Contains(r.Stderr, ": applied ") {
		t.Errorf("migrate applied something after drizzle-orm 1.0:\n%s", r)
	}
}

// A database migrated by drizzle-orm 0.x whose folder then went through
// drizzle-kit up: hogsend-db finds it in sync, applies a new 1.0 migration
// without touching the version-0 ledger's columns, and drizzle-orm 1.0 then
// upgrades the ledger without error and re-runs nothing.
func TestDrizzle1UpgradeAfterUp(t *testing.T) {
	t.Parallel()
	drizzletest.V1.Require(t)
	db := pgtest.New(t)
	drizzleApplies(t, db.URL, kitFolder(t), clientLedger)
	dir := upFolder(t)

	doc, r := status(t, db.URL, "--track", "client", "--dir", dir)
	if r.Code != 0 || !doc.track(t, "client").InSync {
		t.Fatalf("status of the 0.x database with the converted folder: want exit 0, in sync\n%s", r)
	}
	// The version-8 snapshots drizzle-kit up wrote are read, and every
	// object they name is found: no false alarm after a conversion.
	if sc := doc.track(t, "client").Schema; sc == nil || !sc.Verified || len(sc.Missing) != 0 || !strings.HasSuffix(sc.Snapshot, "_v4") {
		t.Fatalf("schema check of the converted folder: %+v\n%s", sc, r)
	}

	next := journal.FolderName(time.Now(), "v5")
	if err := os.MkdirAll(filepath.Join(dir, next), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, next, "migration.sql"), []byte("CREATE TABLE \"hogsend_v5\" (\"id\" integer);"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustExit(t, 0, "migrate", "--database-url", db.URL, "--track", "client", "--dir", dir)
	if !strings.Contains(r.Stderr, "client: applied "+next) || strings.Count(r.Stderr, ": applied ") != 1 {
		t.Fatalf("migrate: want only %s applied\n%s", next, r)
	}
	if cols := ledgerColumns(t, db.URL, clientLedger); len(cols) != 3 {
		t.Fatalf("hogsend-db changed the version-0 ledger: %v", cols)
	}

	before, after := drizzletest.V1.Migrate(t, db.URL, dir, ledgerSchema, clientLedger)
	if before != 5 || after != 5 {
		t.Fatalf("drizzle-orm 1.0 went from %d to %d rows, want 5 to 5 (nothing re-run)", before, after)
	}
	rows := namedLedger(t, db.URL, clientLedger)
	names := folderNames(t, dir)
	for i, row := range rows {
		if row.Name != names[i] {
			t.Errorf("row %d: drizzle-orm 1.0's upgrade named it %q, want %q", i+1, row.Name, names[i])
		}
	}
	doc, r = status(t, db.URL, "--track", "client", "--dir", dir)
	if r.Code != 0 || !doc.track(t, "client").InSync {
		t.Errorf("status after drizzle-orm 1.0's upgrade: want exit 0, in sync\n%s", r)
	}
}

// The version-1 DDL is drizzle-orm 1.0's own, read from the installed
// package: the column list between the parentheses, byte for byte.
func TestDrizzle1LedgerDDL(t *testing.T) {
	drizzletest.V1.Require(t)
	src, err := os.ReadFile(filepath.Join(drizzletest.V1.Dir(t), "node_modules", "drizzle-orm", "pg-core", "async", "session.js"))
	if err != nil {
		t.Fatal(err)
	}
	const head = "CREATE TABLE IF NOT EXISTS ${sql.identifier(migrationsSchema)}.${sql.identifier(migrationsTable)} ("
	_, rest, ok := strings.Cut(string(src), head)
	if !ok {
		t.Fatal("drizzle-orm 1.0's migrate no longer holds its CREATE TABLE template")
	}
	body, _, _ := strings.Cut(rest, "`")
	body = strings.TrimRight(body, "\t\n")
	ours := ledgerpkg.EnsureVersionSQL(ledgerpkg.ClientTable, true, ledgerpkg.Version1)
	_, oursBody, _ := strings.Cut(ours, " (")
	if oursBody != body {
		t.Errorf("DDL differs\ndrizzle-orm 1.0: %q\nhogsend-db:      %q", body, oursBody)
	}
}
