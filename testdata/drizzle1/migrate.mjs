#!/usr/bin/env node
// Runs drizzle-orm 1.0's node-postgres migrator (folder-per-migration layout;
// it upgrades a version-0 ledger first) on a drizzle-kit folder and
// prints one JSON line: {"before":N,"after":M,"applied":M-N,"schema":...,"table":...}
// where N and M are the ledger row counts (0 when the table does not exist).
//
//   node migrate.mjs --url URL --folder DIR [--schema drizzle] [--table __drizzle_migrations]
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { parse, fail } from "../drizzle/lib.mjs";

let url;
try {
  const opts = parse(
    process.argv.slice(2),
    {
      url: { type: "string" },
      folder: { type: "string" },
      schema: { type: "string", default: "drizzle" },
      table: { type: "string", default: "__drizzle_migrations" },
    },
    ["url", "folder"],
  );
  url = opts.url;
  const client = new pg.Client({ connectionString: url, application_name: "hogsend-node-drizzle-migrate" });
  await client.connect();
  try {
    const count = async () => {
      const ident = (s) => `"${s.replaceAll('"', '""')}"`;
      const qualified = `${ident(opts.schema)}.${ident(opts.table)}`;
      const exists = await client.query("select to_regclass($1) is not null as ok", [qualified]);
      if (!exists.rows[0].ok) return 0;
      const res = await client.query(`select count(*)::int as n from ${qualified}`);
      return res.rows[0].n;
    };
    const before = await count();
    await migrate(drizzle({ client }), {
      migrationsFolder: opts.folder,
      migrationsSchema: opts.schema,
      migrationsTable: opts.table,
    });
    const after = await count();
    process.stdout.write(
      JSON.stringify({ before, after, applied: after - before, schema: opts.schema, table: opts.table }) + "\n",
    );
  } finally {
    await client.end();
  }
} catch (err) {
  fail("migrate", err, url);
}
