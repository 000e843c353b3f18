/**
 * Layouts: where the elements of a view sit in its buffer (dtype, shape, strides, offset), and
 * the arithmetic of views that change how bytes are read: the layout a `.npy` header
 * describes, one field of a structured array (`field(name)`), the same bytes as another dtype
 * (`view(dtype)`, NumPy's `ndarray.view`), an array placed at an offset inside a larger one
 * (several arrays in one segment), and {@link gather}, which copies any layout's items out in
 * C order.
 *
 * Pure functions over {@link Layout}s: NdArray's methods call them and wrap the result.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { reinterpretLayout } from "./layout.ts";
 * const pairs = { dtype: parseDType("int32"), shape: [4], strides: [4], byteOffset: 0 };
 * reinterpretLayout(pairs, "int16", 64, "pairs").shape; // [8]
 * ```
 * @module
 */
import { type DType, parseDType, refuseObjects } from "../format/dtype.ts";
import { InvalidArgumentError, MisalignedError } from "../format/errors.ts";
import type { NpyHeader } from "../format/header.ts";
import { byteLengthOf, formatShape, normalizeShape, stridesOf } from "../format/shape.ts";
import { type AccessPlan, accessPlan } from "./access.ts";

/**
 * The layout of one view: where its elements sit in the mapping's buffer.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using grid = createSharedArray("grid", { shape: [3, 4], dtype: "float32", order: "F" });
 * const layout: Layout = grid; // every NdArray is one
 * console.log(layout.strides, layout.byteOffset); // [4, 12] 0
 * ```
 */
