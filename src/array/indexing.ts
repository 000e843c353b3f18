/**
 * NumPy's basic indexing as views: integers (which drop an axis), `start:stop:step` slices,
 * `...` and `None`/`newaxis`, written as NumPy's own syntax in a string (`"1:5, ::2, ..., None,
 * -1"`) or as a list of {@link IndexItem}s. The layout it gives has exactly the shape and
 * strides NumPy gives for the same expression; no bytes move.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { indexLayout, parseIndex } from "./indexing.ts";
 * const grid = { dtype: parseDType("f8"), shape: [4, 6], strides: [48, 8], byteOffset: 0 };
 * indexLayout(grid, parseIndex("1:3, ::-2"), "grid"); // shape [2, 3], strides [48, -16]
 * ```
 * @module
 */
import { InvalidArgumentError } from "../format/errors.ts";
import { MAX_NDIM } from "../format/shape.ts";
import type { Layout } from "./layout.ts";

/**
 * A slice of one axis, as Python's `start:stop:step`: any part left out (or `null`) takes
 * NumPy's default; negative values count from the end, and out-of-range bounds are clamped.
 *
 * @example
 * ```ts
 * const everyOther: SliceItem = { step: 2 }; // "::2"
 * const reversed: SliceItem = { step: -1 }; // "::-1"
 * ```
 */
export interface SliceItem {
  /** First index taken; default 0 (the last one for a negative step). */
  start?: number | null;
  /** Index to stop before; default past the end (before the first for a negative step). */
  stop?: number | null;
  /** Distance between taken indices, not 0; default 1. */
  step?: number | null;
}

/**
 * One item of a basic index: an integer (picks one position and drops the axis), a
 * {@link SliceItem}, `"..."` (as many full slices as the other items leave axes), or `null`
 * (NumPy's `None`/`newaxis`: a new axis of length 1).
 *
 * @example
 * ```ts
 * const index: IndexItem[] = [0, { start: 1, stop: 5 }, "...", null, -1];
 * ```
 */
export type IndexItem = number | SliceItem | "..." | null;

const ELLIPSIS = new Set(["...", "Ellipsis"]);
const NEWAXIS = new Set(["None", "newaxis", "np.newaxis", "numpy.newaxis"]);
const SLICE_KEYS = new Set(["start", "stop", "step"]);
const INTEGER = /^([+-]?)\s*(\d+(?:_\d+)*)$/;

/**
 * Parses NumPy's basic-indexing syntax — what goes between the brackets of `a[...]` — into
 * items. `""` is the empty index (`a[()]`, the whole array); a trailing comma is allowed.
 *
 * @throws {InvalidArgumentError} anything but integers, slices, `...` and `None`
 * @example
 * ```ts
 * parseIndex("1:5, ::2, ..., None, -1");
 * // [{ start: 1, stop: 5, step: null }, { start: null, stop: null, step: 2 }, "...", null, -1]
 * ```
 */
export function parseIndex(text: string): IndexItem[] {
  if (typeof text !== "string") {
    throw new InvalidArgumentError(`an index string was expected, got ${typeof text}`);
  }
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop(); // "1," is a tuple
  if (parts.length === 1 && parts[0] === "") return [];
  return parts.map((part) => parseItem(part, text));
}

function parseItem(part: string, text: string): IndexItem {
  if (ELLIPSIS.has(part)) return "...";
  if (NEWAXIS.has(part)) return null;
  if (!part.includes(":")) return parseInteger(part, text);
  const bounds = part.split(":").map((b) => b.trim());
  if (bounds.length > 3) throw badItem(part, text, "a slice has at most two colons");
  const [start, stop, step] = bounds.map((b) =>
    b === "" || b === "None" ? null : parseInteger(b, text)
  );
  return { start, stop, step: step ?? null };
}

function parseInteger(part: string, text: string): number {
  const m = INTEGER.exec(part);
  if (!m) {
    throw badItem(
      part,
      text,
      "basic indexing takes integers, slices (start:stop:step), ... and None",
    );
  }
  const value = Number(m[2].replaceAll("_", ""));
  return m[1] === "-" ? -value || 0 : value;
}

function badItem(part: string, text: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `index ${JSON.stringify(text)}: ${part === "" ? "an empty item" : `'${part}'`}: ${why}`,
  );
}

/**
 * The layout of `layout[index]`: NumPy's basic indexing, item by item, as a view.
 *
 * @throws {InvalidArgumentError} an integer out of bounds, a zero step, too many indices, two
 *   ellipses, or an item of the wrong type
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const grid = { dtype: parseDType("f8"), shape: [4, 6], strides: [48, 8], byteOffset: 0 };
 * indexLayout(grid, [0, { step: -1 }], "grid"); // row 0 reversed: shape [6], strides [-8]
 * ```
 */
