/**
 * `http.Server`: a `net.Server` whose connections speak HTTP/1. Options,
 * timeouts and connection bookkeeping live here; the per-connection state
 * machine is in `server_connection.ts`.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { clearInterval, setInterval } from "node:timers";
import { promisify } from "node:util";
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
import { type ResponseRequest, ServerResponse } from "./server_response.ts";
import { STATUS_CODES } from "./status_codes.ts";
import {
  checkHttpValidation,
  type OutgoingMessageOptions,
  parseUniqueHeadersOption,
} from "./outgoing.ts";
import { ServerConnection } from "./server_connection.ts";
import { loopNow } from "../net/clock.ts";
import { httpFlags } from "../node_flags.ts";

/**
 * What `createServer()` takes as its `IncomingMessage` option: the class
 * itself or a subclass (`class Req extends IncomingMessage {}`, which has no
 * call signature, only the construct one).
 *
 * @example
 * ```ts
 * import { createServer, get, IncomingMessage, type IncomingMessageClass } from "@x/node-http/http";
 *
 * class Traced extends IncomingMessage {
 *   readonly started = performance.now();
 * }
 * const TracedClass: IncomingMessageClass = Traced;
 * const server = createServer({ IncomingMessage: TracedClass }, (req, res) => {
 *   console.log(req instanceof Traced); // true
 *   res.end();
 * });
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get(`http://127.0.0.1:${port}/`, (res) => {
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 * });
 * ```
 */
export type IncomingMessageClass = new (
  socket?: Socket | null,
  options?: { highWaterMark?: number },
) => IncomingMessage;

/**
 * What `createServer()` takes as its `ServerResponse` option: the class
 * itself or a subclass.
 *
 * @example
 * ```ts
 * import { createServer, get, ServerResponse, type ServerResponseClass } from "@x/node-http/http";
 *
 * class Branded extends ServerResponse {
 *   override end(...args: Parameters<ServerResponse["end"]>): this {
 *     if (!this.headersSent) this.setHeader("X-Served-By", "node-http");
 *     return super.end(...args);
 *   }
 * }
 * const BrandedClass: ServerResponseClass = Branded;
 * const server = createServer({ ServerResponse: BrandedClass }, (_req, res) => res.end("hi"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get(`http://127.0.0.1:${port}/`, (res) => {
 *     console.log(res.headers["x-served-by"]); // node-http
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 * });
 * ```
 */
export type ServerResponseClass = new (
  req: ResponseRequest,
  options?: OutgoingMessageOptions,
) => ServerResponse;

