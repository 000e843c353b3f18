/**
 * Deno's permissions, asked without prompting: npshm reads a few places on its own initiative
 * (the environment, its folders, a folder it tidies), and asking for one there would stop an
 * attach or a save at a prompt. Elsewhere (Node, Bun) everything is granted.
 *
 * @example
 * ```ts
 * import { granted } from "./granted.ts";
 * if (granted({ name: "read", path: "/data" })) console.log("may list /data");
 * ```
 * @module
 */

/** One Deno permission, as `Deno.permissions.querySync` takes it. */
export interface PermissionDescriptor {
  name: string;
  variable?: string;
  kind?: string;
  path?: string;
}

interface DenoPermissions {
  querySync(d: PermissionDescriptor): { state: string };
}
const denoPermissions = (globalThis as unknown as { Deno?: { permissions: DenoPermissions } }).Deno
  ?.permissions;

/**
 * Whether every one of `wanted` is granted already: on Deno without asking, elsewhere true.
 *
 * @example
 * ```ts
 * granted({ name: "env", variable: "HOME" }, { name: "sys", kind: "uid" });
 * ```
 */
export function granted(...wanted: PermissionDescriptor[]): boolean {
  return denoPermissions === undefined ||
    wanted.every((d) => denoPermissions.querySync(d).state === "granted");
}
