// Views against NumPy: random basic-indexing expressions, transposes, reshapes and squeezes over
// random shapes, dtypes and C/F orders. For every case NumPy (tests/python/views.py, one process
// for the whole batch) decides the expected shape, strides, offset, contiguity and values — or
// that the expression is an error — on the very same memory.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createSharedArray,
  type IndexItem,
  InvalidArgumentError,
  type NdArray,
  NotViewableError,
  type SharedArray,
} from "../mod.ts";
import {
  afterAll,
  indices,
  NUMPY_READS_SHM_FILES,
  python,
  sweepLeaks,
  testFile,
  uniqueName,
} from "./_util.ts";

const SCRIPT = testFile("python/views.py");

/** A small seeded generator (mulberry32): the same cases on every run and runtime. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <X>(xs: readonly X[]): X => xs[int(0, xs.length - 1)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

/** What NumPy says of one case. */
interface Expected {
  error?: string;
  message?: string;
  shape: number[];
  strides: number[];
  offset: number;
  c: boolean;
  f: boolean;
  values: unknown;
  equal?: boolean;
}

interface Case {
  name: string;
  kind: "index" | "transpose" | "reshape" | "squeeze" | "written";
  expr: string;
  axes?: number[] | null;
  shape?: number[];
  order?: "C" | "F";
  before?: unknown;
  values?: unknown;
}

function numpy(cases: Case[], fill: boolean): Expected[] {
  const code = `exec(open(${JSON.stringify(SCRIPT)}).read())`;
  return JSON.parse(python(code, JSON.stringify({ fill, cases })));
}

const DTYPES = ["<f8", "<i4", "|u1", "<i8", "<c16", "|b1", ">f4", "<f2", "|S3", ">u2"];

function randomShape(r: Random): number[] {
  for (;;) {
    const shape = Array.from({ length: r.int(0, 4) }, () => r.chance(0.06) ? 0 : r.int(1, 5));
    if (shape.reduce((a, b) => a * b, 1) <= 300) return shape;
  }
}

/**
 * A random index as NumPy's text and as the same items, both forms to test. Mostly valid for
 * `shape` (integers in range, now and then not), sometimes a full integer index.
 */
function randomIndex(r: Random, shape: readonly number[]): { text: string; items: IndexItem[] } {
  const parts: string[] = [];
  const items: IndexItem[] = [];
  const full = r.chance(0.08);
  const bound = () => r.chance(0.45) ? null : r.int(-7, 7);
  for (let k = full ? shape.length : r.int(0, shape.length + 1), axis = 0; k > 0; k--) {
    const roll = full ? 0 : r.next();
    const n = shape[axis] ?? 3;
    if (roll < 0.3) {
      const i = n > 0 && r.chance(0.85) ? r.int(-n, n - 1) : r.int(-6, 5);
      parts.push(r.chance(0.2) ? ` ${i} ` : String(i));
      items.push(i);
      axis++;
    } else if (roll < 0.75) {
      const [start, stop] = [bound(), bound()];
      const step = r.chance(0.4) ? null : r.chance(0.04) ? 0 : r.pick([-3, -2, -1, -1, 1, 2, 3]);
      const text = (v: number | null) => v === null ? "" : String(v);
      const tail = step === null ? (r.chance(0.5) ? ":" : "") : `:${step}`;
      parts.push(`${text(start)}:${text(stop)}${tail}`);
      items.push({ start, stop, step });
      axis++;
    } else if (roll < 0.85) {
      parts.push("...");
      items.push("...");
    } else {
      parts.push(r.pick(["None", "np.newaxis", "newaxis"]));
      items.push(null);
    }
  }
  const trailing = parts.length === 1 && r.chance(0.3) ? "," : "";
  return { text: parts.join(",") + trailing, items };
}

/** JS values made comparable with NumPy's `tolist()` as views.py prints it. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "bigint") return Number(value);
  if (value !== null && typeof value === "object" && "re" in value && "im" in value) {
    return [value.re, value.im];
  }
  return value;
}

function at(values: unknown, index: readonly number[]): unknown {
  return index.reduce((v, i) => (v as unknown[])[i], values);
}

/** The JS view a case describes, or the error making it threw. */
function jsView(a: NdArray, c: Case, form: "text" | "items", items?: IndexItem[]) {
  try {
    let v = form === "items" && items ? a.slice(items) : a.slice(c.expr);
    if (c.kind === "transpose") v = c.axes ? v.transpose(c.axes) : v.T;
    if (c.kind === "reshape") {
      if (c.axes) v = v.transpose(c.axes);
      v = v.reshape(c.shape!, { order: c.order });
    }
    if (c.kind === "squeeze") v = v.squeeze(...(c.axes ?? []));
    return { view: v };
  } catch (error) {
    return { error };
  }
}

