/**
 * The one contract between TypeScript and the C shim (`native/npshm.h`): its symbol table,
 * the status codes and out-array slots, and the type of the functions every backend (Deno,
 * Node, Bun) hands out. A C signature is changed here and in `npshm.h`, nowhere else: the
 * backends build their functions from {@link SYMBOLS}, and {@link Native} is derived from it.
 *
 * Nothing here knows about arrays; `src/os/` is the only caller.
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * import { cString, OUT_SLOTS, Status } from "./contract.ts";
 * const native = loadNative();
 * const out = new BigInt64Array(OUT_SLOTS);
 * if (native.npshm_open(cString("frames"), 0, out) === Status.OK) native.npshm_close(out[0]);
 * ```
 * @module
 */

// The two functions that also have a binding called off the JS thread (`nonblocking`).
const LOCK_WAIT = {
  parameters: [
    "i64", // token
    "u64", // word_addr
    "u32", // id
    "i64", // timeout_ns
    "u64", // cancel
    "buffer", // out
  ],
  result: "i32",
} as const;
const WAIT = {
  parameters: [
    "u64", // addr
    "i32", // expected
    "i64", // timeout_ns
    "u64", // cancel
    "buffer", // out
  ],
  result: "i32",
} as const;

/**
 * The shim's functions for `Deno.dlopen` (koffi and `bun:ffi` tables are made from it). Each
 * parameter is commented with its name in `native/npshm.h`. `out` is an `int64_t[OUT_SLOTS]`:
 * handle, mapped address, mapped size, OS error. `nonblocking` entries are a second binding of
 * the same C function, called off the JS thread (where, on each runtime: `waiters.ts`).
 */
