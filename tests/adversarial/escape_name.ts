// Attack (issue 12, item 9): a segment whose name holds terminal escape sequences (any user can
// make one in /dev/shm, or a named mapping on Windows). `npshm ls` and `npshm info` must print
// the name escaped, never raw.
// Arg: NAME (a name without control characters; they are appended here). Plants a valid NPY
// segment under that name, then runs both commands; their output goes to stdout.
import process from "node:process";
import { main } from "../../cli.ts";
import { npyHeader, plant } from "./_attack.ts";

const name = `${process.argv[process.argv.length - 1]}\x1b[2J\x1b]0;pwned\x07\u202e`;
using _planted = plant(name, new Uint8Array([...npyHeader("'|u1'", [4]), 1, 2, 3, 4]));
const ls = await main(["ls"]);
const info = await main(["info", name]);
const missing = await main(["info", `${name}-missing`]); // the error message names it too
console.log(`status ${ls} ${info} ${missing}`);
