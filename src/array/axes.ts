/**
 * Views that rearrange axes without moving bytes, as NumPy computes them: {@link
 * transposeLayout} (`a.transpose(...)`, `a.T`), {@link reshapeLayout} (`a.reshape(...)` where it
 * can be a view; where NumPy would copy it throws) and {@link squeezeLayout} (`a.squeeze()`).
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { reshapeLayout, transposeLayout } from "./axes.ts";
 * const grid = { dtype: parseDType("f8"), shape: [2, 3], strides: [24, 8], byteOffset: 0 };
 * transposeLayout(grid, undefined, "grid").strides; // [8, 24]
 * reshapeLayout(grid, [3, -1], "C", "grid").shape; // [3, 2]
 * ```
 * @module
 */
import { InvalidArgumentError, NotViewableError } from "../format/errors.ts";
import { formatShape, MAX_NDIM, sameShape, sizeOf, stridesOf } from "../format/shape.ts";
import { isContiguousIn, type Layout } from "./layout.ts";

/**
 * The axes permuted: axis `k` of the result is axis `axes[k]` of `layout`; without `axes`,
 * reversed (NumPy's `a.T`).
 *
 * @throws {InvalidArgumentError} not a permutation of the axes
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const cube = { dtype: parseDType("u1"), shape: [2, 3, 4], strides: [12, 4, 1], byteOffset: 0 };
 * transposeLayout(cube, [1, 0, 2], "cube").strides; // [4, 12, 1]: the first two axes swapped
 * ```
 */
export function transposeLayout(
  layout: Layout,
  axes: readonly number[] | undefined,
  label: string,
): Layout {
  const n = layout.shape.length;
  const order = axes === undefined || axes.length === 0
    ? layout.shape.map((_, i) => n - 1 - i)
    : axes.map((a) => checkedAxis(a, n, label));
  if (order.length !== n) {
    throw new InvalidArgumentError(
      `${label}: transpose needs ${n} axes, one per axis of the array, got ${order.length}`,
    );
  }
  if (new Set(order).size !== n) {
    throw new InvalidArgumentError(`${label}: repeated axis in transpose ${formatShape(order)}`);
  }
  return pickAxes(layout, order);
}

/** The layout with axes `order[0]`, `order[1]`, ... of `layout`, in that order. */
function pickAxes(layout: Layout, order: readonly number[]): Layout {
  return {
    dtype: layout.dtype,
    shape: order.map((a) => layout.shape[a]),
    strides: order.map((a) => layout.strides[a]),
    byteOffset: layout.byteOffset,
  };
}

/**
 * The same elements in a new shape, read in `order` ("C": last index fastest, as NumPy's
 * default), as a view: NumPy's `reshape` when it does not copy. One dimension may be negative
 * (`-1`): it takes what the others leave.
 *
 * @throws {InvalidArgumentError} a bad shape, or one whose size is not the array's
 * @throws {NotViewableError} no strides can show these elements in this shape (NumPy would
 *   copy): the message says how to make the copy
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const grid = { dtype: parseDType("f8"), shape: [2, 3], strides: [24, 8], byteOffset: 0 };
 * reshapeLayout(grid, [-1], "C", "grid").shape; // [6]
 * ```
 */
export function reshapeLayout(
  layout: Layout,
  dims: readonly number[],
  order: "C" | "F",
  label: string,
): Layout {
  const { dtype, byteOffset } = layout;
  // As NumPy: the very same dims (no -1 to resolve) keep the strides as they are.
  if (Array.isArray(dims) && sameShape(dims, layout.shape)) return { ...layout };
  const shape = resolveShape(dims, sizeOf(layout.shape), label);
  if (isContiguousIn(order, layout.shape, layout.strides, dtype.itemsize)) {
    return { dtype, shape, strides: stridesOf(shape, dtype.itemsize, order === "F"), byteOffset };
  }
  const strides = viewStrides(layout, shape, order === "F");
  if (!strides) {
    throw new NotViewableError(
      `${label}: cannot reshape this view ${formatShape(layout.shape)} with strides ` +
        `${formatShape(layout.strides)} into ${formatShape(shape)} without copying; ` +
        `copy it first: .copy().reshape(...)`,
    );
  }
  return { dtype, shape, strides, byteOffset };
}