function checkView(what: string, got: ReturnType<typeof jsView>, want: Expected, r: Random) {
  if (want.error) {
    assert.ok(got.error, `${what}: NumPy raised ${want.error} (${want.message}), npshm did not`);
    const copyNeeded = /avoid creating a copy/.test(want.message ?? "");
    const type = copyNeeded ? NotViewableError : InvalidArgumentError;
    assert.ok(got.error instanceof type, `${what}: ${got.error} is not a ${type.name}`);
    return;
  }
  assert.ok(got.view, `${what}: npshm threw ${got.error}, NumPy gave shape ${want.shape}`);
  const v = got.view;
  assert.deepEqual(v.shape, want.shape, `${what}: shape`);
  assert.deepEqual(v.strides, want.strides, `${what}: strides`);
  if (v.size > 0) assert.equal(v.byteOffset, want.offset, `${what}: offset`);
  assert.equal(v.contiguous, want.c || want.f, `${what}: contiguous`);
  assert.deepEqual(plain(v.toArray()), want.values, `${what}: values`);
  if (v.size > 0) {
    const index = v.shape.map((n) => r.int(0, n - 1));
    assert.deepEqual(plain(v.get(...index)), at(want.values, index), `${what}: get(...)`);
    const negative = index.map((i, axis) => i - v.shape[axis]);
    assert.deepEqual(plain(v.get(negative)), at(want.values, index), `${what}: get([...])`);
  }
  // data of native numbers holds the values (float16 too, where a Float16Array exists).
  const native = /^[<|][iuf]/.test(v.dtype.descr) && v.dtype.view?.kind !== "float16raw";
  if (native && want.c && v.size > 0) {
    assert.deepEqual(Array.from(v.data, Number), [want.values].flat(Infinity), `${what}: data`);
  }
}

const arrays: SharedArray[] = [];
afterAll(() => {
  for (const a of arrays) a.close();
  assert.deepEqual(sweepLeaks(), []);
});

describe("views against NumPy", () => {
  function makeArrays(r: Random, count: number, dtypes: readonly string[]) {
    return Array.from({ length: count }, () => {
      const a = createSharedArray(uniqueName("view"), {
        shape: randomShape(r),
        dtype: r.pick(dtypes),
        order: r.chance(0.5) ? "C" : "F",
        unlinkOnClose: true,
      });
      arrays.push(a);
      return a;
    });
  }

  test("random basic indexing, transposes, reshapes and squeezes give NumPy's views", {
    skip: NUMPY_READS_SHM_FILES,
  }, () => {
    const r = random(20261122);
    const made = makeArrays(r, 70, DTYPES);
    const cases: { c: Case; array: NdArray; items?: IndexItem[] }[] = [];
    for (const a of made) {
      for (let k = 0; k < 8; k++) {
        const { text, items } = randomIndex(r, a.shape);
        cases.push({ c: { name: a.name, kind: "index", expr: text }, array: a, items });
      }
      // Rearrangements of a view that exists (strided if one turns up), with the odd invalid
      // argument.
      const base = pickView(r, a, (v) => v.size > 0 && !v.contiguous) ??
        pickView(r, a, (v) => v.size > 0) ?? "...";
      const v = a.slice(base);
      for (let k = 0; k < 2; k++) {
        const axes = r.chance(0.2) ? null : permutation(r, v.ndim);
        cases.push({ c: { name: a.name, kind: "transpose", expr: base, axes }, array: a });
      }
      for (let k = 0; k < 4; k++) {
        const shape = randomReshape(r, v.size);
        const order = r.pick(["C", "F"] as const);
        const axes = k % 2 ? permutation(r, v.ndim, false) : undefined; // of a transpose
        cases.push({
          c: { name: a.name, kind: "reshape", expr: base, shape, order, axes },
          array: a,
        });
      }
      const ones = v.shape.flatMap((n, i) => (n === 1 || r.chance(0.1) ? [i] : []));
      const some = ones.filter(() => r.chance(0.7));
      const axes = some.length === 0 ? null : some; // squeeze() with no axes takes them all
      cases.push({ c: { name: a.name, kind: "squeeze", expr: base, axes }, array: a });
    }
    const expected = numpy(cases.map((x) => x.c), true);
    let errors = 0;
    cases.forEach(({ c, array, items }, i) => {
      const what = `${c.kind} a[${c.expr}] of ${array.dtype.descr} ${JSON.stringify(array.shape)}` +
        ` strides ${JSON.stringify(array.strides)}` +
        (c.axes !== undefined ? ` axes ${JSON.stringify(c.axes)}` : "") +
        (c.shape ? ` to ${JSON.stringify(c.shape)} order ${c.order}` : "");
      checkView(what, jsView(array, c, "text"), expected[i], r);
      if (items) checkView(`${what} (as items)`, jsView(array, c, "items", items), expected[i], r);
      if (expected[i].error) errors++;
    });
    // The generator must exercise both sides: valid views and NumPy's errors.
    assert.ok(cases.length >= 800, `${cases.length} cases`);
    assert.ok(errors > 50 && errors < cases.length / 2, `${errors} errors of ${cases.length}`);
  });

  test("writes through strided views are what NumPy reads", { skip: NUMPY_READS_SHM_FILES }, () => {
    const r = random(7);
    const made = makeArrays(r, 40, ["<f8", "<i4", "|u1", ">f4", "<i8", "|b1", "<f2"]);
    const picked = made.filter((a) => a.size > 1).map((a) => {
      const text = pickView(r, a, (v) => v.size > 0 && !v.contiguous) ?? "...";
      return { a, text, v: a.slice(text) };
    });
    // NumPy fills; the JS side keeps what it read before writing.
    const before = numpy(picked.map(({ a }) => ({ name: a.name, kind: "index", expr: "" })), true);
    const cases: Case[] = picked.map(({ a, text, v }, i) => {
      const values: unknown[] = [];
      let k = 0;
      for (const index of indices(v.shape)) {
        const value = writeValue(a.dtype.kind, a.dtype.itemsize, k++);
        if (r.chance(0.5)) v.set(...index, value as never);
        else v.set(index, value as never);
        values.push(plain(value));
      }
      return { name: a.name, kind: "written", expr: text, before: before[i].values, values };
    });
    const results = numpy(
      cases.map((c, i) => ({ ...c, values: reshaped(c.values, picked[i].v) })),
      false,
    );
    results.forEach((result, i) => {
      assert.ok(
        result.equal,
        `a[${cases[i].expr}] of ${picked[i].a.dtype.descr}: ` +
          `NumPy reads ${JSON.stringify(result.values)}`,
      );
    });
    assert.ok(picked.filter(({ v }) => v.strides.some((s) => s < 0)).length > 3);
  });
});

