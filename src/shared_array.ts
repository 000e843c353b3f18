/**
 * {@link SharedArray}: the NdArray that owns a mapping of a named segment, and
 * {@link isSharedArray}.
 *
 * @example
 * ```ts
 * using frames = createSharedArray("frames", { shape: [2, 3], dtype: "int32" });
 * isSharedArray(frames); // true
 * isSharedArray(frames.data); // true
 * isSharedArray(new Int32Array(6)); // false
 * ```
 * @module
 */
import type { Layout } from "./ndarray.ts";
import { isNdArray, NdArray } from "./ndarray.ts";
import { mappedBuffers, type Mapping } from "./mapping.ts";
import type { TypedArray } from "./types.ts";

/**
 * A named N-d array in shared memory, mapped into this process. Other processes (JS or
 * Python) that attach the same name see the same bytes.
 *
 * `close()` (or `using`) detaches every view (`data`, rows, slices: they read length 0 /
 * throw {@link ClosedError}) and unmaps; it does not delete the name — see
 * `deleteSharedArray` and the `unlinkOnClose` option. Arrays dropped without `close()` are
 * unmapped once garbage collected.
 *
 * @example
 * ```ts
 * using a = createSharedArray("counts", { shape: [4], dtype: "uint32", fill: 0 });
 * a.data[2] += 1;
 * console.log(a.name, a.shape, a.get(2)); // "counts" [4] 1
 * ```
 */
export class SharedArray<T extends TypedArray = TypedArray> extends NdArray<T> {
  /** The name other processes attach by. */
  readonly name: string;

  /** @internal Use {@link createSharedArray} / {@link attachSharedArray}. */
  constructor(name: string, mapping: Mapping, layout: Layout) {
    super(mapping, layout);
    this.name = name;
  }

  /**
   * Detaches every view of this array, then unmaps it (and removes the name if the array was
   * made with `unlinkOnClose`). Idempotent. Other processes are not affected.
   */
  close(): void {
    this.mapping.close();
  }

  /** `using a = createSharedArray(...)` closes `a` at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Whether `value` is backed by npshm shared memory that is still mapped: an open SharedArray,
 * a row or slice of one, or a TypedArray / DataView / ArrayBuffer over one's data.
 *
 * @example
 * ```ts
 * const a = createSharedArray("flag", { shape: [], dtype: "bool" });
 * isSharedArray(a.data); // true
 * a.close();
 * isSharedArray(a); // false: closed
 * ```
 */
export function isSharedArray(value: unknown): boolean {
  if (isNdArray(value)) return !value.closed;
  const buffer = value instanceof ArrayBuffer
    ? value
    : ArrayBuffer.isView(value)
    ? value.buffer
    : undefined;
  return buffer instanceof ArrayBuffer && buffer.byteLength > 0 && mappedBuffers.has(buffer);
}
