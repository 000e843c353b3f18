/**
 * Type-level mapping from dtype spellings to the TypedArray `data` returns, so
 * `createSharedArray("x", { shape: [3], dtype: "float64" }).data` is a `Float64Array`.
 *
 * @example
 * ```ts
 * import type { ArrayFor } from "./types.ts";
 * const f: ArrayFor<"<f8"> = new Float64Array(1);
 * ```
 * @module
 */

/**
 * Every TypedArray npshm can hand out.
 *
 * @example
 * ```ts
 * const t: TypedArray = new Int16Array(2);
 * ```
 */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array
  | Float16Array;

/**
 * The TypedArray per dtype spelling (NumPy names, type codes and descr strings).
 * float16 is a `Float16Array` where the runtime has one and raw bits in a `Uint16Array`
 * elsewhere; complex dtypes interleave real and imaginary parts.
 *
 * @example
 * ```ts
 * const m: DTypeArrays["complex64"] = new Float32Array(4); // 2 complex values
 * ```
 */
export interface DTypeArrays {
  bool: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  float16: Float16Array | Uint16Array;
  float32: Float32Array;
  float64: Float64Array;
  complex64: Float32Array;
  complex128: Float64Array;
  b1: Uint8Array;
  i1: Int8Array;
  i2: Int16Array;
  i4: Int32Array;
  i8: BigInt64Array;
  u1: Uint8Array;
  u2: Uint16Array;
  u4: Uint32Array;
  u8: BigUint64Array;
  f2: Float16Array | Uint16Array;
  f4: Float32Array;
  f8: Float64Array;
  c8: Float32Array;
  c16: Float64Array;
}

type Code<S> = S extends `${"<" | "=" | "|"}${infer C}` ? C : S;

/**
 * The TypedArray for dtype spelling `D`; `TypedArray` when it is not known statically.
 *
 * @example
 * ```ts
 * const a: ArrayFor<"int32"> = new Int32Array(1);
 * ```
 */
export type ArrayFor<D> = Code<D> extends keyof DTypeArrays
  ? DTypeArrays[Code<D>] extends infer A extends TypedArray ? A : TypedArray
  : TypedArray;

/**
 * A complex number as `get` returns it and `set` accepts it.
 *
 * @example
 * ```ts
 * const z: Complex = { re: 1, im: -2 };
 * ```
 */
export interface Complex {
  re: number;
  im: number;
}

/**
 * One element as `get` returns it: number, bigint (64-bit ints, datetime64/timedelta64
 * counts), boolean, {@link Complex}, string (`S` and `U` dtypes), Uint8Array (`V`, a copy)
 * or a {@link RecordValue} (structured dtypes).
 *
 * @example
 * ```ts
 * const s: Scalar = 1n;
 * ```
 */
export type Scalar = number | bigint | boolean | Complex | string | Uint8Array | RecordValue;

/**
 * One record of a structured dtype as a plain object: field name to value, sub-array fields
 * as nested arrays, nested structured fields as nested objects.
 *
 * @example
 * ```ts
 * const r: RecordValue = { chr: "chr1", pos: 12, pct: 0.5, xy: [1, 2] };
 * ```
 */
export interface RecordValue {
  [field: string]: FieldValue;
}

/**
 * The value of one field of a record: a {@link Scalar}, or nested arrays for a sub-array field.
 *
 * @example
 * ```ts
 * const v: FieldValue = [[1, 2], [3, 4]];
 * ```
 */
export type FieldValue = Scalar | FieldValue[];
