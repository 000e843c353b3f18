/**
 * Typed errors of npshm. Every failure the library reports is an {@link NpshmError} with a
 * stable {@link NpshmError.code}, so callers can branch on `err.code` or on the class; anything
 * else that escapes a call is a bug. Each class's documentation says which calls throw it.
 *
 * @example
 * ```ts
 * import { attachSharedArray, NpshmError } from "@npshm/npshm";
 * try {
 *   using grid = attachSharedArray("grid", { validateShape: [3, 4], validateDtype: "float64" });
 *   console.log(grid.get([0, 0]));
 * } catch (err) {
 *   if (!(err instanceof NpshmError)) throw err;
 *   console.error(err.code, err.message); // e.g. NOT_FOUND cannot attach shared array 'grid': ...
 * }
 * ```
 * @module
 */

/**
 * The stable codes carried by {@link NpshmError.code}.
 *
 * @example
 * ```ts
 * import { NpshmError } from "@npshm/npshm";
 * // A command-line tool's exit status (as in sysexits.h) for what went wrong.
 * function exitStatus(err: unknown): number {
 *   if (!(err instanceof NpshmError)) return 70; // a bug
 *   const byCode: Partial<Record<ErrorCode, number>> = {
 *     INVALID_ARGUMENT: 64,
 *     NOT_FOUND: 66,
 *     PERMISSION_DENIED: 77,
 *   };
 *   return byCode[err.code] ?? 1;
 * }
 * ```
 */
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
  | "STALE"
  | "TIMEOUT"
  | "ABORTED";

/**
 * Base class of every error npshm throws. `code` tells the failures apart without importing
 * the subclasses (handy across module copies and in logs); `osError` is the errno behind a
 * failed system call.
 *
 * @example
 * ```ts
 * import { deleteSharedArray, NpshmError } from "@npshm/npshm";
 * try {
 *   deleteSharedArray("frames", { missingOk: false });
 * } catch (err) {
 *   if (err instanceof NpshmError && err.code === "NOT_FOUND") console.log("already deleted");
 *   else throw err;
 * }
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
 * The name is taken: `createSharedArray` of an existing name without `force`,
 * `readSharedArray` with `acceptExisting: false`, `createNpy` of an existing file without
 * `overwrite`. `createSharedArray(..., { raiseOnError: false })` returns `null` instead.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray, ExistsError } from "@npshm/npshm";
 * // Whichever process comes first creates the queue; the others attach it.
 * let queue;
 * try {
 *   queue = createSharedArray("queue", { shape: [1024], dtype: "int32" });
 * } catch (err) {
 *   if (!(err instanceof ExistsError)) throw err;
 *   queue = attachSharedArray("queue", { validateShape: [1024], validateDtype: "int32" });
 * }
 * ```
 */
export class ExistsError extends NpshmError {
  /** Makes the error; `message` names what exists and what to do about it. */
  constructor(message: string, osError?: number) {
    super("EXISTS", message, osError);
  }
}

/**
 * No shared array or file of that name: `attachSharedArray`, `inspectSharedArray`,
 * `deleteSharedArray` with `missingOk: false`, and opening or reading a file that is not there
 * (`openNpy`, `readSharedArray`; `saveSharedArray` into a missing directory).
 * `attachSharedArray(..., { raiseOnError: false })` returns `null` instead.
 *
 * @example
 * ```ts
 * import { attachSharedArray, NotFoundError } from "@npshm/npshm";
 * try {
 *   attachSharedArray("no-such-array");
 * } catch (err) {
 *   console.log(err instanceof NotFoundError); // true
 * }
 * console.log(attachSharedArray("no-such-array", { raiseOnError: false })); // null
 * ```
 */
export class NotFoundError extends NpshmError {
  /** Makes the error; `message` names what was not found. */
  constructor(message: string, osError?: number) {
    super("NOT_FOUND", message, osError);
  }
}

/**
 * The array's shape is not the one asked for with `validateShape` (attach, `readSharedArray`,
 * `openNpy`), or `readSharedArray` found an existing shared array that differs from the file in
 * shape or order. Always thrown, even with `raiseOnError: false`.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray, ShapeMismatchError } from "@npshm/npshm";
 * using points = createSharedArray("points", { shape: [100, 3], dtype: "float64" });
 * try {
 *   attachSharedArray("points", { validateShape: [100, 2] });
 * } catch (err) {
 *   if (err instanceof ShapeMismatchError) console.log(err.message); // names (100, 3) and (100, 2)
 * }
 * ```
 */
