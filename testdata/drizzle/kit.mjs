#!/usr/bin/env node
// Runs drizzle-kit 0.31 non-interactively and prints one JSON line on
// stdout; drizzle-kit's own output goes to stderr. The work is in
// kit-main.mjs, shared with ../drizzle1/kit.mjs; what is particular to 0.31
// is the version argument below.
//
//   node kit.mjs generate --schema FILE --out DIR [--name NAME]
//       -> {"command":"generate","generated":true,"file":"DIR/0003_v4.sql"}
//       -> {"command":"generate","generated":false}        ("No schema changes")
//   node kit.mjs push --schema FILE --url URL [--config-json JSON]
//       -> {"command":"push","changed":true|false}
//       (--config-json: more drizzle.config keys, e.g. {"tablesFilter":["app_*"]})
//   node kit.mjs check --out DIR
//       -> {"command":"check","ok":true}
//   node kit.mjs export --schema FILE
//       -> {"command":"export","sql":"CREATE TYPE ..."}  (drizzle-kit export's stdout)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "./kit-main.mjs";

// 0.31 reads a JSON config, and a schema file in testdata/drizzle/schema
// already resolves drizzle-orm to this folder's 0.x package.
await main(path.dirname(fileURLToPath(import.meta.url)), { configModule: false, copySchema: false, up: false });
