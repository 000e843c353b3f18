// Attack (issue 12, item 2): close an array while a native call still works on its memory off
// the JS thread, drop it and collect garbage; then let the call finish. Run with the GC exposed.
//   lock NAME   lockAsync() while another process holds the lock (the test kills it later)
//   wait NAME   waitAsync() on element 0 (the test then sets it and notifies)
// close() ends both at once with ClosedError (its cancel word wakes the native call), so the
// memory is never touched after close. Prints "pending" once closed and collected, then the
// outcome: "lock ClosedError" or "wait ClosedError".
import process from "node:process";
import { attachSharedArray, ClosedError, waitAsync } from "../../mod.ts";

const [mode, name] = process.argv.slice(-2);
const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
const collectGarbage = g.Bun ? () => g.Bun!.gc(true) : g.gc;
if (!collectGarbage) throw new Error("run with the GC exposed (--expose-gc)");

function start(): Promise<string> {
  const a = attachSharedArray(name, { validateDtype: "int32" });
  const pending = mode === "lock"
    ? a.lockAsync().then(
      () => "lock acquired after close?!",
      (err) => err instanceof ClosedError ? "lock ClosedError" : `lock ${err}`,
    )
    : waitAsync(a.data as Int32Array, 0, 0, 30_000).then(
      (r) => `wait ${r} after close?!`,
      (err) => err instanceof ClosedError ? "wait ClosedError" : `wait ${err}`,
    );
  a.close(); // the array and its views are unreachable once this returns
  return pending;
}

const outcome = start();
for (let i = 0; i < 5; i++) {
  collectGarbage();
  await new Promise((r) => setTimeout(r, 20));
}
console.log("pending");
console.log(await outcome);
