/**
 * Node's `net` module over Deno's and Bun's native sockets: TCP and Unix
 * stream servers and clients with Node's API, events and errors.
 *
 * @example Echo server and client
 * ```ts
 * import net, { type AddressInfo } from "@x/node-http/net";
 *
 * const server = net.createServer((socket) => socket.pipe(socket));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as AddressInfo;
 *   const client = net.connect(port, "127.0.0.1", () => client.end("hello"));
 *   client.on("data", (data) => console.log(String(data)));
 *   client.on("close", () => server.close());
 * });
 * ```
 *
 * @module
 */
import { createConnection, Socket, type SocketOptions } from "./_internal/net/socket.ts";
import { Server, type ServerOptions } from "./_internal/net/server.ts";
import {
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  normalizeArgs,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
} from "./_internal/net/normalize.ts";
import { isIP, isIPv4, isIPv6 } from "./_internal/net/ip.ts";
import { BlockList } from "./_internal/net/blocklist.ts";
import { SocketAddress } from "./_internal/net/socket_address.ts";
import { deprecate } from "node:util";

export {
  BlockList,
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  isIP,
  isIPv4,
  isIPv6,
  Server,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
  Socket,
  SocketAddress,
};
export type { ServerOptions, SocketOptions };
export type { ConnectionListener, ServerConstructor } from "./_internal/net/server.ts";
export type { KeepAliveOptions } from "./_internal/net/socket_keepalive.ts";
export type {
  ConnectionHandle,
  DoneCallback,
  NetAddress,
  OnRead,
  ReadCallback,
  SocketConstructor,
  TransportError,
} from "./_internal/net/socket.ts";
export type {
  AnyOptions,
  kNormalized,
  normalizeArgs,
  NormalizedArgs,
} from "./_internal/net/normalize.ts";
export type {
  Inspect,
  SocketAddressFamily,
  SocketAddressJSON,
} from "./_internal/net/socket_address.ts";

/** What `server.address()` and `socket.address()` return for TCP. */
export interface AddressInfo {
  /** The bound or connected IP address, e.g. `127.0.0.1` or `::`. */
  address: string;
  /** `'IPv4'` or `'IPv6'`. */
  family: string;
  /** The port number (the one the system picked, after listening on port 0). */
  port: number;
}

/**
 * `net.Stream`: the old name of {@link Socket}, kept for old code.
 *
 * @example
 * ```ts
 * import { Socket, Stream } from "@x/node-http/net";
 * console.log(Stream === Socket); // true
 * ```
 */
export const Stream: typeof Socket = Socket;

/**
 * Creates a TCP or Unix server (Node: `net.createServer([options][, connectionListener])`).
 *
 * @example
 * ```ts
 * import { createServer } from "@x/node-http/net";
 *
 * const server = createServer({ allowHalfOpen: false }, (socket) => socket.end("bye\n"));
 * server.listen(0, () => server.close());
 * ```
 */
export function createServer(
  options?: ServerOptions | ((socket: Socket) => void),
  connectionListener?: (socket: Socket) => void,
): Server {
  return new Server(options, connectionListener);
}

/**
 * Creates a socket and connects it (Node: `net.connect()` / `net.createConnection()`):
 * `(port[, host][, connectListener])`, `(path[, connectListener])` or
 * `(options[, connectListener])`. Errors arrive as 'error' events.
 *
 * @example
 * ```ts
 * import { connect, createServer, type AddressInfo } from "@x/node-http/net";
 *
 * const server = createServer((s) => s.end("hi"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as AddressInfo;
 *   const socket = connect({ port, host: "127.0.0.1" });
 *   socket.on("data", (d) => console.log(String(d)));
 *   socket.on("close", () => server.close());
 * });
 * ```
 */
export function connect(...args: unknown[]): Socket {
  return createConnection(...args);
}

/**
 * Same as {@link connect} (Node: `net.createConnection()`).
 *
 * @example
 * ```ts
 * import { createConnection, createServer, type AddressInfo } from "@x/node-http/net";
 *
 * const server = createServer((s) => s.end());
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as AddressInfo;
 *   createConnection(port, "127.0.0.1").on("close", () => server.close()).resume();
 * });
 * ```
 */
const createConnectionExport: typeof connect = connect;
export { createConnectionExport as createConnection };

/**
 * Node's internal `net._normalizeArgs`, which some libraries call.
 *
 * @example
 * ```ts
 * import { _normalizeArgs } from "@x/node-http/net";
 * console.log(_normalizeArgs([80, "example.com"])[0]); // { port: 80, host: "example.com" }
 * ```
 */
export const _normalizeArgs: typeof normalizeArgs = normalizeArgs;

const warnSimultaneousAccepts = deprecate(
  () => {},
  "net._setSimultaneousAccepts() is deprecated and will be removed.",
  "DEP0121",
);

/**
 * Node's `net._setSimultaneousAccepts(handle)` (DEP0121, removed in Node
 * 24), which old code still calls: it tuned accepting on Windows only, so
 * it does nothing here but warn once, as Node 12 to 23 did elsewhere.
 *
 * @example
 * ```ts
 * import { _setSimultaneousAccepts } from "@x/node-http/net";
 * _setSimultaneousAccepts(undefined); // one DeprecationWarning (DEP0121), then silence
 * ```
 */
export function _setSimultaneousAccepts(_handle?: unknown): void {
  warnSimultaneousAccepts();
}

/**
 * The module object: what Node code gets when it requires net.
 *
 * @example
 * ```ts
 * import net from "@x/node-http/net";
 *
 * const server = net.createServer((socket) => socket.end());
 * server.listen(0, () => server.close());
 * console.log(net.isIP("10.0.0.1")); // 4
 * ```
 */
const net = {
  BlockList,
  connect,
  createConnection: createConnectionExport,
  createServer,
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  isIP,
  isIPv4,
  isIPv6,
  Server,
  setDefaultAutoSelectFamily,
  setDefaultAutoSelectFamilyAttemptTimeout,
  Socket,
  SocketAddress,
  Stream,
  _normalizeArgs,
  _setSimultaneousAccepts,
};

export default net;
