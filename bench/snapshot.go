package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hogsend/hogsend-db/engine"
	"github.com/hogsend/hogsend-db/journal"
	"github.com/hogsend/hogsend-db/tracks"
	"github.com/hogsend/hogsend-db/verify"
)

// writeSnapshot gives the corpus the drizzle-kit v7 snapshot its last
// migration would have (drizzle-kit writes one per migration), read from
// the migrated database's catalog: the client tables (not the engine's),
// their columns, indexes and constraints, and the enums. status then
// verifies the client track as it would in a real app.
func writeSnapshot(ctx context.Context, dbURL, dir, tag, engineTag string) error {
	eng, err := verify.Folder{FS: engine.Migrations()}.Load(engineTag)
	if err != nil {
		return err
	}
	engineTables := map[string]bool{}
	for _, t := range eng.Tables {
		engineTables[t.Name] = true
	}
	engineEnums := map[string]bool{}
	for _, e := range eng.Enums {
		engineEnums[e.Name] = true
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	obj := func() map[string]any { return map[string]any{} }
	tables := obj()
	table := func(name string) map[string]any {
		if t, ok := tables["public."+name].(map[string]any); ok {
			return t
		}
		t := map[string]any{"name": name, "schema": "", "columns": obj(), "indexes": obj(), "foreignKeys": obj(),
			"compositePrimaryKeys": obj(), "uniqueConstraints": obj(), "policies": obj(), "checkConstraints": obj(), "isRLSEnabled": false}
		tables["public."+name] = t
		return t
	}
	rows, err := conn.Query(ctx, `select c.relname::text, 'c', a.attname::text, a.attnotnull, pg_catalog.format_type(a.atttypid, a.atttypmod)
  from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid
  where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
union all select t.relname::text, 'i', i.relname::text, false, ''
  from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = 'public' and not exists (select from pg_constraint k where k.conindid = i.oid)
union all select t.relname::text, k.contype::text, k.conname::text, false, ''
  from pg_constraint k join pg_class t on t.oid = k.conrelid join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = 'public' and k.contype in ('p', 'u', 'f', 'c')`)
	if err != nil {
		return err
	}
	kinds := map[string]string{"i": "indexes", "p": "compositePrimaryKeys", "u": "uniqueConstraints", "f": "foreignKeys", "c": "checkConstraints"}
	for rows.Next() {
		var tbl, kind, name, typ string
		var notNull bool
		if err := rows.Scan(&tbl, &kind, &name, &notNull, &typ); err != nil {
			return err
		}
		if engineTables[tbl] {
			continue
		}
		t := table(tbl)
		if kind == "c" && typ != "" {
			t["columns"].(map[string]any)[name] = map[string]any{"name": name, "type": strings.TrimPrefix(typ, "public."), "primaryKey": false, "notNull": notNull}
			continue
		}
		t[kinds[kind]].(map[string]any)[name] = map[string]any{"name": name}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	enums := obj()
	rows, err = conn.Query(ctx, `select t.typname::text, array_agg(e.enumlabel::text order by e.enumsortorder)
  from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
  where n.nspname = 'public' group by t.typname`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		var labels []string
		if err := rows.Scan(&name, &labels); err != nil {
			return err
		}
		if !engineEnums[name] {
			enums["public."+name] = map[string]any{"name": name, "schema": "public", "values": labels}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(map[string]any{"id": "bench", "prevId": "00000000-0000-0000-0000-000000000000",
		"version": "7", "dialect": "postgresql", "tables": tables, "enums": enums, "schemas": obj(), "sequences": obj(),
		"roles": obj(), "policies": obj(), "views": obj(), "_meta": map[string]any{"columns": obj(), "schemas": obj(), "tables": obj()}}, "", "  ")
	if err != nil {
		return err
	}
	if len(tables) == 0 {
		return fmt.Errorf("snapshot: no client tables in the catalog")
	}
	return os.WriteFile(filepath.Join(dir, filepath.FromSlash(verify.Folder{}.Path(tag))), data, 0o644)
}

// objects counts what the newest snapshots of the tracks name (tables,
// columns, indexes, constraints, enums and labels).
func objects(ts []tracks.Loaded) int {
	n := 0
	for _, t := range ts {
		ms := t.Journal.Migrations
		e, err := verify.Folder{FS: t.Source, PerMigration: t.Journal.Layout == journal.LayoutFolders}.Load(ms[len(ms)-1].Tag)
		if err != nil {
			continue
		}
		for _, tb := range e.Tables {
			n += 1 + len(tb.Columns) + len(tb.Indexes) + len(tb.Constraints)
		}
		for _, en := range e.Enums {
			n += 1 + len(en.Labels)
		}
	}
	return n
}
