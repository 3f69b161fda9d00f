// The body of migrate.mjs here and in ../drizzle1: runs drizzle-orm's
// node-postgres migrator on a drizzle-kit folder and prints one JSON line,
// {"before":N,"after":M,"applied":M-N,"schema":...,"table":...}, where N and
// M are the ledger row counts (0 when the table does not exist).
//
// The caller passes its own pg and drizzle-orm: imported here they would
// resolve to this folder's 0.x packages whichever folder runs the script.
import { runScript } from "./lib.mjs";

export function main({ pg, drizzle, migrate }) {
  return runScript(
    "migrate",
    {
      url: { type: "string" },
      folder: { type: "string" },
      schema: { type: "string", default: "drizzle" },
      table: { type: "string", default: "__drizzle_migrations" },
    },
    ["url", "folder"],
    async (opts) => {
      const client = new pg.Client({ connectionString: opts.url, application_name: "hogsend-node-drizzle-migrate" });
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
        // drizzle({ client }) is the form both 0.45 and 1.0 accept.
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
    },
  );
}
