// Attack (issue 12, item 9): a segment whose name holds terminal escape sequences (any user can
// make one in /dev/shm). `npshm ls` and `npshm info` must print the name escaped, never raw.
// Arg: NAME (a name without control characters; they are appended here). Plants a valid NPY
// segment under that name, then runs both commands; their output goes to stdout.
import { unlinkSync, writeFileSync } from "node:fs";
import process from "node:process";
import { main } from "../../cli.ts";
import { npyHeader } from "./_attack.ts";

const name = `${process.argv[process.argv.length - 1]}\x1b[2J\x1b]0;pwned\x07\u202e`;
writeFileSync(`/dev/shm/${name}`, new Uint8Array([...npyHeader("'|u1'", [4]), 1, 2, 3, 4]), {
  mode: 0o600,
});
try {
  const ls = await main(["ls"]);
  const info = await main(["info", name]);
  const missing = await main(["info", `${name}-missing`]); // the error message names it too
  console.log(`status ${ls} ${info} ${missing}`);
} finally {
  unlinkSync(`/dev/shm/${name}`);
}
