/**
 * {@link NdArray}: an N-dimensional strided view of a mapping's bytes — shape, strides, element
 * access by N-d index, zero-copy leading-axis views, and `data`, the TypedArray over it.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using a = createSharedArray("grid", { shape: [3, 4], dtype: "float64" });
 * a.set([1, 2], 5);
 * a.row(1).get(2); // 5
 * a.data[1 * 4 + 2]; // 5, same memory
 * ```
 * @module
 */
import type { DType } from "../format/dtype.ts";
import { InvalidArgumentError, NotViewableError, ReadOnlyError } from "../format/errors.ts";
import { formatShape } from "../format/shape.ts";
import type { Scalar, TypedArray } from "../format/typed.ts";
import { type ElementCodec, elementCodec } from "./codec.ts";
import { checkNestedCopy } from "./nested.ts";
import {
  fieldLayout,
  isContiguous,
  type Layout,
  placedLayout,
  type Placement,
  reinterpretLayout,
} from "./layout.ts";

/**
 * Nested plain arrays as {@link NdArray.toArray} returns them.
 *
 * @example
 * ```ts
 * const rows: NestedArray = [[1, 2], [3, 4]];
 * ```
 */
export type NestedArray = Scalar | NestedArray[];

// Brand shared by every copy of this module, so isSharedArray() works across copies.
const BRAND = Symbol.for("npshm.NdArray");

/**
 * The memory an {@link NdArray} views, as far as the array needs to know it: a mapping of a
 * segment or a file (`src/os/mapping.ts` implements it). Arrays never unmap anything.
 *
 * @example
 * ```ts
 * // A plain ArrayBuffer can stand in for a mapping, e.g. in a test:
 * const memory: ArrayMemory = {
 *   buffer: new ArrayBuffer(64),
 *   closed: false,
 *   readOnly: false,
 *   label: "scratch buffer",
 *   dataOffset: 0,
 * };
 * ```
 */
export interface ArrayMemory {
  /** The data bytes; throws `ClosedError` once the memory was closed. */
  readonly buffer: ArrayBuffer;
  /** Whether the memory was closed. */
  readonly closed: boolean;
  /** Whether writes are refused. */
  readonly readOnly: boolean;
  /** Words that name the array in error messages, e.g. `shared array 'frames'`. */
  readonly label: string;
  /** Where the buffer starts in the mapped memory (for alignment checks). */
  readonly dataOffset: number;
}

/**
 * A strided N-d view of shared memory. {@link SharedArray} is the NdArray that owns its
 * mapping; `row()` and `slice()` return NdArrays that share it (and die with its `close()`).
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using frames = createSharedArray("frames", { shape: [10, 480, 640], dtype: "uint8" });
 * const latest: NdArray = frames.slice(-3); // the last 3 frames, zero-copy
 * console.log(latest.shape, latest.byteOffset); // [3, 480, 640] 2150400
 * ```
 */
export class NdArray<T extends TypedArray = TypedArray> {
  /** Element type. */
  readonly dtype: DType;
  /** Extent of each axis. */
  readonly shape: readonly number[];
  /** Bytes between neighbours along each axis, as NumPy's `strides`. */
  readonly strides: readonly number[];
  /** Number of axes. */
  readonly ndim: number;
  /** Number of elements. */
  readonly size: number;
  /** Bytes the elements occupy (`size * dtype.itemsize`). */
  readonly byteLength: number;
  /** Byte offset of the first element in the mapping's data buffer. */
  readonly byteOffset: number;
  /** @internal The memory this view reads and writes. */
  protected readonly mapping: ArrayMemory;
  #codec: ElementCodec | undefined;
  #data: T | undefined;

  /** @internal Use {@link createSharedArray} / {@link attachSharedArray}. */
  constructor(mapping: ArrayMemory, layout: Layout) {
    this.mapping = mapping;
    this.dtype = layout.dtype;
    this.shape = frozen(layout.shape);
    this.strides = frozen(layout.strides);
    this.byteOffset = layout.byteOffset;
    this.ndim = layout.shape.length;
    this.size = layout.shape.reduce((a, b) => a * b, 1);
    this.byteLength = this.size * layout.dtype.itemsize;
  }

