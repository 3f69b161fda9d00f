#!/usr/bin/env node
// Runs drizzle-orm 0.45's node-postgres migrator on a drizzle-kit folder and
// prints one JSON line: {"before":N,"after":M,"applied":M-N,"schema":...,"table":...}
// where N and M are the ledger row counts (0 when the table does not exist).
// The work is in migrate-main.mjs, shared with ../drizzle1/migrate.mjs.
//
//   node migrate.mjs --url URL --folder DIR [--schema drizzle] [--table __drizzle_migrations]
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { main } from "./migrate-main.mjs";

await main({ pg, drizzle, migrate });
