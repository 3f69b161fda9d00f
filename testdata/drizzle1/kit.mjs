#!/usr/bin/env node
// Runs drizzle-kit 1.0 non-interactively and prints one JSON line on
// stdout; drizzle-kit's own output goes to stderr. The work is in
// ../drizzle/kit-main.mjs, shared with ../drizzle/kit.mjs; what is
// particular to 1.0 is the version argument below.
//
//   node kit.mjs generate --schema FILE --out DIR [--name NAME]
//       -> {"command":"generate","generated":true,"file":"DIR/<timestamp>_NAME/migration.sql"}
//       -> {"command":"generate","generated":false}        ("No schema changes")
//   node kit.mjs push --schema FILE --url URL [--config-json JSON]
//       -> {"command":"push","changed":true|false}
//   node kit.mjs check --out DIR
//       -> {"command":"check","ok":true}
//   node kit.mjs up --out DIR          (0.x folder -> 1.0 layout, in place)
//       -> {"command":"up","ok":true}
//   node kit.mjs export --schema FILE
//       -> {"command":"export","sql":"CREATE TYPE ..."}  (drizzle-kit export's stdout)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../drizzle/kit-main.mjs";

// 1.0 imports its config as a module; the schema files live in
// ../drizzle/schema, where "drizzle-orm" would resolve to 0.x, so they are
// copied out first; 1.0 has `up`.
await main(path.dirname(fileURLToPath(import.meta.url)), { configModule: true, copySchema: true, up: true });
