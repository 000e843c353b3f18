/**
 * Handing an array to a child process: by name (the child attaches it, zero-copy) against
 * piping its bytes to the child's stdin. One child runs throughout; the parent times, from
 * its side, a request and the child's one-line answer:
 *
 * - `attach NAME`: the child attaches NAME, reads element 0 and the last element, closes;
 * - `pipe BYTES`, then BYTES bytes of the array: the child reads them all, then answers.
 *
 * A second child takes the name through a mailbox instead, a small shared array whose words
 * `wait`/`notify` ring (what two npshm programs that already share one array can use): the
 * parent writes the name into it and rings; the child attaches, reads and rings back. That
 * times the hand-off without the runtime's pipe streams and their wake-ups. The child's close
 * comes after its answer and is not timed: the parent starts the next hand-off only once the
 * child rang that it closed, so no hand-off pays for the unmap of the one before, and then
 * lets ASLEEP_MS pass: the child's `wait` has stopped spinning by then and sleeps in the kernel,
 * as a child that waits for work does, so each hand-off pays for waking it.
 *
 * A child runs its attach some hundreds of times here, too few for V8 to optimize it (Maglev
 * takes 400 calls of a function, TurboFan 3,000), so its hand-offs run attach as unoptimized
 * code. The mailbox hand-offs are timed again with a warmed child, one that attached the array
 * WARM_ATTACHES times at its first request (which is never timed): what the hand-off costs a
 * child that has been handing off arrays for a while.
 *
 * Two floors take the same mailbox hand-offs of the same array, so that what is npshm's and
 * what is not can be told apart:
 * - `--floor <libnpshm>`: a mailbox child with none of npshm's attach: the shim's
 *   `npshm_attach_unheld` called straight through Deno's FFI, the runtime's own view, the
 *   header's length read from its prefix, the detach and `npshm_unmap` (`view_floor.ts`);
 * - `--c <handoff>`: the whole hand-off in C, parent and child (`handoff.c`).
 *
 * Prints one JSON object: `{ bytes, handoffNs, mailboxNs, warmNs, floorNs?, floorWarmNs?, cNs?,
 * pipeNs }`, each an array of ns (`warmNs`, `floorWarmNs`: the warmed children's).
 *
 * ```sh
 * deno run -A bench/handoff.ts [--floor <libnpshm>] [--c <exe>] <MiB> <handoffs> <pipes>
 * ```
 *
 * @module
 */
import { attachSharedArray, createSharedArray, notify, wait } from "../mod.ts";
import { headerLength } from "../src/format/header.ts";
import { raw, shimAt } from "./view_floor.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The child's side: answers requests on stdin until it closes. */
async function child(): Promise<void> {
  const reader = Deno.stdin.readable.getReader({ mode: "byob" });
  let pending = new Uint8Array(0);
  const fill = async (): Promise<boolean> => {
    const { value, done } = await reader.read(new Uint8Array(1 << 20));
    if (done || !value) return false;
    const joined = new Uint8Array(pending.length + value.length);
    joined.set(pending);
    joined.set(value, pending.length);
    pending = joined;
    return true;
  };
  const answer = (text: string) => Deno.stdout.writeSync(encoder.encode(text + "\n"));
  for (;;) {
    let nl = pending.indexOf(10);
    while (nl < 0) {
      if (!await fill()) return;
      nl = pending.indexOf(10);
    }
    const [verb, arg] = decoder.decode(pending.subarray(0, nl)).split(" ");
    pending = pending.slice(nl + 1);
    if (verb === "attach") {
      using a = attachSharedArray(arg);
      const data = a.data as Uint8Array;
      answer(String(data[0] + data[data.length - 1]));
    } else {
      let left = Number(arg) - pending.length;
      pending = new Uint8Array(0);
      let chunk = new Uint8Array(1 << 20); // one buffer, handed back and forth with the reader
      while (left > 0) {
        const { value, done } = await reader.read(chunk.subarray(0, Math.min(left, chunk.length)));
        if (done || !value) throw new Error("stdin ended in the middle of the bytes");
        left -= value.length;
        chunk = new Uint8Array(value.buffer);
      }
      answer("ok");
    }
  }
}

