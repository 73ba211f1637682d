/**
 * `http.ClientRequest`: an outgoing request on a socket from an agent (or a
 * one-off connection), and the response parsed off that socket. Event order,
 * errors ("socket hang up", "aborted") and socket reuse follow Node's
 * lib/_http_client.js.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import { finished } from "node:stream";
import { urlToHttpOptions } from "node:url";
import { createConnection, type Socket } from "../net/socket.ts";
import {
  connResetException,
  ERR_HTTP_HEADERS_SENT,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_HTTP_TOKEN,
  ERR_INVALID_PROTOCOL,
  ERR_INVALID_URL,
  ERR_UNESCAPED_CHARACTERS,
} from "../errors.ts";
import { getTimerDuration, validateBoolean, validateInteger } from "../validators.ts";
import { nodeConstructor } from "../constructor.ts";
import { httpFlags } from "../node_flags.ts";
import { checkIsHttpToken } from "./headers.ts";
import {
  checkHttpValidation,
  initOutgoingMessage,
  kOutHeaders,
  kUniqueHeaders,
  OutgoingMessage,
  OutgoingMessageMethods,
  parseUniqueHeadersOption,
} from "./outgoing.ts";
import { IncomingMessage } from "./incoming.ts";
import { allocClientParser, type ClientParser } from "./client_parser.ts";
import { agentProxyConfig, getGlobalAgent } from "./agent.ts";
import { checkShouldUseProxy } from "./proxy.ts";

/**
 * The options of `http.request()` / `new http.ClientRequest()` (Node's
 * `RequestOptions`: `host`, `port`, `path`, `method`, `headers`, `agent`,
 * `timeout`, `signal`, ...), as a plain object.
 */
// deno-lint-ignore no-explicit-any
export type AnyOptions = Record<string, any>;
/** What a request needs from an agent. */
export interface AgentLike {
  addRequest(req: ClientRequest, options: AnyOptions): void;
  defaultPort?: number;
  protocol?: string;
  keepAlive?: boolean;
  maxSockets?: number;
  options?: AnyOptions;
}

const kError: unique symbol = Symbol("error");
const kPath: unique symbol = Symbol("path");
const INVALID_PATH = /[^\u0021-\u00ff]/;

function validateHost(host: unknown, name: string): string | undefined | null {
  if (host !== null && host !== undefined && typeof host !== "string") {
    throw new ERR_INVALID_ARG_TYPE(`options.${name}`, ["string", "undefined", "null"], host);
  }
  return host;
}

/**
 * The methods of `http.ClientRequest`; `ClientRequest` below is the
 * Node-style constructor sharing this prototype.
 */
class ClientRequestMethods extends OutgoingMessageMethods {
  declare agent: AgentLike | undefined;
  declare method: string;
  declare [kPath]: string;
  declare host: string;
  declare protocol: string;
  declare socketPath: string | undefined;
  declare timeout: number | undefined;
  declare maxHeaderSize: number | undefined;
  declare insecureHTTPParser: boolean | undefined;
  /** The request's `httpValidation` option (Node 26.3 / 24.19), if given. */
  declare httpValidation: "strict" | "relaxed" | "insecure" | undefined;
  declare joinDuplicateHeaders: boolean | undefined;
  declare res: IncomingMessage | null;
  declare aborted: boolean;
  declare timeoutCb: (() => void) | null;
  declare upgradeOrConnect: boolean;
  declare parser: ClientParser | null;
  declare maxHeadersCount: number | null;
  declare reusedSocket: boolean;
  declare _ended: boolean;
  declare [kError]: Error | undefined;

  /** The request target; checked on every assignment, since the head is
   * rendered later from whatever it holds then (CRLF injection otherwise). */
  get path(): string {
    return this[kPath];
  }

  set path(value: string) {
    if (INVALID_PATH.test(String(value))) throw new ERR_UNESCAPED_CHARACTERS("Request path");
    this[kPath] = value;
  }

  override _finish(): void {
    OutgoingMessage.prototype._finish.call(this);
  }

