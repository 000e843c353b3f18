/**
 * The build, test and bench tools of `scripts/tools/package.json` (Zig, TypeScript, koffi,
 * Node, Bun, Vega), installed by `npm ci` into `scripts/tools/node_modules`.
 *
 * @example
 * ```ts ignore
 * import { ensureTools, TOOLS } from "./tools.ts";
 * await ensureTools();
 * console.log(`${TOOLS}/node_modules/typescript/bin/tsc`);
 * ```
 * @module
 */
import { fileURLToPath } from "node:url";

/** The folder of the tools' package.json. */
export const TOOLS: string = fileURLToPath(new URL("tools", import.meta.url));

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime();
  } catch {
    return undefined;
  }
}

/**
 * Runs `npm ci` in {@link TOOLS} unless its install is current. `npm ci` writes
 * `node_modules/.package-lock.json` last, so an install is current when that file is newer than
 * the lock file: a missing, half-done or older install (the lock file changed since, as when a
 * pull adds a tool) is made again.
 */
export async function ensureTools(): Promise<void> {
  const installed = await mtime(`${TOOLS}/node_modules/.package-lock.json`);
  const locked = await mtime(`${TOOLS}/package-lock.json`);
  if (installed !== undefined && locked !== undefined && installed >= locked) return;
  const { success, code } = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
    cwd: TOOLS,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!success) throw new Error(`npm ci in ${TOOLS} failed with exit code ${code}`);
}
