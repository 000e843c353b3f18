/**
 * A release host on loopback for the loader's tests: serves files from a folder, and the
 * host's release build of the native library well or badly (tampered, truncated, stalled).
 * Node APIs only (`node:http`), so it runs in the test process on every runtime.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { RELEASE } from "../ffi/pinned.ts";
import { testFile } from "./_util.ts";

/** This platform, as the pins name it. */
export const target = `${process.platform}-${process.arch}`;

/** The pinned release build of this platform. */
export const build = RELEASE[target];

/**
 * The bytes of this platform's release build: the npm package's copy when the suite runs
 * against it, else the one `deno task test` built and checked (`native/build/dist/`).
 */
export function releaseBytes(): Uint8Array {
  const lib = target.startsWith("win32") ? "npshm.dll" : "libnpshm.so";
  const places = [
    testFile(`../node_modules/npshm/native/${target}/${lib}`),
    testFile(`../native/build/dist/${build.file}`),
  ];
  const found = places.find(existsSync);
  if (!found) throw new Error(`no release build: run deno task test (looked in ${places})`);
  return readFileSync(found);
}

/** How the server answers for the library: well, or in one of the ways downloads go wrong. */
export type Behaviour = (typeof BEHAVIOURS)[number];
const BEHAVIOURS = ["good", "slow", "tampered", "truncated", "stalled", "short", "long"] as const;

/** A running server: its base URL for the library, and how to stop it. */
export interface ReleaseServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Paths requested so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

function sendLibrary(res: ServerResponse, bytes: Uint8Array, how: Behaviour): void {
  const half = bytes.subarray(0, bytes.length >> 1);
  const length = { "content-type": "application/octet-stream" };
  if (how === "good" || how === "tampered") {
    const body = new Uint8Array(bytes);
    if (how === "tampered") body[body.length >> 1] ^= 0xff;
    res.writeHead(200, { ...length, "content-length": body.length }).end(body);
  } else if (how === "slow") {
    // Half now, the rest a second later: concurrent first runs overlap.
    res.writeHead(200, { ...length, "content-length": bytes.length }).write(half);
    setTimeout(() => res.end(bytes.subarray(half.length)), 1000);
  } else if (how === "short") {
    res.writeHead(200, { ...length, "content-length": half.length }).end(half);
  } else if (how === "long") {
    const body = new Uint8Array(bytes.length + 4096);
    body.set(bytes);
    res.writeHead(200, { ...length, "content-length": body.length }).end(body);
  } else {
    // Promise every byte, then send half (truncated) or none (stalled), and hang.
    res.writeHead(200, { ...length, "content-length": bytes.length });
    if (how === "truncated") res.write(half);
    else res.flushHeaders();
  }
}

/**
 * Serves `/<how>/<release file>` (the library, behaving as `how` says) and any other path
 * from `root` (if given), on 127.0.0.1 only.
 */
export async function startReleaseServer(root?: string): Promise<ReleaseServer> {
  const bytes = releaseBytes();
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const [, how, file] = path.split("/");
    if (file === build.file && BEHAVIOURS.includes(how as Behaviour)) {
      return sendLibrary(res, bytes, how as Behaviour);
    }
    const local = root && !path.includes("..") ? `${root}${path}` : "";
    if (local && existsSync(local) && /\.(ts|js)$/.test(local)) {
      res.writeHead(200, { "content-type": "application/typescript" }).end(readFileSync(local));
    } else res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