export interface Layout {
  /** Element type. */
  readonly dtype: DType;
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Bytes between neighbours along each axis (NumPy's strides). */
  readonly strides: readonly number[];
  /** Byte offset of element [0, 0, ...] in the buffer. */
  readonly byteOffset: number;
}

// A layout made once and reused (layoutOf: every attach of one array) carries its fast access
// plan; views made on the fly plan when they are made. The plan holds for these very fields
// only: a layout made from another with a field changed must not carry it.
interface Planned extends Layout {
  readonly access: AccessPlan | null;
}

/**
 * The fast access plan of `layout`: the one it carries if {@link layoutOf} made it, else a new
 * one.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const layout = { dtype: parseDType("<i2"), shape: [3], strides: [2], byteOffset: 0 };
 * planOf(layout)?.steps; // [1]
 * ```
 */
export function planOf(layout: Layout): AccessPlan | null {
  const carried = (layout as Partial<Planned>).access;
  return carried !== undefined ? carried : accessPlan(layout);
}

/**
 * The layout of the data a `.npy` header describes, in a buffer that starts where the data
 * starts. Its shape and strides are frozen, and it is made once per header object (decoded
 * headers are cached: an attach of an array seen before makes none).
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { decodeHeader, encodeHeader } from "../format/header.ts";
 * const header = decodeHeader(encodeHeader(parseDType("<f8"), [3, 4], false));
 * layoutOf(header).strides; // [32, 8]
 * ```
 */
export function layoutOf(header: NpyHeader): Layout {
  let layout = layouts.get(header);
  if (layout === undefined) {
    const { dtype, shape, fortranOrder } = header;
    const strides = Object.freeze(stridesOf(shape, dtype.itemsize, fortranOrder));
    const placed = { dtype, shape: Object.freeze([...shape]), strides, byteOffset: 0 };
    layout = Object.freeze<Planned>({ ...placed, access: accessPlan(placed) });
    layouts.set(header, layout);
  }
  return layout;
}

const layouts = new WeakMap<NpyHeader, Layout>();

/**
 * Whether the elements fill one gap-free run of memory, in C or Fortran order.
 *
 * @example
 * ```ts
 * isContiguous([3, 4], [32, 8], 8); // true
 * isContiguous([3, 2], [32, 16], 8); // false: every other column
 * ```
 */
export function isContiguous(
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
): boolean {
  return isContiguousIn("C", shape, strides, itemsize) ||
    isContiguousIn("F", shape, strides, itemsize);
}

/**
 * Whether the elements fill one gap-free run of memory in that order: NumPy's
 * `flags.c_contiguous` / `flags.f_contiguous` (axes of length 1 do not count; empty arrays
 * are contiguous).
 *
 * @example
 * ```ts
 * isContiguousIn("F", [3, 4], [8, 24], 8); // true: a transposed C array
 * ```
 */
export function isContiguousIn(
  order: "C" | "F",
  shape: readonly number[],
  strides: readonly number[],
  itemsize: number,
): boolean {
  if (shape.some((n) => n === 0)) return true;
  let expected = itemsize;
  for (let k = 0; k < shape.length; k++) {
    const axis = order === "C" ? shape.length - 1 - k : k;
    if (shape[axis] !== 1 && strides[axis] !== expected) return false;
    expected *= shape[axis];
  }
  return true;
}

/**
 * Where and how {@link placedLayout} puts an array inside a contiguous one.
 *
 * @example
 * ```ts
 * const p: Placement = { byteOffset: 4096, shape: [100, 3], order: "C" };
 * ```
 */
export interface Placement {
  /** Byte offset from the start of the array being viewed; default 0. */
  byteOffset?: number;
  /** Shape of the placed array; default: as many items as fit after `byteOffset`. */
  shape?: number | readonly number[];
  /** Memory order of the placed array; default `"C"`. */
  order?: "C" | "F";
}

/**
 * The layout of field `name` of a structured array: the field's dtype over every record,
 * its sub-array axes appended. No bytes move; access is strided.
 *
 * @example
 * ```ts
 * import { dtypeFromDescr } from "../format/dtype.ts";
 * const dtype = dtypeFromDescr([["chr", "|S4"], ["pos", "<i4"]]);
 * const records: Layout = { dtype, shape: [10], strides: [8], byteOffset: 0 };
 * const pos = fieldLayout(records, "pos", "shared array 'genome'");
 * console.log(pos.dtype.name, pos.strides, pos.byteOffset); // int32 [8] 4
 * ```
 */
export function fieldLayout(layout: Layout, name: string, label: string): Layout {
  const fields = layout.dtype.fields;
  if (!fields) {
    throw new InvalidArgumentError(
      `${label} has dtype ${layout.dtype.name}, not a structured dtype: it has no fields`,
    );
  }
  const f = fields.find((x) => x.name === name || x.title === name);
  if (!f) {
    throw new InvalidArgumentError(
      `${label} has no field '${name}' (fields: ${fields.map((x) => x.name).join(", ")})`,
    );
  }
  return {
    dtype: f.dtype,
    shape: [...layout.shape, ...f.shape],
    strides: [...layout.strides, ...stridesOf(f.shape, f.dtype.itemsize, false)],
    byteOffset: layout.byteOffset + f.offset,
  };
}

/**
 * NumPy's `a.view(dtype)`: the same bytes read as `dtype`. Equal item sizes keep the shape;
 * otherwise the last axis must be contiguous and its bytes a multiple of the new item size,
 * and it grows or shrinks. `base` is the data's byte offset in memory, for the alignment
 * check.
 *
 * @throws {InvalidArgumentError} the sizes do not fit
 * @throws {MisalignedError} the bytes do not start aligned for `dtype`
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const u1 = parseDType("u1");
 * const rows: Layout = { dtype: u1, shape: [2, 16], strides: [16, 1], byteOffset: 0 };
 * reinterpretLayout(rows, "float64", 64, "x").shape; // [2, 2]: the last axis shrinks
 * ```
 */
export function reinterpretLayout(
  layout: Layout,
  spec: string | DType,
  base: number,
  label: string,
): Layout {
  const dtype = viewableDType(spec, label);
  const old = layout.dtype.itemsize;
  let { shape, strides } = layout;
  if (dtype.itemsize !== old) {
    const n = shape.length;
    const lastBytes = n === 0 ? 0 : shape[n - 1] * old;
    if (n === 0 || (shape[n - 1] > 1 && strides[n - 1] !== old)) {
      throw new InvalidArgumentError(
        `${label}: a view as ${dtype.name} changes the item size (${old} -> ${dtype.itemsize} ` +
          "bytes), which needs a last axis that is contiguous in memory",
      );
    }
    if (dtype.itemsize === 0 || lastBytes % dtype.itemsize !== 0) {
      throw new InvalidArgumentError(
        `${label}: its last axis holds ${lastBytes} bytes, not a multiple of ${dtype.name}'s ` +
          `${dtype.itemsize}`,
      );
    }
    shape = [...shape.slice(0, -1), lastBytes / dtype.itemsize];
    strides = [...strides.slice(0, -1), dtype.itemsize];
  }
  const out = { dtype, shape, strides, byteOffset: layout.byteOffset };
  checkAligned(out, base, label);
  return out;
}

/**
 * An array of `dtype` placed at `place.byteOffset` inside the bytes of a contiguous layout
 * of `byteLength` bytes: how one segment holds several arrays of different dtypes.
 *
 * @throws {InvalidArgumentError} it does not fit, or the outer layout is not contiguous
 * @throws {MisalignedError} the offset is not aligned for `dtype`
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const whole: Layout = { dtype: parseDType("u1"), shape: [4096], strides: [1], byteOffset: 0 };
 * const placed = placedLayout(whole, 4096, "f8", { byteOffset: 64, shape: [8] }, 0, "x");
 * console.log(placed.shape, placed.strides, placed.byteOffset); // [8] [8] 64
 * ```
 */
export function placedLayout(
  layout: Layout,
  byteLength: number,
  spec: string | DType,
  place: Placement,
  base: number,
  label: string,
): Layout {
  const dtype = viewableDType(spec, label);
  const offset = place.byteOffset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > byteLength) {
    throw new InvalidArgumentError(
      `${label}: byteOffset ${String(offset)} is not between 0 and its ${byteLength} bytes`,
    );
  }
  if (place.order !== undefined && place.order !== "C" && place.order !== "F") {
    throw new InvalidArgumentError(`${label}: order must be "C" or "F"`);
  }
  const room = byteLength - offset;
  const shape = place.shape === undefined
    ? [dtype.itemsize === 0 ? 0 : Math.floor(room / dtype.itemsize)]
    : normalizeShape(place.shape);
  const need = byteLengthOf(shape, dtype.itemsize);
  if (need > room) {
    throw new InvalidArgumentError(
      `${label}: ${dtype.name} ${formatShape(shape)} needs ${need} bytes but only ${room} ` +
        `follow byte ${offset}`,
    );
  }
  const out = {
    dtype,
    shape,
    strides: stridesOf(shape, dtype.itemsize, place.order === "F"),
    byteOffset: layout.byteOffset + offset,
  };
  checkAligned(out, base, label);
  return out;
}