/** An index of `a` whose view passes `want`, or undefined if ten tries find none. */
function pickView(r: Random, a: NdArray, want: (v: NdArray) => boolean): string | undefined {
  for (let tries = 0; tries < 10; tries++) {
    const { text } = randomIndex(r, a.shape);
    const got = jsView(a, { name: "", kind: "index", expr: text }, "text");
    if (got.view && want(got.view)) return text;
  }
  return undefined;
}

function permutation(r: Random, n: number, faulty = true): number[] {
  const axes = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i);
    [axes[i], axes[j]] = [axes[j], axes[i]];
  }
  if (!faulty) return axes;
  if (n > 0 && r.chance(0.15)) axes[0] = r.chance(0.5) ? axes[n - 1] : n; // repeated, or out
  return axes.map((a) => (r.chance(0.2) ? a - n : a));
}

/** A shape of `size` elements (sometimes not: NumPy must refuse), perhaps with one -1. */
function randomReshape(r: Random, size: number): number[] {
  const dims: number[] = [];
  let left = size;
  const ndim = r.int(0, 4);
  for (let k = 0; k < ndim - 1; k++) {
    const divisors = left === 0 ? [0, 1, 2] : [1, 2, 3, 4, 5].filter((d) => left % d === 0);
    const d = r.pick(divisors);
    dims.push(d);
    left = d === 0 ? left : left / d;
  }
  if (ndim > 0) dims.push(dims.includes(0) ? r.int(0, 3) : left);
  if (r.chance(0.05) && dims.length) dims[0] += 1;
  if (dims.length && r.chance(0.4)) dims[r.int(0, dims.length - 1)] = -1;
  return dims;
}

function writeValue(kind: string, itemsize: number, k: number): unknown {
  if (kind === "b") return k % 3 === 0;
  if (kind === "i" && itemsize === 8) return BigInt(k) - 40n;
  if (kind === "f") return k + 0.5;
  return (k % 90) + 7;
}

/** The values written, nested to the view's shape (a bare value for a 0-d view). */
function reshaped(values: unknown, v: NdArray): unknown {
  const flat = values as unknown[];
  let k = 0;
  const build = (axis: number): unknown =>
    axis === v.ndim ? flat[k++] : Array.from({ length: v.shape[axis] }, () => build(axis + 1));
  return build(0);
}
