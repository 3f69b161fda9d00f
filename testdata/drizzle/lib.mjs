// Shared helpers for the scripts in this folder and ../drizzle1. Not a
// public API. Nothing here imports an npm package: a bare import would
// resolve to this folder's node_modules even when ../drizzle1 runs it.
import { parseArgs } from "node:util";

// parse wraps util.parseArgs: unknown flags and stray positionals are errors,
// and every option listed in required must be present.
export function parse(args, options, required = []) {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (positionals.length > 0) {
    throw new Error(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  for (const name of required) {
    if (values[name] === undefined || values[name] === "") {
      throw new Error(`--${name} is required`);
    }
  }
  return values;
}

// redact replaces the password of url everywhere in text, so a failing
// script never echoes a credential.
export function redact(text, url) {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return text;
  }
  if (!password) return text;
  return text.split(password).join("xxxxx").split(encodeURIComponent(password)).join("xxxxx");
}

// fail prints "<script>: <message>" on stderr and exits 1. The stack is left
// out (set HOGSEND_NODE_DEBUG=1 for it); a PostgreSQL error keeps its SQLSTATE.
export function fail(script, err, url) {
  let message = String(err);
  if (err instanceof Error) {
    message = process.env.HOGSEND_NODE_DEBUG === "1" ? (err.stack ?? err.message) : err.message;
    if (typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code)) message += ` (SQLSTATE ${err.code})`;
  }
  process.stderr.write(`${script}: ${url ? redact(message, url) : message}\n`);
  process.exit(1);
}

// runScript parses the command line with options (see parse) and runs body
// with the values; any failure goes through fail, with the password of
// --url redacted.
export async function runScript(script, options, required, body) {
  let url;
  try {
    const opts = parse(process.argv.slice(2), options, required);
    url = opts.url;
    await body(opts);
  } catch (err) {
    fail(script, err, url);
  }
}
