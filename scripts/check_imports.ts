/**
 * Checks that the library's imports follow its layers (the "Layers" table of the design
 * contract): no import cycle among the project's modules, type-only imports included, and no
 * import that runs up the layer order or breaks one of the {@link POLICY} rules. Reads the
 * module graph `deno info --json` gives for {@link ENTRY_POINTS}, prints one line per problem
 * and a summary line, and exits with 1 when there is a problem.
 *
 * ```sh
 * deno run --allow-run --allow-env scripts/check_imports.ts
 * ```
 *
 * (`--allow-env` because `node:child_process` hands the environment on to `deno info`.)
 *
 * The check itself ({@link checkImports}) is a pure function of the graph, tested with small
 * made-up graphs on every runtime; only the command line part runs `deno info`.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * Which imports are allowed. Paths are relative to the repository root; a pattern ending in
 * `/` (a folder, any depth) or `:` (a scheme such as `node:`) matches by prefix, `src/*.ts`
 * matches the files directly in `src/`, anything else matches one path exactly.
 */
export interface Policy {
  /** Top to bottom: a module may import from its own layer or a lower one. */
  layers: { name: string; files: string[] }[];
  /** Limits beyond the order, for `files` but not `except`: either `only` or `deny`. */
  rules: { files: string[]; except?: string[]; only?: string[]; deny?: string[]; why: string }[];
  /** Pure logic: must not reach `ffi`, not even through other modules. */
  pure: string[];
  /** What touches native code. */
  ffi: string[];
}

/** The layers of the design contract, with the folder names of `src/`. */
export const POLICY: Policy = {
  layers: [
    { name: "public API", files: ["mod.ts", "cli.ts"] },
    { name: "entry points", files: ["src/*.ts"] },
    { name: "sync, files", files: ["src/sync/", "src/npy/"] },
    { name: "segments", files: ["src/os/"] },
    { name: "arrays", files: ["src/array/"] },
    { name: "format", files: ["src/format/"] },
  ],
  rules: [
    { files: ["cli.ts"], only: ["mod.ts", "node:"], why: "cli.ts uses the public API only" },
    {
      files: ["ffi/"],
      deny: ["src/", "mod.ts", "cli.ts"],
      why: "ffi/ imports nothing from src/, mod.ts or cli.ts",
    },
    {
      files: ["src/"],
      except: ["src/os/", "src/sync/"],
      deny: ["ffi/"],
      why: "only the system-call layers src/os/ and src/sync/ import ffi/",
    },
  ],
  pure: ["src/format/", "src/array/"],
  ffi: ["ffi/"],
};

/**
 * The module graph: each of the project's modules (a path from the root) and what it imports
 * (project paths, other modules by specifier, e.g. `node:fs`).
 */
export type Graph = Record<string, string[]>;

/** One thing wrong with the graph, as a line to print. */
export interface Problem {
  /** An import cycle, or an import against the layers or their rules. */
  kind: "cycle" | "layer";
  /** The files involved: `a.ts -> b.ts -> a.ts`, or `a.ts imports b.ts, but ...`. */
  message: string;
}

/**
 * Everything in `graph` that breaks `policy`: each import cycle (one per DFS back edge, so
 * breaking the reported ones breaks them all), then each import against the layers.
 *
 * @example
 * ```ts
 * checkImports({ "src/a.ts": ["src/b.ts"], "src/b.ts": ["src/a.ts"] });
 * // [{ kind: "cycle", message: "src/a.ts -> src/b.ts -> src/a.ts" }]
 * ```
 */
export function checkImports(graph: Graph, policy: Policy = POLICY): Problem[] {
  const cycles = findCycles(graph).map((c): Problem => ({
    kind: "cycle",
    message: c.join(" -> "),
  }));
  const layers = findLayerProblems(graph, policy).map((message): Problem => ({
    kind: "layer",
    message,
  }));
  return [...cycles, ...layers];
}

/**
 * The graph of the project's modules (those under `root`, a `file:` URL ending in `/`) in the
 * output of `deno info --json`. Type-only imports are in it: `deno info` lists them under
 * `type`, the others under `code`.
 *
 * @example
 * ```ts
 * import { execFileSync } from "node:child_process";
 * const out = execFileSync("deno", ["info", "--json", "mod.ts"], { encoding: "utf8" });
 * graphFromDenoInfo(JSON.parse(out), "file:///repo/");
 * // { "mod.ts": ["node:fs", "src/a.ts"], "src/a.ts": [] }
 * ```
 */
export function graphFromDenoInfo(info: DenoInfo, root: string): Graph {
  const local = (spec: string) => spec.startsWith(root) ? spec.slice(root.length) : spec;
  const graph: Graph = {};
  for (const m of info.modules) {
    if (!m.specifier.startsWith(root)) continue;
    const deps = (m.dependencies ?? []).flatMap((d) => {
      const resolved = [d.code?.specifier, d.type?.specifier].filter((s) => s !== undefined);
      return resolved.length ? resolved : [d.specifier];
    });
    graph[local(m.specifier)] = [...new Set(deps.map(local))].sort();
  }
  return graph;
}