function viewableDType(spec: string | DType, label: string): DType {
  const dtype = parseDType(spec);
  refuseObjects(dtype, `${label}: a view`);
  return dtype;
}

function checkAligned(layout: Layout, base: number, label: string): void {
  const align = layout.dtype.alignment;
  const at = base + layout.byteOffset;
  const bad = at % align !== 0 || layout.strides.some((s) => s % align !== 0);
  if (bad) {
    throw new MisalignedError(
      `${label}: a ${layout.dtype.name} view at byte ${at} with strides ` +
        `${formatShape(layout.strides)} is not aligned to ${align} bytes`,
    );
  }
}

/**
 * Copies every item of a layout over `buffer`, in C order, into `out` (itemsize bytes each)
 * through `put`, which gets the destination item, the source bytes and the item's offset in
 * them.
 *
 * @example
 * ```ts
 * import type { NdArray } from "./ndarray.ts";
 * // The bytes of any view (strided, Fortran order...) as one C-order run, as a .npy holds them.
 * function cOrderBytes(a: NdArray): Uint8Array {
 *   const out = new Uint8Array(a.byteLength);
 *   gather(a, a.buffer, out, (dst, src, at) => dst.set(src.subarray(at, at + dst.length)));
 *   return out;
 * }
 * ```
 */
export function gather(
  layout: Layout,
  buffer: ArrayBuffer,
  out: Uint8Array,
  put: (dst: Uint8Array, src: Uint8Array, at: number) => void,
): void {
  const src = new Uint8Array(buffer);
  const { shape, strides } = layout;
  const size = layout.dtype.itemsize;
  let k = 0;
  const walk = (axis: number, at: number): void => {
    if (axis === shape.length) {
      put(out.subarray(k, k + size), src, at);
      k += size;
      return;
    }
    for (let i = 0; i < shape[axis]; i++) walk(axis + 1, at + i * strides[axis]);
  };
  if (!shape.includes(0)) walk(0, layout.byteOffset);
}
