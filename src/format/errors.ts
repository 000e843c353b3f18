/**
 * Typed errors of npshm. Every failure the library reports is an {@link NpshmError} with a
 * stable {@link NpshmError.code}, so callers can branch on `err.code` or on the class.
 *
 * @example
 * ```ts
 * import { attachSharedArray, NotFoundError } from "./mod.ts";
 * try {
 *   attachSharedArray("frames");
 * } catch (err) {
 *   if (err instanceof NotFoundError) console.log("create it first");
 * }
 * ```
 * @module
 */

/** The stable codes carried by {@link NpshmError.code}. */
export type ErrorCode =
  | "EXISTS"
  | "NOT_FOUND"
  | "SHAPE_MISMATCH"
  | "DTYPE_MISMATCH"
  | "CORRUPT_HEADER"
  | "NO_SPACE"
  | "CLOSED"
  | "INVALID_ARGUMENT"
  | "NOT_VIEWABLE"
  | "READ_ONLY"
  | "PERMISSION_DENIED"
  | "NATIVE_LIBRARY"
  | "OS_ERROR"
  | "UNSUPPORTED"
  | "LOCK"
  | "MISALIGNED"
  | "STALE";

/**
 * Base class of every error npshm throws.
 *
 * @example
 * ```ts
 * import { NpshmError } from "./mod.ts";
 * const e = new NpshmError("EXISTS", "shared array 'x' already exists");
 * console.log(e.code); // "EXISTS"
 * ```
 */
export class NpshmError extends Error {
  /** Stable machine-readable code; never changes between versions. */
  readonly code: ErrorCode;
  /** Operating-system error number behind the failure, when there was one. */
  readonly osError?: number;

  /**
   * Makes an error with a code and a message; `osError` is the OS errno, if any, and
   * `options.cause` the lower-level error behind it.
   */
  constructor(code: ErrorCode, message: string, osError?: number, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.osError = osError;
    this.name = new.target.name;
  }
}

/**
 * A shared array of that name already exists (create without `force`).
 *
 * @example
 * ```ts
 * import { ExistsError } from "./mod.ts";
 * console.log(new ExistsError("shared array 'x' already exists").code); // "EXISTS"
 * ```
 */
export class ExistsError extends NpshmError {
  /** Makes the error; `message` names what exists and what to do about it. */
  constructor(message: string, osError?: number) {
    super("EXISTS", message, osError);
  }
}

/**
 * No shared array (or file) of that name exists.
 *
 * @example
 * ```ts
 * import { NotFoundError } from "./mod.ts";
 * console.log(new NotFoundError("no shared array 'x'").code); // "NOT_FOUND"
 * ```
 */
export class NotFoundError extends NpshmError {
  /** Makes the error; `message` names what was not found. */
  constructor(message: string, osError?: number) {
    super("NOT_FOUND", message, osError);
  }
}

/**
 * The array's shape differs from the one the caller asked to validate.
 *
 * @example
 * ```ts
 * import { ShapeMismatchError } from "./mod.ts";
 * console.log(new ShapeMismatchError("shape (2,) != (3,)").code); // "SHAPE_MISMATCH"
 * ```
 */
export class ShapeMismatchError extends NpshmError {
  /** Makes the error; `message` names both shapes. */
  constructor(message: string) {
    super("SHAPE_MISMATCH", message);
  }
}

/**
 * The array's dtype differs from the one the caller asked to validate.
 *
 * @example
 * ```ts
 * import { DTypeMismatchError } from "./mod.ts";
 * console.log(new DTypeMismatchError("<f8 != <i4").code); // "DTYPE_MISMATCH"
 * ```
 */
export class DTypeMismatchError extends NpshmError {
  /** Makes the error; `message` names both dtypes. */
  constructor(message: string) {
    super("DTYPE_MISMATCH", message);
  }
}

/**
 * The segment (or file) does not start with a valid NPY header, or the header does not fit
 * the bytes that follow it.
 *
 * @example
 * ```ts
 * import { CorruptHeaderError } from "./mod.ts";
 * console.log(new CorruptHeaderError("bad magic").code); // "CORRUPT_HEADER"
 * ```
 */
export class CorruptHeaderError extends NpshmError {
  /** Makes the error; `message` names what is wrong with the header. */
  constructor(message: string) {
    super("CORRUPT_HEADER", message);
  }
}

/**
 * Not enough shared memory (a full `/dev/shm`, or a size the system refuses).
 *
 * @example
 * ```ts
 * import { NoSpaceError } from "./mod.ts";
 * console.log(new NoSpaceError("/dev/shm is full").code); // "NO_SPACE"
 * ```
 */
export class NoSpaceError extends NpshmError {
  /** Makes the error; `message` names how much was asked for. */
  constructor(message: string, osError?: number) {
    super("NO_SPACE", message, osError);
  }
}

/**
 * The array was used after `close()`.
 *
 * @example
 * ```ts
 * import { ClosedError } from "./mod.ts";
 * console.log(new ClosedError("shared array 'x' is closed").code); // "CLOSED"
 * ```
 */