  override _implicitHeader(): void {
    if (this._header) throw new ERR_HTTP_HEADERS_SENT("render");
    this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, this[kOutHeaders]);
  }

  /** Deprecated in Node: destroys the request and emits 'abort'. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    process.nextTick(() => this.emit("abort"));
    this.destroy();
  }

  override destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    // Aborting: the rest of the response is of no interest.
    if (this.res) this.res._dump();
    this[kError] = err;
    this.socket?.destroy(err);
    return this;
  }

  /** Called by the agent (or the one-off path) with this request's socket. */
  onSocket(socket: Socket | null, err?: Error): void {
    process.nextTick(onSocketNT, this, socket, err);
  }

  override setTimeout(msecs: number, callback?: () => void): this {
    if (this._ended) return this;
    listenSocketTimeout(this);
    const ms = getTimerDuration(msecs, "msecs");
    if (callback) this.once("timeout", callback);
    if (this.socket) setSocketTimeout(this.socket, ms);
    else this.once("socket", (sock: Socket) => setSocketTimeout(sock, ms));
    return this;
  }

  clearTimeout(callback?: () => void): void {
    this.setTimeout(0, callback);
  }

  setNoDelay(noDelay?: boolean): void {
    this._deferToConnect("setNoDelay", [noDelay]);
  }

  setSocketKeepAlive(enable?: boolean, initialDelay?: number): void {
    this._deferToConnect("setKeepAlive", [enable, initialDelay]);
  }

  /** Runs a socket method once a writable socket is assigned. */
  _deferToConnect(method: string, args: unknown[]): void {
    const call = () => {
      // deno-lint-ignore no-explicit-any
      const socket = this.socket as any;
      socket[method](...args);
    };
    const onSocket = () => {
      if (this.socket!.writable) call();
      else this.socket!.once("connect", call);
    };
    if (!this.socket) this.once("socket", onSocket);
    else onSocket();
  }
}

function setSocketTimeout(sock: Socket, msecs: number): void {
  if (sock.connecting) sock.once("connect", () => sock.setTimeout(msecs));
  else sock.setTimeout(msecs);
}

function emitRequestTimeout(this: Socket): void {
  const req = this._httpMessage as ClientRequest | null;
  req?.emit("timeout");
}

function listenSocketTimeout(req: ClientRequest): void {
  if (req.timeoutCb) return;
  req.timeoutCb = emitRequestTimeout;
  if (req.socket) req.socket.once("timeout", emitRequestTimeout);
  else req.on("socket", (socket: Socket) => socket.once("timeout", emitRequestTimeout));
}

function onSocketNT(req: ClientRequest, socket: Socket | null, err?: Error): void {
  if (req.destroyed || err) {
    req.destroyed = true;
    const finish = (e?: Error | null) => {
      if (!req.aborted && !e) e = connResetException("socket hang up");
      if (e) req.emit("error", e);
      req._closed = true;
      req.emit("close");
    };
    if (socket) {
      if (!err && req.agent && !socket.destroyed) {
        socket.emit("free");
      } else {
        // finished() also listens for 'error', so an error the socket was
        // destroyed with reaches the request instead of going uncaught.
        finished(socket.destroy(err ?? req[kError]), (e) => {
          const code = (e as { code?: string } | null | undefined)?.code;
          finish((code === "ERR_STREAM_PREMATURE_CLOSE" ? null : e) || err);
        });
        return;
      }
    }
    finish(err ?? req[kError]);
    return;
  }
  attachSocket(req, socket!);
  req._flush();
}

/** Node's `tickOnSocket`: parser and socket listeners for this request. */
function attachSocket(req: ClientRequest, socket: Socket): void {
  const flags = httpFlags();
  // Node's calculateLenientFlags: httpValidation, when given, decides alone.
  const mode = req.httpValidation;
  const parser = allocClientParser(req, socket, {
    maxHeaderSize: req.maxHeaderSize || flags.maxHeaderSize,
    lenient: mode === undefined
      ? req.insecureHTTPParser ?? flags.insecureHTTPParser
      : mode === "insecure",
    relaxed: mode === "relaxed",
  });
  req.socket = socket;
  req.parser = parser;
  // deno-lint-ignore no-explicit-any
  (socket as any).parser = parser;
  socket._httpMessage = req;
  parser.listen();
  if (req.timeout !== undefined || req.agent?.options?.timeout) listenSocketTimeout(req);
  req.emit("socket", socket);
}