/** The part of `deno info --json` output this script reads. */
export interface DenoInfo {
  /** Each module with its imports as written and, under `code` or `type`, as resolved. */
  modules: {
    specifier: string;
    dependencies?: {
      specifier: string;
      code?: { specifier?: string };
      type?: { specifier?: string };
    }[];
  }[];
}

function matches(path: string, patterns: string[] = []): boolean {
  return patterns.some((p) => {
    if (p.endsWith("/") || p.endsWith(":")) return path.startsWith(p);
    const [head, tail] = p.split("*");
    if (tail === undefined) return path === p;
    if (path.length < head.length + tail.length) return false;
    const middle = path.slice(head.length, path.length - tail.length);
    return path.startsWith(head) && path.endsWith(tail) && !middle.includes("/");
  });
}

function edges(graph: Graph): [string, string][] {
  return Object.keys(graph).sort().flatMap((from) =>
    graph[from].map((to): [string, string] => [from, to])
  );
}

function findLayerProblems(graph: Graph, policy: Policy): string[] {
  return edges(graph).flatMap(([from, to]) => [
    ...orderProblem(from, to, policy),
    ...policy.rules.filter((r) => breaksRule(r, from, to)).map((r) =>
      `${from} imports ${to}, but ${r.why}`
    ),
    ...ffiProblem(graph, from, to, policy),
  ]);
}

function orderProblem(from: string, to: string, policy: Policy): string[] {
  const rank = (path: string) => policy.layers.findIndex((l) => matches(path, l.files));
  const [a, b] = [rank(from), rank(to)];
  if (a < 0 || b < 0 || b >= a) return [];
  const [lower, upper] = [policy.layers[a].name, policy.layers[b].name];
  return [`${from} (${lower}) imports ${to} (${upper}), a higher layer`];
}

function breaksRule(rule: Policy["rules"][number], from: string, to: string): boolean {
  if (!matches(from, rule.files) || matches(from, rule.except)) return false;
  return rule.only ? !matches(to, rule.only) : matches(to, rule.deny);
}

// Only the import that leaves pure logic is reported, not every pure module above it.
function ffiProblem(graph: Graph, from: string, to: string, policy: Policy): string[] {
  if (!matches(from, policy.pure) || matches(to, policy.pure)) return [];
  const path = pathTo(graph, to, policy.ffi);
  if (!path) return [];
  const why = `${policy.pure.join(" and ")} are pure logic`;
  return [`${from} reaches FFI (${[from, ...path].join(" -> ")}), but ${why}`];
}

/** The shortest import path from `start` to a module matching `targets`, if there is one. */
function pathTo(graph: Graph, start: string, targets: string[]): string[] | undefined {
  const via = new Map<string, string>([[start, start]]);
  for (const queue = [start]; queue.length > 0;) {
    const node = queue.shift()!;
    if (matches(node, targets)) return walkBack(via, node);
    for (const next of graph[node] ?? []) {
      if (via.has(next)) continue;
      via.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

function walkBack(via: Map<string, string>, end: string): string[] {
  const path = [end];
  for (let n = end; via.get(n) !== n; n = via.get(n)!) path.unshift(via.get(n)!);
  return path;
}

/**
 * One cycle per back edge of a depth-first search (every cycle has one, so fixing these
 * leaves none), each started at its smallest path so the output does not depend on the order
 * of the search.
 */
function findCycles(graph: Graph): string[][] {
  const done = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    stack.push(node);
    for (const next of [...graph[node]].sort()) {
      const at = stack.indexOf(next);
      if (at >= 0) cycles.push(rotate(stack.slice(at)));
      else if (!done.has(next) && next in graph) visit(next);
    }
    stack.pop();
    done.add(node);
  };
  for (const node of Object.keys(graph).sort()) if (!done.has(node)) visit(node);
  return cycles.sort((a, b) => a.join().localeCompare(b.join()));
}

function rotate(cycle: string[]): string[] {
  const first = cycle.indexOf([...cycle].sort()[0]);
  const turned = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...turned, turned[0]];
}

function denoInfo(entry: string, cwd: string): DenoInfo {
  // On Deno this is the running deno, also when npx started it and it is not on PATH.
  const deno = process.versions.deno ? process.execPath : "deno";
  const out = execFileSync(deno, ["info", "--json", entry], { cwd, encoding: "utf8" });
  return JSON.parse(out);
}

/** The modules the graph starts from: the two entry points, and the module workers run. */
export const ENTRY_POINTS = ["mod.ts", "cli.ts", "ffi/waiter_worker.ts"];

function main(): number {
  const root = new URL("..", import.meta.url).href;
  const infos = ENTRY_POINTS.map((e) => denoInfo(e, fileURLToPath(root)));
  const graph: Graph = Object.assign({}, ...infos.map((i) => graphFromDenoInfo(i, root)));
  const problems = checkImports(graph);
  for (const p of problems) console.log(`${p.kind}: ${p.message}`);
  const cycles = problems.filter((p) => p.kind === "cycle").length;
  const modules = Object.keys(graph).length;
  const layer = problems.length - cycles;
  console.log(`imports: ${modules} modules, ${cycles} cycles, ${layer} layer violations`);
  return problems.length > 0 ? 1 : 0;
}

// Not `import.meta.main` typed: tsc with Node's types compiles this too (the tests import it).
if ((import.meta as { main?: boolean }).main) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`check_imports: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  }
}
