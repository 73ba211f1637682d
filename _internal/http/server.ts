/**
 * `http.Server`: a `net.Server` whose connections speak HTTP/1. Options,
 * timeouts and connection bookkeeping live here; the per-connection state
 * machine is in `server_connection.ts`.
 *
 * @module
 */
import { clearInterval, setInterval } from "node:timers";
import { Server as NetServer } from "../net/server.ts";
import type { Socket } from "../net/socket.ts";
import { ERR_OUT_OF_RANGE } from "../errors.ts";
import {
  validateBoolean,
  validateFunction,
  validateInteger,
  validateObject,
} from "../validators.ts";
import { nodeConstructor } from "../constructor.ts";
import { IncomingMessage } from "./incoming.ts";
import { ServerResponse } from "./server_response.ts";
import { parseUniqueHeadersOption } from "./outgoing.ts";
import { ServerConnection } from "./server_connection.ts";
import { httpFlags } from "../node_flags.ts";

/** Options of `http.createServer()`. */
export interface ServerOptions {
  IncomingMessage?: typeof IncomingMessage;
  ServerResponse?: typeof ServerResponse;
  maxHeaderSize?: number;
  insecureHTTPParser?: boolean;
  requestTimeout?: number;
  headersTimeout?: number;
  keepAliveTimeout?: number;
  keepAliveTimeoutBuffer?: number;
  connectionsCheckingInterval?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  joinDuplicateHeaders?: boolean;
  uniqueHeaders?: (string | string[])[];
  requireHostHeader?: boolean;
  highWaterMark?: number;
  rejectNonStandardBodyWrites?: boolean;
  shouldUpgradeCallback?: (this: HttpServer, req: IncomingMessage) => boolean;
}

// deno-lint-ignore no-explicit-any
type RequestListener = (req: any, res: any) => void;

const kCheckTimer: unique symbol = Symbol("checkTimer");
/** The live HTTP connections of a server (timeouts, closeAllConnections). */
export const kConnections: unique symbol = Symbol("connections");

/**
 * The methods of `http.Server`; `Server` below is the Node-style constructor
 * sharing this prototype.
 */
class HttpServerMethods extends NetServer {
  declare IncomingMessageClass: typeof IncomingMessage;
  declare ServerResponseClass: typeof ServerResponse;
  declare maxHeaderSize: number | undefined;
  declare insecureHTTPParser: boolean | undefined;
  declare requestTimeout: number;
  declare headersTimeout: number;
  declare keepAliveTimeout: number;
  /** Added to keepAliveTimeout for the socket's own idle timeout (Node 24.6+). */
  declare keepAliveTimeoutBuffer: number;
  declare connectionsCheckingInterval: number;
  declare requireHostHeader: boolean;
  declare joinDuplicateHeaders: boolean | undefined;
  declare rejectNonStandardBodyWrites: boolean;
  /** Decides whether a request asking to upgrade is handed to 'upgrade'. */
  declare shouldUpgradeCallback: (this: HttpServer, req: IncomingMessage) => boolean;
  declare httpAllowHalfOpen: boolean;
  declare timeout: number;
  declare maxHeadersCount: number | null;
  declare maxRequestsPerSocket: number;
  declare uniqueHeaders: Set<string> | null;
  /** Live HTTP connections (for timeouts and closeAllConnections). */
  declare [kConnections]: Set<ServerConnection>;
  declare [kCheckTimer]: ReturnType<typeof setInterval> | null;

  /** Sets the socket idle timeout for new connections; 'timeout' listeners decide. */
  setTimeout(msecs = 0, callback?: (socket: Socket) => void): this {
    this.timeout = msecs;
    if (callback) this.on("timeout", callback);
    return this;
  }

  /**
   * Stops accepting, closes idle keep-alive connections and stops the
   * timeout checks; 'close' follows once every connection has ended.
   */
  override close(cb?: (err?: Error) => void): this {
    stopChecks(this);
    this.closeIdleConnections();
    return super.close(cb);
  }

  /** Destroys every HTTP connection of this server. */
  closeAllConnections(): void {
    for (const conn of [...this[kConnections]]) conn.socket.destroy();
  }

  /** Destroys the connections that have no request in flight. */
  closeIdleConnections(): void {
    for (const conn of [...this[kConnections]]) {
      if (conn.idle) conn.socket.destroy();
    }
  }

  /** Node's periodic headersTimeout/requestTimeout check. */
  checkConnections(): void {
    const now = performance.now();
    const { headersTimeout, requestTimeout } = this;
    for (const conn of [...this[kConnections]]) {
      const start = conn.messageStart;
      if (start === 0) continue;
      const age = now - start;
      if (
        (headersTimeout > 0 && !conn.headersDone && age > headersTimeout) ||
        (requestTimeout > 0 && age > requestTimeout)
      ) {
        conn.expire();
      }
    }
  }
}

function stopChecks(server: HttpServer): void {
  const timer = server[kCheckTimer];
  if (timer !== null) {
    clearInterval(timer);
    server[kCheckTimer] = null;
  }
}

