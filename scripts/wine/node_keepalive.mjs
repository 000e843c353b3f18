/**
 * Preloaded (`--import`) into Node for Windows in the matrix's wine run, and nowhere else.
 * Wine's Winsock fails every connect of a socket whose TCP keep-alive was set before it
 * connected ("connect UNKNOWN", even to 127.0.0.1); Windows does not. Node's `fetch()` (undici)
 * sets it right after `net.connect`, so no download could run under wine. Here keep-alive is
 * set once the socket has connected instead, which changes nothing a test checks: the download
 * code of `ffi/fetch.ts` runs as it is, against the tests' loopback server.
 *
 * @example
 * ```sh
 * NODE_OPTIONS="--import file:///Z:/path/to/node_keepalive.mjs" wine node.exe --test ...
 * ```
 * @module
 */
import net from "node:net";

const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function (...args) {
  if (!this.connecting) return setKeepAlive.apply(this, args);
  this.once("connect", () => setKeepAlive.apply(this, args));
  return this;
};