export class ClosedError extends NpshmError {
  /** Makes the error; `message` names which array. */
  constructor(message: string) {
    super("CLOSED", message);
  }
}

/**
 * An argument is invalid: a bad name, shape, dtype, index or option.
 *
 * @example
 * ```ts
 * import { InvalidArgumentError } from "./mod.ts";
 * console.log(new InvalidArgumentError("shape must be integers").code); // "INVALID_ARGUMENT"
 * ```
 */
export class InvalidArgumentError extends NpshmError {
  /** Makes the error; `message` names which argument and why. */
  constructor(message: string, osError?: number) {
    super("INVALID_ARGUMENT", message, osError);
  }
}

/**
 * The array's dtype has no faithful TypedArray view (big-endian, structured, strings...).
 * The array attaches; only the operation that needs a view fails.
 *
 * @example
 * ```ts
 * import { NotViewableError } from "./mod.ts";
 * console.log(new NotViewableError("'>f8' is big-endian").code); // "NOT_VIEWABLE"
 * ```
 */
export class NotViewableError extends NpshmError {
  /** Makes the error; `message` names which dtype and why. */
  constructor(message: string) {
    super("NOT_VIEWABLE", message);
  }
}

/**
 * A write through an array attached with `readOnly: true`. The shared data is unchanged.
 *
 * @example
 * ```ts
 * import { ReadOnlyError } from "./mod.ts";
 * console.log(new ReadOnlyError("attached read-only").code); // "READ_ONLY"
 * ```
 */
export class ReadOnlyError extends NpshmError {
  /** Makes the error; `message` names which array. */
  constructor(message: string) {
    super("READ_ONLY", message);
  }
}

/**
 * The operating system refused access (another user's 0600 segment, a read-only mount).
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "./mod.ts";
 * console.log(new PermissionDeniedError("not yours").code); // "PERMISSION_DENIED"
 * ```
 */
export class PermissionDeniedError extends NpshmError {
  /** Makes the error; `message` names what was refused. */
  constructor(message: string, osError?: number) {
    super("PERMISSION_DENIED", message, osError);
  }
}

/**
 * The native shim could not be found or loaded.
 *
 * @example
 * ```ts
 * import { NativeLibraryError } from "./mod.ts";
 * console.log(new NativeLibraryError("build it with `deno task build`").code);
 * ```
 */
export class NativeLibraryError extends NpshmError {
  /** Makes the error; `message` names where it looked and how to build it. */
  constructor(message: string, options?: ErrorOptions) {
    super("NATIVE_LIBRARY", message, undefined, options);
  }
}

/**
 * Any other operating-system failure; `osError` holds the errno.
 *
 * @example
 * ```ts
 * import { OsError } from "./mod.ts";
 * console.log(new OsError("mmap failed", 12).osError); // 12
 * ```
 */
export class OsError extends NpshmError {
  /** Makes the error; `message` names the call that failed and the OS's words. */
  constructor(message: string, osError?: number) {
    super("OS_ERROR", message, osError);
  }
}

/**
 * A view asked for bytes whose start is not aligned for its dtype (e.g. a float64 view at byte
 * 4 of a segment). Nothing is viewed: npshm never hands out a misaligned TypedArray.
 *
 * @example
 * ```ts
 * import { MisalignedError } from "./mod.ts";
 * console.log(new MisalignedError("byte 4 is not aligned for float64").code); // "MISALIGNED"
 * ```
 */
export class MisalignedError extends NpshmError {
  /** Makes the error; `message` names the offset, the dtype and the alignment it needs. */
  constructor(message: string) {
    super("MISALIGNED", message);
  }
}

/**
 * The operation does not exist here: on this platform (e.g. `wait` outside Linux), or for this
 * segment (e.g. `lock()` on an array made by Python, which has no npshm control block).
 *
 * @example
 * ```ts
 * import { UnsupportedError } from "./mod.ts";
 * console.log(new UnsupportedError("no control block").code); // "UNSUPPORTED"
 * ```
 */
export class UnsupportedError extends NpshmError {
  /** Makes the error; `message` names what is missing and what to use instead. */
  constructor(message: string, osError?: number) {
    super("UNSUPPORTED", message, osError);
  }
}

/**
 * A lock was misused in this process: `unlock()` without holding it, or `lock()` again on the
 * array that already holds it (npshm locks are not re-entrant: that would deadlock).
 *
 * @example
 * ```ts
 * import { LockError } from "./mod.ts";
 * console.log(new LockError("not locked").code); // "LOCK"
 * ```
 */
export class LockError extends NpshmError {
  /** Makes the error; `message` names what was misused. */
  constructor(message: string) {
    super("LOCK", message);
  }
}

/**
 * A shared array is an out-of-date copy of its source: `readSharedArray` found the array
 * loaded from a `.npy` file that has changed since (with `reload: "error"`).
 *
 * @example
 * ```ts
 * import { StaleError } from "./mod.ts";
 * console.log(new StaleError("prices.npy changed").code); // "STALE"
 * ```
 */
export class StaleError extends NpshmError {
  /** Makes the error; `message` names the array and the file. */
  constructor(message: string) {
    super("STALE", message);
  }
}
