/**
 * {@link ElementAccess}: how one view's `get`/`set` reach an element once its index is
 * checked. Ints, floats and 64-bit ints stored in this machine's order and aligned are read
 * and written straight through one TypedArray over the whole buffer, by element index, with
 * the value checks inlined; every other dtype goes through its codec by byte offset.
 *
 * @example
 * ```ts
 * import { parseDType } from "../format/dtype.ts";
 * import { elementAccess } from "./access.ts";
 * const layout = { dtype: parseDType("f8"), shape: [4], strides: [8], byteOffset: 0 };
 * const access = elementAccess(layout, new ArrayBuffer(32), 0, "demo");
 * access.write(access.base + 2 * access.strides[0], 1.5);
 * access.read(2); // 1.5
 * ```
 * @module
 */
import { type DType, parseDType } from "../format/dtype.ts";
import type { Scalar, TypedArray } from "../format/typed.ts";
import { type ElementCodec, elementCodec } from "./codec.ts";
import type { Layout } from "./layout.ts";
import { converter, type Stored } from "./numeric.ts";

const CODEC = 0;
const FLOAT = 1;
const INT = 2;
const BIGINT = 3;

type Writable = { [index: number]: Stored };

/**
 * Element access of one view: {@link base} and {@link strides} locate element `[i, j, ...]` as
 * `base + i * strides[0] + j * strides[1] + ...`, in elements of {@link flat} when it is set,
 * else in bytes for the codec.
 */
export class ElementAccess {
  /** TypedArray over the whole buffer, or null when the codec reads by byte offset. */
  readonly flat: TypedArray | null;
  /** Where element `[0, 0, ...]` is. */
  readonly base: number;
  /** Steps between neighbours along each axis, in the same unit as {@link base}. */
  readonly strides: readonly number[];
  readonly #codec: ElementCodec | null;
  readonly #kind: number;
  readonly #min: number | bigint;
  readonly #max: number | bigint;
  readonly #convert: (value: unknown) => Stored;

  /** @internal Use {@link elementAccess}. */
  constructor(
    flat: TypedArray | null,
    layout: Layout,
    codec: ElementCodec | null,
    convert: (value: unknown) => Stored,
    kind: number,
  ) {
    this.flat = flat;
    const unit = flat === null ? 1 : flat.BYTES_PER_ELEMENT;
    this.base = layout.byteOffset / unit;
    this.strides = Object.freeze(layout.strides.map((s) => s / unit));
    this.#codec = codec;
    this.#convert = convert;
    this.#kind = kind;
    const bits = BigInt(layout.dtype.itemsize * 8);
    const signed = layout.dtype.kind !== "u";
    const min = signed ? -(1n << (bits - 1n)) : 0n;
    const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
    this.#min = kind === BIGINT ? min : Number(min);
    this.#max = kind === BIGINT ? max : Number(max);
  }

  /** The element at `at` (an element index of {@link flat}, or a byte offset). */
  read(at: number): Scalar {
    const flat = this.flat;
    return flat !== null ? flat[at] : this.#codec!.read(at);
  }

  /** Checks `value` for the dtype (a typed error if it does not fit) and stores it at `at`. */
  write(at: number, value: unknown): void {
    const flat = this.flat as Writable | null;
    if (flat === null) return this.#codec!.write(at, value);
    const kind = this.#kind;
    if (
      kind === FLOAT
        ? typeof value === "number"
        : kind === INT
        ? typeof value === "number" && value >= this.#min && value <= this.#max &&
          Number.isInteger(value)
        : typeof value === "bigint" && value >= this.#min && value <= this.#max
    ) {
      flat[at] = value as number | bigint;
    } else {
      flat[at] = this.#convert(value); // converts (bigint to int32, ...) or throws
    }
  }
}

/**
 * The {@link ElementAccess} of a view over `buffer`, which starts `dataOffset` bytes into its
 * mapping (for the alignment a TypedArray needs); `label` names the array in errors.
 *
 * @example
 * ```ts
 * const access = elementAccess(view.layout, mapping.buffer, mapping.dataOffset, "x");
 * ```
 */
export function elementAccess(
  layout: Layout,
  buffer: ArrayBuffer,
  dataOffset: number,
  label: string,
): ElementAccess {
  const { dtype } = layout;
  const align = dtype.alignment;
  // A TypedArray indexes whole elements: every offset this view reaches must be one.
  const aligned = dataOffset % align === 0 && layout.byteOffset % align === 0 &&
    layout.strides.every((s) => s % align === 0);
  const kind = aligned ? directKind(dtype) : CODEC;
  if (kind === CODEC) {
    return new ElementAccess(
      null,
      layout,
      elementCodec(dtype, buffer, aligned, label),
      () => 0,
      CODEC,
    );
  }
  const ctor = dtype.view!.ctor;
  const flat = new ctor(buffer, 0, Math.floor(buffer.byteLength / ctor.BYTES_PER_ELEMENT));
  // datetime64/timedelta64 are int64 counts: their values are checked as int64s.
  const stored = dtype.kind === "M" || dtype.kind === "m" ? parseDType("i8") : dtype;
  return new ElementAccess(flat, layout, null, converter(stored, label), kind);
}

/** How a dtype's elements are read without a codec, or CODEC when they need one. */
function directKind(dtype: DType): number {
  if (dtype.fields || !dtype.view || dtype.view.lanes !== 1) return CODEC;
  switch (dtype.view.kind) {
    case "float":
      return FLOAT;
    case "int":
      return INT;
    case "bigint":
      return BIGINT;
    default:
      return CODEC; // bools, raw float16 bits: converted on every access
  }
}
