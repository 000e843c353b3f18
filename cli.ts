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
 * deno run -A cli.ts fetch [--target all|linux-arm64,...] [--cache DIR] [--base-url URL]
 *                                                   # pre-fill the native library cache
 * deno run -A cli.ts doctor [--json]                # which library loads, /dev/shm, flags
 * deno run -A cli.ts create --help                  # a command's options; `help` all commands
 * deno run -A cli.ts --version
 * ```
 *
 * On Windows `create` and `load` make persistent arrays (`CreateOptions.persistent`): a mapping
 * there lasts only while some process has it open, and the command's own process ends at once,
 * so anything else would be gone before another process could attach it. `rm` removes them.
 *
 * Exit status: 0 done, 1 failed (the message says why, on stderr), 2 bad usage. `--json`
 * prints machine-readable results on stdout instead of text.
 *
 * Values are checked before anything is done; any other spelling is bad usage. `--shape`:
 * non-negative decimal integers up to `2**53 - 1`, comma-separated (`3,4`), optionally as Python
 * prints a tuple (`(3, 4)`, `(3,)`, also `[3, 4]`); `()` or `[]` is a 0-d array, an empty value
 * is refused. `--dtype`: what {@link parseDType} takes. `--fill`: a decimal number, `nan`,
 * `inf`, `-inf`, `true` or `false`; an integer beyond `2**53 - 1` is exact (a bigint) for the
 * integer and datetime dtypes. `--order`: `C` or `F` (either case). `--mode`: octal up to 7777,
 * `600` or `0o600`.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const status = await main(["ls", "--json"]);
 * ```
 * @module
 */
import { realpathSync, statfsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  attachSharedArray,
  createSharedArray,
  deleteSharedArray,
  type DType,
  fetchNativeLibrary,
  inspectSharedArray,
  InvalidArgumentError,
  listSharedArrays,
  maxNameBytes,
  nativeLibrary,
  type NativeLibraryInfo,
  nativeSettings,
  nativeTargets,
  NpshmError,
  parseDType,
  readSharedArray,
  removeStaleSharedArrays,
  saveSharedArray,
  type SharedArrayInfo,
  VERSION,
} from "./mod.ts";

/** Bad command line: exit status 2. */
class UsageError extends Error {}

/** One option of a command: a flag, or one that takes a value (named in help by `value`). */
interface OptionSpec {
  readonly value?: string;
  readonly about: string;
}

/** What parseArgs gives for a command's options: a string per valued one, true per flag. */
type Values = Readonly<Record<string, string | boolean | undefined>>;

interface Command {
  /** The command line, after `npshm `, as the overall usage shows it. */
  readonly synopsis: string;
  readonly about: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(values: Values, positionals: string[]): number | Promise<number>;
}

const JSON_OPTION: OptionSpec = { about: "print the result as JSON" };
const DETAILS_OPTION: OptionSpec = { about: "print the new array's details as JSON" };
const FORCE_OPTION: OptionSpec = { about: "replace an array of that name" };

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

/**
 * `text` safe for a terminal: names come from anyone who can write to /dev/shm, and a name with
 * escape sequences would act on the terminal that lists it. Control and formatting characters
 * (also line breaks and bidi overrides) are shown as Python does: `\x1b`, `\u202e`.
 */
function shown(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => {
    const code = c.codePointAt(0)!;
    if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
    return code <= 0xffff
      ? `\\u${code.toString(16).padStart(4, "0")}`
      : `\\U${code.toString(16).padStart(8, "0")}`;
  });
}

function table(rows: string[][]): string {
  const cells = rows.map((r) => r.map(shown));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd())
    .join("\n");
}

function lockText(info: SharedArrayInfo): string {
  if (info.lock === "held") return `held by ${info.lockOwner}`;
  if (info.lock === "abandoned") return `abandoned by ${info.lockOwner}`;
  return info.lock;
}

