/**
 * Per-element `get`/`set` against a plain `Float64Array` index, in the same process and run:
 * a 1-d array, a 2-d C array (`get(i, j)` and `get([i, j])`) and a strided view (`a[::-1, ::2]`
 * of the 2-d one), and the `data` loop of the 2-d array. Every case is one hot loop over 4096
 * elements in a function of its own (so V8 compiles each for itself), timed with the batches
 * of `measure.ts`; the cases run in turn, round after round, so drift hits them alike.
 *
 * Besides npshm and the plain index, each shape has a "floor": the cheapest JavaScript that
 * does what an element method must (an object holding the TypedArray, extent and strides;
 * bounds checks, and a number check for stores; no negative indices, no closed check), to
 * show what any checked access costs in such a loop. Then the npshm cases again, each time in
 * a process of its own that did one thing before any loop was compiled (`--first <what>`),
 * since V8 compiles what a program has done into every loop it compiles afterwards, and a
 * loop compiled before is not recompiled for it: used arrays of other dtypes and closed one
 * (`others`); used `get([i, j])` (`array`); caught an index error and a ClosedError
 * (`errors`); used negative indices (`negative`). The last three once made V8 compile a call
 * into every hot loop, or C's fmod for `i % 1`.
 *
 * ```sh
 * deno run -A bench/element.ts [rounds=5] [batchMs=60] [--first others|array|errors|negative]
 * ```
 *
 * Prints one JSON object ({@link ElementOutput}): `{ "elements", "cases": { "<name>":
 * { "nsPerElement": [...] } } }`, one entry per round; with `--first`, `{ "elements" }` and
 * the pass's own field (`afterOthers`, `afterArrayForm`, `afterErrors`, `negativeFirst`).
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createSharedArray, type NdArray } from "../mod.ts";
import { measure, median } from "./measure.ts";

const ROWS = 64;
const COLS = 64;
const N = ROWS * COLS;

/** Error makers the floor cases throw through, as npshm's fast path does. */
const FAIL = { index: (i: number) => new RangeError(`index ${i} is out of bounds`) };

/** The floor of a checked element access: bounds checks and stride arithmetic, nothing more. */
class Floor {
  constructor(
    readonly flat: Float64Array,
    readonly rows: number,
    readonly cols: number,
    readonly base: number,
    readonly s0: number,
    readonly s1: number,
  ) {}
  get1(i: number): number {
    if (!(i >= 0 && i < this.cols)) throw FAIL.index(i);
    return this.flat[this.base + i * this.s1];
  }
  get2(i: number, j: number): number {
    if (!(i >= 0 && i < this.rows && j >= 0 && j < this.cols)) throw FAIL.index(i);
    return this.flat[this.base + i * this.s0 + j * this.s1];
  }
  set1(i: number, v: unknown): void {
    if (!(i >= 0 && i < this.cols && typeof v === "number")) throw FAIL.index(i);
    this.flat[this.base + i * this.s1] = v;
  }
  set2(i: number, j: number, v: unknown): void {
    const ok = i >= 0 && i < this.rows && j >= 0 && j < this.cols && typeof v === "number";
    if (!ok) throw FAIL.index(i);
    this.flat[this.base + i * this.s0 + j * this.s1] = v;
  }
}

