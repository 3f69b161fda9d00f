package tracks_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/tracks"
)

// liveObject is an object of the long-names schema as PostgreSQL stores it,
// with the statement that drops it.
type liveObject struct {
	kind, name, table, drop string
}

// liveObjects lists the columns, indexes and constraints of the tables of
// the long-names schema, under the names PostgreSQL gave them.
func liveObjects(t *testing.T, ctx context.Context, q pgx.Tx) []liveObject {
	t.Helper()
	rows, err := q.Query(ctx, `
select 'column', a.attname::text, c.relname::text from pg_attribute a join pg_class c on c.oid = a.attrelid
  where c.relname like 'customer_subscription_%' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
union all select case k.contype when 'p' then 'primaryKey' when 'u' then 'unique' when 'f' then 'foreignKey' else 'check' end,
  k.conname::text, c.relname::text from pg_constraint k join pg_class c on c.oid = k.conrelid
  where c.relname like 'customer_subscription_%' and k.contype in ('p','u','f','c')
union all select 'index', i.relname::text, c.relname::text from pg_index x join pg_class i on i.oid = x.indexrelid
  join pg_class c on c.oid = x.indrelid
  where c.relname like 'customer_subscription_%' and not exists (select from pg_constraint k where k.conindid = x.indexrelid)
order by 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var out []liveObject
	for rows.Next() {
		var o liveObject
		if err := rows.Scan(&o.kind, &o.name, &o.table); err != nil {
			t.Fatal(err)
		}
		tbl, nm := pgx.Identifier{o.table}.Sanitize(), pgx.Identifier{o.name}.Sanitize()
		switch o.kind {
		case "column":
			o.drop = "ALTER TABLE " + tbl + " DROP COLUMN " + nm + " CASCADE"
		case "index":
			o.drop = "DROP INDEX " + nm
		default:
			o.drop = "ALTER TABLE " + tbl + " DROP CONSTRAINT " + nm + " CASCADE"
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// drizzle-kit's generated names often pass PostgreSQL's 63-byte identifier
// limit; PostgreSQL truncates them (and shortens the parts of the names it
// chooses itself, as for an unnamed inline UNIQUE). A freshly migrated
// database verifies clean with folders from the real drizzle-kit 0.31 and
// 1.0, and each object dropped is reported under its stored name.
func TestVerifyLongNames(t *testing.T) {
	for _, layout := range []string{"drizzle0", "drizzle1"} {
		for _, name := range []string{tracks.Engine, tracks.Client} {
			t.Run(layout+"/"+name, func(t *testing.T) {
				dir := "../testdata/verify/longnames/" + layout
				ctx := ctxT(t)
				db, ts, _ := migratedClean(t, ctx, name, dir)
				tx, err := db.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				objs := liveObjects(t, ctx, tx)
				tx.Rollback(ctx)
				if len(objs) < 10 {
					t.Fatalf("catalog lists %d objects: %+v", len(objs), objs)
				}
				for _, o := range objs {
					t.Run(o.kind+" "+o.name, func(t *testing.T) {
						rep := verifyDamaged(t, ctx, db, ts, o.drop)
						sc := rep.Track(name).SchemaCheck
						found := false
						for _, m := range sc.Missing {
							// A unique PostgreSQL named itself is reported under the
							// snapshot's name, with PostgreSQL's in the detail.
							named := m.Name == o.name || strings.HasPrefix(m.Detail, "or "+o.name+",")
							found = found || (m.Kind == o.kind && named && m.Table == "public."+o.table)
						}
						if !found || !rep.Problems() {
							t.Fatalf("dropped %s %s: missing = %+v", o.kind, o.name, sc.Missing)
						}
					})
				}
			})
		}
	}
}

// The integrity items of missing objects name their table: a probe reading
// only status --json's integrity list can tell which column is gone.
func TestVerifyIntegrityItemsNameTheTable(t *testing.T) {
	db := connect(t, newDB(t))
	ctx := ctxT(t)
	ts := []tracks.Loaded{client(t, verifyFolder())}
	mustApply(t, ctx, db, ts)
	if _, err := db.Exec(ctx, `ALTER TABLE "notes" DROP COLUMN "body"; DROP INDEX "tickets_owner_idx"; DROP TABLE "tickets" CASCADE`); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, ctx, db, ts)
	want := []string{"table public.tickets (0000_tickets)", "column public.notes.body (0001_notes)"}
	for _, p := range rep.Integrity {
		if p.Kind == string(tracks.MissingObjects) {
			for _, w := range want {
				if !slices.Contains(p.Items, w) {
					t.Errorf("items %q lack %q", p.Items, w)
				}
			}
			return
		}
	}
	t.Fatalf("no missing_objects problem: %+v", rep.Integrity)
}