function ls(values: Values, positionals: string[]): number {
  if (positionals.length > 0) throw new UsageError("takes no arguments");
  const all = listSharedArrays();
  if (values.json) {
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

function info(values: Values, positionals: string[]): number {
  if (positionals.length !== 1) throw new UsageError("needs one NAME");
  const a = inspectSharedArray(positionals[0]);
  if (values.json) {
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

function rm(values: Values, names: string[]): number {
  const stale = values["all-stale"] === true;
  if (stale === (names.length > 0)) {
    throw new UsageError("needs NAME... or --all-stale");
  }
  const removed = stale ? removeStaleSharedArrays() : [];
  const failed: { name: string; error: string }[] = [];
  for (const name of names) {
    try {
      deleteSharedArray(name, { missingOk: false });
      removed.push(name);
    } catch (err) {
      if (!(err instanceof NpshmError)) throw err;
      failed.push({ name, error: err.message });
    }
  }
  if (values.json) json({ removed, failed });
  else {
    for (const name of removed) out(`removed ${shown(name)}`);
    for (const f of failed) process.stderr.write(`npshm: rm: ${shown(f.error)}\n`);
  }
  return failed.length ? 1 : 0;
}

// What this command's process creates must outlive it: on Windows only a persistent array does.
const WINDOWS = process.platform === "win32";
const KEPT = WINDOWS ? " (persistent: kept until npshm rm)" : "";

function create(values: Values, positionals: string[]): number {
  if (positionals.length !== 1) throw new UsageError("needs one NAME");
  const { shape, dtype } = values;
  if (typeof shape !== "string" || typeof dtype !== "string") {
    throw new UsageError("needs --shape and --dtype");
  }
  const type = parseDTypeOption(dtype);
  // Every value is checked before anything is created.
  const options = {
    shape: parseShape(shape),
    dtype: type,
    fill: optional(values.fill, (text) => parseFill(text, type)),
    order: optional(values.order, parseOrder),
    mode: optional(values.mode, parseMode),
    force: values.force === true,
    persistent: WINDOWS,
  };
  using a = createSharedArray(positionals[0], options);
  if (values.json) json(inspectSharedArray(a.name));
  else out(shown(`created ${a.name} ${shapeText(a.shape)} ${a.dtype.descr}`));
  return 0;
}

function optional<T>(value: string | boolean | undefined, parse: (text: string) => T) {
  return typeof value === "string" ? parse(value) : undefined;
}

/** `--shape`: `3,4`, also as Python prints it, `(3, 4)`, `(3,)`; `()` or `[]` is 0-d. */
function parseShape(text: string): number[] {
  const bracketed = /^\((.*)\)$|^\[(.*)\]$/s.exec(text);
  const list = bracketed ? bracketed[1] ?? bracketed[2] : text;
  if (list.trim() === "") {
    if (bracketed) return [];
    throw new UsageError("--shape is empty; a 0-d array is --shape '()'");
  }
  return list.replace(/,\s*$/, "").split(",").map((item) => dimension(item.trim(), text));
}

function dimension(item: string, shape: string): number {
  const n = Number(item);
  if (/^\d+$/.test(item) && Number.isSafeInteger(n)) return n;
  const problem = item === ""
    ? "an axis length is missing"
    : /^\d+$/.test(item)
    ? `${item} is above 2**53 - 1`
    : `'${item}' is not a non-negative decimal integer`;
  throw new UsageError(`--shape '${shape}': ${problem}`);
}

function parseDTypeOption(text: string): DType {
  try {
    return parseDType(text);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`--dtype: ${err.message}`);
    throw err;
  }
}

// As NumPy prints them: str(np.float64("-inf")) is "-inf".
const NON_FINITE: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, "-inf": -Infinity };

/**
 * `--fill`: a decimal number, `nan`, `inf`, `-inf`, `true` or `false`. An integer beyond
 * `2**53 - 1` stays exact, as a bigint, where the dtype holds integers; a float rounds it.
 */
function parseFill(text: string, dtype: DType): number | bigint | boolean {
  if (text === "true" || text === "false") return text === "true";
  if (Object.hasOwn(NON_FINITE, text)) return NON_FINITE[text];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    throw new UsageError(`--fill: '${text}' is not a number, nan, inf, -inf, true or false`);
  }
  const n = Number(text);
  const integral = /^[+-]?\d+$/.test(text) && "iumM".includes(dtype.kind);
  return integral && !Number.isSafeInteger(n) ? BigInt(text) : n;
}

function parseOrder(text: string): "C" | "F" {
  const order = text.toUpperCase();
  if (order === "C" || order === "F") return order;
  throw new UsageError(`--order: '${text}' is neither C nor F`);
}

/** `--mode`: octal as chmod takes it, `600`, or as JS and Python write it, `0o600`. */
function parseMode(text: string): number {
  const digits = /^(?:0o)?([0-7]+)$/i.exec(text)?.[1];
  const mode = digits === undefined ? NaN : parseInt(digits, 8);
  if (mode <= 0o7777) return mode;
  throw new UsageError(`--mode: '${text}' is not an octal mode from 0 to 7777, such as 600`);
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

function load(values: Values, positionals: string[]): number {
  if (positionals.length !== 2) throw new UsageError("needs FILE.npy NAME");
  const [file, name] = positionals;
  if (values.force) deleteSharedArray(name);
  using a = readSharedArray(file, name, {
    acceptExisting: false,
    persistent: WINDOWS,
    onProgress: progressBar(`load ${file}`),
  });
  if (values.json) json(inspectSharedArray(a.name));
  else out(shown(`loaded ${file} into ${a.name} ${shapeText(a.shape)} ${a.dtype.descr}`));
  return 0;
}

function save(values: Values, positionals: string[]): number {
  if (positionals.length !== 2) throw new UsageError("needs NAME FILE.npy");
  const [name, file] = positionals;
  using a = attachSharedArray(name, { readOnly: true });
  saveSharedArray(a, file, { onProgress: progressBar(`save ${file}`) });
  if (values.json) json({ saved: name, file, bytes: a.byteLength });
  else out(shown(`saved ${name} to ${file}`));
  return 0;
}

/** `--target` names besides Node's: macos-* and windows-*. */
const TARGET_ALIASES: Readonly<Record<string, string>> = {
  "macos-x64": "darwin-x64",
  "macos-arm64": "darwin-arm64",
  "windows-x64": "win32-x64",
};

function fetchTargets(text: string): string[] {
  if (text === "all") return nativeTargets();
  const targets = text.split(",").map((t) => TARGET_ALIASES[t] ?? t);
  const unknown = targets.filter((t) => !nativeTargets().includes(t));
  if (unknown.length) {
    throw new UsageError(`unknown target ${unknown}: all, or ${nativeTargets().join(", ")}`);
  }
  return targets;
}

async function fetchCommand(values: Values, positionals: string[]): Promise<number> {
  if (positionals.length) throw new UsageError("fetch takes no positional arguments");
  const targets = fetchTargets(
    optional(values.target, String) ?? `${process.platform}-${process.arch}`,
  );
  const options = {
    cacheDir: optional(values.cache, String),
    baseUrl: optional(values["base-url"], String),
  };
  const fetched: Record<string, string> = {};
  for (const target of targets) fetched[target] = await fetchNativeLibrary(target, options);
  if (values.json) json(fetched);
  else out(table(Object.entries(fetched)));
  return 0;
}

const WHY: Readonly<Record<string, string>> = {
  "NPSHM_LIB": "NPSHM_LIB is set",
  "npm package": "the npm package brings it",
  "local build": "a local build next to the sources (deno task build)",
  "cache": "the cache (its sha256 is the pinned one)",
};

/** /dev/shm's size and free bytes, or where this OS keeps shared memory instead. */
function shmSpace(): { size: number; free: number } | string {
  // Neither has a file system of shared memory to measure: its room is the machine's memory.
  if (process.platform === "win32") {
    return "no /dev/shm: named mappings in the paging file (persistent arrays: files)";
  }
  if (process.platform === "darwin") return "no /dev/shm: POSIX shared memory in the kernel";
  try {
    const s = statfsSync("/dev/shm");
    return { size: s.blocks * s.bsize, free: s.bavail * s.bsize };
  } catch (err) {
    return `no /dev/shm here (${(err as Error).message})`;
  }
}

function staleArrays(): string[] | string {
  try {
    return listSharedArrays().filter((a) => a.stale).map((a) => a.name);
  } catch (err) {
    return (err as Error).message;
  }
}

/** The Deno flags a user of npshm needs: to load the library, and to fetch it once. */
function denoFlags(cacheDir: string, baseUrl: string, envVars: readonly string[]) {
  const load = ["--allow-ffi", `--allow-env=${envVars.join(",")}`, `--allow-read=${cacheDir}`];
  const host = /^https?:/.test(baseUrl) ? new URL(baseUrl).host : "";
  return { load, firstRun: [`--allow-net=${host}`, `--allow-write=${cacheDir}`] };
}

function doctor(values: Values, positionals: string[]): number {
  if (positionals.length) throw new UsageError("doctor takes no positional arguments");
  let library: NativeLibraryInfo | string;
  try {
    library = nativeLibrary();
  } catch (err) {
    if (!(err instanceof NpshmError)) throw err;
    library = err.message;
  }
  const settings = nativeSettings();
  const report = {
    version: VERSION,
    target: `${process.platform}-${process.arch}`,
    library,
    why: typeof library === "string" ? undefined : WHY[library.source],
    ...settings,
    shm: shmSpace(),
    maxNameBytes: maxNameBytes(),
    stale: staleArrays(),
    deno: denoFlags(settings.cacheDir, settings.baseUrl, settings.envVars),
  };
  if (values.json) json(report);
  else out(doctorText(report));
  return typeof library === "string" ? 1 : 0;
}

function doctorText(r: {
  version: string;
  target: string;
  library: NativeLibraryInfo | string;
  why?: string;
  cacheDir: string;
  baseUrl: string;
  shm: { size: number; free: number } | string;
  maxNameBytes: number;
  stale: string[] | string;
  deno: { load: string[]; firstRun: string[] };
}): string {
  const lib = r.library;
  const lines = typeof lib === "string" ? [["library", `NONE: ${lib}`]] : [
    ["library", lib.path],
    ["  because", r.why ?? ""],
    ["  sha256", `${lib.sha256}${lib.sha256 === lib.releaseSha256 ? " (the release build)" : ""}`],
    ["  stamp", `0x${lib.stamp.toString(16).padStart(8, "0")}`],
  ];
  const shm = typeof r.shm === "string"
    ? r.shm
    : `${bytes(r.shm.size)}, ${bytes(r.shm.free)} free` +
      (r.shm.size < 2 ** 30
        ? " (small: Docker's default is 64 MiB; docker run --shm-size=2g enlarges it)"
        : "");
  const stale = typeof r.stale === "string"
    ? r.stale
    : r.stale.length
    ? `${r.stale.join(", ")} (npshm rm --all-stale removes them)`
    : "none";
  return table([
    ["npshm", `${r.version} on ${r.target}`],
    ...lines,
    ["cache", r.cacheDir],
    ["release URL", r.baseUrl],
    ["/dev/shm", shm],
    ["name limit", `${r.maxNameBytes} bytes`],
    ["stale arrays", stale],
    ["deno flags", r.deno.load.join(" ")],
    ["  first run", `also ${r.deno.firstRun.join(" ")}`],
  ]);
}

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ["ls", {
    synopsis: "ls [--json]",
    about: "list the NumPy-format shared arrays",
    options: { json: JSON_OPTION },
    run: ls,
  }],
  ["info", {
    synopsis: "info NAME [--json]",
    about: "one array: header, size, trackers, lock",
    options: { json: JSON_OPTION },
    run: info,
  }],
  ["rm", {
    synopsis: "rm NAME... | --all-stale [--json]",
    about: "remove names (users keep their memory)",
    options: {
      "all-stale": {
        about: "remove instead arrays whose trackers all died, and orphaned temporaries",
      },
      json: { about: "print {removed, failed} as JSON" },
    },
    run: rm,
  }],
  ["create", {
    synopsis: "create NAME --shape S --dtype D [options]",
    about: `create a shared array${KEPT}`,
    options: {
      shape: { value: "S", about: "axis lengths, comma-separated: 3,4 or (3, 4); () is 0-d" },
      dtype: { value: "D", about: "a NumPy dtype: float32, <f8, int16, u1, bool, S10, ..." },
      fill: {
        value: "V",
        about: "every element's first value: a number, nan, inf, -inf, true, false",
      },
      order: { value: "C|F", about: "memory order: C row-major (the default), F column-major" },
      mode: { value: "M", about: "permissions in octal, up to 7777: 600 (the default), 0o644" },
      force: FORCE_OPTION,
      json: DETAILS_OPTION,
    },
    run: create,
  }],
  ["load", {
    synopsis: "load FILE.npy NAME [--force] [--json]",
    about: `copy a .npy file into a new shared array${KEPT}`,
    options: { force: FORCE_OPTION, json: DETAILS_OPTION },
    run: load,
  }],
  ["save", {
    synopsis: "save NAME FILE.npy [--json]",
    about: "write a shared array to a .npy file",
    options: { json: JSON_OPTION },
    run: save,
  }],
  ["fetch", {
    synopsis: "fetch [--target all|OS-ARCH,...] [--cache DIR] [--base-url URL] [--json]",
    about: "download and verify the native library into the cache",
    options: {
      target: { value: "T", about: "all, or e.g. linux-x64,linux-arm64 (default: this one)" },
      cache: { value: "DIR", about: "the cache directory (default: NPSHM_CACHE or the usual)" },
      "base-url": { value: "URL", about: "where releases are served (default: NPSHM_BASE_URL)" },
      json: { about: "print {target: path} as JSON" },
    },
    run: fetchCommand,
  }],
  ["doctor", {
    synopsis: "doctor [--json]",
    about: "which native library loads and why, /dev/shm, stale arrays, Deno flags",
    options: { json: JSON_OPTION },
    run: doctor,
  }],
]);

