/**
 * The plan of a view's fast `get`/`set`: ints, floats and 64-bit ints stored in this machine's
 * byte order and aligned are read and written straight through one TypedArray over the whole
 * buffer, by element index; every other dtype or layout goes through its codec by byte offset
 * (`./codec.ts`). The plan of a layout ({@link accessPlan}) holds for any buffer; only the
 * TypedArray ({@link flatView}) is made per buffer, so a layout that is reused (every attach
 * of one array) plans once.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { accessPlan, flatView } from "./access.ts";
 * const layout = { dtype: parseDType("f8"), shape: [4], strides: [-8], byteOffset: 24 };
 * const plan = accessPlan(layout)!;
 * plan.base; // 3: element [0] is the buffer's 4th float64
 * plan.steps; // [-1]
 * flatView(plan, new ArrayBuffer(32), 0)?.length; // 4
 * ```
 * @module
 */
import type { DType, TypedArrayCtor } from "../format/dtype.ts";
import type { TypedArray } from "../format/typed.ts";

/** How `set` checks a value on the fast path: any number, an integer in range, a bigint. */
export const FLOAT = 0;
/** See {@link FLOAT}. */
export const INT = 1;
/** See {@link FLOAT}. */
export const BIGINT = 2;

/** Where a view's elements are: a `Layout`'s fields (./layout.ts imports this module). */
export interface LayoutFields {
  /** Element type. */
  readonly dtype: DType;
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Bytes between neighbours along each axis. */
  readonly strides: readonly number[];
  /** Byte offset of element [0, 0, ...] in the buffer. */
  readonly byteOffset: number;
}

/**
 * Where a view's elements are in one TypedArray over its buffer: element `[i, j, ...]` is
 * `flat[base + i * steps[0] + j * steps[1] + ...]`. The same for every buffer.
 */
export interface AccessPlan {
  /** The dtype's TypedArray. */
  readonly ctor: TypedArrayCtor;
  /** Element index of `[0, 0, ...]`. */
  readonly base: number;
  /** The strides in elements (a plain array: V8 compiles loads from frozen arrays to calls). */
  readonly steps: number[];
  /** The extents, as a plain array too. */
  readonly dims: number[];
  /** The value check `set` makes: {@link FLOAT}, {@link INT} or {@link BIGINT}. */
  readonly kind: number;
  /** Smallest value an {@link INT} or {@link BIGINT} element holds. */
  readonly min: number | bigint;
  /** Largest value an {@link INT} or {@link BIGINT} element holds. */
  readonly max: number | bigint;
}

/**
 * The fast access plan of a layout, or null when its elements need a codec: bools, complex,
 * raw float16 bits, other byte orders, strings, records, or offsets and strides that are not
 * whole elements.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * accessPlan({ dtype: parseDType("bool"), shape: [4], strides: [1], byteOffset: 0 }); // null
 * ```
 */
export function accessPlan(layout: LayoutFields): AccessPlan | null {
  const { dtype } = layout;
  const kind = directKind(dtype);
  const align = dtype.alignment;
  // A TypedArray indexes whole elements: every offset this view reaches must be one.
  const aligned = layout.byteOffset % align === 0 && layout.strides.every((s) => s % align === 0);
  if (kind < 0 || !aligned) return null;
  const ctor = dtype.view!.ctor;
  const unit = ctor.BYTES_PER_ELEMENT;
  // datetime64/timedelta64 are int64 counts, so signed.
  const [min, max] = rangeOf(dtype.itemsize, dtype.kind !== "u", kind === BIGINT);
  return {
    ctor,
    base: layout.byteOffset / unit,
    steps: layout.strides.map((s) => s / unit),
    dims: [...layout.shape],
    kind,
    min,
    max,
  };
}

/**
 * The TypedArray a plan indexes, over all of `buffer` (which starts `dataOffset` bytes into its
 * mapping), or null if that start is not aligned for the dtype. `reuse`, the TypedArray of
 * another view of the same buffer, is returned if it is one of the same dtype.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const plan = accessPlan({ dtype: parseDType("<i4"), shape: [2], strides: [4], byteOffset: 0 })!;
 * flatView(plan, new ArrayBuffer(8), 2); // null: an int32 cannot start at byte 2
 * ```
 */
export function flatView(
  plan: AccessPlan,
  buffer: ArrayBuffer,
  dataOffset: number,
  reuse?: TypedArray | null,
): TypedArray | null {
  const unit = plan.ctor.BYTES_PER_ELEMENT;
  if (dataOffset % unit !== 0) return null;
  if (reuse?.buffer === buffer && reuse instanceof plan.ctor) return reuse;
  return new plan.ctor(buffer, 0, Math.floor(buffer.byteLength / unit));
}

// The value range of each integer size, made once: its BigInt arithmetic, done for every view,
// was a third of what making one cost (Deno: row() took 418-465 ns, now 303-314).
const RANGES: (readonly [number | bigint, number | bigint])[] = [];

function rangeOf(itemsize: number, signed: boolean, big: boolean) {
  const key = itemsize * 4 + (signed ? 2 : 0) + (big ? 1 : 0);
  return RANGES[key] ??= range(BigInt(itemsize * 8), signed, big);
}

function range(bits: bigint, signed: boolean, big: boolean) {
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  return big ? [min, max] as const : [Number(min), Number(max)] as const;
}

/** How a dtype's elements are checked without a codec, or -1 when they need one. */
function directKind(dtype: DType): number {
  if (dtype.fields || !dtype.view || dtype.view.lanes !== 1) return -1;
  switch (dtype.view.kind) {
    case "float":
      return FLOAT;
    case "int":
      return INT;
    case "bigint":
      return BIGINT;
    default:
      return -1; // bools, raw float16 bits: converted on every access
  }
}