/** Options of `http.createServer()`. */
export interface ServerOptions {
  /**
   * The class requests are created from; pass a subclass of
   * `http.IncomingMessage` to extend it. Default: `IncomingMessage`.
   */
  IncomingMessage?: IncomingMessageClass;
  /**
   * The class responses are created from; pass a subclass of
   * `http.ServerResponse` to extend it. Default: `ServerResponse`.
   */
  ServerResponse?: ServerResponseClass;
  /**
   * The largest request head (request line and headers) accepted, in bytes;
   * larger ones get 431. Default: `16384`, or `--max-http-header-size`.
   */
  maxHeaderSize?: number;
  /**
   * Parse leniently, accepting malformed requests the strict parser rejects.
   * Unsafe; avoid it. Default: `false`, or `--insecure-http-parser`.
   * Since Node 26.3 / 24.19, `true` also lets response header values hold
   * control characters other than NUL, CR and LF.
   */
  insecureHTTPParser?: boolean;
  /**
   * How strictly header values are checked (Node 26.3 / 24.19); may not be
   * given with `insecureHTTPParser`:
   * - `'strict'`: RFC 9110 field values (HTAB, SP, visible ASCII and
   *   0x80-0xFF), both in requests received and in response headers set.
   *   It also overrides `--insecure-http-parser`.
   * - `'relaxed'`: the Fetch standard's rule, which also allows control
   *   characters other than NUL, CR and LF in both directions. The parser
   *   stays strict otherwise (llhttp's relaxed header-value leniency).
   * - `'insecure'`: every parser leniency, as `insecureHTTPParser: true`,
   *   and the Fetch rule for response headers.
   *
   * Default: strict, unless `--insecure-http-parser` is set.
   */
  httpValidation?: "strict" | "relaxed" | "insecure";
  /**
   * Milliseconds a client has to send a whole request before the server
   * answers 408 and closes; `0` turns the limit off. Default: `300000`.
   */
  requestTimeout?: number;
  /**
   * Milliseconds a client has to send a complete request head; no more than
   * `requestTimeout`. Default: `60000` (or `requestTimeout`, if smaller).
   */
  headersTimeout?: number;
  /**
   * Milliseconds a kept-alive connection may wait idle for its next request
   * after a response has been sent; `0` turns it off. Default: `5000`.
   */
  keepAliveTimeout?: number;
  /**
   * Extra milliseconds added to `keepAliveTimeout` for the socket's own idle
   * timeout, so the server is not the side that races a client's reuse.
   * Default: `1000`.
   */
  keepAliveTimeoutBuffer?: number;
  /**
   * How often, in milliseconds, connections are checked against
   * `headersTimeout` and `requestTimeout`. Default: `30000`.
   */
  connectionsCheckingInterval?: number;
  /** Turn off Nagle's algorithm on every accepted connection. Default: `true`. */
  noDelay?: boolean;
  /**
   * Turn on TCP keep-alive on every accepted connection, as
   * `socket.setKeepAlive(true)` would. Default: `false`.
   */
  keepAlive?: boolean;
  /**
   * With `keepAlive`, how long (in milliseconds) a connection may sit idle
   * before the first keep-alive probe. Default: `0` (the system's setting).
   */
  keepAliveInitialDelay?: number;
  /**
   * Join repeated request headers with `, ` in `req.headers` for every name,
   * including those (Host, Content-Type, ...) whose duplicates are otherwise
   * dropped in favour of the first. Default: `false`.
   */
  joinDuplicateHeaders?: boolean;
  /**
   * Response header names to send only once: an array value of such a header
   * is joined with `; ` into a single line instead of one line per value.
   */
  uniqueHeaders?: (string | string[])[];
  /**
   * Answer 400 to an HTTP/1.1 request that has no Host header.
   * Default: `true`.
   */
  requireHostHeader?: boolean;
  /**
   * Sets both high-water marks of every connection's socket, and the
   * `highWaterMark` of its requests and responses.
   * Default: `stream.getDefaultHighWaterMark()`.
   */
  highWaterMark?: number;
  /**
   * Throw `ERR_HTTP_BODY_NOT_ALLOWED` when a body is written to a response
   * that cannot have one (a HEAD request, 204, 304) instead of dropping it
   * silently. Default: `false`.
   */
  rejectNonStandardBodyWrites?: boolean;
  /**
   * Decides, per request that asks to upgrade, whether it goes to 'upgrade'
   * (true) or is served as an ordinary request (false). Default: upgrade
   * when the server has an 'upgrade' listener.
   */
  shouldUpgradeCallback?: (this: HttpServer, req: IncomingMessage) => boolean;
  /**
   * Hand over requests that have neither Content-Length nor Transfer-Encoding
   * with their body stream already ended and closed: no 'data', 'end' or
   * 'close' is ever emitted on them, and `req.readableEnded` is `true`. Saves
   * the stream's life cycle on body-less requests (Node 24.12+/25.1+).
   * Default: `false`.
   */
  optimizeEmptyRequests?: boolean;
}

/** A `'request'` listener: called with each request and its response. */
// deno-lint-ignore no-explicit-any
export type RequestListener = (req: any, res: any) => void;

const kCheckTimer: unique symbol = Symbol("checkTimer");
/** Node keeps `optimizeEmptyRequests` behind a symbol, not as a property. */
export const kOptimizeEmptyRequests: unique symbol = Symbol("optimizeEmptyRequests");
/** The live HTTP connections of a server (timeouts, closeAllConnections). */
export const kConnections: unique symbol = Symbol("connections");