// The mailbox's int32 words: requests rung (-1: stop), answers rung, the answer, the name's
// length; the name's UTF-8 bytes follow from NAME_AT.
const ASKED = 0, ANSWERED = 1, ANSWER = 2, LENGTH = 3, CLOSED = 4, WORDS = 5;
const NAME_AT = 4 * WORDS, MAILBOX_BYTES = 512, ASLEEP_MS = 5, WARM_ATTACHES = 5000;

/** An attached array as the mailbox child uses it. */
interface Attached {
  data: unknown; // a Uint8Array: handoff.ts's array is uint8
  close(): void;
}

/** The floor's attach of arrays of `length` bytes: the shim and the runtime's view, no npshm. */
function floorAttach(library: string, length: number): (name: string) => Attached {
  const shim = shimAt(library);
  const { view } = raw();
  const out = new BigInt64Array(4), head = new Uint8Array(512), info = new BigInt64Array(6);
  return (name) => {
    if (shim.attach(encoder.encode(`${name}\0`), out, head, info) !== 0) {
      throw new Error(`cannot attach ${name}`);
    }
    const [addr, size] = [out[1], out[2]];
    const buffer = view(addr, Number(size));
    const data = new Uint8Array(buffer, headerLength(head), length);
    const close = () => (buffer.transfer(0), shim.unmap(addr, size));
    return { data, close };
  };
}

/**
 * The mailbox child: answers each request rung on ASKED until it reads -1; at the first, it
 * attaches the array `warm` times before it answers.
 */
function mailboxChild(box: string, attach: (name: string) => Attached, warm: number): void {
  using mailbox = attachSharedArray(box, { validateDtype: "uint8" });
  const bytes = mailbox.data as Uint8Array;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, WORDS);
  for (let seen = 0;;) {
    while (Atomics.load(words, ASKED) === seen) wait(words, ASKED, seen);
    seen = Atomics.load(words, ASKED);
    if (seen < 0) return;
    const name = decoder.decode(bytes.slice(NAME_AT, NAME_AT + words[LENGTH]));
    for (let i = seen === 1 ? warm : 0; i > 0; i--) readOnce(attach(name));
    const a = attach(name);
    const data = a.data as Uint8Array;
    words[ANSWER] = data[0] + data[data.length - 1];
    ring(words, ANSWERED, seen);
    a.close();
    ring(words, CLOSED, seen);
  }
}

function readOnce(a: Attached): void {
  if ((a.data as Uint8Array)[0] !== 1) throw new Error("the array does not hold 1s");
  a.close();
}

function ring(words: Int32Array, word: number, value: number): void {
  Atomics.store(words, word, value);
  notify(words, word);
}

/** Waits until `word` of `words` holds `value`. */
function awaitWord(words: Int32Array, word: number, value: number): void {
  for (let now; (now = Atomics.load(words, word)) !== value;) {
    if (wait(words, word, now, 30_000) === "timed-out") throw new Error("no answer");
  }
}

/**
 * Hands `name` to a mailbox child `times` times; the ns of each, from the ring to the answer.
 * `floor` (the arguments `--floor <libnpshm> <bytes>`) makes it the floor's child; `warm`
 * attaches the child makes at the first request, untimed.
 */
async function mailboxHandoffs(
  name: string,
  times: number,
  floor: string[],
  warm = 0,
): Promise<number[]> {
  using mailbox = createSharedArray(undefined, {
    shape: [MAILBOX_BYTES],
    dtype: "uint8",
    track: true,
  });
  const bytes = mailbox.data as Uint8Array;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, WORDS);
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      ...["mailbox", mailbox.name, "--warm", String(warm), ...floor],
    ],
    stdin: "null",
    stdout: "null",
  }).spawn();
  try {
    const { written } = encoder.encodeInto(name, bytes.subarray(NAME_AT));
    words[LENGTH] = written;
    const ns: number[] = [];
    for (let i = 1; i <= times + 1; i++) {
      const start = performance.now();
      ring(words, ASKED, i);
      awaitWord(words, ANSWERED, i);
      const took = (performance.now() - start) * 1e6;
      if (words[ANSWER] !== 2) throw new Error(`the child answered ${words[ANSWER]}, not 2`);
      if (i > 1) ns.push(took); // the first one loads the library (and warms the child)
      awaitWord(words, CLOSED, i);
      await new Promise((r) => setTimeout(r, ASLEEP_MS));
    }
    return ns;
  } finally {
    ring(words, ASKED, -1);
    await proc.status;
  }
}

