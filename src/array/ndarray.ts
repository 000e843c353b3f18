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
import {
  ClosedError,
  InvalidArgumentError,
  NotViewableError,
  ReadOnlyError,
} from "../format/errors.ts";
import { formatShape, stridesOf } from "../format/shape.ts";
import type { ArrayFor, Scalar, ScalarFor, TypedArray, ValueFor } from "../format/typed.ts";
import { BIGINT, flatView, FLOAT, INT } from "./access.ts";
import { reshapeLayout, squeezeLayout, transposeLayout } from "./axes.ts";
import { type ElementCodec, elementCodec } from "./codec.ts";
import { checkedIndex, type IndexItem, indexLayout, parseIndex } from "./indexing.ts";
import { formatArray } from "./inspect.ts";
import { checkNestedCopy } from "./nested.ts";
import {
  fieldLayout,
  gather,
  isContiguous,
  type Layout,
  placedLayout,
  type Placement,
  planOf,
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
// What console.log asks an object for a text of itself: Deno's, and Node's (also Bun's).
const DENO_INSPECT = Symbol.for("Deno.customInspect");
const NODE_INSPECT = Symbol.for("nodejs.util.inspect.custom");

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
 * A strided N-d view of shared memory, indexed like a NumPy array. {@link SharedArray} is the
 * NdArray that owns its mapping; `slice()`, `transpose()`, `reshape()`, `row()`, `field()`,
 * `view()` and the rest return NdArrays over the same bytes (zero-copy, and detached by the
 * owner's `close()`). `T` is the TypedArray of {@link data} and `S` what {@link get} returns;
 * both follow the dtype where it is known statically.
 *
 * @example
 * ```ts
 * import { createSharedArray } from "@npshm/npshm";
 * using frames = createSharedArray("frames", { shape: [10, 480, 640], dtype: "uint8" });
 * const latest: NdArray<Uint8Array, number> = frames.slice(-3); // the last 3 frames
 * console.log(latest.shape, latest.byteOffset); // [3, 480, 640] 2150400
 * frames.slice("-1, ::2, ::2").get(0, 0); // every other pixel of the last frame, zero-copy
 * ```
 */
export class NdArray<T extends TypedArray = TypedArray, S extends Scalar = Scalar> {
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
  // The fast get/set (see ./access.ts): the buffer as the dtype's TypedArray, or null when
  // the elements need the codec; where element [0, ...] is and the strides, in elements; the
  // extents as a plain array; and the check set makes of a value.
  #flat: TypedArray | null;
  #writable: boolean;
  #base: number;
  #steps: number[];
  #dims: number[];
  // 1-d and 2-d views on the fast path again, as numbers that need no array loads: the
  // extents (0 when the view is not such a view on the fast path: every index then misses)
  // and the strides in elements.
  #len: number;
  #height: number;
  #width: number;
  #s0: number;
  #s1: number;
  #kind: number;
  #min: number | bigint;
  #max: number | bigint;

  /**
   * @internal Use {@link createSharedArray} / {@link attachSharedArray}. `from`: the view
   * this one is made from (its TypedArray is shared when the dtype is the same).
   */
  constructor(mapping: ArrayMemory, layout: Layout, from?: NdArray) {
    this.mapping = mapping;
    this.dtype = layout.dtype;
    this.shape = frozen(layout.shape);
    this.strides = frozen(layout.strides);
    this.byteOffset = layout.byteOffset;
    this.ndim = layout.shape.length;
    this.size = layout.shape.reduce((a, b) => a * b, 1);
    this.byteLength = this.size * layout.dtype.itemsize;
    const plan = mapping.closed ? null : planOf(layout);
    const flat = plan && flatView(plan, mapping.buffer, mapping.dataOffset, from && from.#flat);
    const direct = flat === null ? null : plan;
    this.#flat = flat;
    this.#writable = direct !== null && !mapping.readOnly;
    this.#base = direct?.base ?? 0;
    this.#steps = direct?.steps ?? [];
    this.#dims = direct?.dims ?? [];
    const fast = direct === null ? -1 : this.ndim;
    this.#len = fast === 1 ? layout.shape[0] : 0;
    this.#height = fast === 2 ? layout.shape[0] : 0;
    this.#width = fast === 2 ? layout.shape[1] : 0;
    this.#s0 = this.#steps[0] ?? 0;
    this.#s1 = this.#steps[1] ?? 0;
    this.#kind = direct?.kind ?? FLOAT;
    this.#min = direct?.min ?? 0;
    this.#max = direct?.max ?? 0;
    if (direct === null) {
      // Elements that need the codec get get/set of their own, straight to it: the shared
      // ones then never take their slow path for them, and V8 compiles no call of it into
      // the loops of arrays that do not need it (measured: 2 ns an access, 7 ns with one).
      const own = { configurable: true, writable: true };
      Object.defineProperty(this, "get", { ...own, value: (...i: unknown[]) => this.#getAny(i) });
      Object.defineProperty(this, "set", { ...own, value: (...a: unknown[]) => this.#setAny(a) });
    }
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
   * order for Fortran arrays and transposes). Complex dtypes interleave re/im. After `close()`
   * TypedArrays taken from it read length 0, and `data` itself throws {@link ClosedError}.
   * Throws {@link NotViewableError} for dtypes or views no TypedArray can show faithfully
   * (strided views: use `get`/`set`, `toArray()` or `copy()`).
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("samples", { shape: [2, 3], dtype: "float32" });
   * a.data.set([1, 2, 3, 4, 5, 6]); // a.data: a Float32Array over the shared memory
   * a.get(1, 0); // 4: C order
   * ```
   */
  get data(): T {
    const buffer = this.mapping.buffer;
    if (this.#data?.buffer === buffer) return this.#data;
    const view = this.#viewInfo();
    const elements = (this.byteLength / this.dtype.itemsize) * view.lanes;
    const flat = this.#flat;
    // The fast path's TypedArray, where it is this very view (an array's own data, whole):
    // one TypedArray less to make per attach.
    const same = flat !== null && flat.byteOffset === this.byteOffset &&
      flat.length === elements && flat.constructor === view.ctor;
    this.#data = (same ? flat : new view.ctor(buffer, this.byteOffset, elements)) as T;
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
    return new NdArray(this.mapping, fieldLayout(this, name, this.#what()), this);
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
  view<D extends string | DType>(
    dtype: D,
    place?: Placement,
  ): NdArray<ArrayFor<D>, ScalarFor<D>> {
    if (!place) {
      return new NdArray(
        this.mapping,
        reinterpretLayout(this, dtype, this.mapping.dataOffset, this.#what()),
        this,
      ) as NdArray<ArrayFor<D>, ScalarFor<D>>;
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
    return new NdArray(this.mapping, layout, this) as NdArray<ArrayFor<D>, ScalarFor<D>>;
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
   * The element at an index: `get(i, j)` or `get([i, j])`, one integer per axis, negative
   * ones counting from the end as in NumPy; a 0-d array takes `get()`. Its type follows the
   * dtype: `number`, `bigint` (64-bit ints, datetimes), `boolean`, {@link Complex}, `string`,
   * `Uint8Array` (`V`, a copy) or a {@link RecordValue}.
   *
   * @throws {InvalidArgumentError} not one integer per axis, or one out of bounds
   * @throws {ClosedError} the owning array was closed
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using a = createSharedArray("ids", { shape: [2, 3], dtype: "int64", fill: 7n });
   * a.get(1, -1); // 7n: the last element of row 1; 64-bit integers read as bigints
   * a.get([1, -1]); // the same
   * ```
   */
  get(index: readonly number[]): S;
  /** `get(i, j, ...)`: one integer per axis. */
  get(...index: number[]): S;
  get(...index: unknown[]): S {
    // The fast path (see #at): native numbers by positional index. get([i, j]) and anything
    // it cannot take go to #getAny, which also reports what is wrong.
    const count = index.length;
    const at = count === 1 || count === 2 ? this.#at(index, count) : this.#atN(index, count);
    if (at >= 0) {
      const value = this.#flat![at];
      if (value !== undefined) return value as S; // undefined: the buffer was detached
    }
    return this.#getAny(index);
  }

  /**
   * Stores a value at an index, the value last: `set(i, j, value)` or `set([i, j], value)`.
   * Integers must fit the dtype, 64-bit ints take bigints or safe integers, complex takes
   * `{re, im}`; anything else is an {@link InvalidArgumentError} and nothing is written. A
   * read-only array throws {@link ReadOnlyError} and is left unchanged.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using z = createSharedArray("spectrum", { shape: [2], dtype: "complex64" });
   * z.set(0, { re: 1, im: -1 });
   * z.set([1], 2); // a number is a real value
   * z.data; // Float32Array [1, -1, 2, 0]: re and im interleaved
   * ```
   */
  set(index: readonly number[], value: ValueFor<S>): void;
  /** `set(i, j, ..., value)`: one integer per axis, then the value. */
  set(...indexAndValue: [...number[], ValueFor<S>]): void;
  set(...args: unknown[]): void {
    // As get: set(i, v) and set(i, j, v) of a value stored as it is, else #setAny. The value
    // is read at a constant index: read at `count`, V8 made the rest array for real on every
    // call (2-d set 9.4 ns an element on Deno, 4.9 without that).
    const count = args.length - 1;
    const value = count === 1 ? args[1] : count === 2 ? args[2] : args[count];
    const at = !this.#writable || !this.#fits(value)
      ? -1
      : count === 1 || count === 2
      ? this.#at(args, count)
      : this.#atN(args, count);
    if (at >= 0) {
      const flat = this.#flat as unknown as Record<number, unknown>;
      flat[at] = value;
      // A detached buffer drops the store and reads undefined: #setAny then throws. Reading
      // back costs less than checking the length first (2-d set 4.9 ns, now 4.3; 1-d 3.2, 2.8).
      if (flat[at] !== undefined) return;
    }
    this.#setAny(args);
  }

  /**
   * NumPy's basic indexing as a zero-copy view: `a.slice("1:5, ::2, ..., None, -1")` is
   * `a[1:5, ::2, ..., None, -1]`, with exactly NumPy's shape and strides. Integers (negative
   * ones too) drop their axis, `start:stop:step` slices (negative steps too) keep it,
   * `...` stands for the axes not named and `None` (or `newaxis`) adds an axis of length 1; a
   * full integer index gives a 0-d view. The same as a list of {@link IndexItem}s:
   * `a.slice([{ start: 1, stop: 5 }, { step: 2 }, "...", null, -1])`.
   *
   * @throws {InvalidArgumentError} bad syntax, an index out of bounds, a zero step, too many
   *   indices
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using grid = createSharedArray("grid", { shape: [4, 6], dtype: "float64" });
   * grid.slice(":, 2").shape; // [4]: every row, column 2
   * grid.slice("::-1, ::2").strides; // [-48, 16]: rows reversed, every other column
   * grid.slice([{ step: -1 }, { step: 2 }]).strides; // the same, as items
   * ```
   */
  slice(index: string | readonly IndexItem[]): NdArray<T, S>;
  /**
   * Rows `start` to `end` of the first axis (exclusive; negative counts from the end; clamped
   * as in `Array.prototype.slice`): a zero-copy view, `slice(\`${start}:${end}\`)`.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using batch = createSharedArray("batch", { shape: [100, 8], dtype: "float32" });
   * const mine = batch.slice(25, 50); // this worker's rows: 25 to 49
   * mine.shape; // [25, 8]
   * ```
   */
  slice(start?: number, end?: number): NdArray<T, S>;
  slice(start: number | string | readonly IndexItem[] = 0, end?: number): NdArray<T, S> {
    if (typeof start === "number") return this.#rows(start, end);
    const items = typeof start === "string" ? parseIndex(start) : start;
    return new NdArray(this.mapping, indexLayout(this, items, this.#what()), this);
  }

  /**
   * The axes permuted, zero-copy: axis `k` of the result is axis `axes[k]` of this array
   * (negative axes count from the end); with no axes, reversed — NumPy's `a.transpose(...)`.
   *
   * @throws {InvalidArgumentError} not a permutation of the axes
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using cube = createSharedArray("cube", { shape: [2, 3, 4], dtype: "uint8" });
   * cube.transpose(2, 0, 1).shape; // [4, 2, 3]; cube.transpose([2, 0, 1]) is the same
   * cube.T.strides; // [1, 4, 12]
   * ```
   */
  transpose(axes: readonly number[]): NdArray<T, S>;
  /** `transpose(2, 0, 1)`: the axes as arguments. */
  transpose(...axes: number[]): NdArray<T, S>;
  transpose(...axes: (number | readonly number[])[]): NdArray<T, S> {
    const list = axes.length === 1 && Array.isArray(axes[0]) ? axes[0] : axes as number[];
    return new NdArray(this.mapping, transposeLayout(this, list, this.#what()), this);
  }

  /** The axes reversed, zero-copy: NumPy's `a.T`. */
  get T(): NdArray<T, S> {
    return this.transpose();
  }

  /**
   * The same elements in another shape, zero-copy: NumPy's `a.reshape(...)` (C order: the
   * last index runs fastest; `{ order: "F" }` reads them the other way). One dimension may be
   * `-1`: it takes what the others leave.
   *
   * @throws {InvalidArgumentError} a shape whose size is not this array's
   * @throws {NotViewableError} NumPy would copy: no strides show these elements in that shape
   *   (reshape `copy()` instead)
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using flat = createSharedArray("flat", { shape: [12], dtype: "int32" });
   * flat.reshape(-1, 3).shape; // [4, 3]: rows of 3
   * flat.reshape(3, 4).T.reshape([12], { order: "F" }).strides; // [4]: a view, no copy
   * ```
   */
  reshape(shape: number | readonly number[], options?: ReshapeOptions): NdArray<T, S>;
  /** `reshape(4, -1)`: the dimensions as arguments. */
  reshape(...shape: number[]): NdArray<T, S>;
  reshape(...args: unknown[]): NdArray<T, S> {
    const [first, options] = args as [unknown, ReshapeOptions | undefined];
    const byList = Array.isArray(first);
    const dims = byList ? first : typeof options === "object" ? [first] : args;
    const order = byList || typeof options === "object" ? options?.order ?? "C" : "C";
    if (order !== "C" && order !== "F") {
      throw new InvalidArgumentError(`${this.#what()}: reshape order must be "C" or "F"`);
    }
    return new NdArray(
      this.mapping,
      reshapeLayout(this, dims as number[], order, this.#what()),
      this,
    );
  }

  /**
   * Axes of length 1 removed, zero-copy: all of them, or only those given (NumPy's
   * `a.squeeze(axis)`).
   *
   * @throws {InvalidArgumentError} a given axis is out of range or not of length 1
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using grid = createSharedArray("grid", { shape: [3, 4], dtype: "float64" });
   * grid.slice(":, 1:2").squeeze().shape; // [3]: from (3, 1)
   * ```
   */
  squeeze(...axes: number[]): NdArray<T, S> {
    const layout = squeezeLayout(this, axes.length ? axes : undefined, this.#what());
    return new NdArray(this.mapping, layout, this);
  }

  /**
   * Row `i` (negative counts from the end): a zero-copy view with one axis fewer.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using image = createSharedArray("image", { shape: [480, 640], dtype: "uint8" });
   * image.row(-1).data.fill(255); // the last row
   * image.get(479, 0); // 255
   * ```
   */
  row(i: number): NdArray<T, S> {
    if (this.ndim === 0) throw new InvalidArgumentError(`${this.#what()} is 0-d: it has no rows`);
    return new NdArray(this.mapping, indexLayout(this, [i], this.#what()), this);
  }

  /**
   * A copy of the elements in a new C-order array of this process, not shared: what a
   * reshape that cannot be a view needs, or a snapshot. Same dtype and byte order.
   *
   * @example
   * ```ts
   * import { createSharedArray } from "@npshm/npshm";
   * using grid = createSharedArray("grid", { shape: [3, 4], dtype: "float64" });
   * const columns = grid.T.copy().reshape(-1); // the transpose's elements, in its C order
   * ```
   */
  copy(): NdArray<T, S> {
    const out = new Uint8Array(this.byteLength);
    const size = this.dtype.itemsize;
    gather(this, this.mapping.buffer, out, (dst, src, at) => dst.set(src.subarray(at, at + size)));
    const memory = {
      buffer: out.buffer,
      closed: false,
      readOnly: false,
      label: `copy of ${this.#what()}`,
      dataOffset: 0,
    };
    const strides = stridesOf(this.shape, this.dtype.itemsize, false);
    return new NdArray(memory, { dtype: this.dtype, shape: this.shape, strides, byteOffset: 0 });
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

  /** What `console.log` shows in Deno: name, dtype, shape and values, as NumPy prints them. */
  [DENO_INSPECT](): string {
    return this.#summary();
  }

  /** What `console.log` shows in Node and Bun (as in Deno). */
  [NODE_INSPECT](): string {
    return this.#summary();
  }

  #summary(): string {
    const own = this.constructor !== NdArray || this.mapping.label.startsWith("copy of");
    const title = `${own ? "" : "view of "}${this.#what()}: ${this.dtype.name} ` +
      formatShape(this.shape);
    if (this.closed) return `${title} (closed)`;
    return formatArray(title, this.shape, this.dtype.kind, (index) => this.get(index));
  }

  #what(): string {
    return this.mapping.label;
  }

  #rows(start: number, end: number = this.shape[0]): NdArray<T, S> {
    if (this.ndim === 0) {
      throw new InvalidArgumentError(`${this.#what()} is 0-d: it cannot be sliced`);
    }
    const n = this.shape[0];
    const from = clampSliceBound(start, n, "start");
    const to = Math.max(from, clampSliceBound(end, n, "end"));
    return new NdArray(this.mapping, {
      dtype: this.dtype,
      shape: [to - from, ...this.shape.slice(1)],
      strides: this.strides,
      byteOffset: this.byteOffset + (to > from ? from * this.strides[0] : 0),
    }, this);
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
          "use get()/set(), toArray() or copy()",
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

  /**
   * The fast path of get/set: the element index of `list[0]` (1-d, `count` 1) or `list[0],
   * list[1]` (2-d) in {@link #flat}, or -1 for anything it does not take (a codec dtype,
   * another number of axes, a bad index). Nothing in here throws or calls out, and it is one
   * small method: V8 inlines its bytecode whole wherever get/set is inlined (it does not fold
   * the count first), and stops inlining once a loop has brought in about 900 bytes.
   */
  #at(list: readonly unknown[], count: number): number {
    let i = list[0] as number;
    // Only whole numbers reach the comparisons: an array there would be converted to a string
    // (and V8 would compile them generic for every caller). Not `i % 1`: for a negative index
    // it is -0, which V8 cannot keep as a small integer, so once a program had used one, every
    // loop compiled afterwards called C's fmod per element (3.8-6.0x slower: bench/element.ts
    // --first negative).
    if (typeof i !== "number" || Math.floor(i) !== i) return -1;
    let n = this.#len;
    let at = this.#base;
    if (count === 2) {
      let j = list[1] as number;
      const m = this.#width;
      if (typeof j !== "number" || Math.floor(j) !== j) return -1;
      if (j < 0) j += m;
      if (!(j >= 0 && j < m)) return -1;
      at += j * this.#s1;
      n = this.#height;
    }
    if (i < 0) i += n;
    return i >= 0 && i < n ? at + i * this.#s0 : -1;
  }

  /** {@link #at} for any number of axes. */
  #atN(list: readonly unknown[], count: number): number {
    if (this.#flat === null || count !== this.ndim) {
      return -1;
    }
    const dims = this.#dims;
    const steps = this.#steps;
    let at = this.#base;
    for (let axis = 0; axis < count; axis++) {
      const n = dims[axis];
      let i = list[axis] as number;
      if (!Number.isInteger(i)) return -1;
      if (i < 0) i += n;
      if (!(i >= 0 && i < n)) return -1;
      at += i * steps[axis];
    }
    return at;
  }

  /** get of any other form: `get([i, j])`, other numbers of axes, codec dtypes; errors. */
  #getAny(index: readonly unknown[]): S {
    const list = index.length === 1 && Array.isArray(index[0]) ? index[0] as unknown[] : index;
    const at = this.#atN(list, list.length);
    if (at >= 0) {
      const value = this.#flat![at];
      if (value !== undefined) return value as S;
    }
    return this.#codecFor().read(this.#offsetOf(list, list.length)) as S;
  }

  /**
   * set of any other form, or a value the fast path does not store as it is: the codec checks
   * it (and converts, e.g. 5n into an int8).
   */
  #setAny(args: readonly unknown[]): void {
    const last = args.length - 1;
    const byList = last === 1 && Array.isArray(args[0]);
    const list = byList ? args[0] as unknown[] : args;
    const count = byList ? list.length : last;
    const value = args[last];
    const at = this.#writable && this.#fits(value) ? this.#atN(list, count) : -1;
    if (at >= 0 && at < this.#flat!.length) {
      (this.#flat as unknown as Record<number, unknown>)[at] = value;
      return;
    }
    const offset = this.#offsetOf(list, count);
    if (this.mapping.readOnly) {
      throw new ReadOnlyError(`${this.mapping.label} was attached read-only; it cannot be written`);
    }
    this.#codecFor().write(offset, value);
  }

  /** Whether `set` may store `value` as it is on the fast path. */
  #fits(value: unknown): boolean {
    const kind = this.#kind;
    if (typeof value === "number") {
      return kind === FLOAT ||
        (kind === INT && value >= this.#min && value <= this.#max && Number.isInteger(value));
    }
    return kind === BIGINT && typeof value === "bigint" && value >= this.#min &&
      value <= this.#max;
  }

  /** The byte offset of `list[0..count)`, every check made with the error that says why. */
  #offsetOf(list: readonly unknown[], count: number): number {
    const buffer = this.mapping.buffer; // ClosedError once closed
    if (this.byteLength > 0 && buffer.byteLength === 0) {
      throw new ClosedError(`${this.#what()}: its buffer was detached (transferred)`);
    }
    if (!Array.isArray(list) || count !== this.ndim) {
      throw new InvalidArgumentError(
        `${this.#what()} has ${this.ndim} axes; an index needs ${this.ndim} integers, got ` +
          (Array.isArray(list) ? count : typeof list),
      );
    }
    let offset = this.byteOffset;
    for (let axis = 0; axis < count; axis++) {
      const n = this.shape[axis];
      offset += checkedIndex(list[axis] as number, n, axis, this.#what()) * this.strides[axis];
    }
    return offset;
  }
}

/**
 * Options of {@link NdArray.reshape}.
 *
 * @example
 * ```ts
 * const opts: ReshapeOptions = { order: "F" };
 * ```
 */
export interface ReshapeOptions {
  /** `"C"` (default): the last index runs fastest; `"F"`: the first one does. */
  order?: "C" | "F";
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

// Frozen lists are shared as they are (headers decode to frozen shapes, layoutOf gives frozen
// strides); anything else is copied, so that no caller can change a view's layout behind it.
// Those seen before are remembered: on Bun (JavaScriptCore) Object.isFrozen of a frozen array
// took 93 ns and Object.freeze 206, and an attach, which paid for both on its shape and its
// strides, took 11.1 us with them and 10.0 without (4 KiB; a WeakSet look-up takes 3 ns).
const FROZEN = new WeakSet<readonly number[]>();

function frozen(list: readonly number[]): readonly number[] {
  if (FROZEN.has(list)) return list;
  const shared = Object.isFrozen(list) ? list : Object.freeze([...list]);
  FROZEN.add(shared);
  return shared;
}

function clampSliceBound(bound: number, n: number, which: string): number {
  if (!Number.isInteger(bound)) {
    throw new InvalidArgumentError(`slice ${which} ${String(bound)} is not an integer`);
  }
  return bound < 0 ? Math.max(0, bound + n) : Math.min(bound, n);
}