/** The cases, each `() => sum` over all elements it visits. */
function cases(a: NdArray<Float64Array, number>, b: NdArray<Float64Array, number>) {
  const plain = new Float64Array(N);
  plain.set(b.data);
  const t = b.slice("::-1, ::2"); // 64 x 32, strides (-512, 16)
  const half = COLS / 2;
  const flat1 = new Floor(plain, 1, N, 0, 0, 1);
  const flat2 = new Floor(plain, ROWS, COLS, 0, COLS, 1);
  const strided = new Floor(plain, ROWS, half, (ROWS - 1) * COLS, -COLS, 2);
  const data = b.data;
  return {
    "1-d plain index": () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += plain[i];
      return s;
    },
    "1-d floor": () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += flat1.get1(i);
      return s;
    },
    "1-d get(i)": () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += a.get(i);
      return s;
    },
    "1-d plain store": () => {
      for (let i = 0; i < N; i++) plain[i] = i;
      return plain[N - 1];
    },
    "1-d floor set": () => {
      for (let i = 0; i < N; i++) flat1.set1(i, i);
      return 1;
    },
    "1-d set(i, v)": () => {
      for (let i = 0; i < N; i++) a.set(i, i);
      return 1;
    },
    "2-d plain index": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) s += plain[i * COLS + j];
      return s;
    },
    "2-d floor": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) s += flat2.get2(i, j);
      return s;
    },
    "2-d get(i, j)": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) s += b.get(i, j);
      return s;
    },
    "2-d get([i, j])": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) s += b.get([i, j]);
      return s;
    },
    "2-d plain store": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) plain[i * COLS + j] = j;
      return plain[N - 1];
    },
    "2-d floor set": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) flat2.set2(i, j, j);
      return 1;
    },
    "2-d set(i, j, v)": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) b.set(i, j, j);
      return 1;
    },
    "2-d plain update": () => {
      for (let i = 0; i < ROWS; i++) {
        for (let j = 0; j < COLS; j++) plain[i * COLS + j] = plain[i * COLS + j] + 1;
      }
      return plain[0];
    },
    "2-d update set(get + 1)": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLS; j++) b.set(i, j, b.get(i, j) + 1);
      return 1;
    },
    "strided plain index": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) {
        for (let j = 0; j < half; j++) s += plain[(ROWS - 1 - i) * COLS + 2 * j];
      }
      return s;
    },
    "strided floor": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < half; j++) s += strided.get2(i, j);
      return s;
    },
    "strided get(i, j)": () => {
      let s = 0;
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < half; j++) s += t.get(i, j);
      return s;
    },
    "strided plain store": () => {
      for (let i = 0; i < ROWS; i++) {
        for (let j = 0; j < half; j++) plain[(ROWS - 1 - i) * COLS + 2 * j] = j;
      }
      return plain[0];
    },
    "strided floor set": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < half; j++) strided.set2(i, j, j);
      return 1;
    },
    "strided set(i, j, v)": () => {
      for (let i = 0; i < ROWS; i++) for (let j = 0; j < half; j++) t.set(i, j, j);
      return 1;
    },
    "data plain loop": () => {
      let s = 0;
      for (let i = 0; i < N; i++) s += plain[i];
      return s;
    },
    "data loop": () => {
      let s = 0;
      for (let i = 0; i < data.length; i++) s += data[i];
      return s;
    },
  };
}

/** Elements each case visits per call. */
function elementsOf(name: string): number {
  return name.startsWith("strided") ? N / 2 : N;
}

type Timings = Record<string, { nsPerElement: number[] }>;

function time(all: Record<string, () => number>, rounds: number, batchMs: number): Timings {
  const out: Timings = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, op] of Object.entries(all)) {
      const ns = median(measure(op, batchMs, 3).nsPerOp) / elementsOf(name);
      (out[name] ??= { nsPerElement: [] }).nsPerElement.push(ns);
    }
  }
  return out;
}

type Float64Nd = NdArray<Float64Array, number>;

/** How often each `--first` pass does its thing (V8 keeps no feedback for a function's first calls). */
const PRIME_TIMES = 100;

/**
 * What a program does besides: arrays of dtypes that need the codec, and close(), which
 * detaches a buffer.
 */
function useOthers(): void {
  using mask = createSharedArray(undefined, { shape: [4], dtype: "bool", track: true });
  using z = createSharedArray(undefined, { shape: [2], dtype: "complex64", track: true });
  for (let k = 0; k < PRIME_TIMES; k++) {
    mask.set(1, true);
    void mask.get(1);
    z.set(0, { re: 1, im: 2 });
    void z.get(0);
  }
  createSharedArray(undefined, { shape: [2], dtype: "float64", track: true }).close();
}

/** `get([i, j])` and `set([i, j], v)`, NumPy's `b[i, j]` as a list. */
function useArrayForm(b: Float64Nd): void {
  for (let k = 0; k < PRIME_TIMES; k++) b.set([1, 1], b.get([1, 1]));
}

/** NumPy's `a[-1]`: get and set with negative indices, 1-d and 2-d. */
function useNegative(a: Float64Nd, b: Float64Nd): void {
  for (let k = 0; k < PRIME_TIMES; k++) {
    a.set(-1, a.get(-1));
    b.set(-1, -1, b.get(-1, -1));
  }
}

