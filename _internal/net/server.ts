/**
 * `net.Server`: listening on TCP or Unix sockets through the transport, with
 * Node's `listen()` overloads, bookkeeping of live connections and the
 * asynchronous error and close semantics Node code relies on.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import dns from "node:dns";
import process from "node:process";
import { deprecate, promisify } from "node:util";
import { getDefaultHighWaterMark } from "node:stream";
import type {
  ConnectionHandle,
  ListenerHandle,
  NetAddress,
  TransportError,
} from "../transport/types.ts";
import { isTransportError } from "../transport/types.ts";
import { transport } from "../transport/select.ts";
import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_SERVER_ALREADY_LISTEN,
  ERR_SERVER_NOT_RUNNING,
  errnoException,
  uvExceptionWithHostPort,
} from "../errors.ts";
import { validateAbortSignal, validateNumber, validatePort } from "../validators.ts";
import { BlockList } from "./blocklist.ts";
import { isIP } from "./ip.ts";
import { type AnyOptions, isPipeName, normalizeArgs, toNumber } from "./normalize.ts";
import { Socket } from "./socket.ts";
import { nodeConstructor } from "../constructor.ts";

/** Options of `net.createServer()`. */
export interface ServerOptions {
  /**
   * Keep an accepted socket writable after the peer has ended its side; when
   * false, the socket ends its own side as soon as the readable side ends.
   * Default: `false`.
   */
  allowHalfOpen?: boolean;
  /**
   * Hand each accepted socket to 'connection' paused, reading nothing until
   * `socket.resume()` is called. Default: `false`.
   */
  pauseOnConnect?: boolean;
  /** Turn off Nagle's algorithm on every accepted socket. Default: `false`. */
  noDelay?: boolean;
  /**
   * Turn on TCP keep-alive on every accepted socket, as
   * `socket.setKeepAlive(true)` would. Default: `false`.
   */
  keepAlive?: boolean;
  /**
   * With `keepAlive`, how long (in milliseconds) a socket may sit idle before
   * the first keep-alive probe. Default: `0` (the system's setting).
   */
  keepAliveInitialDelay?: number;
  /**
   * Sets both `readableHighWaterMark` and `writableHighWaterMark` of every
   * accepted socket. Default: `stream.getDefaultHighWaterMark()`.
   */
  highWaterMark?: number;
  /**
   * Connections from addresses this `net.BlockList` matches are dropped as
   * soon as they are accepted (the address seen is the direct peer's, so a
   * proxy or NAT in front defeats it).
   */
  blockList?: BlockList;
}

// Hidden server state and steps.
const kOwner: unique symbol = Symbol("owner");
const kAdopt: unique symbol = Symbol("adopt");
const kListenTcp: unique symbol = Symbol("listenTcp");
const kListenUnix: unique symbol = Symbol("listenUnix");
const kLookupAndListen: unique symbol = Symbol("lookupAndListen");
const kOnConnection: unique symbol = Symbol("onConnection");
const kReleasing: unique symbol = Symbol("releasing");
const kWatchSignal: unique symbol = Symbol("watchSignal");

type LookupEntry = { address: string; family: number };

function isLinkLocal(address: string): boolean {
  if (!address.includes(":")) return false;
  const first = parseInt(address.split(":", 1)[0] || "0", 16);
  return (first & 0xffc0) === 0xfe80;
}

/**
 * The listener's `onconnection`, Node's name and signature. A plain function
 * (the server is found through the handle), so replacing it on
 * `server._handle`, as Node's tests do, works.
 */
function onconnection(
  this: ListenerHandle & { [kOwner]?: Server },
  err: TransportError | null,
  conn: ConnectionHandle | null,
): void {
  const server = this[kOwner];
  if (server === undefined) {
    conn?.close();
    return;
  }
  if (err !== null) {
    server.emit("error", errnoException(err.code, "accept"));
    return;
  }
  server[kOnConnection](conn!);
}

