/**
 * Layout arithmetic of views that change how bytes are read: one field of a structured array
 * (`field(name)`), the same bytes as another dtype (`view(dtype)`, NumPy's `ndarray.view`),
 * an array placed at an offset inside a larger one (several arrays in one segment), and
 * {@link toNativeArray}, the explicit native-order copy of big-endian data.
 *
 * Pure functions over {@link Layout}s: NdArray's methods call them and wrap the result.
 *
 * @example
 * ```ts
 * using a = createSharedArray("pairs", { shape: [4], dtype: "int32" });
 * a.view("int16").shape; // [8]
 * ```
 * @module
 */
import { type DType, parseDType } from "./dtype.ts";
import { InvalidArgumentError, MisalignedError, NotViewableError } from "./errors.ts";
import type { Layout, NdArray } from "./ndarray.ts";
import { byteLengthOf, formatShape, normalizeShape, stridesOf } from "./shape.ts";
import type { TypedArray } from "./types.ts";

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
 * fieldLayout(records.layout, "pos", "shared array 'genome'"); // { dtype: <i4, ... }
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
 * reinterpretLayout(int32Layout, parseDType("int16"), 64, "x").shape; // last axis doubled
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
 * placedLayout(bytesLayout, 4096, parseDType("f8"), { byteOffset: 64, shape: [8] }, 0, "x");
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
  if (dtype.kind === "O") {
    throw new InvalidArgumentError(`${label}: no bytes can be viewed as object pointers`);
  }
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
 * A copy of a numeric (or datetime) array as a TypedArray in this machine's byte order and C
 * order: the explicit way to get big-endian, Fortran-order or strided data into a plain
 * TypedArray. Complex values interleave re/im; float16 gives a Float16Array where the
 * runtime has one, else raw bits in a Uint16Array.
 *
 * @throws {NotViewableError} strings, records and other dtypes no TypedArray holds
 * @example
 * ```ts
 * using a = openNpy("big_endian.npy"); // dtype >f8
 * const values = toNativeArray(a) as Float64Array;
 * ```
 */
export function toNativeArray(array: NdArray): TypedArray {
  const src = array.dtype;
  const native = src.byteOrder === ">" ? parseDType(`<${src.descr.slice(1)}`) : src;
  const view = native.view;
  if (!view || native.fields) {
    throw new NotViewableError(
      `${array}: dtype '${src.descr}' has no TypedArray form; use get() or toArray()`,
    );
  }
  const out = new Uint8Array(array.size * src.itemsize);
  const lane = src.itemsize / view.lanes;
  const swap = src.byteOrder === ">" && lane > 1;
  gather(array, out, (dst, from, at) => {
    if (!swap) return dst.set(from.subarray(at, at + src.itemsize));
    for (let i = 0; i < src.itemsize; i++) {
      dst[i] = from[at + Math.floor(i / lane) * lane + (lane - 1 - (i % lane))];
    }
  });
  return new view.ctor(out.buffer, 0, array.size * view.lanes);
}

/**
 * Copies every item of `array` in C order into `out` (itemsize bytes each) through `put`,
 * which gets the destination item, the source bytes and the item's offset in them.
 *
 * @example
 * ```ts
 * gather(a, out, (dst, src, at) => dst.set(src.subarray(at, at + 8)));
 * ```
 */
export function gather(
  array: NdArray,
  out: Uint8Array,
  put: (dst: Uint8Array, src: Uint8Array, at: number) => void,
): void {
  const src = new Uint8Array(array.buffer);
  const size = array.dtype.itemsize;
  let k = 0;
  const walk = (axis: number, at: number): void => {
    if (axis === array.ndim) {
      put(out.subarray(k, k + size), src, at);
      k += size;
      return;
    }
    for (let i = 0; i < array.shape[axis]; i++) walk(axis + 1, at + i * array.strides[axis]);
  };
  if (array.size > 0) walk(0, array.byteOffset);
}
