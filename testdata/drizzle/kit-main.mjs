// The body of kit.mjs here and in ../drizzle1: runs the real drizzle-kit
// installed in a package folder non-interactively and prints one JSON line
// on stdout; drizzle-kit's own output goes to stderr. drizzle-kit exits 0
// after many failures (a SQL error during push, a prompt without a TTY, a
// schema that does not compile), so success is judged from its output: each
// command must print its success line and no error.
//
// Relative paths are relative to the caller's working directory. drizzle-kit
// itself runs in the package folder with a relative "out" (it breaks on an
// absolute one: it reads "./" + out), and with stdin closed.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, fail, redact } from "./lib.mjs";

const timeoutMs = Number(process.env.KIT_TIMEOUT_MS || 120000);

// stripAnsi removes the spinner's cursor codes and any colour.
// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

// Lines that mean drizzle-kit failed whatever its exit code: its own " Error "
// badge, a thrown JS error or a pg error printed with its stack.
const errorPattern = /(^|\n)\s*(Error\b|error:|\w*Error:)|Interactive prompts require a TTY/;

// generated matches generate's two outcomes. 0.31 prints "Your SQL
// migration file ➜ DIR/0003_v4.sql", 1.0 "Your SQL migration ➜ DIR/…/migration.sql".
const generated = /Your SQL migration(?: file)? ➜ (\S+\.sql)|No schema changes, nothing to migrate/;

// check throws unless drizzle-kit exited 0, printed no error and, when
// successPattern is given, printed its success line, which it returns.
function check(result, what, successPattern) {
  if (result.code !== 0 || result.signal) {
    throw new Error(`drizzle-kit ${what} exited with ${result.signal ?? `code ${result.code}`}`);
  }
  if (errorPattern.test(result.text)) {
    throw new Error(`drizzle-kit ${what} printed an error (exit code 0)`);
  }
  if (!successPattern) return null;
  const m = result.text.match(successPattern);
  if (!m) {
    throw new Error(`drizzle-kit ${what} did not print its success line`);
  }
  return m;
}

// main runs the command in process.argv with the drizzle-kit installed in
// dir (a package folder with node_modules). version holds what differs
// between drizzle-kit versions:
//   configModule  write drizzle.config.mjs (1.0 imports its config as a
//                 module; a .json one needs an import attribute it does not
//                 pass) instead of drizzle.config.json (0.31)
//   copySchema    copy the schema file out of the repository first, so that
//                 its "drizzle-orm" import resolves through NODE_PATH to
//                 dir's package, not to ../drizzle's 0.x beside the file
//   up            offer `up` (0.x folder -> 1.0 layout, in place)
export async function main(dir, version) {
  const kitBin = path.join(dir, "node_modules", "drizzle-kit", "bin.cjs");
  // relOut turns a user path into one relative to dir, as drizzle-kit needs
  // for "out".
  const relOut = (p) => path.relative(dir, path.resolve(p)) || ".";

  const copies = [];
  process.on("exit", () => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const schemaPath = (file) => {
    if (!version.copySchema) return path.resolve(file);
    const copyDir = mkdtempSync(path.join(tmpdir(), "hogsend-kit1-schema-"));
    copies.push(copyDir);
    const copy = path.join(copyDir, path.basename(file));
    copyFileSync(path.resolve(file), copy);
    return copy;
  };

  const runKit = (command, config, extraArgs, url) => {
    const tmp = mkdtempSync(path.join(tmpdir(), "hogsend-kit-"));
    let configFile;
    if (version.configModule) {
      configFile = path.join(tmp, "drizzle.config.mjs");
      writeFileSync(configFile, "export default " + JSON.stringify(config) + ";\n", { mode: 0o600 });
    } else {
      configFile = path.join(tmp, "drizzle.config.json");
      writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });
    }
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [kitBin, command, "--config", configFile, ...extraArgs], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          NO_COLOR: "1",
          FORCE_COLOR: "0",
          // lets a schema file outside dir import drizzle-orm
          NODE_PATH: path.join(dir, "node_modules"),
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
        rmSync(tmp, { recursive: true, force: true });
        reject(err);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        rmSync(tmp, { recursive: true, force: true });
        const text = redact(stripAnsi(output), url ?? "");
        process.stderr.write(text.endsWith("\n") || text === "" ? text : text + "\n");
        resolve({ code, signal, text, stdout });
      });
    });
  };

  // outFolderCommand is a command that takes only --out and says
  // "Everything's fine" (check, up).
  const outFolderCommand = (command) => async (args) => {
    const o = parse(args, { out: { type: "string" } }, ["out"]);
    check(await runKit(command, { dialect: "postgresql", out: relOut(o.out) }, []), command, /Everything's fine/);
    return { command, ok: true };
  };

  let url;
  const commands = {
    async generate(args) {
      const o = parse(args, { schema: { type: "string" }, out: { type: "string" }, name: { type: "string" } }, [
        "schema",
        "out",
      ]);
      const res = await runKit(
        "generate",
        { dialect: "postgresql", schema: schemaPath(o.schema), out: relOut(o.out) },
        o.name ? ["--name", o.name] : [],
      );
      const m = check(res, "generate", generated);
      return m[1]
        ? { command: "generate", generated: true, file: path.relative(process.cwd(), path.resolve(dir, m[1])) }
        : { command: "generate", generated: false };
    },
    async push(args) {
      const o = parse(
        args,
        { schema: { type: "string" }, url: { type: "string" }, "config-json": { type: "string" } },
        ["schema", "url"],
      );
      url = o.url;
      const extra = o["config-json"] ? JSON.parse(o["config-json"]) : {};
      const res = await runKit(
        "push",
        {
          dialect: "postgresql",
          schema: schemaPath(o.schema),
          dbCredentials: { url: o.url },
          strict: false,
          verbose: false,
          ...extra,
        },
        // --force accepts data-loss statements without the prompt that would
        // otherwise fail for want of a TTY. Rename questions still prompt
        // and so still fail (detected by check).
        ["--force"],
        o.url,
      );
      const m = check(res, "push", /\[✓\] Changes applied|\[i\] No changes detected/);
      return { command: "push", changed: m[0].includes("Changes applied") };
    },
    check: outFolderCommand("check"),
    ...(version.up ? { up: outFolderCommand("up") } : {}),
    async export(args) {
      // drizzle-kit export prints the SQL of the whole schema on stdout and
      // nothing else; it has no success line, so success is exit 0, no
      // error printed, and some SQL.
      const o = parse(args, { schema: { type: "string" } }, ["schema"]);
      const res = await runKit("export", { dialect: "postgresql", schema: schemaPath(o.schema) }, []);
      check(res, "export");
      const sql = stripAnsi(res.stdout);
      if (!/\bCREATE\b/.test(sql)) {
        throw new Error("drizzle-kit export printed no SQL");
      }
      return { command: "export", sql };
    },
  };

  const [command, ...args] = process.argv.slice(2);
  try {
    if (!Object.hasOwn(commands, command ?? "")) {
      const names = Object.keys(commands).join("|");
      throw new Error(`usage: kit.mjs ${names} ... (got ${JSON.stringify(command ?? "")})`);
    }
    const out = await commands[command](args);
    process.stdout.write(JSON.stringify(out) + "\n");
  } catch (err) {
    fail("kit", err, url);
  }
}
