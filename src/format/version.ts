/**
 * The version of npshm, as in `deno.json` (a test keeps the two equal). The CLI prints it and
 * the native library is stamped with it.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION); // "0.1.0"
 * ```
 * @module
 */

/**
 * The version of this copy of npshm.
 *
 * @example
 * ```ts
 * if (VERSION.startsWith("0.")) console.warn(`npshm ${VERSION}: the API may still change`);
 * ```
 */
export const VERSION = "0.1.0";