/** A `'connection'` listener: called with each accepted socket. */
export type ConnectionListener = (socket: Socket) => void;

/**
 * Node's cluster workers share a port unless `exclusive` is set. Without
 * Node's private primary/worker handle passing, the kernel can share it:
 * SO_REUSEPORT, where the runtime offers it, balances connections across
 * the workers' own listeners.
 */
function sharesPortInCluster(exclusive: unknown): boolean {
  if (exclusive === true || !transport().capabilities.reusePort) return false;
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown })
    .getBuiltinModule;
  const cluster = getBuiltin?.("node:cluster") as { isWorker?: boolean } | undefined;
  return cluster?.isWorker === true;
}

function emitErrorNT(server: Server, err: Error): void {
  server.emit("error", err);
}

function emitListeningNT(server: Server): void {
  if (server._handle !== null) server.emit("listening");
}

function emitCloseNT(server: Server): void {
  server.emit("close");
}

/**
 * The methods of `net.Server`; `Server` below is the function constructor
 * sharing this prototype (old code calls `net.Server.call(this)`).
 */
class ServerMethods extends EventEmitter {
  declare _connections: number;
  declare _handle: ListenerHandle | null;
  declare _usingWorkers: boolean;
  declare _workers: unknown[];
  declare _unref: boolean;
  declare _listeningId: number;
  declare _pipeName: string | undefined;
  declare _connectionKey: string | undefined;
  declare allowHalfOpen: boolean;
  declare pauseOnConnect: boolean;
  declare noDelay: boolean;
  declare keepAlive: boolean;
  declare keepAliveInitialDelay: number;
  declare highWaterMark: number;
  declare blockList?: BlockList;
  /** Connections past this count are dropped ('drop' event). */
  declare maxConnections?: number;

  declare [kReleasing]: boolean;

  /**
   * Starts listening: `([port][, host][, backlog][, cb])`, `(path[, backlog][, cb])`
   * or `(options[, cb])`. Failures arrive as 'error' on the next tick.
   */
  listen(...args: unknown[]): this {
    const [normalized, cb] = normalizeArgs(args);
    if (this._handle !== null) throw new ERR_SERVER_ALREADY_LISTEN();
    if (cb !== null) this.once("listening", cb);
    const backlogFromArgs = toNumber(args.length > 1 && args[1]) ||
      toNumber(args.length > 2 && args[2]) || 0;
    let options: AnyOptions = normalized._handle || normalized.handle || normalized;
    this._listeningId++;
    this[kWatchSignal](options);
    if (typeof options.fd === "number" && options.fd >= 0) {
      const result = transport().listenFd?.(options.fd, options.backlog || backlogFromArgs || 511);
      if (result === undefined || isTransportError(result)) {
        // Without a runtime API for it (or on a bad descriptor): Node's EINVAL.
        const code = result?.code ?? "EINVAL";
        process.nextTick(emitErrorNT, this, uvExceptionWithHostPort(code, "listen"));
        return this;
      }
      this[kAdopt](result, `-1:fd:${options.fd}`);
      return this;
    }
    if (options !== normalized && !("port" in options) && !("path" in options)) {
      throw new ERR_INVALID_ARG_VALUE("options", options);
    }
    if (
      args.length === 0 || typeof args[0] === "function" ||
      (options.port === undefined && "port" in options) || options.port === null
    ) {
      options = { ...options, port: 0 };
    }
    if (typeof options.port === "number" || typeof options.port === "string") {
      const port = validatePort(options.port, "options.port") | 0;
      const backlog = options.backlog || backlogFromArgs;
      const flags = {
        ipv6Only: Boolean(options.ipv6Only),
        reusePort: Boolean(options.reusePort) || sharesPortInCluster(options.exclusive),
      };
      if (options.host) this[kLookupAndListen](port, options.host, backlog, flags);
      else this[kListenTcp](null, port, 4, backlog, flags);
      return this;
    }
    if (options.path && isPipeName(options.path)) {
      this._pipeName = options.path;
      this[kListenUnix](options.path, options.backlog || backlogFromArgs);
      const bits = (options.readableAll === true ? 0o444 : 0) |
        (options.writableAll === true ? 0o222 : 0);
      const handle = this._handle as ListenerHandle | null;
      if (bits !== 0 && handle !== null) {
        const err = handle.fchmod?.(bits) ?? null;
        if (err !== null) {
          handle.close();
          this._handle = null;
          throw errnoException(err.code, "uv_pipe_chmod");
        }
      }
      return this;
    }
    if (!("port" in options) && !("path" in options)) {
      throw new ERR_INVALID_ARG_VALUE(
        "options",
        options,
        'must have the property "port" or "path"',
      );
    }
    throw new ERR_INVALID_ARG_VALUE("options", options);
  }