const USAGE = `usage: npshm <command> [options]
${
  table([
    ...[...COMMANDS.values()].map((c) => [`  ${c.synopsis}`, c.about]),
    ["  help [COMMAND]", "this text, or COMMAND's options"],
    ["  --version", "print the version"],
  ])
}
exit status: 0 done, 1 failed, 2 bad usage`;

function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(([key, o]) => [
    `  --${key}${o.value ? ` ${o.value}` : ""}`,
    o.about,
  ]);
  return `usage: npshm ${command.synopsis}
${command.about}
options:
${table([...options, ["  -h, --help", "print this help"]])}`;
}

/** The command's options and positionals, by its option table; bad ones are a UsageError. */
function parseCommandLine(command: Command, args: string[]) {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [key, o] of Object.entries(command.options)) {
    options[key] = { type: o.value ? "string" : "boolean" };
  }
  try {
    const { values, positionals } = parseArgs({
      args: negativeValuesInline(command, args),
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    // The runtimes' parseArgs (Bun's is a port of Node's) mark bad command lines by code.
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError((err as Error).message);
    }
    throw err;
  }
}

/**
 * `--fill -7` as `--fill=-7`: strict parseArgs takes a value starting with a dash for a
 * forgotten value followed by an option, but a negative number is never one of our options.
 */
