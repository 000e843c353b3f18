/**
 * `npshm`: the shared arrays of this machine from the shell.
 *
 * ```sh
 * deno run -A cli.ts ls [--json]                    # table of the NumPy-format segments
 * deno run -A cli.ts info NAME [--json]             # header, size, trackers, lock state
 * deno run -A cli.ts rm NAME... | rm --all-stale    # remove names / those left by crashes
 * deno run -A cli.ts create NAME --shape 3,4 --dtype float32 [--fill V] [--order F]
 *                                [--mode 644] [--force]
 * deno run -A cli.ts load FILE.npy NAME [--force]   # a .npy file into shared memory
 * deno run -A cli.ts save NAME FILE.npy             # a shared array to a .npy file
 * ```
 *
 * Exit status: 0 done, 1 failed (the message says why, on stderr), 2 bad usage. `--json`
 * prints machine-readable results on stdout instead of text.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const status = main(["ls", "--json"]);
 * ```
 * @module
 */
import { realpathSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  inspectSharedArray,
  listSharedArrays,
  NpshmError,
  readSharedArray,
  removeStaleSharedArrays,
  saveSharedArray,
  type SharedArrayInfo,
} from "./mod.ts";

const USAGE = `usage: npshm <command> [options]
  ls [--json]                       list the NumPy-format shared arrays
  info NAME [--json]                one array: header, size, trackers, lock
  rm NAME... [--json]               remove names (users keep their memory)
  rm --all-stale [--json]           remove arrays no live process tracks any more
  create NAME --shape 3,4 --dtype float32 [--fill V] [--order C|F] [--mode 600] [--force]
  load FILE.npy NAME [--force]      copy a .npy file into a new shared array
  save NAME FILE.npy                write a shared array to a .npy file
exit status: 0 done, 1 failed, 2 bad usage`;

/** Bad command line: exit status 2. */
class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUED = new Set(["shape", "dtype", "fill", "order", "mode"]);

function parse(args: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--") || a === "--") {
      positional.push(a);
      continue;
    }
    const [key, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!VALUED.has(key)) flags.set(key, true);
    else if (inline !== undefined) flags.set(key, inline);
    else if (i + 1 < args.length) flags.set(key, args[++i]);
    else throw new UsageError(`--${key} needs a value`);
  }
  return { positional, flags };
}

function only(p: Parsed, allowed: string[]): void {
  for (const key of p.flags.keys()) {
    if (!allowed.includes(key)) throw new UsageError(`unknown option --${key}`);
  }
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

function json(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd())
    .join("\n");
}

function lockText(info: SharedArrayInfo): string {
  if (info.lock === "held") return `held by ${info.lockOwner}`;
  if (info.lock === "abandoned") return `abandoned by ${info.lockOwner}`;
  return info.lock;
}

function ls(p: Parsed): number {
  only(p, ["json"]);
  if (p.positional.length > 0) throw new UsageError("ls takes no arguments");
  const all = listSharedArrays();
  if (p.flags.has("json")) {
    json(all);
    return 0;
  }
  const rows = [["NAME", "SHAPE", "DTYPE", "SIZE", "CREATED", "TRACKERS", "LOCK"]];
  for (const a of all) {
    rows.push([
      a.name,
      shapeText(a.shape),
      a.dtype,
      bytes(a.bytes),
      a.createdAt.toISOString().replace("T", " ").slice(0, 19),
      a.stale ? "stale" : String(a.trackers.length),
      lockText(a),
    ]);
  }
  out(all.length === 0 ? "no shared arrays" : table(rows));
  return 0;
}

function info(p: Parsed): number {
  only(p, ["json"]);
  if (p.positional.length !== 1) throw new UsageError("info takes one NAME");
  const a = inspectSharedArray(p.positional[0]);
  if (p.flags.has("json")) {
    json(a);
    return 0;
  }
  out(table([
    ["name", a.name],
    ["shape", shapeText(a.shape)],
    ["dtype", a.dtype],
    ["order", a.fortranOrder ? "F" : "C"],
    ["size", `${bytes(a.bytes)} (${a.bytes} bytes, data ${a.dataBytes})`],
    ["created", a.createdAt.toISOString()],
    ["made by", a.npshm ? "npshm" : "NumPy / another tool (no control block)"],
    ["trackers", a.trackers.length ? a.trackers.join(", ") : a.stale ? "none (stale)" : "none"],
    ["lock", lockText(a)],
  ]));
  return 0;
}

