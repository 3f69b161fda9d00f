#!/usr/bin/env node
// Runs the real drizzle-kit non-interactively and prints one JSON line on
// stdout; drizzle-kit's own output goes to stderr. drizzle-kit exits 0 after
// many failures (a SQL error during push, a prompt without a TTY, a schema
// that does not compile), so success is judged from its output: each command
// must print its success line and no error.
//
//   node kit.mjs generate --schema FILE --out DIR [--name NAME]
//       -> {"command":"generate","generated":true,"file":"DIR/0003_v4.sql"}
//       -> {"command":"generate","generated":false}        ("No schema changes")
//   node kit.mjs push --schema FILE --url URL
//       -> {"command":"push","changed":true|false}
//   node kit.mjs check --out DIR
//       -> {"command":"check","ok":true}
//   node kit.mjs up --out DIR          (0.x folder -> 1.0 layout, in place)
//       -> {"command":"up","ok":true}
//   node kit.mjs export --schema FILE
//       -> {"command":"export","sql":"CREATE TYPE ..."}  (drizzle-kit export's stdout)
//
// Relative paths are relative to the caller's working directory. drizzle-kit
// itself runs in this folder with a relative "out" (it breaks on an absolute
// one: it reads "./" + out), and with stdin closed.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, fail, redact } from "../drizzle/lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const kitBin = path.join(here, "node_modules", "drizzle-kit", "bin.cjs");
const timeoutMs = Number(process.env.KIT_TIMEOUT_MS || 120000);

// relOut turns a user path into one relative to this folder, as drizzle-kit
// needs for "out".
const relOut = (p) => path.relative(here, path.resolve(p)) || ".";

// stripAnsi removes the spinner's cursor codes and any colour.
// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

// Lines that mean drizzle-kit failed whatever its exit code: its own " Error "
// badge, a thrown JS error or a pg error printed with its stack.
const errorPattern = /(^|\n)\s*(Error\b|error:|\w*Error:)|Interactive prompts require a TTY/;

function runKit(command, config, extraArgs, url) {
  const dir = mkdtempSync(path.join(tmpdir(), "hogsend-kit-"));
  // drizzle-kit 1.0 imports its config as a module: a .json one needs an
  // import attribute it does not pass, so the config is a one-line .mjs.
  const configFile = path.join(dir, "drizzle.config.mjs");
  writeFileSync(configFile, "export default " + JSON.stringify(config) + ";\n", { mode: 0o600 });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [kitBin, command, "--config", configFile, ...extraArgs], {
      cwd: here,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NO_COLOR: "1",
        FORCE_COLOR: "0",
        // lets a schema file outside this folder import drizzle-orm
        NODE_PATH: path.join(here, "node_modules"),
      },
    });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (d) => {
      output += d;
      stdout += d;
    });
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      output += `\n(kit: killed after ${timeoutMs}ms; drizzle-kit was probably waiting for input)`;
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      const text = redact(stripAnsi(output), url ?? "");
      process.stderr.write(text.endsWith("\n") || text === "" ? text : text + "\n");
      resolve({ code, signal, text, stdout });
    });
  });
}

function check(result, what, successPattern) {
  if (result.code !== 0 || result.signal) {
    throw new Error(`drizzle-kit ${what} exited with ${result.signal ?? `code ${result.code}`}`);
  }
  if (errorPattern.test(result.text)) {
    throw new Error(`drizzle-kit ${what} printed an error (exit code 0)`);
  }
  const m = result.text.match(successPattern);
  if (!m) {
    throw new Error(`drizzle-kit ${what} did not print its success line`);
  }
  return m;
}

// isolate copies a schema file into a fresh folder outside the repository:
// imported from testdata/drizzle/schema, "drizzle-orm" would resolve to
// the 0.x package there; from the copy it resolves through NODE_PATH to
// this folder's 1.0 package.
const copies = [];
function isolate(file) {
  const dir = mkdtempSync(path.join(tmpdir(), "hogsend-kit1-schema-"));
  copies.push(dir);
  const copy = path.join(dir, path.basename(file));
  copyFileSync(path.resolve(file), copy);
  return copy;
}
process.on("exit", () => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));

const [command, ...args] = process.argv.slice(2);
let url;
try {
  let out;
  switch (command) {
    case "generate": {
      const o = parse(args, { schema: { type: "string" }, out: { type: "string" }, name: { type: "string" } }, [
        "schema",
        "out",
      ]);
      const res = await runKit(
        "generate",
        { dialect: "postgresql", schema: isolate(o.schema), out: relOut(o.out) },
        o.name ? ["--name", o.name] : [],
      );
      const m = check(res, "generate", /Your SQL migration(?: file)? ➜ (\S+\.sql)|No schema changes, nothing to migrate/);
      out = m[1]
        ? { command, generated: true, file: path.relative(process.cwd(), path.resolve(here, m[1])) }
        : { command, generated: false };
      break;
    }
    case "push": {
      const o = parse(args, { schema: { type: "string" }, url: { type: "string" } }, ["schema", "url"]);
      url = o.url;
      const res = await runKit(
        "push",
        {
          dialect: "postgresql",
          schema: isolate(o.schema),
          dbCredentials: { url: o.url },
          strict: false,
          verbose: false,
        },
        // --force accepts data-loss statements without the prompt that would
        // otherwise fail for want of a TTY. Rename questions still prompt
        // and so still fail (detected above).
        ["--force"],
        o.url,
      );
      const m = check(res, "push", /\[✓\] Changes applied|\[i\] No changes detected/);
      out = { command, changed: m[0].includes("Changes applied") };
      break;
    }
    case "check": {
      const o = parse(args, { out: { type: "string" } }, ["out"]);
      const res = await runKit("check", { dialect: "postgresql", out: relOut(o.out) }, []);
      check(res, "check", /Everything's fine/);
      out = { command, ok: true };
      break;
    }
    case "up": {
      const o = parse(args, { out: { type: "string" } }, ["out"]);
      const res = await runKit("up", { dialect: "postgresql", out: relOut(o.out) }, []);
      check(res, "up", /Everything's fine/);
      out = { command, ok: true };
      break;
    }
    case "export": {
      // drizzle-kit export prints the SQL of the whole schema on stdout and
      // nothing else; it has no success line, so success is exit 0, no
      // error printed, and some SQL.
      const o = parse(args, { schema: { type: "string" } }, ["schema"]);
      const res = await runKit("export", { dialect: "postgresql", schema: isolate(o.schema) }, []);
      if (res.code !== 0 || res.signal) {
        throw new Error(`drizzle-kit export exited with ${res.signal ?? `code ${res.code}`}`);
      }
      if (errorPattern.test(res.text)) {
        throw new Error("drizzle-kit export printed an error (exit code 0)");
      }
      const sql = stripAnsi(res.stdout);
      if (!/\bCREATE\b/.test(sql)) {
        throw new Error("drizzle-kit export printed no SQL");
      }
      out = { command, sql };
      break;
    }
    default:
      throw new Error(`usage: kit.mjs generate|push|check|up|export ... (got ${JSON.stringify(command ?? "")})`);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
} catch (err) {
  fail("kit", err, url);
}