export class ShapeMismatchError extends NpshmError {
  /** Makes the error; `message` names both shapes. */
  constructor(message: string) {
    super("SHAPE_MISMATCH", message);
  }
}

/**
 * The array's dtype is not the one asked for with `validateDtype` (attach, `readSharedArray`,
 * `openNpy`), or `readSharedArray` found an existing shared array of another dtype than the
 * file's. Byte order counts: `>f8` is not `<f8`. Always thrown, even with `raiseOnError: false`.
 *
 * @example
 * ```ts
 * import { DTypeMismatchError, openNpy } from "@npshm/npshm";
 * try {
 *   using prices = openNpy("prices.npy", { validateDtype: "float64" });
 *   console.log(prices.get([0, 0]));
 * } catch (err) {
 *   if (!(err instanceof DTypeMismatchError)) throw err;
 *   console.error("prices.npy must be float64; re-export it with .astype('<f8')");
 * }
 * ```
 */
export class DTypeMismatchError extends NpshmError {
  /** Makes the error; `message` names both dtypes. */
  constructor(message: string) {
    super("DTYPE_MISMATCH", message);
  }
}

/**
 * The segment or file is not a `.npy` byte stream npshm can read: bad magic, an unknown
 * version, a header that is not a valid dict, or fewer bytes than the header promises.
 * Thrown by attach, `readSharedArray`, `openNpy` and `inspectSharedArray`, whatever the bytes.
 *
 * @example
 * ```ts
 * import { CorruptHeaderError, openNpy } from "@npshm/npshm";
 * await Deno.writeTextFile("notes.npy", "not an array");
 * try {
 *   openNpy("notes.npy");
 * } catch (err) {
 *   if (err instanceof CorruptHeaderError) console.log(err.message); // what is wrong, and where
 * }
 * ```
 */
export class CorruptHeaderError extends NpshmError {
  /** Makes the error; `message` names what is wrong with the header. */
  constructor(message: string) {
    super("CORRUPT_HEADER", message);
  }
}

/**
 * Not enough room: `createSharedArray` and `readSharedArray` on a full `/dev/shm` (or a size
 * the system refuses), `createNpy` (unless `sparse`) and `saveSharedArray` on a full disk. The
 * memory is reserved up front, so this is thrown by the create, never later as a SIGBUS.
 *
 * @example
 * ```ts
 * import { createNpy, createSharedArray, type NdArray, NoSpaceError } from "@npshm/npshm";
 * const spec = { shape: [100_000, 1000], dtype: "float64" } as const;
 * let scratch: NdArray;
 * try {
 *   scratch = createSharedArray("scratch", spec);
 * } catch (err) {
 *   if (!(err instanceof NoSpaceError)) throw err;
 *   scratch = createNpy("/var/tmp/scratch.npy", { ...spec, overwrite: true }); // spill to disk
 * }
 * ```
 */
export class NoSpaceError extends NpshmError {
  /** Makes the error; `message` names how much was asked for. */
  constructor(message: string, osError?: number) {
    super("NO_SPACE", message, osError);
  }
}

/**
 * Use after `close()`: any access to a closed array or to its rows, slices and views
 * (`get`, `set`, `data`, `lock`...), `wait`/`notify` on a closed array's memory, a `lockAsync`
 * whose array was closed while it waited, and `create`/`attach` on a closed
 * `SharedArrayScope`. TypedArrays taken from `data` do not throw: they read length 0.
 *
 * @example
 * ```ts
 * import { ClosedError, createSharedArray } from "@npshm/npshm";
 * const a = createSharedArray("closing", { shape: [4], dtype: "int32" });
 * const data = a.data;
 * a.close();
 * console.log(data.length); // 0: detached, not dangling
 * try {
 *   a.get(0);
 * } catch (err) {
 *   console.log(err instanceof ClosedError); // true
 * }
 * ```
 */
export class ClosedError extends NpshmError {
  /** Makes the error; `message` names which array. */
  constructor(message: string) {
    super("CLOSED", message);
  }
}

/**
 * An argument is invalid, checked before anything is created or opened: a bad name, shape,
 * dtype, order, mode or option; an index out of bounds or with the wrong number of axes; a
 * value `set` or `fill` cannot store in the dtype (out of range, wrong type); a view whose
 * sizes do not fit.
 *
 * @example
 * ```ts
 * import { createSharedArray, InvalidArgumentError } from "@npshm/npshm";
 * using levels = createSharedArray("levels", { shape: [3], dtype: "uint8" });
 * try {
 *   levels.set(0, 300); // refused, not wrapped around to 44
 * } catch (err) {
 *   if (err instanceof InvalidArgumentError) console.log(err.message);
 * }
 * ```
 */
