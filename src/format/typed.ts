/**
 * Type-level mapping from dtype spellings to the TypedArray `data` returns, so
 * `createSharedArray("x", { shape: [3], dtype: "float64" }).data` is a `Float64Array`.
 *
 * @example
 * ```ts
 * import type { ArrayFor } from "./typed.ts";
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
  /** `data` of a `bool` array. */
  bool: Uint8Array;
  /** `data` of a `int8` array. */
  int8: Int8Array;
  /** `data` of a `int16` array. */
  int16: Int16Array;
  /** `data` of a `int32` array. */
  int32: Int32Array;
  /** `data` of a `int64` array. */
  int64: BigInt64Array;
  /** `data` of a `uint8` array. */
  uint8: Uint8Array;
  /** `data` of a `uint16` array. */
  uint16: Uint16Array;
  /** `data` of a `uint32` array. */
  uint32: Uint32Array;
  /** `data` of a `uint64` array. */
  uint64: BigUint64Array;
  /** `data` of a `float16` array. */
  float16: Float16Array | Uint16Array;
  /** `data` of a `float32` array. */
  float32: Float32Array;
  /** `data` of a `float64` array. */
  float64: Float64Array;
  /** `data` of a `complex64` array. */
  complex64: Float32Array;
  /** `data` of a `complex128` array. */
  complex128: Float64Array;
  /** `data` of a `b1` array. */
  b1: Uint8Array;
  /** `data` of a `i1` array. */
  i1: Int8Array;
  /** `data` of a `i2` array. */
  i2: Int16Array;
  /** `data` of a `i4` array. */
  i4: Int32Array;
  /** `data` of a `i8` array. */
  i8: BigInt64Array;
  /** `data` of a `u1` array. */
  u1: Uint8Array;
  /** `data` of a `u2` array. */
  u2: Uint16Array;
  /** `data` of a `u4` array. */
  u4: Uint32Array;
  /** `data` of a `u8` array. */
  u8: BigUint64Array;
  /** `data` of a `f2` array. */
  f2: Float16Array | Uint16Array;
  /** `data` of a `f4` array. */
  f4: Float32Array;
  /** `data` of a `f8` array. */
  f8: Float64Array;
  /** `data` of a `c8` array. */
  c8: Float32Array;
  /** `data` of a `c16` array. */
  c16: Float64Array;
}

/**
 * A dtype spelling without its byte-order prefix: `Code<"<f8">` is `"f8"`.
 *
 * @example
 * ```ts
 * const c: Code<"<i4"> = "i4";
 * ```
 */
export type Code<S> = S extends `${"<" | "=" | "|"}${infer C}` ? C : S;

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
  /** Real part. */
  re: number;
  /** Imaginary part. */
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
  /** One field's value: a scalar, a nested record or a sub-array. */
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
