/**
 * `http.ServerResponse`: the `OutgoingMessage` a server writes for each
 * request. It adds the status line (`writeHead`), interim responses (100,
 * 102, 103) and the socket hand-over the server uses to serve pipelined
 * requests in order (`assignSocket` / `detachSocket`).
 *
 * @module
 */
import { deprecate } from "node:util";
import {
  ERR_HTTP_HEADERS_SENT,
  ERR_HTTP_INVALID_STATUS_CODE,
  ERR_HTTP_SOCKET_ASSIGNED,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_CHAR,
} from "../errors.ts";
import { validateInteger, validateLinkHeaderValue, validateObject } from "../validators.ts";
import { nodeConstructor } from "../constructor.ts";
import {
  checkHeaderValue,
  checkInvalidHeaderChar,
  validateHeaderName,
  validateHeaderValue,
} from "./headers.ts";
import { STATUS_CODES } from "./status_codes.ts";
import {
  type HeaderValue,
  initOutgoingMessage,
  kOutHeaders,
  type MessageSocket,
  OutgoingMessage,
  OutgoingMessageMethods,
  type OutgoingMessageOptions,
} from "./outgoing.ts";
import type { HeadTarget, OutgoingHeaders } from "./outgoing_headers.ts";

/** What a response reads from its request. */
export interface ResponseRequest {
  /** The request method; a HEAD request gets a response without a body. */
  method?: string;
  /** The request's HTTP major version. */
  httpVersionMajor: number;
  /** The request's HTTP minor version; HTTP/1.0 changes keep-alive and framing. */
  httpVersionMinor: number;
  /** The request headers, by lowercase name (`connection`, `te`, ...). */
  headers: Record<string, string | string[] | undefined>;
  /** The request target. */
  url?: string;
}

/** Headers as `writeHead()` takes them: an object, or a flat or paired list. */
export type WriteHeadHeaders =
  | Record<string, HeaderValue | undefined>
  | readonly (string | HeaderValue)[]
  | readonly (readonly [string, HeaderValue])[];

const kTeChunked = /(?:^|\W)chunked(?:$|\W)/i;
// The last status message that passed the character check: nearly every
// response repeats it, so the check runs once per distinct message.
let lastCheckedMessage: string | undefined = "OK";

/** One validated `name: value` line. */
function informationLine(res: HeadTarget, name: unknown, value: unknown): string {
  validateHeaderName(name);
  checkHeaderValue(name, value, res);
  return `${name}: ${value}\r\n`;
}

/** The header lines of an interim response, from any shape `writeHead()` takes. */
function informationLines(res: HeadTarget, headers: WriteHeadHeaders | null | undefined): string {
  if (headers === undefined || headers === null) return "";
  let lines = "";
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as readonly (readonly [string, HeaderValue])[]) {
        lines += informationLine(res, pair[0], pair[1]);
      }
      return lines;
    }
    if (headers.length % 2 !== 0) throw new ERR_INVALID_ARG_VALUE("headers", headers);
    for (let i = 0; i < headers.length; i += 2) {
      lines += informationLine(res, headers[i], headers[i + 1]);
    }
    return lines;
  }
  validateObject(headers, "headers");
  const record = headers as Record<string, HeaderValue | undefined>;
  for (const name of Object.keys(record)) lines += informationLine(res, name, record[name]);
  return lines;
}

/**
 * Emits a response's 'close' once (Node's `emitCloseNT`). The server calls it
 * on the next tick after 'finish'; the socket's 'close' calls it too.
 */
export function emitResponseClose(res: ServerResponse): void {
  if (!res._closed) {
    res.destroyed = true;
    res._closed = true;
    res.emit("close");
  }
}

// A 'close' listener on the socket; `this` is the socket. A detached
// response is gone from `_httpMessage`, so a stale call does nothing.
function onServerResponseClose(this: MessageSocket): void {
  const res = this._httpMessage as ServerResponse | null | undefined;
  if (res) emitResponseClose(res);
}

/**
 * The methods of `http.ServerResponse`, on top of `OutgoingMessage`'s. Never
 * constructed itself; see `ServerResponse` below.
 */
