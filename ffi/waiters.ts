/**
 * Where the shim's blocking waits (the lock wait, the futex wait) sleep when JavaScript awaits
 * them: off the JS thread, and never on a thread the runtime needs for its own work.
 *
 * - Deno calls a `nonblocking` function on its blocking thread pool: 32 threads, which file
 *   system calls share, so 32 pending waits stalled every `Deno.readFile` of the program and a
 *   33rd queued behind them. At most {@link MAX_ASLEEP} sleep there ({@link atMost}).
 * - Node and Bun: koffi's `async` calls run on libuv's pool, four threads that Node's file system,
 *   DNS, crypto and zlib share (four pending waits stalled every `fs.readFile`), and `bun:ffi`
 *   calls on the calling thread only. So each wait sleeps on a worker thread of npshm's
 *   ({@link WaiterPool}), which makes the blocking call and reports through shared memory that
 *   the JS thread watches with `Atomics.waitAsync`: a wake-up reaches the caller in tens of µs.
 *   A worker is a VM of its own (here: Bun about 3.5 MiB and 15 ms to start, Node 12-15 MiB and
 *   45-80 ms), so the pool starts one only when every worker it has is busy, keeps the idle ones
 *   for the next wait (unref'd: they do not keep the process alive), and starts at most
 *   {@link MAX_ASLEEP}. A worker runs `waiter_worker.ts` ({@link WAITER_ENTRY}), which opens the
 *   shim with the pool's backend and serves calls ({@link serveWaits}): it runs none of the
 *   program's own code, even where npshm was bundled into the program.
 * - A wait that finds all of them taken polls instead ({@link offThread}), and so does a wait
 *   whose worker ends during it (it does not fail), and every wait where no worker can start:
 *   Node's `--permission` without `--allow-worker`, or a bundle, which has no `waiter_worker.js`
 *   beside it. When the worker was the backend's own module, a bundle's worker ran the whole
 *   program again, or failed and failed the wait.
 *
 * @example
 * ```ts
 * import { atMost, offThread } from "./waiters.ts";
 * const blocking = (..._args: unknown[]) => 0; // the shim's npshm_wait
 * const nonblocking = (..._args: unknown[]) => Promise.resolve(0); // the same, off the thread
 * const waitAsync = offThread("npshm_wait", blocking, atMost(16, (_, args) => nonblocking(...args)));
 * console.log(await waitAsync(0x7f0000001000n, 0, 1_000_000n, 0n, new BigInt64Array(4)));
 * ```
 * @module
 */
import { createRequire } from "node:module";
import { extname } from "node:path";
import { Status } from "./contract.ts";

/** The most waits that sleep in the kernel at once, off the JS thread; the others poll. */
export const MAX_ASLEEP = 16;

/**
 * Makes the blocking call `name(...args)` off the JS thread, its out array `out`, and resolves to
 * its status; `undefined` if it cannot now (the sleepers are all taken), or resolves to
 * `undefined` if it found that it cannot after all (no worker could start): then poll.
 */
export type Sleeper = (
  name: string,
  args: unknown[],
  out: BigInt64Array,
) => Promise<number | undefined> | undefined;

type AnyFunction = (...args: unknown[]) => unknown;

/** Where each blocking function with a `nonblocking` twin takes its timeout in ns. */
const TIMEOUT_AT: Record<string, number> = {
  npshm_lock_wait: 3, // (token, word_addr, id, timeout_ns, cancel, out)
  npshm_wait: 2, // (addr, expected, timeout_ns, cancel, out)
};

/** The backends whose pools start workers: their module's name in `ffi/`. */
export type WaiterBackend = "node" | "bun";

/** What the pool's workers are given: which backend opens the shim at `path`. */
export interface WaiterData {
  backend: WaiterBackend;
  path: string;
  /** Int32 0: 1 when the call has returned; int32 1: its status; from byte 8: its out array. */
  shared: SharedArrayBuffer;
}