/**
 * The methods of `http.Server`; `Server` below is the Node-style constructor
 * sharing this prototype.
 */
class HttpServerMethods extends NetServer {
  declare IncomingMessageClass: IncomingMessageClass;
  declare ServerResponseClass: ServerResponseClass;
  declare maxHeaderSize: number | undefined;
  declare insecureHTTPParser: boolean | undefined;
  declare httpValidation: "strict" | "relaxed" | "insecure" | undefined;
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
  declare [kOptimizeEmptyRequests]: boolean;

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

  /**
   * Closes as `close()` does, resolving on 'close'. Unlike `net.Server`'s,
   * Node's http version does not check first: disposing of a server that is
   * not listening rejects with `ERR_SERVER_NOT_RUNNING`.
   */
  override async [Symbol.asyncDispose](): Promise<void> {
    await promisify(this.close).call(this);
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

  /**
   * With `captureRejections`, a rejected async 'request' listener gets a 500
   * (its headers dropped, so none leak) if nothing was sent yet, or else
   * destroys the response; other events go to `net.Server`'s handling.
   */
  override [EventEmitter.captureRejectionSymbol](
    err: Error,
    event: string,
    ...args: unknown[]
  ): void {
    if (event !== "request") {
      super[EventEmitter.captureRejectionSymbol](err, event, ...args);
      return;
    }
    const res = args[1] as ServerResponse;
    if (res.headersSent || res.writableEnded) {
      res.destroy();
      return;
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    res.end(STATUS_CODES[500]);
  }

  /** Node's periodic headersTimeout/requestTimeout check. */
  checkConnections(): void {
    const now = loopNow();
    let { headersTimeout, requestTimeout } = this;
    if (headersTimeout <= 0 && requestTimeout <= 0) return;
    // Set after construction (Fastify sets requestTimeout alone), headersTimeout
    // can be the larger; Node then swaps them, so the smaller bounds the headers.
    if (requestTimeout > 0 && headersTimeout > requestTimeout) {
      [headersTimeout, requestTimeout] = [requestTimeout, headersTimeout];
    }
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

/**
 * Node's `http._connectionListener`: called with an `http.Server` as `this`,
 * it serves HTTP on `socket` as if that server had accepted it (code hands
 * over sockets it sniffed or unwrapped itself this way).
 */
export function connectionListener(this: HttpServer, socket: Socket): void {
  onConnection.call(this, socket);
}

function onListening(this: HttpServer): void {
  // As in Node, each 'listening' starts the check afresh, and it runs even
  // when both timeouts are off now: they may be set after listen().
  stopChecks(this);
  const interval = this.connectionsCheckingInterval;
  if (interval <= 0) return;
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
  self[kOptimizeEmptyRequests] = optionalBoolean(
    options.optimizeEmptyRequests,
    "options.optimizeEmptyRequests",
  ) ?? false;
  self.insecureHTTPParser =
    optionalBoolean(options.insecureHTTPParser, "options.insecureHTTPParser") ??
      httpFlags().insecureHTTPParser;
  self.httpValidation = checkHttpValidation(options.httpValidation, options.insecureHTTPParser);
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
  /** Creates an HTTP server; `listener` is added as a 'request' listener. */
  new (options?: ServerOptions | RequestListener, listener?: RequestListener): HttpServer;
  /** The same as with `new`, for old code that calls `http.Server()` plainly. */
  (options?: ServerOptions | RequestListener, listener?: RequestListener): HttpServer;
  /** The prototype shared by every `http.Server`, for patching and `instanceof`. */
  readonly prototype: HttpServer;
}

/** An HTTP server, as Node's `http.Server`. */
export const HttpServer: HttpServerConstructor = nodeConstructor(
  "Server",
  HttpServerMethods,
  NetServer,
  initHttpServer,
);