function rm(p: Parsed): number {
  only(p, ["json", "all-stale"]);
  const stale = p.flags.has("all-stale");
  if (stale === (p.positional.length > 0)) {
    throw new UsageError("rm takes NAME... or --all-stale");
  }
  const removed = stale ? removeStaleSharedArrays() : [];
  const failed: { name: string; error: string }[] = [];
  for (const name of p.positional) {
    try {
      deleteSharedArray(name, { missingOk: false });
      removed.push(name);
    } catch (err) {
      if (!(err instanceof NpshmError)) throw err;
      failed.push({ name, error: err.message });
    }
  }
  if (p.flags.has("json")) json({ removed, failed });
  else {
    for (const name of removed) out(`removed ${name}`);
    for (const f of failed) process.stderr.write(`npshm: rm: ${f.error}\n`);
  }
  return failed.length ? 1 : 0;
}

function create(p: Parsed): number {
  only(p, ["shape", "dtype", "fill", "order", "mode", "force", "json"]);
  if (p.positional.length !== 1) throw new UsageError("create takes one NAME");
  const shapeFlag = p.flags.get("shape"), dtype = p.flags.get("dtype");
  if (typeof shapeFlag !== "string" || typeof dtype !== "string") {
    throw new UsageError("create needs --shape and --dtype");
  }
  const shape = shapeFlag.replace(/^[([]|[)\]]$/g, "").split(/[,x ]+/).filter(Boolean).map(
    (s) => {
      if (!/^\d+$/.test(s)) throw new UsageError(`--shape: '${s}' is not a whole number`);
      return Number(s);
    },
  );
  const mode = p.flags.get("mode");
  const order = p.flags.get("order");
  const fill = p.flags.get("fill");
  using a = createSharedArray(p.positional[0], {
    shape,
    dtype,
    force: p.flags.has("force"),
    fill: typeof fill === "string" ? fillValue(fill) : undefined,
    order: typeof order === "string" ? (order.toUpperCase() as "C" | "F") : undefined,
    mode: typeof mode === "string" ? parseInt(mode, 8) : undefined,
  });
  if (p.flags.has("json")) json(inspectSharedArray(a.name));
  else out(`created ${a.name} ${shapeText(a.shape)} ${a.dtype.descr}`);
  return 0;
}

function fillValue(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return BigInt(text);
  const n = Number(text);
  if (Number.isNaN(n) && text !== "nan") throw new UsageError(`--fill: '${text}' is not a number`);
  return n;
}

function progressBar(what: string): ((done: number, total: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (done, total) => {
    const share = total === 0 ? 1 : done / total;
    const bar = "#".repeat(Math.round(share * 30)).padEnd(30, ".");
    const end = done >= total ? "\n" : "";
    process.stderr.write(
      `\r${what} [${bar}] ${Math.floor(share * 100)}% ${bytes(done)} / ${bytes(total)}${end}`,
    );
  };
}

function load(p: Parsed): number {
  only(p, ["force", "json"]);
  if (p.positional.length !== 2) throw new UsageError("load takes FILE.npy NAME");
  const [file, name] = p.positional;
  if (p.flags.has("force")) deleteSharedArray(name);
  using a = readSharedArray(file, name, {
    acceptExisting: false,
    onProgress: progressBar(`load ${file}`),
  });
  if (p.flags.has("json")) json(inspectSharedArray(a.name));
  else out(`loaded ${file} into ${a.name} ${shapeText(a.shape)} ${a.dtype.descr}`);
  return 0;
}

function save(p: Parsed): number {
  only(p, ["json"]);
  if (p.positional.length !== 2) throw new UsageError("save takes NAME FILE.npy");
  const [name, file] = p.positional;
  using a = attachSharedArray(name, { readOnly: true });
  saveSharedArray(a, file, { onProgress: progressBar(`save ${file}`) });
  if (p.flags.has("json")) json({ saved: name, file, bytes: a.byteLength });
  else out(`saved ${name} to ${file}`);
  return 0;
}

const COMMANDS: Record<string, (p: Parsed) => number> = { ls, info, rm, create, load, save };

/**
 * Runs one command line (without the program name); returns the exit status.
 *
 * @example
 * ```ts
 * main(["rm", "--all-stale"]); // 0
 * ```
 */
export function main(args: string[]): number {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      out(USAGE);
      return command === undefined ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}'`);
    return run(parse(rest));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`npshm: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof NpshmError) {
      process.stderr.write(`npshm: ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Deno and Bun say whether this is the entry module; on Node compare real paths, since npm's
// `.bin/npshm` is a symlink to this file.
function isEntry(): boolean {
  const flag = (import.meta as { main?: boolean }).main;
  if (flag !== undefined) return flag;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) process.exitCode = main(process.argv.slice(2));