/** The C hand-off (handoff.c) of the `bytes`-byte array `name`, `times` times. */
async function cHandoffs(exe: string, name: string, bytes: number, times: number) {
  const out = await new Deno.Command(exe, { args: [name, String(bytes), String(times)] }).output();
  if (!out.success) throw new Error(`handoff.c failed: ${decoder.decode(out.stderr)}`);
  return (JSON.parse(decoder.decode(out.stdout)) as { handoffNs: number[] }).handoffNs;
}

/** What the parent runs besides npshm: the floor's library and the C program, if given. */
interface Floors {
  library?: string;
  cExe?: string;
}

async function parent(mib: number, handoffs: number, pipes: number, floors: Floors) {
  const bytes = mib * 2 ** 20;
  const name = `npshm-bench-handoff-${Deno.pid}`;
  // Tracked: the name goes with this process, however it ends.
  using array = createSharedArray(name, { shape: [bytes], dtype: "uint8", fill: 1, track: true });
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "child"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = proc.stdin.getWriter();
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const line = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the child exited");
      buffered += value;
    }
    const at = buffered.indexOf("\n");
    const text = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return text;
  };
  const timed = async (send: () => Promise<void>, expect: string): Promise<number> => {
    const start = performance.now();
    await send();
    const got = await line();
    const ns = (performance.now() - start) * 1e6;
    if (got !== expect) throw new Error(`the child answered ${got}, not ${expect}`);
    return ns;
  };
  try {
    const handoffNs: number[] = [];
    for (let i = 0; i < handoffs + 1; i++) {
      const ns = await timed(() => writer.write(encoder.encode(`attach ${name}\n`)), "2");
      if (i > 0) handoffNs.push(ns); // the first one loads the library
    }
    const pipeNs: number[] = [];
    const data = array.data as Uint8Array;
    for (let i = 0; i < pipes; i++) {
      pipeNs.push(
        await timed(async () => {
          await writer.write(encoder.encode(`pipe ${bytes}\n`));
          await writer.write(data);
        }, "ok"),
      );
    }
    const mailboxNs = await mailboxHandoffs(name, handoffs, []);
    const warmNs = await mailboxHandoffs(name, handoffs, [], WARM_ATTACHES);
    const { library, cExe } = floors;
    const floor = library ? ["--floor", library, String(bytes)] : undefined;
    const floorNs = floor && await mailboxHandoffs(name, handoffs, floor);
    const floorWarmNs = floor && await mailboxHandoffs(name, handoffs, floor, WARM_ATTACHES);
    const cNs = cExe && await cHandoffs(cExe, name, bytes, handoffs);
    const all = { bytes, handoffNs, mailboxNs, warmNs, floorNs, floorWarmNs, cNs, pipeNs };
    console.log(JSON.stringify(all));
  } finally {
    await writer.close();
    await proc.status;
  }
}

/** Takes `--<flag> <value>` out of `args`: its value, if it was there. */
function option(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args.splice(at, 2)[1];
}

if (import.meta.main) {
  const args = [...Deno.args];
  const floors = { library: option(args, "--floor"), cExe: option(args, "--c") };
  const warm = Number(option(args, "--warm") ?? 0);
  const [mode, ...rest] = args;
  if (mode === "child") await child();
  else if (mode === "mailbox") {
    const attach = floors.library
      ? floorAttach(floors.library, Number(rest[1]))
      : (name: string) => attachSharedArray(name);
    mailboxChild(rest[0], attach, warm);
  } else await parent(Number(mode), Number(rest[0]), Number(rest[1]), floors);
}