/** A caught index error and a ClosedError: the fast paths' own slow paths, taken. */
function throwSome(): void {
  using c = createSharedArray(undefined, { shape: [2, 2], dtype: "float64", track: true });
  for (let k = 0; k < PRIME_TIMES; k++) {
    try {
      c.get(2, 0);
    } catch { /* the error is the point */ }
  }
  c.close();
  for (let k = 0; k < PRIME_TIMES; k++) {
    try {
      c.set(0, 0, 1);
    } catch { /* ClosedError */ }
  }
}

/** What `main` prints: ns per element of each case, one entry per round, pass by pass. */
export interface ElementOutput {
  /** Elements in the 2-d array (the 1-d one is as long). */
  elements: number;
  /**
   * The plain, floor and positional get/set cases, nothing else having run; then the
   * `get([i, j])` case, timed after them.
   */
  cases: Timings;
  /** The positional cases in a process that used other dtypes and close() first (useOthers). */
  afterOthers?: Timings;
  /** The positional and `get([i, j])` cases in a process that used `get([i, j])` first. */
  afterArrayForm?: Timings;
  /** The positional cases in a process that caught an index error and a ClosedError first. */
  afterErrors?: Timings;
  /** The positional cases in a process that used negative indices first (useNegative). */
  negativeFirst?: Timings;
}

/**
 * The `--first` passes: what each process does before any loop is compiled, the field of
 * {@link ElementOutput} its timings go to, and whether it also times `get([i, j])`.
 *
 * @example
 * ```ts
 * // deno run -A bench/element.ts 5 60 --first negative  prints { elements, negativeFirst }
 * FIRST_PASSES.negative.field; // "negativeFirst"
 * ```
 */
export const FIRST_PASSES = {
  others: { field: "afterOthers", arrayForm: false, prime: () => useOthers() },
  array: {
    field: "afterArrayForm",
    arrayForm: true,
    prime: (_a: Float64Nd, b: Float64Nd) => useArrayForm(b),
  },
  errors: { field: "afterErrors", arrayForm: false, prime: () => throwSome() },
  negative: { field: "negativeFirst", arrayForm: false, prime: useNegative },
} as const;

/** Target: a get or set costs at most this many times the plain TypedArray index. */
export const ELEMENT_LIMIT = 2;

/** The plain-index case each case is compared with, and the floor of its shape. */
function referenceOf(name: string): { plain: string; floor?: string } {
  const shape = name.split(" ")[0];
  if (name.startsWith("data")) return { plain: "data plain loop" };
  if (name.includes("update")) return { plain: `${shape} plain update` };
  if (/set/.test(name)) return { plain: `${shape} plain store`, floor: `${shape} floor set` };
  return { plain: `${shape} plain index`, floor: `${shape} floor` };
}

/** One row of the summary: median ns per element, pass by pass, and the ratios. */
export interface ElementRow {
  /** The case. */
  name: string;
  /** Median over the rounds of the first pass it ran in. */
  nsPerElement: number;
  /** The plain TypedArray case of the same shape. */
  plain: string;
  /** nsPerElement over the plain case's. */
  ratio: number;
  /** The floor case's ratio to the same plain case, where there is one. */
  floorRatio?: number;
  /** Medians of the later passes, where the case ran in them. */
  afterOthers?: number;
  /** See {@link ElementOutput.afterArrayForm}. */
  afterArrayForm?: number;
  /** See {@link ElementOutput.afterErrors}. */
  afterErrors?: number;
  /** See {@link ElementOutput.negativeFirst}. */
  negativeFirst?: number;
}

/**
 * Median ns per element of every npshm case, its ratios to the plain and floor cases of its
 * shape, and the later passes; the targets.
 *
 * @example
 * ```ts
 * const output = await Deno.readTextFile("element.json"); // what `main` printed
 * summarizeElements(JSON.parse(output)).rows[0].ratio;
 * ```
 */
