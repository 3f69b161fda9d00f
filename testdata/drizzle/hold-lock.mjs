#!/usr/bin/env node
// Takes pg_advisory_lock(key) on a connection whose application_name is
// 'hogsend-node-migrate', prints "locked", holds the lock for --seconds (or
// until stdin, when it is a pipe, reaches EOF, or SIGTERM/SIGINT), then
// unlocks, prints "unlocked" and exits 0.
//
//   node hold-lock.mjs --url URL [--key 4812007] [--seconds 60]
import { fstatSync } from "node:fs";
import pg from "pg";
import { runScript } from "./lib.mjs";

await runScript(
  "hold-lock",
  {
    url: { type: "string" },
    key: { type: "string", default: "4812007" },
    seconds: { type: "string", default: "60" },
  },
  ["url"],
  async (opts) => {
    if (!/^-?\d+$/.test(opts.key)) throw new Error(`--key must be an integer, got ${JSON.stringify(opts.key)}`);
    const seconds = Number(opts.seconds);
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--seconds must be a non-negative number`);

    const client = new pg.Client({ connectionString: opts.url, application_name: "hogsend-node-migrate" });
    await client.connect();
    await client.query("select pg_advisory_lock($1::bigint)", [opts.key]);
    process.stdout.write("locked\n");

    await new Promise((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      process.once("SIGTERM", done);
      process.once("SIGINT", done);
      // Only a pipe (a parent holding the other end) signals "release" by
      // closing; /dev/null or a terminal would end the hold at once or never.
      const st = fstatSync(0);
      if (st.isFIFO() || st.isSocket()) {
        process.stdin.on("end", done).on("close", done).on("error", done).resume();
      }
    });
    process.stdin.destroy();

    await client.query("select pg_advisory_unlock($1::bigint)", [opts.key]);
    await client.end();
    process.stdout.write("unlocked\n");
    process.exit(0);
  },
);