/**
 * `new URL(input)` with Node's failure: a TypeError coded ERR_INVALID_URL
 * carrying `input` (Deno's WHATWG URL throws one with neither).
 */
function parseUrl(input: string): URL {
  try {
    return new URL(input);
  } catch {
    throw new ERR_INVALID_URL(input);
  }
}

function initClientRequest(
  self: ClientRequest,
  input?: string | URL | AnyOptions,
  options?: AnyOptions | ((res: IncomingMessage) => void),
  cb?: (res: IncomingMessage) => void,
): void {
  // Symbol-keyed fields first, while the object has few properties: a later
  // keyed store makes the request a slow dictionary (see initOutgoingMessage).
  self[kError] = undefined;
  self[kPath] = "/";
  initOutgoingMessage(self);
  let opts: AnyOptions;
  let base: AnyOptions | null = null;
  if (typeof input === "string") base = urlToHttpOptions(parseUrl(input));
  else if (input instanceof URL) base = urlToHttpOptions(input);
  else {
    cb = options as typeof cb;
    options = input;
  }
  if (typeof options === "function") {
    cb = options as (res: IncomingMessage) => void;
    opts = base ?? {};
  } else {
    opts = Object.assign(base ?? {}, options);
  }
  const defaultAgent = (opts._defaultAgent ?? getGlobalAgent()) as AgentLike;
  let agent = opts.agent as AgentLike | false | null | undefined;
  if (agent === false) {
    const AgentClass = (defaultAgent as unknown as { constructor: new () => AgentLike })
      .constructor;
    agent = new AgentClass();
  } else if (agent === null || agent === undefined) {
    if (typeof opts.createConnection !== "function") agent = defaultAgent;
    opts.defaultPort = opts.defaultPort || agent?.defaultPort;
  } else if (typeof agent.addRequest !== "function") {
    throw new ERR_INVALID_ARG_TYPE(
      "options.agent",
      ["Agent-like Object", "undefined", "false"],
      agent,
    );
  }
  self.agent = agent ?? undefined;
  const protocol = opts.protocol || defaultAgent.protocol;
  const expectedProtocol = self.agent?.protocol ?? defaultAgent.protocol;
  if (opts.path) {
    if (INVALID_PATH.test(String(opts.path))) throw new ERR_UNESCAPED_CHARACTERS("Request path");
  }
  if (protocol !== expectedProtocol) throw new ERR_INVALID_PROTOCOL(protocol, expectedProtocol!);
  const defaultPort = opts.defaultPort || self.agent?.defaultPort;
  // Node writes the defaults back into the options the agent receives (but
  // keeps no `port` on the request: agent.getName(req) leaves it out).
  const port = opts.port = opts.port || defaultPort || 80;
  const host = self.host = opts.host = validateHost(opts.hostname, "hostname") ||
    validateHost(opts.host, "host") || "localhost";
  // setDefaultHeaders: false sends only what the caller sets: no Connection,
  // no body framing header, and no Host unless setHost asks for it.
  const setDefaults = opts.setDefaultHeaders !== false;
  const setHost = opts.setHost === undefined ? setDefaults : Boolean(opts.setHost);
  self.socketPath = opts.socketPath;
  if (opts.timeout !== undefined) self.timeout = getTimerDuration(opts.timeout, "timeout");
  const connectOptions: AnyOptions = { __proto__: null, ...opts };
  if (opts.signal) {
    watchSignal(self, opts.signal);
    delete connectOptions.signal;
  }
  setMethod(self, opts.method);
  if (opts.maxHeaderSize !== undefined) validateInteger(opts.maxHeaderSize, "maxHeaderSize", 0);
  self.maxHeaderSize = opts.maxHeaderSize;
  if (opts.insecureHTTPParser !== undefined) {
    validateBoolean(opts.insecureHTTPParser, "options.insecureHTTPParser");
  }
  self.insecureHTTPParser = opts.insecureHTTPParser;
  self.httpValidation = checkHttpValidation(opts.httpValidation, opts.insecureHTTPParser);
  if (opts.joinDuplicateHeaders !== undefined) {
    validateBoolean(opts.joinDuplicateHeaders, "options.joinDuplicateHeaders");
  }
  self.joinDuplicateHeaders = opts.joinDuplicateHeaders;
  self[kUniqueHeaders] = parseUniqueHeadersOption(opts.uniqueHeaders);
  self.path = opts.path || "/";
  if (cb) self.once("response", cb);
  const m = self.method;
  self.useChunkedEncodingByDefault = !(m === "GET" || m === "HEAD" || m === "DELETE" ||
    m === "OPTIONS" || m === "TRACE" || m === "CONNECT");
  self._ended = false;
  self.res = null;
  self.aborted = false;
  self.timeoutCb = null;
  self.upgradeOrConnect = false;
  self.parser = null;
  self.maxHeadersCount = null;
  self.reusedSocket = false;
  self.protocol = protocol;
  if (self.agent) {
    // Keep-alive only when the agent will really reuse the connection.
    const reuses = self.agent.keepAlive || Number.isFinite(self.agent.maxSockets);
    self._last = !reuses;
    self.shouldKeepAlive = Boolean(reuses);
  }
  if (!setDefaults) {
    self._removedConnection = true;
    self._removedContLen = true;
    self._removedTE = true;
  }
  storeRequestHeaders(self, opts, host, port, defaultPort, setHost);
  startConnect(self, connectOptions);
}

