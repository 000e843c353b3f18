/**
 * Handing an array to a child process: by name (the child attaches it, zero-copy) against
 * piping its bytes to the child's stdin. One child runs throughout; the parent times, from
 * its side, a request and the child's one-line answer:
 *
 * - `attach NAME`: the child attaches NAME, reads element 0 and the last element, closes;
 * - `pipe BYTES`, then BYTES bytes of the array: the child reads them all, then answers.
 *
 * Prints one JSON object: `{ bytes, handoffNs: [...], pipeNs: [...] }`.
 *
 * ```sh
 * deno run -A bench/handoff.ts <MiB> <handoffs> <pipes>
 * ```
 *
 * @module
 */
import { attachSharedArray, createSharedArray } from "../mod.ts";

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

async function parent(mib: number, handoffs: number, pipes: number): Promise<void> {
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
    console.log(JSON.stringify({ bytes, handoffNs, pipeNs }));
  } finally {
    await writer.close();
    await proc.status;
  }
}

if (import.meta.main) {
  const [mode, ...rest] = Deno.args;
  if (mode === "child") await child();
  else await parent(Number(mode), Number(rest[0]), Number(rest[1]));
}