export const SYMBOLS = {
  npshm_abi_version: { parameters: [], result: "i32" },
  npshm_create: {
    parameters: [
      "buffer", // name
      "u64", // size
      "u32", // mode
      "i32", // force
      "buffer", // head
      "u64", // head_len
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_publish: {
    parameters: [
      "i64", // handle
      "buffer", // name
      "i32", // force
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_open: {
    parameters: [
      "buffer", // name
      "i32", // read_only
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_attach: {
    parameters: [
      "buffer", // name
      "i32", // read_only
      "buffer", // out
      "buffer", // head
      "u64", // cap
    ],
    result: "i32",
  },
  npshm_release: {
    parameters: [
      "u64", // addr
      "u64", // size
      "i64", // handle
    ],
    result: "i32",
  },
  npshm_close: {
    parameters: [
      "i64", // handle
    ],
    result: "i32",
  },
  npshm_unlink: {
    parameters: [
      "buffer", // name
      "i64", // handle
      "i64", // control_at
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_fstat: {
    parameters: [
      "i64", // handle
      "buffer", // info (int64_t[6])
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_read: {
    parameters: [
      "u64", // addr
      "buffer", // dst
      "u64", // len
    ],
    result: "void",
  },
  npshm_write: {
    parameters: [
      "u64", // addr
      "buffer", // src
      "u64", // len
    ],
    result: "void",
  },
  npshm_strerror: {
    parameters: [
      "i32", // os_error
      "buffer", // buf
      "u64", // cap
    ],
    result: "void",
  },
  // files (native/npshm_file.c)
  npshm_file_open: {
    parameters: [
      "buffer", // path
      "i32", // how
      "u32", // mode
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_resize: {
    parameters: [
      "i64", // handle
      "u64", // size
      "i32", // reserve
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_map: {
    parameters: [
      "i64", // handle
      "u64", // size
      "i32", // private_copy
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_pread: {
    parameters: [
      "i64", // handle
      "u64", // offset
      "buffer", // dst
      "u64", // len
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_pwrite: {
    parameters: [
      "i64", // handle
      "u64", // offset
      "buffer", // src
      "u64", // len
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_copy: {
    parameters: [
      "i64", // src
      "u64", // src_off
      "i64", // dst
      "u64", // dst_off
      "buffer", // dst_buf
      "u64", // len
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_sync: {
    parameters: [
      "i64", // handle
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_flush: {
    parameters: [
      "u64", // addr
      "u64", // len
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_rename: {
    parameters: [
      "buffer", // from
      "buffer", // to
      "i32", // replace
      "i32", // durable
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_claim: {
    parameters: [
      "i64", // handle
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_remove: {
    parameters: [
      "buffer", // path
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_adopt: {
    parameters: [
      "i64", // handle
      "buffer", // path
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_file_link: {
    parameters: [
      "i64", // handle
      "buffer", // path
      "i32", // replace
      "i32", // durable
      "buffer", // out
    ],
    result: "i32",
  },
  // lifetimes and coordination (native/npshm_sync.c)
  npshm_track: {
    parameters: [
      "i64", // handle
      "buffer", // name
      "i32", // unpublished
      "u64", // flags_addr
      "i64", // control_at
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_untrack: {
    parameters: [
      "i64", // tracker (out[1] of npshm_track)
      "buffer", // name
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_unlink_untracked: {
    parameters: [
      "buffer", // name
      "i64", // handle
      "i64", // control_at
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_trackers: {
    parameters: [
      "buffer", // name
      "u64", // nonce
      "buffer", // pids
      "i32", // cap
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_lock_token: {
    parameters: [
      "i64", // handle
      "u64", // word_addr
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_lock_wait: LOCK_WAIT,
  npshm_lock_wait_async: { ...LOCK_WAIT, name: "npshm_lock_wait", nonblocking: true },
  npshm_unlock: {
    parameters: [
      "u64", // word_addr
      "u32", // id
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_wait: WAIT,
  npshm_wait_async: { ...WAIT, name: "npshm_wait", nonblocking: true },
  npshm_wake: {
    parameters: [
      "u64", // addr
      "i32", // count
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_cancel_new: {
    parameters: [
      "buffer", // out
    ],
    result: "i32",
  },
  npshm_cancel_set: {
    parameters: [
      "u64", // cancel
    ],
    result: "void",
  },
  npshm_cancel_free: {
    parameters: [
      "u64", // cancel
    ],
    result: "void",
  },
  // Issue 13 (many arrays): attaching without holding a descriptor, and unmapping then.
  npshm_attach_unheld: {
    parameters: [
      "buffer", // name
      "i32", // read_only
      "buffer", // out
      "buffer", // head
      "u64", // cap
      "buffer", // info
    ],
    result: "i32",
  },
  npshm_unmap: {
    parameters: [
      "u64", // addr
      "u64", // size
    ],
    result: "i32",
  },
  npshm_lock_token_of: {
    parameters: [
      "i64", // handle
      "buffer", // name
      "u64", // word_addr
      "buffer", // out
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The C types the table uses, in Deno's FFI spelling. */
export type NativeType = "i32" | "u32" | "i64" | "u64" | "buffer" | "void";

/** One entry of {@link SYMBOLS}, as the backends read it. */
export interface SymbolDefinition {
  /** The C types of the parameters. */
  readonly parameters: readonly NativeType[];
  /** The C type of the result. */
  readonly result: NativeType;
  /** The C function, when the key is a second binding of it. */
  readonly name?: string;
  /** Called off the JS thread; returns a Promise. */
  readonly nonblocking?: boolean;
}

/** What a parameter of C type `T` takes from JS (a `buffer` passes the view's own memory). */
type Param<T> = T extends "i32" | "u32" ? number
  : T extends "i64" | "u64" ? bigint
  : ArrayBufferView | null;

type Params<P extends readonly NativeType[]> = { -readonly [K in keyof P]: Param<P[K]> };

type Result<T> = T extends "void" ? void : number;

type Call<D> = D extends { parameters: infer P extends readonly NativeType[]; result: infer R }
  ? (...args: Params<P>) => D extends { nonblocking: true } ? Promise<Result<R>> : Result<R>
  : never;

/**
 * The shim as a backend opens it: one JS function per entry of {@link SYMBOLS}, with the
 * same name and C argument order, plus `view`, the zero-copy ArrayBuffer over mapped memory
 * that each runtime makes its own way. Every function returns a {@link Status} except where
 * `npshm.h` says otherwise.
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const n: Native = loadNative();
 * n.npshm_abi_version(); // STAMP of ./pinned.ts
 * ```
 */
export type Native = { readonly [K in keyof typeof SYMBOLS]: Call<(typeof SYMBOLS)[K]> } & {
  /**
   * A zero-copy ArrayBuffer over `len` mapped bytes at `addr`. Called at most once per
   * address: V8 refuses two buffers over one address.
   */
  view(addr: bigint, len: number): ArrayBuffer;
};

/** Status codes of the shim (`enum npshm_status` and `enum npshm_sync_status` in `npshm.h`). */
export const Status = {
  OK: 0,
  EXISTS: 1,
  NOT_FOUND: 2,
  NO_SPACE: 3,
  PERMISSION: 4,
  INVALID: 5,
  STALE: 6,
  BUSY: 7,
  OWNER_DIED: 8,
  TIMED_OUT: 9,
  NOT_EQUAL: 10,
  UNSUPPORTED: 11,
  NOT_FILE: 12,
  CANCELLED: 13,
  OTHER: 99,
} as const;

/**
 * Slots of the `out` array the shim fills: handle, mapped address, mapped size, OS error.
 *
 * @example
 * ```ts
 * const out = new BigInt64Array(OUT_SLOTS);
 * ```
 */
export const OUT_SLOTS = 4;

/**
 * How `npshm_file_open` opens a path (`enum npshm_file_how` in `npshm.h`).
 *
 * @example
 * ```ts
 * import { loadNative } from "./load.ts";
 * const out = new BigInt64Array(OUT_SLOTS);
 * loadNative().npshm_file_open(cString("a.npy"), FileHow.READ, 0, out);
 * ```
 */
export const FileHow = { READ: 0, WRITE: 1, CREATE: 2, REPLACE: 3, TEMP: 4 } as const;

const encoder = new TextEncoder();

/**
 * Encodes a string as NUL-terminated UTF-8 for the shim.
 *
 * @example
 * ```ts
 * cString("ab"); // Uint8Array [97, 98, 0]
 * ```
 */
export function cString(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 3 + 1);
  const { written } = encoder.encodeInto(text, bytes);
  return bytes.subarray(0, written + 1);
}