function negativeValuesInline(command: Command, args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") return [...joined, ...args.slice(i)];
    const key = args[i].startsWith("--") ? args[i].slice(2) : "";
    const valued = Object.hasOwn(command.options, key) && command.options[key].value !== undefined;
    if (valued && /^-(\d|\.\d|inf$)/.test(args[i + 1] ?? "")) {
      joined.push(`${args[i]}=${args[++i]}`);
    } else joined.push(args[i]);
  }
  return joined;
}

function runCommand(command: Command, args: string[]): number | Promise<number> {
  const { values, positionals } = parseCommandLine(command, args);
  if (values.help) {
    out(commandHelp(command));
    return 0;
  }
  return command.run(values, positionals);
}

function help(topics: string[]): number {
  if (topics.length > 1) throw new UsageError("help takes at most one COMMAND");
  if (topics.length === 0) {
    out(USAGE);
    return 0;
  }
  const command = COMMANDS.get(topics[0]);
  if (!command) throw new UsageError(`unknown command '${topics[0]}'`);
  out(commandHelp(command));
  return 0;
}

/**
 * Runs one command line (without the program name); returns the exit status.
 *
 * @example
 * ```ts
 * await main(["rm", "--all-stale"]); // 0
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  const command = COMMANDS.get(name);
  try {
    if (command) return await runCommand(command, rest);
    if (name === "help" || name === "--help" || name === "-h") return help(rest);
    if (name === "--version") {
      if (rest.length > 0) throw new UsageError("--version takes no arguments");
      out(`npshm ${VERSION}`);
      return 0;
    }
    throw new UsageError(name === undefined ? "no command given" : `unknown command '${name}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        command
          ? `npshm: ${name}: ${err.message}\nusage: npshm ${command.synopsis}\n` +
            `(npshm ${name} --help lists its options)\n`
          : `npshm: ${err.message}\n${USAGE}\n`,
      );
      return 2;
    }
    if (err instanceof NpshmError) {
      process.stderr.write(`npshm: ${name}: ${shown(err.message)}\n`);
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

if (isEntry()) process.exitCode = await main(process.argv.slice(2));