function setMethod(self: ClientRequest, method: unknown): void {
  if (method !== null && method !== undefined && typeof method !== "string") {
    throw new ERR_INVALID_ARG_TYPE("options.method", "string", method);
  }
  if (typeof method === "string" && method) {
    if (!checkIsHttpToken(method)) throw new ERR_INVALID_HTTP_TOKEN("Method", method);
    self.method = method.toUpperCase();
  } else {
    self.method = "GET";
  }
}

function storeRequestHeaders(
  self: ClientRequest,
  opts: AnyOptions,
  host: string,
  port: number | string,
  defaultPort: number | undefined,
  setHost: boolean,
): void {
  if (Array.isArray(opts.headers)) {
    rewriteForProxy(self, opts);
    self._storeHeader(`${self.method} ${self.path} HTTP/1.1\r\n`, opts.headers);
    return;
  }
  if (opts.headers) {
    for (const key of Object.keys(opts.headers)) self.setHeader(key, opts.headers[key]);
  }
  if (host && !self.getHeader("host") && setHost) {
    let hostHeader = host;
    // IPv6 literals go in brackets in the Host header (RFC 3986 3.2.2).
    const colon = hostHeader.indexOf(":");
    if (colon !== -1 && hostHeader.includes(":", colon + 1) && hostHeader.charCodeAt(0) !== 91) {
      hostHeader = `[${hostHeader}]`;
    }
    if (port && +port !== defaultPort) hostHeader += `:${port}`;
    self.setHeader("Host", hostHeader);
  }
  if (opts.auth && !self.getHeader("Authorization")) {
    self.setHeader("Authorization", `Basic ${Buffer.from(opts.auth).toString("base64")}`);
  }
  rewriteForProxy(self, opts);
  if (self.getHeader("expect")) {
    if (self._header) throw new ERR_HTTP_HEADERS_SENT("render");
    self._storeHeader(`${self.method} ${self.path} HTTP/1.1\r\n`, self[kOutHeaders]);
  }
}

/**
 * Node's rewriteForProxiedHttp: when the request's agent sends it through an
 * http proxy, the target goes in absolute form (built from the Host header
 * and the port), with `proxy-connection` and, for a proxy URL with
 * credentials, `proxy-authorization`. NO_PROXY hosts and Unix sockets are
 * left alone. (With an array of headers the added ones are not sent, as in
 * Node.)
 */