function onConnection(this: HttpServer, socket: Socket): void {
  const conn = new ServerConnection(this, socket);
  this[kConnections].add(conn);
}

function onListening(this: HttpServer): void {
  const interval = this.connectionsCheckingInterval;
  if (interval <= 0 || this[kCheckTimer] !== null) return;
  if (this.headersTimeout <= 0 && this.requestTimeout <= 0) return;
  const timer = setInterval(() => this.checkConnections(), interval);
  timer.unref();
  this[kCheckTimer] = timer;
}

function optionalInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  validateInteger(value, name, 0);
  return value as number;
}

function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined) validateBoolean(value, name);
  return value as boolean | undefined;
}

/** Node's `storeHTTPOptions` (shared with the client for the parser options). */
function storeOptions(self: HttpServer, options: ServerOptions): void {
  self.IncomingMessageClass = options.IncomingMessage ?? IncomingMessage;
  self.ServerResponseClass = options.ServerResponse ?? ServerResponse;
  if (options.maxHeaderSize !== undefined) {
    validateInteger(options.maxHeaderSize, "maxHeaderSize", 0);
  }
  self.maxHeaderSize = options.maxHeaderSize ?? httpFlags().maxHeaderSize;
  self.insecureHTTPParser =
    optionalBoolean(options.insecureHTTPParser, "options.insecureHTTPParser") ??
      httpFlags().insecureHTTPParser;
  self.requestTimeout = optionalInteger(options.requestTimeout, "requestTimeout", 300_000);
  self.headersTimeout = optionalInteger(
    options.headersTimeout,
    "headersTimeout",
    Math.min(60_000, self.requestTimeout),
  );
  if (
    self.requestTimeout > 0 && self.headersTimeout > 0 &&
    self.headersTimeout > self.requestTimeout
  ) {
    throw new ERR_OUT_OF_RANGE("headersTimeout", "<= requestTimeout", options.headersTimeout);
  }
  self.keepAliveTimeout = optionalInteger(options.keepAliveTimeout, "keepAliveTimeout", 5_000);
  self.keepAliveTimeoutBuffer = optionalInteger(
    options.keepAliveTimeoutBuffer,
    "keepAliveTimeoutBuffer",
    1_000,
  );
  self.connectionsCheckingInterval = optionalInteger(
    options.connectionsCheckingInterval,
    "connectionsCheckingInterval",
    30_000,
  );
  self.requireHostHeader =
    optionalBoolean(options.requireHostHeader, "options.requireHostHeader") ?? true;
  self.joinDuplicateHeaders = optionalBoolean(
    options.joinDuplicateHeaders,
    "options.joinDuplicateHeaders",
  );
  self.rejectNonStandardBodyWrites = optionalBoolean(
    options.rejectNonStandardBodyWrites,
    "options.rejectNonStandardBodyWrites",
  ) ?? false;
  const shouldUpgrade = options.shouldUpgradeCallback;
  if (shouldUpgrade !== undefined) {
    validateFunction(shouldUpgrade, "options.shouldUpgradeCallback");
    self.shouldUpgradeCallback = shouldUpgrade;
  } else {
    self.shouldUpgradeCallback = hasUpgradeListener;
  }
}

/** The default upgrade decision: upgrade when someone listens for it. */
function hasUpgradeListener(this: HttpServer): boolean {
  return this.listenerCount("upgrade") > 0;
}

function initHttpServer(
  self: HttpServer,
  options?: ServerOptions | RequestListener,
  requestListener?: RequestListener,
): void {
  let opts: ServerOptions;
  if (typeof options === "function") {
    requestListener = options;
    opts = {};
  } else if (options == null) {
    opts = {};
  } else {
    validateObject(options, "options");
    opts = options;
  }
  storeOptions(self, opts);
  NetServer.call(self, {
    allowHalfOpen: true,
    noDelay: opts.noDelay ?? true,
    keepAlive: opts.keepAlive,
    keepAliveInitialDelay: opts.keepAliveInitialDelay,
    highWaterMark: opts.highWaterMark,
  });
  if (requestListener) self.on("request", requestListener);
  self.httpAllowHalfOpen = false;
  self.timeout = 0;
  self.maxHeadersCount = null;
  self.maxRequestsPerSocket = 0;
  self.uniqueHeaders = parseUniqueHeadersOption(opts.uniqueHeaders);
  self[kConnections] = new Set();
  self[kCheckTimer] = null;
  self.on("connection", onConnection);
  self.on("listening", onListening);
}

/** An HTTP server, as Node's `http.Server`. */
export type HttpServer = HttpServerMethods;

/** `http.Server`'s constructor: callable with or without `new`. */
export interface HttpServerConstructor {
  new (options?: ServerOptions | RequestListener, listener?: RequestListener): HttpServer;
  (options?: ServerOptions | RequestListener, listener?: RequestListener): HttpServer;
  readonly prototype: HttpServer;
}

/** An HTTP server, as Node's `http.Server`. */
export const HttpServer: HttpServerConstructor = nodeConstructor(
  "Server",
  HttpServerMethods,
  NetServer,
  initHttpServer,
);