class ServerResponseMethods extends OutgoingMessageMethods {
  declare req: ResponseRequest;
  declare statusCode: number;
  declare statusMessage: string | undefined;
  /** True once `100 Continue` went out. */
  declare _sent100: boolean;
  /** Set by the server when the request carried `Expect: 100-continue`. */
  declare _expect_continue: boolean;

  /** Makes `socket` this response's connection and flushes what was queued. */
  assignSocket(socket: MessageSocket): void {
    if (socket._httpMessage) throw new ERR_HTTP_SOCKET_ASSIGNED();
    socket._httpMessage = this;
    socket.on("close", onServerResponseClose);
    this.socket = socket;
    this.emit("socket", socket);
    this._flush();
  }

  /** Releases `socket` once the response has finished with it. */
  detachSocket(socket: MessageSocket): void {
    socket.removeListener("close", onServerResponseClose);
    socket._httpMessage = null;
    this.socket = null;
  }

  /**
   * Sends any interim `1xx` response (100-199 but 101, which only an
   * 'upgrade' answers) with optional headers, in the shapes `writeHead()`
   * takes; it may be called many times, but not once the final head is out
   * (ERR_HTTP_HEADERS_SENT). Node 26.2 / 24.18. `writeContinue()`,
   * `writeProcessing()` and `writeEarlyHints()` keep Node 25's behaviour.
   */
  writeInformation(
    statusCode: number,
    headers?: WriteHeadHeaders | null,
    cb?: () => void,
  ): boolean {
    if (this._header) throw new ERR_HTTP_HEADERS_SENT("write");
    validateInteger(statusCode, "statusCode", 100, 199);
    if (statusCode === 101) throw new ERR_HTTP_INVALID_STATUS_CODE(statusCode);
    const reason = STATUS_CODES[statusCode] || "unknown";
    const lines = informationLines(this, headers);
    return this._writeRaw(
      `HTTP/1.1 ${statusCode} ${reason}\r\n${lines}\r\n`,
      "ascii",
      cb,
    );
  }

  /** Sends `HTTP/1.1 100 Continue`. */
  writeContinue(cb?: () => void): void {
    this._writeRaw("HTTP/1.1 100 Continue\r\n\r\n", "ascii", cb);
    this._sent100 = true;
  }

  /** Sends `HTTP/1.1 102 Processing`. */
  writeProcessing(cb?: () => void): void {
    this._writeRaw("HTTP/1.1 102 Processing\r\n\r\n", "ascii", cb);
  }

  /** Sends `HTTP/1.1 103 Early Hints` with a Link header and any other hints. */
  writeEarlyHints(hints: Record<string, HeaderValue>, cb?: () => void): void {
    validateObject(hints, "hints");
    if (hints.link === null || hints.link === undefined) return;
    const link = validateLinkHeaderValue(hints.link);
    if (link.length === 0) return;
    // Everything here goes out verbatim, so CR or LF would split the message.
    if (checkInvalidHeaderChar(link)) throw new ERR_INVALID_CHAR("header content", "Link");
    let head = "HTTP/1.1 103 Early Hints\r\nLink: " + link + "\r\n";
    for (const key of Object.keys(hints)) {
      if (key === "link") continue;
      validateHeaderName(key);
      validateHeaderValue(key, hints[key]);
      head += key + ": " + hints[key] + "\r\n";
    }
    this._writeRaw(head + "\r\n", "ascii", cb);
  }

  override _implicitHeader(): void {
    this.writeHead(this.statusCode);
  }