  [kWatchSignal](options: AnyOptions): void {
    if (options?.signal === undefined) return;
    const signal: AbortSignal = options.signal;
    validateAbortSignal(signal, "options.signal");
    const onAbort = () => this.close();
    if (signal.aborted) {
      process.nextTick(onAbort);
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    this.once("close", () => signal.removeEventListener("abort", onAbort));
  }

  [kLookupAndListen](
    port: number,
    host: string,
    backlog: number,
    flags: { ipv6Only: boolean; reusePort: boolean },
  ): void {
    const family = isIP(host);
    if (family) {
      this[kListenTcp](host, port, family, backlog, flags);
      return;
    }
    const listeningId = this._listeningId;
    dns.lookup(host, { all: true }, (err: Error | null, addresses: LookupEntry[]) => {
      // close() (or another listen) since this lookup began makes it stale.
      if (this._listeningId !== listeningId) return;
      if (err) {
        this.emit("error", err);
        return;
      }
      // Like Node, prefer an address that is not IPv6 link-local (it would
      // need a scope id to bind).
      const chosen = addresses.find((a) => !isLinkLocal(a.address)) ?? addresses[0];
      const ip = chosen?.address;
      this[kListenTcp](ip ?? null, port, ip ? chosen.family : 4, backlog, flags);
    });
  }

  [kListenTcp](
    address: string | null,
    port: number,
    addressType: number,
    backlog: number,
    flags: { ipv6Only: boolean; reusePort: boolean },
  ): void {
    if (this._handle !== null) return;
    const t = transport();
    const open = (host: string) =>
      t.listenTcp({
        host,
        port,
        backlog: backlog || 511,
        reusePort: flags.reusePort,
        ipv6Only: flags.ipv6Only,
        exclusive: false,
      });
    let result: ReturnType<typeof open>;
    if (address === null) {
      // Like Node: the unspecified IPv6 address when the host has IPv6, else
      // IPv4. A taken port is no reason to fall back: libuv defers
      // EADDRINUSE from bind() to listen(), so Node reports it on "::".
      result = open("::");
      address = "::";
      addressType = 6;
      if (isTransportError(result) && result.code !== "EADDRINUSE") {
        result = open("0.0.0.0");
        address = "0.0.0.0";
        addressType = 4;
      }
    } else {
      result = open(address);
    }
    if (isTransportError(result)) {
      const err = uvExceptionWithHostPort(result.code, "listen", address, port);
      process.nextTick(emitErrorNT, this, err);
      return;
    }
    this[kAdopt](result, `${addressType}:${address}:${port}`);
  }

  [kListenUnix](path: string, backlog: number): void {
    const result = transport().listenUnix(path, backlog || 511);
    if (isTransportError(result)) {
      process.nextTick(emitErrorNT, this, uvExceptionWithHostPort(result.code, "listen", path, -1));
      return;
    }
    this[kAdopt](result, `-1:${path}:-1`);
  }

  [kAdopt](handle: ListenerHandle, key: string): void {
    this._handle = handle;
    this._connectionKey = key;
    (handle as ListenerHandle & { [kOwner]?: Server })[kOwner] = this;
    handle.onconnection = onconnection;
    if (this._unref) handle.unref();
    process.nextTick(emitListeningNT, this);
  }

  [kOnConnection](conn: ConnectionHandle): void {
    if (this.maxConnections != null && this._connections >= this.maxConnections) {
      this.emit("drop", dropInfo(conn));
      conn.close();
      return;
    }
    if (this.blockList) {
      const peer = conn.remoteAddress();
      if (peer !== null && typeof peer === "object") {
        const family = isIP(peer.address);
        if (family && this.blockList.check(peer.address, `ipv${family}`)) {
          conn.close();
          return;
        }
      }
    }
    const socket = new Socket({
      handle: conn,
      allowHalfOpen: this.allowHalfOpen,
      pauseOnConnect: this.pauseOnConnect,
      readable: true,
      writable: true,
      readableHighWaterMark: this.highWaterMark,
      writableHighWaterMark: this.highWaterMark,
      noDelay: this.noDelay,
      keepAlive: this.keepAlive,
      keepAliveInitialDelay: this.keepAliveInitialDelay * 1000,
    });
    // Looked up at call time: code patches these on the handle, as in Node.
    if (this.noDelay && conn.setNoDelay) conn.setNoDelay(true);
    if (this.keepAlive && conn.setKeepAlive) conn.setKeepAlive(true, this.keepAliveInitialDelay);
    this._connections++;
    socket.server = this;
    socket._server = this;
    this.emit("connection", socket);
  }

  /** `{ address, family, port }`, the path for a Unix socket, or null. */
  address(): NetAddress | string | null {
    if (this._handle !== null) return this._handle.address();
    if (this._pipeName) return this._pipeName;
    return null;
  }

  /**
   * Stops accepting connections; 'close' follows once every connection has
   * ended. Not listening: `cb` gets ERR_SERVER_NOT_RUNNING.
   */
  close(cb?: (err?: Error) => void): this {
    if (typeof cb === "function") {
      if (this._handle === null) {
        this.once("close", () => cb(new ERR_SERVER_NOT_RUNNING()));
      } else {
        this.once("close", cb);
      }
    }
    // A listen() still waiting for its lookup must not go ahead.
    this._listeningId++;
    const handle = this._handle;
    if (handle !== null) {
      this._handle = null;
      // 'close' waits until the port is really free, so a listen() made in
      // the 'close' handler cannot meet EADDRINUSE.
      this[kReleasing] = true;
      // Runs at once where the port is free at once: 'close' is then queued
      // here, as Node queues it, not after a promise job (on Bun, a tick
      // queued from one waits for the next I/O callback).
      handle.close(() => {
        this[kReleasing] = false;
        this._emitCloseIfDrained();
      });
    } else {
      this._emitCloseIfDrained();
    }
    return this;
  }

  _emitCloseIfDrained(): void {
    if (this._handle !== null || this._connections > 0 || this[kReleasing]) return;
    process.nextTick(emitCloseNT, this);
  }

  /** Calls back (asynchronously) with the number of live connections. */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    process.nextTick(cb, null, this._connections);
    return this;
  }

