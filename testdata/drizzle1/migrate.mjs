#!/usr/bin/env node
// Runs drizzle-orm 1.0's node-postgres migrator (folder-per-migration layout;
// it upgrades a version-0 ledger first) on a drizzle-kit folder and
// prints one JSON line: {"before":N,"after":M,"applied":M-N,"schema":...,"table":...}
// where N and M are the ledger row counts (0 when the table does not exist).
// The work is in ../drizzle/migrate-main.mjs, shared with ../drizzle/migrate.mjs;
// the imports below are this folder's 1.0 packages.
//
//   node migrate.mjs --url URL --folder DIR [--schema drizzle] [--table __drizzle_migrations]
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { main } from "../drizzle/migrate-main.mjs";

await main({ pg, drizzle, migrate });