export function indexLayout(layout: Layout, index: readonly IndexItem[], label: string): Layout {
  if (!Array.isArray(index)) {
    throw new InvalidArgumentError(`${label}: an index is a string or an array of index items`);
  }
  const { shape, strides } = layout;
  const taking = index.filter((item) => item !== null && item !== "...").length;
  if (taking > shape.length) {
    throw new InvalidArgumentError(
      `${label}: too many indices: the array is ${shape.length}-dimensional, but ${taking} ` +
        "were indexed",
    );
  }
  if (index.filter((item) => item === "...").length > 1) {
    throw new InvalidArgumentError(`${label}: an index can only have a single ellipsis ('...')`);
  }
  const outShape: number[] = [];
  const outStrides: number[] = [];
  let offset = layout.byteOffset;
  let axis = 0;
  const keep = (count: number) => {
    for (const end = axis + count; axis < end; axis++) {
      outShape.push(shape[axis]);
      outStrides.push(strides[axis]);
    }
  };
  for (const item of index) {
    if (item === "...") keep(shape.length - taking);
    else if (item === null) {
      outShape.push(1);
      outStrides.push(0);
    } else if (typeof item === "number") {
      offset += checkedIndex(item, shape[axis], axis, label) * strides[axis];
      axis++;
    } else if (typeof item === "object" && !Array.isArray(item)) {
      const { start, length, step } = sliceOf(item, shape[axis], label);
      // An empty slice keeps its stride and points at the first element, as NumPy does.
      if (length > 0) offset += start * strides[axis];
      outShape.push(length);
      outStrides.push(length > 0 ? strides[axis] * step : strides[axis]);
      axis++;
    } else {
      throw new InvalidArgumentError(
        `${label}: index item ${describe(item)} is not an integer, a slice, "..." or null ` +
          "(basic indexing only)",
      );
    }
  }
  keep(shape.length - axis);
  if (outShape.length > MAX_NDIM) {
    throw new InvalidArgumentError(
      `${label}: the index makes ${outShape.length} axes; at most ${MAX_NDIM} are allowed`,
    );
  }
  return { dtype: layout.dtype, shape: outShape, strides: outStrides, byteOffset: offset };
}

/**
 * `i` on an axis of length `n` as a position from 0 (negative counts from the end).
 *
 * @throws {InvalidArgumentError} not an integer, or out of bounds
 * @example
 * ```ts
 * checkedIndex(-1, 5, 0, "x"); // 4
 * ```
 */
export function checkedIndex(i: number, n: number, axis: number, label: string): number {
  if (!Number.isInteger(i)) {
    throw new InvalidArgumentError(
      `${label}: index ${describe(i)} on axis ${axis} is not an integer`,
    );
  }
  const at = i < 0 ? i + n : i;
  if (at < 0 || at >= n) {
    throw new InvalidArgumentError(
      `${label}: index ${i} is out of bounds for axis ${axis} with size ${n}`,
    );
  }
  return at;
}

/** Python's `slice.indices(n)` and the length of the slice (CPython's PySlice_AdjustIndices). */
function sliceOf(item: SliceItem, n: number, label: string) {
  const unknown = Object.keys(item).find((key) => !SLICE_KEYS.has(key));
  if (unknown !== undefined) {
    throw new InvalidArgumentError(
      `${label}: a slice item has start, stop and step; '${unknown}' is not one of them`,
    );
  }
  const step = bound(item.step, 1, "step", label);
  if (step === 0) throw new InvalidArgumentError(`${label}: slice step cannot be zero`);
  const back = step < 0;
  const clamp = (value: number) => {
    if (value < 0) return Math.max(value + n, back ? -1 : 0);
    return value >= n ? (back ? n - 1 : n) : value;
  };
  const start = clamp(bound(item.start, back ? n - 1 : 0, "start", label));
  const stop = clamp(bound(item.stop, back ? -n - 1 : n, "stop", label));
  const length = back
    ? (stop < start ? Math.floor((start - stop - 1) / -step) + 1 : 0)
    : (start < stop ? Math.floor((stop - start - 1) / step) + 1 : 0);
  return { start, length, step };
}

function bound(value: unknown, fallback: number, what: string, label: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new InvalidArgumentError(`${label}: slice ${what} ${describe(value)} is not an integer`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null ? "an object" : String(value);
}
