/**
 * What a caller may require of an array it opens (`validateShape`, `validateDtype`, as in
 * `cdxcore.npshm`), and the one check of a header against it, for segments and files alike.
 *
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * import { decodeHeader, encodeHeader } from "./header.ts";
 * import { checkHeader, expectationOf } from "./validate.ts";
 * const expected = expectationOf({ validateShape: [3, 4], validateDtype: "float64" });
 * const header = decodeHeader(encodeHeader(parseDType("<f8"), [4, 3], false));
 * try {
 *   checkHeader(header, expected, "shared array 'grid'");
 * } catch (err) {
 *   console.log((err as Error).message); // shared array 'grid' has shape (4, 3), expected (3, 4)
 * }
 * ```
 * @module
 */
import { type DType, parseDType, sameDType } from "./dtype.ts";
import { DTypeMismatchError, ShapeMismatchError } from "./errors.ts";
import type { NpyHeader } from "./header.ts";
import { formatShape, normalizeShape, sameShape } from "./shape.ts";

/**
 * What a caller may require of an array: `validateShape`, `validateDtype`.
 *
 * @example
 * ```ts
 * const v: Validation = { validateShape: [10, 3], validateDtype: "int32" };
 * ```
 */
export interface Validation<D extends string | DType = string | DType> {
  /** Throw {@link ShapeMismatchError} unless the array has this shape. */
  validateShape?: number | readonly number[];
  /**
   * Throw {@link DTypeMismatchError} unless the array has this dtype; the types of `data` and
   * `get()` follow it.
   */
  validateDtype?: D;
}

/** A {@link Validation}, parsed once (callers that check many headers keep it). */
export interface Expectation {
  /** The shape required, if any. */
  readonly shape?: readonly number[];
  /** The dtype required, if any. */
  readonly dtype?: DType;
}

/**
 * Parses a {@link Validation}: bad shapes and dtypes are `InvalidArgumentError`s here, before
 * anything is opened.
 *
 * @example
 * ```ts
 * expectationOf({ validateShape: 5 }).shape; // [5]
 * ```
 */
export function expectationOf(validation: Validation<string | DType>): Expectation {
  const { validateShape, validateDtype } = validation;
  return {
    shape: validateShape === undefined ? undefined : normalizeShape(validateShape),
    dtype: validateDtype === undefined ? undefined : parseDType(validateDtype),
  };
}

/**
 * Checks a header against what the caller requires; `what` names the array or file.
 *
 * @throws {ShapeMismatchError} / {DTypeMismatchError}
 * @example
 * ```ts
 * import { parseDType } from "./dtype.ts";
 * import { decodeHeader, encodeHeader } from "./header.ts";
 * const header = decodeHeader(encodeHeader(parseDType("<i4"), [3], false));
 * checkHeader(header, expectationOf({ validateShape: 3, validateDtype: "int32" }), "file 'a.npy'");
 * ```
 */
export function checkHeader(header: NpyHeader, expected: Expectation, what: string): void {
  const { shape, dtype } = expected;
  if (shape && !sameShape(shape, header.shape)) {
    throw new ShapeMismatchError(
      `${what} has shape ${formatShape(header.shape)}, expected ${formatShape(shape)}`,
    );
  }
  if (dtype && !sameDType(dtype, header.dtype)) {
    throw new DTypeMismatchError(
      `${what} has dtype '${header.dtype.descr}' (${header.dtype.name}), expected ` +
        `'${dtype.descr}' (${dtype.name})`,
    );
  }
}