  get listening(): boolean {
    return this._handle !== null && this._connectionKey !== undefined;
  }

  ref(): this {
    this._unref = false;
    this._handle?.ref();
    return this;
  }

  unref(): this {
    this._unref = true;
    this._handle?.unref();
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this._handle === null) return;
    await promisify(this.close).call(this);
  }

  /**
   * With `captureRejections`, a rejected async 'connection' listener
   * destroys that connection with the error; other events' rejections
   * become the server's 'error', as in Node.
   */
  override [EventEmitter.captureRejectionSymbol](
    err: Error,
    event: string,
    ...args: unknown[]
  ): void {
    if (event === "connection") (args[0] as Socket).destroy(err);
    else this.emit("error", err);
  }
}

/** Node's `Server` constructor body. */
function initServer(
  self: Server,
  options?: ServerOptions | ConnectionListener,
  connectionListener?: ConnectionListener,
): void {
  EventEmitter.call(self);
  self._connections = 0;
  self._handle = null;
  self._usingWorkers = false;
  self._workers = [];
  self._unref = false;
  self._listeningId = 1;
  self._pipeName = undefined;
  self._connectionKey = undefined;
  self[kReleasing] = false;

  let opts: ServerOptions;
  if (typeof options === "function") {
    opts = {};
    self.on("connection", options);
  } else if (options == null || typeof options === "object") {
    opts = { ...options };
    if (typeof connectionListener === "function") self.on("connection", connectionListener);
  } else {
    throw new ERR_INVALID_ARG_TYPE("options", "Object", options);
  }
  if (opts.keepAliveInitialDelay !== undefined) {
    validateNumber(opts.keepAliveInitialDelay, "options.keepAliveInitialDelay");
    if (opts.keepAliveInitialDelay < 0) opts.keepAliveInitialDelay = 0;
  }
  if (opts.highWaterMark !== undefined) {
    validateNumber(opts.highWaterMark, "options.highWaterMark");
    if (opts.highWaterMark < 0) opts.highWaterMark = getDefaultHighWaterMark(false);
  }
  self.allowHalfOpen = opts.allowHalfOpen || false;
  self.pauseOnConnect = Boolean(opts.pauseOnConnect);
  self.noDelay = Boolean(opts.noDelay);
  self.keepAlive = Boolean(opts.keepAlive);
  self.keepAliveInitialDelay = ~~((opts.keepAliveInitialDelay ?? 0) / 1000);
  self.highWaterMark = opts.highWaterMark ?? getDefaultHighWaterMark(false);
  if (opts.blockList) {
    if (!BlockList.isBlockList(opts.blockList)) {
      throw new ERR_INVALID_ARG_TYPE("options.blockList", "net.BlockList", opts.blockList);
    }
    self.blockList = opts.blockList;
  }
}

