// A worker process of demo/main.ts. It does its block of rows in one of two ways:
//   worker.ts shared <name> <from> <to>   attach the parent's array by name, work in place
//   worker.ts copy <rows> <cols>          read the rows from stdin, send the results to stdout
import process from "node:process";
import { attachSharedArray } from "../mod.ts";
import { softmaxRows } from "./job.ts";

const [mode, ...args] = process.argv.slice(2);

if (mode === "shared") {
  const [name, from, to] = args;
  // Zero-copy: the rows are the parent's memory. Validating the dtype makes `data` a
  // Float64Array for TypeScript, and fails loudly if the name held something else.
  using matrix = attachSharedArray(name, { validateDtype: "float64" });
  softmaxRows(matrix.slice(Number(from), Number(to)).data, matrix.shape[1]);
} else if (mode === "copy") {
  const [rows, cols] = args.map(Number);
  const block = new Float64Array(rows * cols);
  const bytes = new Uint8Array(block.buffer);
  let received = 0;
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    bytes.set(chunk, received); // throws if the parent sends too much
    received += chunk.length;
  }
  if (received !== bytes.length) throw new Error(`got ${received} of ${bytes.length} bytes`);
  softmaxRows(block, cols);
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(bytes, (err) => err ? reject(err) : resolve())
  );
} else {
  throw new Error(`usage: worker.ts shared <name> <from> <to> | copy <rows> <cols>`);
}