  /** @internal */
  get [BRAND](): true {
    return true;
  }

  /** Whether writes are refused (the array was attached `readOnly`). */
  get readOnly(): boolean {
    return this.mapping.readOnly;
  }

  /** Whether the owning array was closed; every access then throws {@link ClosedError}. */
  get closed(): boolean {
    return this.mapping.closed;
  }

  /**
   * The elements as one zero-copy TypedArray, in memory order (C order for C arrays, Fortran
   * order for Fortran arrays). Complex dtypes interleave re/im. After `close()` TypedArrays taken
   * from it read length 0, and `data` itself throws {@link ClosedError}.
   * Throws {@link NotViewableError} for dtypes or layouts no TypedArray can show faithfully.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("samples", { shape: [2, 3], dtype: "float32" });
   * a.data.set([1, 2, 3, 4, 5, 6]); // a.data: a Float32Array over the shared memory
   * a.get([1, 0]); // 4: C order
   * ```
   */
  get data(): T {
    const buffer = this.mapping.buffer;
    if (this.#data?.buffer === buffer) return this.#data;
    const view = this.#viewInfo();
    const elements = (this.byteLength / this.dtype.itemsize) * view.lanes;
    this.#data = new view.ctor(buffer, this.byteOffset, elements) as T;
    return this.#data;
  }

  /**
   * The whole data buffer of the array this view belongs to (the root array's data bytes,
   * which `byteOffset` and `strides` index), zero-copy.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("table", { shape: [3, 4], dtype: "float64" });
   * const row = a.row(2);
   * console.log(row.buffer === a.buffer, row.byteOffset); // true 64
   * ```
   */
  get buffer(): ArrayBuffer {
    return this.mapping.buffer;
  }

  /**
   * Field `name` (or title) of a structured array: a zero-copy view of that field over every
   * record, with the field's sub-array axes appended. Its `get`/`set` read the field in place
   * (through a TypedArray when the field is aligned, else a DataView).
   *
   * @example
   * ```ts
   * import { openNpy } from "@npshm/npshm";
   * using genome = openNpy("genome.npy"); // records of chr (S4), pos (<i4), pct (<f8), ...
   * const pos = genome.field("pos"); // an int32 array, one per record, zero-copy
   * console.log(pos.get(1), pos.contiguous); // 200 false: other fields sit in between
   * ```
   */
  field(name: string): NdArray {
    return new NdArray(this.mapping, fieldLayout(this, name, this.#what()));
  }

  /**
   * The same bytes as another dtype, no copy. Without `place`, NumPy's `view(dtype)`: an
   * int32 array seen as int16 doubles its last axis. With `place`, an array of `shape` at
   * `byteOffset` inside this contiguous array: how one segment holds several arrays.
   * Throws {@link InvalidArgumentError} when the sizes do not fit and
   * {@link MisalignedError} when the bytes are not aligned for `dtype`.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using packet = createSharedArray("packet", { shape: [64], dtype: "uint8" });
   * packet.view("int32").shape; // [16], as NumPy's packet.view(np.int32)
   * const head = packet.view("uint16", { shape: [4] }); // bytes 0-7 as four uint16
   * const body = packet.view("float64", { byteOffset: 8 }); // bytes 8-63 as seven float64
   * ```
   */
  view(dtype: string | DType, place?: Placement): NdArray {
    if (!place) {
      return new NdArray(
        this.mapping,
        reinterpretLayout(this, dtype, this.mapping.dataOffset, this.#what()),
      );
    }
    this.#requireContiguous("placed views");
    const layout = placedLayout(
      this,
      this.byteLength,
      dtype,
      place,
      this.mapping.dataOffset,
      this.#what(),
    );
    return new NdArray(this.mapping, layout);
  }

  /**
   * The raw bytes of the elements, zero-copy (contiguous views only).
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("words", { shape: [2], dtype: "<u2" });
   * a.set(0, 0x0102);
   * a.bytes; // Uint8Array [2, 1, 0, 0]: little-endian
   * ```
   */
  get bytes(): Uint8Array {
    const buffer = this.mapping.buffer;
    this.#requireContiguous("bytes");
    return new Uint8Array(buffer, this.byteOffset, this.byteLength);
  }

  /**
   * Whether the elements fill one gap-free run of memory (C or Fortran contiguous), which is
   * what {@link data} and {@link bytes} need.
   */
  get contiguous(): boolean {
    return isContiguous(this.shape, this.strides, this.dtype.itemsize);
  }

  /**
   * The element at an N-d index (negative indices count from the end, as in NumPy). A 1-d array
   * also takes a plain number; a 0-d array takes `[]` or nothing.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("ids", { shape: [2, 3], dtype: "int64", fill: 7n });
   * a.get([1, -1]); // 7n: the last element of row 1; 64-bit integers read as bigints
   * ```
   */
  get(index: number | readonly number[] = []): Scalar {
    return this.#codecFor().read(this.#offsetOf(index));
  }

  /**
   * Stores `value` at an N-d index. Integers must fit the dtype, 64-bit ints take bigints or
   * safe integers, complex takes `{re, im}`; anything else is an {@link InvalidArgumentError}.
   * A read-only array throws {@link ReadOnlyError} and is left unchanged.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using z = createSharedArray("spectrum", { shape: [2], dtype: "complex64" });
   * z.set(0, { re: 1, im: -1 });
   * z.set(1, 2); // a number is a real value
   * z.data; // Float32Array [1, -1, 2, 0]: re and im interleaved
   * ```
   */
  set(index: number | readonly number[], value: unknown): void {
    if (this.readOnly) {
      throw new ReadOnlyError(`${this.mapping.label} was attached read-only; it cannot be written`);
    }
    this.#codecFor().write(this.#offsetOf(index), value);
  }

  /**
   * Row `i` (negative counts from the end): a zero-copy view with one axis fewer.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using image = createSharedArray("image", { shape: [480, 640], dtype: "uint8" });
   * image.row(-1).data.fill(255); // the last row
   * image.get([479, 0]); // 255
   * ```
   */
  row(i: number): NdArray<T> {
    if (this.ndim === 0) throw new InvalidArgumentError(`${this.#what()} is 0-d: it has no rows`);
    const at = normalizeIndex(i, this.shape[0], 0, this.#what());
    return new NdArray<T>(this.mapping, {
      dtype: this.dtype,
      shape: this.shape.slice(1),
      strides: this.strides.slice(1),
      byteOffset: this.byteOffset + at * this.strides[0],
    });
  }

  /**
   * Rows `start` to `end` (exclusive; negative counts from the end; clamped as in
   * `Array.prototype.slice`): a zero-copy view.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using batch = createSharedArray("batch", { shape: [100, 8], dtype: "float32" });
   * const mine = batch.slice(25, 50); // this worker's rows: 25 to 49
   * mine.shape; // [25, 8]
   * ```
   */
  slice(start = 0, end: number = this.shape[0]): NdArray<T> {
    if (this.ndim === 0) {
      throw new InvalidArgumentError(`${this.#what()} is 0-d: it cannot be sliced`);
    }
    const n = this.shape[0];
    const from = clampSliceBound(start, n, "start");
    const to = Math.max(from, clampSliceBound(end, n, "end"));
    return new NdArray<T>(this.mapping, {
      dtype: this.dtype,
      shape: [to - from, ...this.shape.slice(1)],
      strides: this.strides,
      byteOffset: this.byteOffset + (to > from ? from * this.strides[0] : 0),
    });
  }

  /**
   * A copy of the elements as nested plain arrays (a 0-d array gives its scalar). Refused
   * ({@link UnsupportedError}) when the copy would take more than 1 GiB of JavaScript memory
   * (about 60 million numbers, fewer strings or records): read such arrays through `data`,
   * `get` or `toNativeArray`, or call `toArray()` on rows and slices.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("ones", { shape: [2, 2], dtype: "int32", fill: 1 });
   * a.toArray(); // [[1, 1], [1, 1]]
   * ```
   */
  toArray(): NestedArray {
    checkNestedCopy(this.shape, this.dtype, this.#what());
    const codec = this.#codecFor();
    const walk = (axis: number, offset: number): NestedArray => {
      if (axis === this.ndim) return codec.read(offset);
      const out: NestedArray[] = new Array(this.shape[axis]);
      for (let i = 0; i < out.length; i++) out[i] = walk(axis + 1, offset + i * this.strides[axis]);
      return out;
    };
    return walk(0, this.byteOffset);
  }

  /**
   * A short description: dtype and shape.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("pairs", { shape: [2, 2], dtype: "int32" });
   * `${a}`; // "shared array 'pairs' int32 (2, 2)"
   * ```
   */
  toString(): string {
    return `${this.#what()} ${this.dtype.name} ${formatShape(this.shape)}`;
  }

  #what(): string {
    return this.mapping.label;
  }

  #viewInfo() {
    const view = this.dtype.view;
    if (!view || this.dtype.fields) {
      throw new NotViewableError(
        `${this.#what()} has dtype '${this.dtype.descr}' (${this.dtype.name}), which no ` +
          "TypedArray shows faithfully; use get()/set() or .bytes",
      );
    }
    // TypedArrays need both: an aligned buffer start and an offset of whole elements in it.
    const align = this.dtype.alignment;
    if (this.mapping.dataOffset % align !== 0 || this.byteOffset % align !== 0) {
      throw new NotViewableError(
        `${this.#what()}: its data starts at byte ${this.mapping.dataOffset}, not aligned for ` +
          `${this.dtype.name}; use get()/set() or .bytes`,
      );
    }
    this.#requireContiguous("data");
    return view;
  }

  #requireContiguous(what: string): void {
    if (!this.contiguous) {
      throw new NotViewableError(
        `${this.#what()}: this view is not contiguous in memory, so it has no ${what}; ` +
          "use get()/set() or toArray()",
      );
    }
  }

  #codecFor(): ElementCodec {
    const buffer = this.mapping.buffer;
    if (!this.#codec) {
      // A TypedArray codec indexes whole elements: every offset this view reaches must be one.
      const align = this.dtype.alignment;
      const aligned = this.mapping.dataOffset % align === 0 && this.byteOffset % align === 0 &&
        this.strides.every((s) => s % align === 0);
      this.#codec = elementCodec(this.dtype, buffer, aligned, this.#what());
    }
    return this.#codec;
  }

  #offsetOf(index: number | readonly number[]): number {
    const idx = typeof index === "number" ? [index] : index;
    if (!Array.isArray(idx) || idx.length !== this.ndim) {
      throw new InvalidArgumentError(
        `${this.#what()} has ${this.ndim} axes; an index needs ${this.ndim} integers, got ` +
          (Array.isArray(idx) ? idx.length : typeof idx),
      );
    }
    let offset = this.byteOffset;
    for (let axis = 0; axis < idx.length; axis++) {
      offset += normalizeIndex(idx[axis], this.shape[axis], axis, this.#what()) *
        this.strides[axis];
    }
    return offset;
  }
}

/**
 * Whether `value` is an NdArray of any copy of this module (a brand check, not `instanceof`).
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using a = createSharedArray("x", { shape: [1], dtype: "u1" });
 * isNdArray(a); // true
 * isNdArray(a.data); // false: a TypedArray (isSharedArray says whether it is shared memory)
 * ```
 */
export function isNdArray(value: unknown): value is NdArray {
  return typeof value === "object" && value !== null &&
    (value as { [BRAND]?: boolean })[BRAND] === true;
}

// Headers decode to frozen shapes, shared as they are; anything else is copied so no caller can
// change a view's layout behind it.
function frozen(list: readonly number[]): readonly number[] {
  return Object.isFrozen(list) ? list : Object.freeze([...list]);
}

function normalizeIndex(i: number, n: number, axis: number, what: string): number {
  if (!Number.isInteger(i)) {
    throw new InvalidArgumentError(`${what}: index ${String(i)} on axis ${axis} is not an integer`);
  }
  const at = i < 0 ? i + n : i;
  if (at < 0 || at >= n) {
    throw new InvalidArgumentError(
      `${what}: index ${i} is out of bounds for axis ${axis} of size ${n}`,
    );
  }
  return at;
}

function clampSliceBound(bound: number, n: number, which: string): number {
  if (!Number.isInteger(bound)) {
    throw new InvalidArgumentError(`slice ${which} ${String(bound)} is not an integer`);
  }
  return bound < 0 ? Math.max(0, bound + n) : Math.min(bound, n);
}