function rewriteForProxy(req: ClientRequest, opts: AnyOptions): void {
  if (req._header) return;
  const proxy = agentProxyConfig(req.agent);
  if (!proxy) return;
  if ((opts.protocol || req.agent!.protocol) !== "http:") return;
  if (!checkShouldUseProxy(proxy, opts)) return;
  if (proxy.auth) req.setHeader("proxy-authorization", proxy.auth);
  req.setHeader("proxy-connection", req.shouldKeepAlive ? "keep-alive" : "close");
  const target = new URL(req.path, `http://${req.getHeader("host") || "localhost"}`);
  if (opts.port) target.port = String(opts.port);
  req.path = target.href;
}

function startConnect(self: ClientRequest, opts: AnyOptions): void {
  if (self.agent) {
    self.agent.addRequest(self, opts);
    return;
  }
  self._last = true;
  self.shouldKeepAlive = false;
  const connect: AnyOptions = { ...opts };
  if (connect.socketPath) connect.path = connect.socketPath;
  else if (connect.path) connect.path = undefined;
  if (typeof connect.createConnection === "function") {
    let done = false;
    const oncreate = (err: Error | null, socket?: Socket) => {
      if (done) return;
      done = true;
      if (err) process.nextTick(() => self.emit("error", err));
      else self.onSocket(socket!);
    };
    try {
      const socket = connect.createConnection(connect, oncreate);
      if (socket) oncreate(null, socket);
    } catch (err) {
      oncreate(err as Error);
    }
    return;
  }
  self.onSocket(createConnection(connect));
}

function watchSignal(req: ClientRequest, signal: AbortSignal): void {
  const abort = () => req.destroy(abortError(signal));
  // As Node: an aborted signal destroys the request at once (its 'error'
  // still comes on a later tick, once the socket is handed over).
  if (signal.aborted) {
    abort();
    return;
  }
  signal.addEventListener("abort", abort, { once: true });
  req.once("close", () => signal.removeEventListener("abort", abort));
}

function abortError(signal: AbortSignal): Error {
  const err = new Error("The operation was aborted", { cause: signal.reason }) as Error & {
    code: string;
  };
  err.name = "AbortError";
  err.code = "ABORT_ERR";
  return err;
}

/** An outgoing HTTP request, as Node's `http.ClientRequest`. */
export type ClientRequest = ClientRequestMethods;

/** `http.ClientRequest`'s constructor: callable with or without `new`. */
export interface ClientRequestConstructor {
  /**
   * Creates a request (as `http.request()` does, without sending it): a URL
   * and/or options, and an optional 'response' listener.
   */
  new (
    input?: string | URL | AnyOptions,
    options?: AnyOptions | ((res: IncomingMessage) => void),
    cb?: (res: IncomingMessage) => void,
  ): ClientRequest;
  /** The same as with `new`, for old code that calls `ClientRequest()` plainly. */
  (
    input?: string | URL | AnyOptions,
    options?: AnyOptions | ((res: IncomingMessage) => void),
    cb?: (res: IncomingMessage) => void,
  ): ClientRequest;
  /** The prototype shared by every `http.ClientRequest`, for patching and `instanceof`. */
  readonly prototype: ClientRequest;
}

/**
 * An outgoing HTTP request, as Node's `http.ClientRequest`; `http.request()`
 * and `http.get()` create one. Nothing is sent before `end()`.
 *
 * @example
 * ```ts
 * import { ClientRequest, createServer } from "@x/node-http/http";
 *
 * const server = createServer((req, res) => res.end(req.method));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   const req = new ClientRequest({ host: "127.0.0.1", port, method: "POST" }, (res) => {
 *     res.setEncoding("utf8");
 *     res.on("data", (d) => console.log(d)); // POST
 *     res.on("end", () => server.close());
 *   });
 *   req.end("body");
 * });
 * ```
 */
export const ClientRequest: ClientRequestConstructor = nodeConstructor(
  "ClientRequest",
  ClientRequestMethods,
  OutgoingMessage,
  initClientRequest,
);

export { IncomingMessage };
