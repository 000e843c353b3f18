// Attack (issue 12, item 1): attach, read, close in a tight loop. Every close() must unmap at
// once: mappings left for the garbage collector pile up to vm.max_map_count and the runtime
// aborts ("Zone Allocation failed"). Args: NAME COUNT ELEMENTS YIELD_EVERY (0: never yield).
// Prints the most /dev/shm mappings this process ever had at once (sampled every 1000 rounds).
import { readFileSync } from "node:fs";
import process from "node:process";
import { attachSharedArray, createSharedArray } from "../../mod.ts";

const [name, count, elements, yieldEvery] = process.argv.slice(-4).map((v, i) =>
  i === 0 ? v : Number(v)
) as [string, number, number, number];

function shmMappings(): number {
  return readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => l.includes("/dev/shm/"))
    .length;
}

using made = createSharedArray(name, {
  shape: [elements],
  dtype: "float64",
  fill: 1.5,
  unlinkOnClose: true,
});
let most = 0;
let sum = 0;
for (let i = 0; i < count; i++) {
  const a = attachSharedArray(name);
  sum += (a.data as Float64Array)[0];
  a.close();
  if (i % 1000 === 0) most = Math.max(most, shmMappings());
  if (yieldEvery > 0 && i % yieldEvery === 0) await new Promise((r) => setTimeout(r, 0));
}
if (sum !== 1.5 * count) throw new Error(`read ${sum}, expected ${1.5 * count}`);
console.log(`rounds=${count} most-mappings=${most} own=${made.size}`);