/** The part of `node:worker_threads`' `Worker` this module uses (Node's and Bun's). */
type WorkerClass = new (url: URL, options: { workerData: WaiterData }) => Worker;

/** A worker's `parentPort`, as {@link serveWaits} uses it. */
export interface CallPort {
  on(event: "message", listener: (m: Call) => void): void;
  postMessage(message: "ready"): void;
}

interface Worker {
  postMessage(message: Call): void;
  once(event: "error" | "exit" | "message", listener: (arg: unknown) => void): void;
  ref(): void;
  unref(): void;
}

/** A call for a worker: the blocking function, its arguments (`null` for the out array). */
export interface Call {
  name: string;
  args: unknown[];
  /** When its timeout ends ({@link now}), or -1: a worker that starts late waits only the rest. */
  until: number;
}

const DONE = 0;
const STATUS = 1;
const OUT_AT = 8;

/** Milliseconds on a clock that all threads of the process share. */
const now = () => performance.timeOrigin + performance.now();

// Required only when a worker starts.
const WorkerOf = () => createRequire(import.meta.url)("node:worker_threads").Worker as WorkerClass;

/**
 * The module the pool's workers run, beside this one: `waiter_worker.ts` in the sources,
 * `waiter_worker.js` in the npm package.
 *
 * @example
 * ```ts
 * import { WAITER_ENTRY } from "./waiters.ts";
 * console.log(WAITER_ENTRY.pathname); // ".../ffi/waiter_worker.ts"
 * ```
 */
export const WAITER_ENTRY: URL = new URL(
  `./waiter_worker${extname(import.meta.url) || ".js"}`,
  import.meta.url,
);

/** A worker that failed or exited: the wait it was making polls for the rest of its time. */
class WorkerEnded extends Error {}

/** One worker and the memory it reports through. */
class Waiter {
  readonly #worker: Worker;
  readonly #state: Int32Array;
  readonly #out: BigInt64Array;
  readonly #ready: Promise<boolean>;
  readonly #failed: Promise<never>;
  /** True once the worker has said it is ready: if it ends before, no worker can start here. */
  isReady = false;
  /** False once the worker has failed or exited: the pool drops it. */
  alive = true;