export class InvalidArgumentError extends NpshmError {
  /** Makes the error; `message` names which argument and why. */
  constructor(message: string, osError?: number) {
    super("INVALID_ARGUMENT", message, osError);
  }
}

/**
 * What was asked for has no faithful view: `data` of an array whose dtype no TypedArray shows
 * (big-endian numbers, strings, raw bytes, records), `data` or `bytes` of a view that is not
 * contiguous, `data` of data not aligned for its dtype, and `toNativeArray` of strings or
 * records. The array itself attaches; `get`/`set` and `toArray` still work. `openNpy` and
 * `readSharedArray` also throw it for files of object dtype.
 *
 * @example
 * ```ts
 * import { createSharedArray, NotViewableError } from "@npshm/npshm";
 * using names = createSharedArray("names", { shape: [2], dtype: "U8" });
 * names.set(0, "alice"); // strings work through get/set...
 * try {
 *   names.data; // ...but no TypedArray holds UTF-32 text
 * } catch (err) {
 *   if (err instanceof NotViewableError) console.log(names.get(0)); // "alice"
 * }
 * ```
 */
export class NotViewableError extends NpshmError {
  /** Makes the error; `message` names which dtype and why. */
  constructor(message: string) {
    super("NOT_VIEWABLE", message);
  }
}

/**
 * A write through an array that refuses writes: `set` on an array attached (or read with
 * `readSharedArray`) `readOnly: true`, or on an `openNpy` file in mode `"r"`; `lock`, `wait`
 * and `notify`, which need the shared pages, on a read-only attach. The shared data is
 * unchanged.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray, ReadOnlyError } from "@npshm/npshm";
 * using table = createSharedArray("table", { shape: [2], dtype: "float64" });
 * using view = attachSharedArray("table", { readOnly: true });
 * try {
 *   view.set(0, 1.5);
 * } catch (err) {
 *   if (err instanceof ReadOnlyError) table.set(0, 1.5); // write through a read-write attach
 * }
 * ```
 */
export class ReadOnlyError extends NpshmError {
  /** Makes the error; `message` names which array. */
  constructor(message: string) {
    super("READ_ONLY", message);
  }
}

/**
 * The operating system refused access: attaching read-write a segment whose mode does not let
 * this user write (another user's `0600` or `0644` array), deleting another user's array,
 * writing a file in a read-only directory or mount.
 *
 * @example
 * ```ts
 * import { attachSharedArray, PermissionDeniedError } from "@npshm/npshm";
 * // "telemetry" belongs to another user, who made it with mode 0o644: readable by all.
 * let telemetry;
 * try {
 *   telemetry = attachSharedArray("telemetry");
 * } catch (err) {
 *   if (!(err instanceof PermissionDeniedError)) throw err;
 *   telemetry = attachSharedArray("telemetry", { readOnly: true });
 * }
 * ```
 */
export class PermissionDeniedError extends NpshmError {
  /** Makes the error; `message` names what was refused. */
  constructor(message: string, osError?: number) {
    super("PERMISSION_DENIED", message, osError);
  }
}

/**
 * The native shim could not be found or loaded, or is of another version: thrown by the first
 * call that needs it (create, attach, delete, files, locks). Its message says where it looked
 * and how to build it (`deno task build`, or `NPSHM_LIB`).
 *
 * @example
 * ```ts
 * import { createSharedArray, NativeLibraryError } from "@npshm/npshm";
 * try {
 *   using probe = createSharedArray(undefined, { shape: [1], dtype: "u1", unlinkOnClose: true });
 * } catch (err) {
 *   if (err instanceof NativeLibraryError) console.error("npshm is not set up:", err.message);
 *   throw err;
 * }
 * ```
 */
export class NativeLibraryError extends NpshmError {
  /** Makes the error; `message` names where it looked and how to build it. */
  constructor(message: string, options?: ErrorOptions) {
    super("NATIVE_LIBRARY", message, undefined, options);
  }
}

/**
 * Any other operating-system failure of a system call (too many open files, an I/O error...);
 * `osError` holds the errno and the message the system's words for it.
 *
 * @example
 * ```ts
 * import { attachSharedArray, OsError } from "@npshm/npshm";
 * const EMFILE = 24; // Linux: this process has too many open files
 * try {
 *   attachSharedArray("frames");
 * } catch (err) {
 *   if (err instanceof OsError && err.osError === EMFILE) console.error("close some arrays");
 *   throw err;
 * }
 * ```
 */
export class OsError extends NpshmError {
  /** Makes the error; `message` names the call that failed and the OS's words. */
  constructor(message: string, osError?: number) {
    super("OS_ERROR", message, osError);
  }
}