export function summarizeElements(out: ElementOutput) {
  const ns = (t: Timings | undefined, name: string) =>
    t?.[name] ? median(t[name].nsPerElement) : undefined;
  const names = Object.keys(out.cases)
    .filter((n) => /get|set|data loop/.test(n) && !/plain|floor/.test(n));
  const rows = names.map((name): ElementRow => {
    const { plain, floor } = referenceOf(name);
    const base = ns(out.cases, plain)!;
    const first = ns(out.cases, name)!;
    return {
      name,
      nsPerElement: first,
      plain,
      ratio: first / base,
      floorRatio: floor ? ns(out.cases, floor)! / base : undefined,
      afterOthers: ns(out.afterOthers, name),
      afterArrayForm: ns(out.afterArrayForm, name),
      afterErrors: ns(out.afterErrors, name),
      negativeFirst: ns(out.negativeFirst, name),
    };
  });
  const positional = rows.filter((r) => /get\(|set\(/.test(r.name) && !r.name.includes("["));
  const worst = Math.max(...positional.map((r) => r.ratio));
  const data = rows.find((r) => r.name === "data loop")!;
  return {
    elements: out.elements,
    rows,
    targets: {
      access: { limit: ELEMENT_LIMIT, worst, met: worst <= ELEMENT_LIMIT },
      dataLoop: { tolerance: 0.05, ratio: data.ratio, met: Math.abs(data.ratio - 1) <= 0.05 },
    },
  };
}

/**
 * Prints the summary as a table.
 *
 * @example
 * ```ts
 * const output = await Deno.readTextFile("element.json"); // what `main` printed
 * printElements(summarizeElements(JSON.parse(output)));
 * ```
 */
export function printElements(s: ReturnType<typeof summarizeElements>): void {
  console.log(
    `element access, ns per element in hot loops over ${s.elements} float64 elements; ratio ` +
      "to a plain Float64Array index (or store) of the same shape, and the floor's (the " +
      "cheapest checked access in JS); then in processes that did one thing before any loop " +
      "was compiled: used other dtypes and close(), get([i, j]), caught errors, used negative " +
      "indices:",
  );
  const cell = (x: number | undefined, width = 9) =>
    (x === undefined ? "" : x.toFixed(2)).padStart(width);
  console.log(
    `  ${"case".padEnd(24)} ${"ns".padStart(9)} ${"ratio".padStart(6)} ${"floor".padStart(6)} ` +
      `${"others".padStart(9)} ${"[i, j]".padStart(9)} ${"errors".padStart(9)} ` +
      "negatives",
  );
  for (const r of s.rows) {
    console.log(
      `  ${r.name.padEnd(24)} ${cell(r.nsPerElement)} ${cell(r.ratio, 5)}x ` +
        `${r.floorRatio === undefined ? "      " : `${cell(r.floorRatio, 5)}x`} ` +
        `${cell(r.afterOthers)} ${cell(r.afterArrayForm)} ${cell(r.afterErrors)} ` +
        cell(r.negativeFirst),
    );
  }
}

function main(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    options: { first: { type: "string" } },
    allowPositionals: true,
  });
  const [rounds = 5, batchMs = 60] = positionals.map(Number);
  using a = createSharedArray(undefined, { shape: [N], dtype: "float64", track: true });
  using b = createSharedArray(undefined, {
    shape: [ROWS, COLS],
    dtype: "float64",
    track: true,
  });
  for (let i = 0; i < N; i++) b.data[i] = a.data[i] = i & 1023;
  const all = Object.entries(cases(a, b));
  const pick = (keep: (name: string) => boolean) =>
    Object.fromEntries(all.filter(([name]) => keep(name)));
  const refs = pick((n) => /plain|floor|data/.test(n));
  const positional = pick((n) => /get|set/.test(n) && !/plain|floor|\[/.test(n));
  const arrayForm = pick((n) => n.includes("["));
  const timed = (some: Record<string, () => number>) => {
    time(some, 1, batchMs); // warm-up round: every case compiled before any is timed
    return time(some, rounds, batchMs);
  };
  if (values.first !== undefined) {
    const pass = FIRST_PASSES[values.first as keyof typeof FIRST_PASSES];
    if (!pass) {
      throw new Error(`--first takes ${Object.keys(FIRST_PASSES).join(", ")}, not ${values.first}`);
    }
    pass.prime(a, b);
    const some = pass.arrayForm ? { ...positional, ...arrayForm } : positional;
    console.log(JSON.stringify({ elements: N, [pass.field]: timed(some) }));
    return;
  }
  const clean = timed({ ...refs, ...positional });
  const out: ElementOutput = { elements: N, cases: { ...clean, ...timed(arrayForm) } };
  console.log(JSON.stringify(out));
}

if (import.meta.main) main(process.argv.slice(2));