/** NumPy's `_fix_unknown_dimension`: checks the dims and fills in the negative one. */
function resolveShape(dims: readonly number[], size: number, label: string): number[] {
  if (!Array.isArray(dims) || dims.length > MAX_NDIM) {
    throw new InvalidArgumentError(
      `${label}: a shape is at most ${MAX_NDIM} integers, got ${describe(dims)}`,
    );
  }
  let unknown = -1;
  let known = 1;
  dims.forEach((d, i) => {
    if (!Number.isSafeInteger(d)) {
      throw new InvalidArgumentError(`${label}: shape[${i}] = ${describe(d)} is not an integer`);
    }
    if (d >= 0) known *= d;
    else if (unknown === -1) unknown = i;
    else throw new InvalidArgumentError(`${label}: can only specify one unknown dimension`);
  });
  const shape = [...dims];
  if (unknown >= 0 && known !== 0 && size % known === 0) shape[unknown] = size / known;
  else if (unknown >= 0 || known !== size) {
    throw new InvalidArgumentError(
      `${label}: cannot reshape an array of size ${size} into shape ${formatShape(dims)}`,
    );
  }
  return shape;
}

/**
 * NumPy's `_attempt_nocopy_reshape`: strides that show the elements of a non-contiguous
 * layout in `shape`, or undefined when only a copy can. Runs of old axes that are contiguous
 * with each other can be split or merged freely; other boundaries must stay.
 */
function viewStrides(
  layout: Layout,
  shape: readonly number[],
  fortran: boolean,
): number[] | undefined {
  const oldDims: number[] = [];
  const oldStrides: number[] = [];
  layout.shape.forEach((d, i) => {
    if (d !== 1) {
      oldDims.push(d);
      oldStrides.push(layout.strides[i]);
    }
  });
  const strides = new Array<number>(shape.length);
  let [oi, oj, ni, nj] = [0, 1, 0, 1];
  while (ni < shape.length && oi < oldDims.length) {
    let np = shape[ni];
    let op = oldDims[oi];
    while (np !== op) {
      if (np < op) np *= shape[nj++];
      else op *= oldDims[oj++];
    }
    for (let ok = oi; ok < oj - 1; ok++) {
      const joined = fortran
        ? oldStrides[ok + 1] === oldDims[ok] * oldStrides[ok]
        : oldStrides[ok] === oldDims[ok + 1] * oldStrides[ok + 1];
      if (!joined) return undefined;
    }
    if (fortran) {
      strides[ni] = oldStrides[oi];
      for (let nk = ni + 1; nk < nj; nk++) strides[nk] = strides[nk - 1] * shape[nk - 1];
    } else {
      strides[nj - 1] = oldStrides[oj - 1];
      for (let nk = nj - 1; nk > ni; nk--) strides[nk - 1] = strides[nk] * shape[nk];
    }
    ni = nj++;
    oi = oj++;
  }
  // Trailing axes of length 1 take the stride after the last one set, as NumPy's do.
  let last = ni >= 1 ? strides[ni - 1] : layout.dtype.itemsize;
  if (fortran && ni >= 1) last *= shape[ni - 1];
  for (let nk = ni; nk < shape.length; nk++) strides[nk] = last;
  return strides;
}

/**
 * Axes of length 1 removed: all of them, or only `axes` (each must have length 1).
 *
 * @throws {InvalidArgumentError} an axis out of range, repeated, or longer than 1
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const column = { dtype: parseDType("f8"), shape: [3, 1], strides: [8, 8], byteOffset: 0 };
 * squeezeLayout(column, undefined, "column").shape; // [3]
 * ```
 */
export function squeezeLayout(
  layout: Layout,
  axes: readonly number[] | undefined,
  label: string,
): Layout {
  const n = layout.shape.length;
  let drop: Set<number>;
  if (axes === undefined) {
    drop = new Set(layout.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  } else {
    const picked = axes.map((a) => checkedAxis(a, n, label));
    drop = new Set(picked);
    if (drop.size !== picked.length) {
      throw new InvalidArgumentError(`${label}: repeated axis in squeeze ${formatShape(axes)}`);
    }
    for (const a of drop) {
      if (layout.shape[a] !== 1) {
        throw new InvalidArgumentError(
          `${label}: cannot squeeze axis ${a}: its size is ${layout.shape[a]}, not 1`,
        );
      }
    }
  }
  return pickAxes(layout, layout.shape.map((_, i) => i).filter((i) => !drop.has(i)));
}

function checkedAxis(axis: number, n: number, label: string): number {
  if (!Number.isInteger(axis) || axis < -n || axis >= n) {
    throw new InvalidArgumentError(
      `${label}: axis ${describe(axis)} is out of bounds for an array of dimension ${n}`,
    );
  }
  return axis < 0 ? axis + n : axis;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  return typeof value === "bigint" ? `${value}n` : String(value);
}