  constructor(entry: URL, data: Omit<WaiterData, "shared">, outSlots: number, gone: () => void) {
    const shared = new SharedArrayBuffer(OUT_AT + 8 * outSlots);
    this.#state = new Int32Array(shared, 0, 2);
    this.#out = new BigInt64Array(shared, OUT_AT, outSlots);
    this.#worker = new (WorkerOf())(entry, { workerData: { ...data, shared } });
    this.#worker.unref();
    this.#ready = new Promise((resolve) => {
      this.#worker.once("message", () => resolve(this.isReady = true));
    });
    this.#failed = new Promise((_, fail) => {
      // Only once the thread has exited: then no blocking call of it can still take the lock
      // or the wake-up that a poll then looks for. An error comes before the exit it causes.
      let why: unknown;
      this.#worker.once("error", (err) => why = err);
      this.#worker.once("exit", (code) => {
        this.alive = false;
        gone();
        const cause = why ?? new Error(`it exited with code ${code}`);
        fail(new WorkerEnded("npshm's wait worker ended", { cause }));
      });
    });
    this.#failed.catch(() => {}); // a rejection nobody waits for is not an unhandled one
  }

  /**
   * Makes the call on the worker once it is ready; its out array is copied into `out`. Resolves
   * to `undefined`, the call not made or its end not seen, if the call's time was up before the
   * worker was ready, or the worker ended (then {@link alive} is false).
   */
  async call(call: Call, out: BigInt64Array): Promise<number | undefined> {
    Atomics.store(this.#state, DONE, 0);
    this.#worker.ref(); // a pending wait keeps the process alive, as it does on Deno
    try {
      if (!this.isReady && !await this.#readyBy(call.until)) return undefined;
      this.#worker.postMessage(call);
      // Only DONE says that this call returned. A wake-up may be the last call's notify, late:
      // its worker marked it done, we saw that without sleeping and sent this call, and only
      // then did the worker's notify come (a lockAsync on Bun took that for its own OK).
      while (Atomics.load(this.#state, DONE) === 0) {
        const returned = Atomics.waitAsync(this.#state, DONE, 0);
        if (returned.async) await Promise.race([returned.value, this.#failed]);
      }
    } catch (err) {
      if (err instanceof WorkerEnded) return undefined;
      throw err;
    } finally {
      this.#worker.unref();
    }
    out.set(this.#out.subarray(0, out.length));
    return Atomics.load(this.#state, STATUS);
  }

  // Whether the worker is ready before `until` (-1: however long it takes). A worker takes tens
  // of ms to start: a shorter wait must not last that long.
  async #readyBy(until: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = until < 0
      ? []
      : [new Promise<false>((resolve) => timer = setTimeout(resolve, until - now(), false))];
    try {
      return await Promise.race([this.#ready, this.#failed, ...late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Workers that open the shim at `path` with `backend` and make blocking calls of it; they run
 * `entry` ({@link WAITER_ENTRY} but in tests).
 *
 * @example
 * ```ts
 * import { WaiterPool } from "./waiters.ts";
 * const pool = new WaiterPool("node", "/opt/npshm/libnpshm.so", 4);
 * const out = new BigInt64Array(4);
 * const slept = pool.run("npshm_wait", [0x7f0000001000n, 0, -1n, 0n, out], out);
 * console.log(slept === undefined ? "all workers busy" : await slept);
 * ```
 */
export class WaiterPool {
  readonly #idle: Waiter[] = [];
  #started = 0;
  /** Set once a worker could not start: every wait polls from then on. */
  #unavailable = false;

  constructor(
    readonly backend: WaiterBackend,
    readonly path: string,
    readonly outSlots: number,
    readonly entry: URL = WAITER_ENTRY,
  ) {}

  /**
   * A {@link Sleeper}: the call on an idle worker (started if none is and fewer than
   * {@link MAX_ASLEEP} are); `undefined` if all are busy; resolved to `undefined`, and the caller
   * polls, if the worker was not ready before the call's time was up (its last look then says how
   * the wait ended), or ended: before it was ready (no worker is started again), or during the
   * call (the pool starts another for the next). The argument that is `out` is not sent: the
   * worker passes its own out array, copied into `out` when the call returns.
   */
  readonly run: Sleeper = (name, args, out) => {
    const waiter = this.#idle.pop() ?? this.#start();
    if (!waiter) return undefined;
    const ns = BigInt(args[TIMEOUT_AT[name]] as bigint);
    const until = ns < 0n ? -1 : now() + Number(ns) / 1e6;
    const call = { name, args: args.map((a) => (a === out ? null : a)), until };
    return waiter.call(call, out).finally(() => {
      if (waiter.alive) this.#idle.push(waiter);
      else if (!waiter.isReady) this.#unavailable = true;
    });
  };

  #start(): Waiter | undefined {
    if (this.#unavailable || this.#started >= MAX_ASLEEP) return undefined;
    const gone = () => {
      this.#started--;
      const at = this.#idle.indexOf(waiter);
      if (at >= 0) this.#idle.splice(at, 1);
    };
    let waiter: Waiter;
    try {
      const data = { backend: this.backend, path: this.path };
      waiter = new Waiter(this.entry, data, this.outSlots, gone);
    } catch {
      this.#unavailable = true; // no workers here (Node's --permission without --allow-worker)
      return undefined;
    }
    this.#started++;
    return waiter;
  }
}

/**
 * In a worker of a {@link WaiterPool} (`waiter_worker.ts`): makes each call that arrives on
 * `port` with `native` (the shim, opened in this worker), putting its status and out array in
 * `shared` and waking the JS thread that watches it; then tells the pool it is ready.
 *
 * @example
 * ```ts
 * import { parentPort, workerData } from "node:worker_threads";
 * import { serveWaits, type WaiterData } from "./waiters.ts";
 * const native = { npshm_wait: () => 0 }; // the shim, as a backend opens it
 * serveWaits(native, (workerData as WaiterData).shared, parentPort!);
 * ```
 */
export function serveWaits(native: object, shared: SharedArrayBuffer, port: CallPort): void {
  const calls = native as Record<string, (...a: unknown[]) => number>;
  const state = new Int32Array(shared, 0, 2);
  const out = new BigInt64Array(shared, OUT_AT);
  port.on("message", ({ name, args, until }) => {
    if (until >= 0) {
      const at = TIMEOUT_AT[name], asked = BigInt(args[at] as bigint);
      const left = BigInt(Math.max(0, Math.round((until - now()) * 1e6)));
      args[at] = left < asked ? left : asked; // never past what was asked: it is an int64
    }
    Atomics.store(state, STATUS, calls[name](...args.map((a) => a ?? out)));
    Atomics.store(state, DONE, 1);
    Atomics.notify(state, DONE);
  });
  port.postMessage("ready");
}

/**
 * A {@link Sleeper} that makes at most `n` calls with `call` at once.
 *
 * @example
 * ```ts
 * import { atMost } from "./waiters.ts";
 * const sleeper = atMost(16, (_name, _args, _out) => Promise.resolve(0));
 * console.log(sleeper("npshm_wait", [], new BigInt64Array(4)) === undefined); // false
 * ```
 */
export function atMost(
  n: number,
  call: (name: string, args: unknown[], out: BigInt64Array) => Promise<number>,
): Sleeper {
  let asleep = 0;
  return (name, args, out) => {
    if (asleep >= n) return undefined;
    asleep++;
    return call(name, args, out).finally(() => asleep--);
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `attempt` (a try-only call) while it says `again`, backing off up to 10 ms. */
async function poll(attempt: () => number, again: (status: number) => boolean): Promise<number> {
  for (let pause = 0.25;; pause = Math.min(pause * 2, 10)) {
    const status = attempt();
    if (!again(status)) return status;
    await sleep(pause);
  }
}

/** The deadline of a poll for a timeout in ns (negative: none). */
function deadlineOf(timeoutNs: unknown): number {
  const ns = BigInt(timeoutNs as bigint | number);
  return ns < 0n ? Infinity : Date.now() + Number(ns / 1_000_000n);
}

/**
 * The `nonblocking` twin of the blocking shim function `name` (its last argument the out array):
 * a look on the JS thread (timeout 0), then, if it has to wait, the call through `sleeper`; if
 * that cannot take it, looks until it need not wait or time is up, sleeping between them (up to
 * 10 ms; a set cancel word ends them as CANCELLED, and a notify that changes nothing is not
 * seen).
 *
 * @example
 * ```ts
 * import { offThread, WaiterPool } from "./waiters.ts";
 * const pool = new WaiterPool("bun", "/opt/npshm/libnpshm.so", 4);
 * const waitAsync = offThread("npshm_wait", () => 0, pool.run);
 * console.log(await waitAsync(0x7f0000001000n, 0, 1_000_000n, 0n, new BigInt64Array(4)));
 * ```
 */
export function offThread(
  name: string,
  blocking: AnyFunction,
  sleeper: Sleeper,
): (...args: unknown[]) => Promise<number> {
  const at = TIMEOUT_AT[name];
  return async (...args: unknown[]) => {
    const look = () => blocking(...args.with(at, 0n)) as number;
    const first = look();
    if (first !== Status.TIMED_OUT || BigInt(args[at] as bigint) === 0n) return first;
    const deadline = deadlineOf(args[at]);
    const later = await sleeper(name, args, args.at(-1) as BigInt64Array) ??
      await poll(look, (st) => st === Status.TIMED_OUT && Date.now() < deadline);
    // The word was as expected at the first look: a change seen later is a wake-up, which the
    // notify that goes with the change would have been (npshm_wait's own rule across slices).
    return later === Status.NOT_EQUAL ? Status.OK : later;
  };
}