  /**
   * Builds the head: `writeHead(status[, message][, headers])`. `headers` is
   * an object, a flat `[name, value, ...]` list or a list of pairs; with
   * headers already set, they are merged into them.
   */
  writeHead(
    statusCode: number,
    reason?: string | WriteHeadHeaders,
    obj?: WriteHeadHeaders,
  ): this {
    if (this._header) throw new ERR_HTTP_HEADERS_SENT("write");
    const original = statusCode;
    statusCode |= 0;
    if (statusCode < 100 || statusCode > 999) throw new ERR_HTTP_INVALID_STATUS_CODE(original);
    if (typeof reason === "string") {
      this.statusMessage = reason;
    } else {
      this.statusMessage ||= STATUS_CODES[statusCode] || "unknown";
      obj ??= reason;
    }
    this.statusCode = statusCode;
    let headers: OutgoingHeaders | undefined;
    if (this[kOutHeaders]) {
      mergeHeaders(this, obj);
      headers = this[kOutHeaders]!;
    } else {
      headers = obj as OutgoingHeaders | undefined;
    }
    const message = this.statusMessage;
    if (message !== lastCheckedMessage) {
      if (checkInvalidHeaderChar(message)) throw new ERR_INVALID_CHAR("statusMessage");
      if (typeof message === "string") lastCheckedMessage = message;
    }
    if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode <= 199)) {
      this._hasBody = false;
    }
    // A client still waiting for 100 Continue may send its body anyway, and
    // those bytes would be read as the next request.
    if (this._expect_continue && !this._sent100) this.shouldKeepAlive = false;
    this._storeHeader(`HTTP/1.1 ${statusCode} ${message}\r\n`, headers);
    return this;
  }

  /** Deprecated alias of `writeHead()` (DEP0063). */
  declare writeHeader: (
    statusCode: number,
    reason?: string | WriteHeadHeaders,
    obj?: WriteHeadHeaders,
  ) => this;
}

ServerResponseMethods.prototype.statusCode = 200;
ServerResponseMethods.prototype.statusMessage = undefined;
ServerResponseMethods.prototype.writeHeader = deprecate(
  ServerResponseMethods.prototype.writeHead,
  "ServerResponse.prototype.writeHeader is deprecated.",
  "DEP0063",
);

// writeHead() headers on top of setHeader() ones: a list replaces same-named
// headers but keeps its own duplicates; an object replaces name by name.
function mergeHeaders(res: ServerResponse, obj: WriteHeadHeaders | undefined): void {
  if (Array.isArray(obj)) {
    if (obj.length % 2 !== 0) throw new ERR_INVALID_ARG_VALUE("headers", obj);
    for (let n = 0; n < obj.length; n += 2) res.removeHeader(obj[n] as string);
    for (let n = 0; n < obj.length; n += 2) {
      const name = obj[n] as string;
      if (name) res.appendHeader(name, obj[n + 1] as HeaderValue);
    }
  } else if (obj) {
    const record = obj as Record<string, HeaderValue>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i];
      if (name) res.setHeader(name, record[name]);
    }
  }
}

/** Node's ServerResponse constructor body. */
function initServerResponse(
  self: ServerResponse,
  req: ResponseRequest,
  options?: OutgoingMessageOptions,
): void {
  initOutgoingMessage(self, options);
  if (req.method === "HEAD") self._hasBody = false;
  self.req = req;
  self.sendDate = true;
  self._sent100 = false;
  self._expect_continue = false;
  if (req.httpVersionMajor < 1 || req.httpVersionMinor < 1) {
    self.useChunkedEncodingByDefault = kTeChunked.test(req.headers.te as string);
    self.shouldKeepAlive = false;
  }
}

/** A server's response, as Node's `http.ServerResponse`. */
export type ServerResponse = ServerResponseMethods;

/** `http.ServerResponse`'s constructor: callable with or without `new`. */
export interface ServerResponseConstructor {
  /** Creates the response to `req` (the server does this for each request). */
  new (req: ResponseRequest, options?: OutgoingMessageOptions): ServerResponse;
  /** The same as with `new`, for old code that calls `ServerResponse()` plainly. */
  (req: ResponseRequest, options?: OutgoingMessageOptions): ServerResponse;
  /** The prototype shared by every `http.ServerResponse`, for subclassing and patching. */
  readonly prototype: ServerResponse;
}

/**
 * A server's response, as Node's `http.ServerResponse`.
 *
 * @example
 * ```ts
 * import { createServer, get, ServerResponse } from "@x/node-http/http";
 *
 * const server = createServer((_req, res) => {
 *   console.log(res instanceof ServerResponse); // true
 *   res.writeHead(404, { "Content-Type": "text/plain" });
 *   res.end("not found\n");
 * });
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get(`http://127.0.0.1:${port}/missing`, (res) => {
 *     console.log(res.statusCode, res.statusMessage); // 404 Not Found
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 * });
 * ```
 */
export const ServerResponse: ServerResponseConstructor = nodeConstructor(
  "ServerResponse",
  ServerResponseMethods,
  OutgoingMessage,
  initServerResponse,
);