/**
 * `view(dtype)` or `view(dtype, place)` would start (or step) at a byte not aligned for
 * `dtype` (e.g. a float64 view at byte 4). Nothing is viewed: npshm never hands out a
 * misaligned TypedArray.
 *
 * @example
 * ```ts
 * import { createSharedArray, MisalignedError } from "@npshm/npshm";
 * using raw = createSharedArray("raw", { shape: [64], dtype: "uint8" });
 * raw.view("float64", { byteOffset: 8, shape: [2] }); // fine: 8 is a multiple of 8
 * try {
 *   raw.view("float64", { byteOffset: 4, shape: [2] });
 * } catch (err) {
 *   console.log(err instanceof MisalignedError); // true
 * }
 * ```
 */
export class MisalignedError extends NpshmError {
  /** Makes the error; `message` names the offset, the dtype and the alignment it needs. */
  constructor(message: string) {
    super("MISALIGNED", message);
  }
}

/**
 * The operation does not exist here: on this platform (tracking, locks, `wait`/`notify` and
 * listing outside Linux), for this segment (`lock()` on an array made by Python, which has no
 * npshm control block), or on this runtime (arrays over 4 GiB on Bun; Node before 22 at all).
 *
 * @example
 * ```ts
 * import { attachSharedArray, UnsupportedError } from "@npshm/npshm";
 * using a = attachSharedArray("from_python"); // made by NumPy: no npshm control block
 * try {
 *   a.lock();
 * } catch (err) {
 *   if (err instanceof UnsupportedError) console.log(err.message); // suggests openMutex
 * }
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
 * array that already holds it (npshm locks are not re-entrant: that would deadlock). Also: no
 * lock token could be drawn, because another process read-locked the segment's token bytes
 * (only a process that can open the segment can; make it owner-only, mode `0o600`).
 *
 * @example
 * ```ts
 * import { createSharedArray, LockError } from "@npshm/npshm";
 * using account = createSharedArray("account", { shape: [1], dtype: "int64" });
 * using guard = account.lock();
 * try {
 *   account.lock(); // an error, not a deadlock
 * } catch (err) {
 *   console.log(err instanceof LockError); // true
 * }
 * ```
 */
export class LockError extends NpshmError {
  /** Makes the error; `message` names what was misused. */
  constructor(message: string) {
    super("LOCK", message);
  }
}

/**
 * A wait for a lock took longer than its `timeoutMs`: the lock was not taken.
 *
 * @example
 * ```ts
 * import { attachSharedArray, createSharedArray, TimeoutError } from "@npshm/npshm";
 * using jobs = createSharedArray("jobs", { shape: [1], dtype: "int32" });
 * using other = attachSharedArray("jobs"); // as another process would
 * using held = jobs.lock();
 * try {
 *   other.lock({ timeoutMs: 50 });
 * } catch (err) {
 *   console.log(err instanceof TimeoutError); // true: jobs holds it
 * }
 * ```
 */
export class TimeoutError extends NpshmError {
  /** Makes the error; `message` names what was waited for and how long. */
  constructor(message: string) {
    super("TIMEOUT", message);
  }
}

/**
 * A wait was given up because its `AbortSignal` fired: the lock was not taken. `cause` is the
 * signal's `reason`.
 *
 * @example
 * ```ts
 * import { AbortedError, openMutex } from "@npshm/npshm";
 * using mutex = openMutex("render");
 * try {
 *   using guard = await mutex.lockAsync({ signal: AbortSignal.timeout(1000) });
 * } catch (err) {
 *   if (err instanceof AbortedError) console.log("busy for a second:", err.cause);
 * }
 * ```
 */
export class AbortedError extends NpshmError {
  /** Makes the error; `message` names what was given up, `reason` is the signal's reason. */
  constructor(message: string, reason?: unknown) {
    super("ABORTED", message, undefined, { cause: reason });
  }
}

/**
 * A shared array is an out-of-date copy of its source: `readSharedArray` found the array
 * loaded from a `.npy` file that has changed since (with `reload: "error"`).
 *
 * @example
 * ```ts
 * import { readSharedArray, StaleError } from "@npshm/npshm";
 * try {
 *   using prices = readSharedArray("prices.npy", "prices", { reload: "error" });
 * } catch (err) {
 *   if (err instanceof StaleError) console.error("prices.npy changed: reload or restart");
 *   else throw err;
 * }
 * ```
 */
export class StaleError extends NpshmError {
  /** Makes the error; `message` names the array and the file. */
  constructor(message: string) {
    super("STALE", message);
  }
}