/** A TCP or Unix socket server, as Node's `net.Server`. */
export type Server = ServerMethods;

/** `net.Server`'s constructor: callable with or without `new`. */
export interface ServerConstructor {
  /** Creates a server; `listener` is added as a 'connection' listener. */
  new (options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): Server;
  /** The same as with `new`, for old code that calls `net.Server()` plainly. */
  (options?: ServerOptions | ConnectionListener, listener?: ConnectionListener): Server;
  /** The prototype shared by every `net.Server`, for patching and `instanceof`. */
  readonly prototype: Server;
}

/**
 * A TCP or Unix socket server, as Node's `net.Server`.
 *
 * @example
 * ```ts
 * import { Server } from "@x/node-http/net";
 *
 * const server = new Server({ noDelay: true }, (socket) => socket.end("hi\n"));
 * server.listen(0, "127.0.0.1", () => {
 *   console.log(server.address()); // { address: "127.0.0.1", family: "IPv4", port: ... }
 *   server.close();
 * });
 * ```
 */
export const Server: ServerConstructor = nodeConstructor(
  "Server",
  ServerMethods,
  EventEmitter,
  initServer,
);

const warnConnections = deprecate(
  () => {},
  "Server.connections property is deprecated. Use Server.getConnections method instead.",
  "DEP0020",
);

Object.defineProperty(Server.prototype, "connections", {
  configurable: true,
  enumerable: false,
  get(this: Server) {
    warnConnections();
    return this._connections;
  },
  set(this: Server, value: number) {
    warnConnections();
    this._connections = value;
  },
});

function dropInfo(conn: ConnectionHandle): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null);
  const local = conn.localAddress();
  const remote = conn.remoteAddress();
  if (local !== null && typeof local === "object") {
    data.localAddress = local.address;
    data.localPort = local.port;
    data.localFamily = local.family;
  }
  if (remote !== null && typeof remote === "object") {
    data.remoteAddress = remote.address;
    data.remotePort = remote.port;
    data.remoteFamily = remote.family;
  }
  return data;
}
