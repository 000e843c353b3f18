/**
 * The plan of a view's fast `get`/`set`: ints, floats and 64-bit ints stored in this machine's
 * byte order and aligned are read and written straight through one TypedArray over the whole
 * buffer, by element index ({@link DirectAccess}); every other dtype or layout goes through
 * its codec by byte offset (`./codec.ts`).
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { directAccess } from "./access.ts";
 * const layout = { dtype: parseDType("f8"), shape: [4], strides: [-8], byteOffset: 24 };
 * const plan = directAccess(layout, new ArrayBuffer(32), 0)!;
 * plan.base; // 3: element [0] is the buffer's 4th float64
 * plan.steps; // [-1]
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import type { TypedArray } from "../format/typed.ts";
import type { Layout } from "./layout.ts";

/** How `set` checks a value on the fast path: any number, an integer in range, a bigint. */
export const FLOAT = 0;
/** See {@link FLOAT}. */
export const INT = 1;
/** See {@link FLOAT}. */
export const BIGINT = 2;

/**
 * Where a view's elements are in one TypedArray: element `[i, j, ...]` is
 * `flat[base + i * steps[0] + j * steps[1] + ...]`.
 */
export interface DirectAccess {
  /** The whole buffer as the dtype's TypedArray. */
  readonly flat: TypedArray;
  /** Element index of `[0, 0, ...]`. */
  readonly base: number;
  /** The strides in elements (a plain array: V8 compiles loads from frozen arrays to calls). */
  readonly steps: number[];
  /** The value check `set` makes: {@link FLOAT}, {@link INT} or {@link BIGINT}. */
  readonly kind: number;
  /** Smallest value an {@link INT} or {@link BIGINT} element holds. */
  readonly min: number | bigint;
  /** Largest value an {@link INT} or {@link BIGINT} element holds. */
  readonly max: number | bigint;
}

/**
 * The direct access of a layout over `buffer` (which starts `dataOffset` bytes into its
 * mapping), or null when its elements need a codec: bools, complex, raw float16 bits, other
 * byte orders, strings, records, or offsets not aligned for the dtype. `flat` reuses the
 * TypedArray of another view of the same dtype and buffer.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * const bools = { dtype: parseDType("bool"), shape: [4], strides: [1], byteOffset: 0 };
 * directAccess(bools, new ArrayBuffer(4), 64); // null: read through the codec
 * ```
 */
export function directAccess(
  layout: Layout,
  buffer: ArrayBuffer,
  dataOffset: number,
  flat?: TypedArray,
): DirectAccess | null {
  const { dtype } = layout;
  const kind = directKind(dtype);
  const align = dtype.alignment;
  // A TypedArray indexes whole elements: every offset this view reaches must be one.
  const aligned = dataOffset % align === 0 && layout.byteOffset % align === 0 &&
    layout.strides.every((s) => s % align === 0);
  if (kind < 0 || !aligned) return null;
  const ctor = dtype.view!.ctor;
  const unit = ctor.BYTES_PER_ELEMENT;
  // datetime64/timedelta64 are int64 counts, so signed.
  const [min, max] = rangeOf(dtype.itemsize, dtype.kind !== "u", kind === BIGINT);
  return {
    flat: flat?.buffer === buffer && flat instanceof ctor
      ? flat
      : new ctor(buffer, 0, Math.floor(buffer.byteLength / unit)),
    base: layout.byteOffset / unit,
    steps: layout.strides.map((s) => s / unit),
    kind,
    min,
    max,
  };
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
