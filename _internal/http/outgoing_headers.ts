/**
 * The headers of an outgoing message: the header store and its methods
 * (`setHeader`, `appendHeader`, `getHeaders`, ... installed on
 * `OutgoingMessage.prototype`), trailers, and the head as Node's
 * `OutgoingMessage#_storeHeader` builds it: the caller's headers in order,
 * then the framing Node adds on its own (Date, Connection / Keep-Alive,
 * Content-Length or Transfer-Encoding), deciding on the way how the body is
 * delimited and whether the connection outlives the message.
 *
 * The head is built by string concatenation; the only allocation per header
 * is the line itself.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { deprecate } from "node:util";
import {
  ERR_HTTP_HEADERS_SENT,
  ERR_HTTP_TRAILER_INVALID,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_CHAR,
} from "../errors.ts";
import { validateString } from "../validators.ts";
import { checkHeaderValue, checkInvalidHeaderChar, validateHeaderName } from "./headers.ts";
import { utcDate } from "./date.ts";

/** The header store: `{ lowercasename: [originalName, value] }`, null-prototype. */
export const kOutHeaders: unique symbol = Symbol("kOutHeaders");
/** Lowercase names whose array values are joined into one line (`uniqueHeaders`). */
export const kUniqueHeaders: unique symbol = Symbol("kUniqueHeaders");

/** A header value as `setHeader()` takes it. */
export type HeaderValue = number | string | readonly string[];
/** The header store's shape. */
export type HeaderStore = Record<string, [string, HeaderValue]>;
/** Headers as `_storeHeader()` / `writeHead()` take them. */
export type OutgoingHeaders =
  | HeaderStore
  | Record<string, HeaderValue | undefined>
  | readonly (readonly [string, HeaderValue])[]
  | readonly (string | HeaderValue)[];

/** The message fields the head reads and decides. */
export interface HeadTarget {
  [kOutHeaders]: HeaderStore | null;
  [kUniqueHeaders]: Set<string> | null;
  _header: string | null;
  _headerSent: boolean;
  _last: boolean;
  _contentLength: number | null;
  _hasBody: boolean;
  _removedConnection: boolean;
  _removedContLen: boolean;
  _removedTE: boolean;
  _defaultKeepAlive: boolean;
  _keepAliveTimeout: number;
  _maxRequestsPerSocket?: number;
  chunkedEncoding: boolean;
  shouldKeepAlive: boolean;
  useChunkedEncodingByDefault: boolean;
  maxRequestsOnConnectionReached: boolean;
  sendDate: boolean;
  statusCode?: number;
  agent?: unknown;
  _trailer: string;
  _send(data: string): boolean;
  _isLenientHeaderValidation(): boolean;
}

interface HeadState {
  connection: boolean;
  contLen: boolean;
  te: boolean;
  date: boolean;
  expect: boolean;
  trailer: boolean;
  header: string;
}

const kConnClose = /(?:^|\W)close(?:$|\W)/i;
const kTeChunked = /(?:^|\W)chunked(?:$|\W)/i;
// Bit n set: some framing header name is n characters long (date, expect,
// trailer, connection/keep-alive, content-length, transfer-encoding).
const kFramingLengths = (1 << 4) | (1 << 6) | (1 << 7) | (1 << 10) | (1 << 14) | (1 << 17);

/**
 * Node's `parseUniqueHeadersOption`: the `uniqueHeaders` option as a Set of
 * lowercase names, or null when it is not an array.
 */
export function parseUniqueHeadersOption(headers: unknown): Set<string> | null {
  if (!Array.isArray(headers)) return null;
  const unique = new Set<string>();
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i];
    if (typeof name !== "string") {
      throw new ERR_INVALID_ARG_TYPE(`options.uniqueHeaders[${i}]`, "string", name);
    }
    unique.add(name.toLowerCase());
  }
  return unique;
}

/** Builds `msg._header` from `firstLine` and `headers` (Node's `_storeHeader`). */
export function storeHead(
  msg: HeadTarget,
  firstLine: string,
  headers: OutgoingHeaders | null | undefined,
): void {
  const state: HeadState = {
    connection: false,
    contLen: false,
    te: false,
    date: false,
    expect: false,
    trailer: false,
    header: firstLine,
  };
  if (headers) addHeaders(msg, state, headers);
  let header = state.header;
  if (msg.sendDate && !state.date) header += "Date: " + utcDate() + "\r\n";
  // A 204 or 304 has no body; a chunked one would send a stray last-chunk
  // that proxies could take for the next response, so close instead.
  if (msg.chunkedEncoding && (msg.statusCode === 204 || msg.statusCode === 304)) {
    msg.chunkedEncoding = false;
    msg.shouldKeepAlive = false;
  }
  header += connectionHeaders(msg, state);
  if (!state.contLen && !state.te) header += bodyFraming(msg, state);
  if (msg.chunkedEncoding !== true && state.trailer) throw new ERR_HTTP_TRAILER_INVALID();
  msg._header = header + "\r\n";
  msg._headerSent = false;
  // Expect: 100-continue waits for the peer, so the head cannot wait for a body.
  if (state.expect) msg._send("");
}

function addHeaders(msg: HeadTarget, state: HeadState, headers: OutgoingHeaders): void {
  if (headers === msg[kOutHeaders]) {
    const store = headers as HeaderStore;
    for (const key in store) {
      const entry = store[key];
      processHeader(msg, state, entry[0], entry[1], false);
    }
  } else if (Array.isArray(headers)) {
    if (headers.length !== 0 && Array.isArray(headers[0])) {
      for (let i = 0; i < headers.length; i++) {
        const entry = headers[i] as [string, HeaderValue];
        processHeader(msg, state, entry[0], entry[1], true);
      }
    } else {
      if (headers.length % 2 !== 0) throw new ERR_INVALID_ARG_VALUE("headers", headers);
      for (let n = 0; n < headers.length; n += 2) {
        processHeader(msg, state, headers[n], headers[n + 1], true);
      }
    }
  } else {
    const record = headers as Record<string, unknown>;
    for (const key in record) {
      if (Object.hasOwn(record, key)) processHeader(msg, state, key, record[key], true);
    }
  }
}

function connectionHeaders(msg: HeadTarget, state: HeadState): string {
  if (msg._removedConnection) {
    // No Connection header goes out, yet an HTTP/1.1 connection persists.
    msg._last = !msg.shouldKeepAlive;
    return "";
  }
  if (state.connection) return "";
  const keepAlive = msg.shouldKeepAlive &&
    (state.contLen || msg.useChunkedEncodingByDefault || msg.agent);
  if (keepAlive && msg.maxRequestsOnConnectionReached) return "Connection: close\r\n";
  if (!keepAlive) {
    msg._last = true;
    return "Connection: close\r\n";
  }
  const timeout = msg._keepAliveTimeout;
  if (!timeout || !msg._defaultKeepAlive) return "Connection: keep-alive\r\n";
  const max = msg._maxRequestsPerSocket;
  return "Connection: keep-alive\r\nKeep-Alive: timeout=" + Math.floor(timeout / 1000) +
    (~~max! > 0 ? ", max=" + max : "") + "\r\n";
}

function bodyFraming(msg: HeadTarget, state: HeadState): string {
  if (!msg._hasBody) {
    msg.chunkedEncoding = false;
  } else if (!msg.useChunkedEncodingByDefault) {
    msg._last = true;
  } else if (!state.trailer && !msg._removedContLen && typeof msg._contentLength === "number") {
    return "Content-Length: " + msg._contentLength + "\r\n";
  } else if (!msg._removedTE) {
    msg.chunkedEncoding = true;
    return "Transfer-Encoding: chunked\r\n";
  } else {
    // Neither length nor chunking: only closing the connection ends the body.
    msg._last = true;
  }
  return "";
}

function processHeader(
  msg: HeadTarget,
  state: HeadState,
  key: unknown,
  value: unknown,
  validate: boolean,
): void {
  if (validate) validateHeaderName(key);
  const name = key as string;
  // RFC 6266 4.3: Node sends Content-Disposition through a latin1 Buffer
  // when the length is known, and writes whatever that stringifies to.
  if (name.length === 19 && msg._contentLength && name.toLowerCase() === "content-disposition") {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = Buffer.from(value[i], "latin1");
    } else {
      value = Buffer.from(value as string, "latin1");
    }
  }
  if (Array.isArray(value)) {
    const unique = msg[kUniqueHeaders];
    const isCookie = name.length === 6 && name.toLowerCase() === "cookie";
    if (
      (value.length < 2 || !isCookie) &&
      (unique === null || unique === undefined || !unique.has(name.toLowerCase()))
    ) {
      for (let i = 0; i < value.length; i++) storeLine(msg, state, name, value[i], validate);
      return;
    }
    value = value.join("; ");
  }
  storeLine(msg, state, name, value, validate);
}

function storeLine(
  msg: HeadTarget,
  state: HeadState,
  name: string,
  value: unknown,
  validate: boolean,
): void {
  if (validate) checkHeaderValue(name, value, msg);
  state.header += name + ": " + value + "\r\n";
  // Only the names below steer the framing; most others are ruled out by length.
  if (((kFramingLengths >>> name.length) & 1) === 0 || name.length > 31) return;
  switch (name.toLowerCase()) {
    case "connection":
      state.connection = true;
      msg._removedConnection = false;
      if (kConnClose.test(value as string)) msg._last = true;
      else msg.shouldKeepAlive = true;
      break;
    case "transfer-encoding":
      state.te = true;
      msg._removedTE = false;
      if (kTeChunked.test(value as string)) msg.chunkedEncoding = true;
      break;
    case "content-length":
      state.contLen = true;
      msg._contentLength = +(value as string);
      msg._removedContLen = false;
      break;
    case "date":
      state.date = true;
      break;
    case "expect":
      state.expect = true;
      break;
    case "trailer":
      state.trailer = true;
      break;
    case "keep-alive":
      msg._defaultKeepAlive = false;
      break;
  }
}

/**
 * Lower-cased header names, keyed by the name as the caller spells it:
 * frameworks set and read the same few names on every response, and a hit
 * spares the call a fresh string (Express's header work took 0.85 us per
 * response on Bun and 1.1 on Deno with a toLowerCase() per call, 0.34 and
 * 0.72 with this). Bounded in entries and name length, as names may come
 * from requests.
 */
const lowerNames = new Map<string, string>();
const kLowerNamesMax = 256;
const kLowerNameLength = 64;

function lowerName(name: string): string {
  let lower = lowerNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerNames.size < kLowerNamesMax && name.length <= kLowerNameLength) {
      lowerNames.set(name, lower);
    }
  }
  return lower;
}

/**
 * The prototype of every header store: empty and frozen, with nothing
 * above it, so no name (`__proto__` or `constructor` included) finds an
 * inherited value. `Object.create(null)` would do as much, but V8 makes
 * such objects hash tables from birth: on Deno 2.9.6, setting four headers
 * and walking them for the head took 253 ns that way and 29 ns on an object
 * whose prototype is this one (Bun: 31 and 40 ns).
 */
const kStoreProto: object = Object.freeze(Object.create(null));

function newStore(): HeaderStore {
  return Object.create(kStoreProto) as HeaderStore;
}

// --- the header API ------------------------------------------------------------
// Installed as methods of OutgoingMessage.prototype (see installHeaderMethods).

function setHeader(this: HeadTarget, name: string, value: HeaderValue): HeadTarget {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT("set");
  validateHeaderName(name);
  checkHeaderValue(name, value, this);
  let headers = this[kOutHeaders];
  if (headers === null) this[kOutHeaders] = headers = newStore();
  headers[lowerName(name)] = [name, value];
  return this;
}

function setHeaders(
  this: HeadTarget,
  headers: Headers | Map<string, HeaderValue>,
): HeadTarget {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT("set");
  const h = headers as unknown as Record<string, unknown> | null;
  if (!h || Array.isArray(h) || typeof h.keys !== "function" || typeof h.get !== "function") {
    throw new ERR_INVALID_ARG_TYPE("headers", ["Headers", "Map"], headers);
  }
  // A Headers object joins set-cookie with ", " through get(), which cannot
  // be split back safely; its iterator yields each cookie on its own.
  const cookies: string[] = [];
  for (const [key, value] of headers as Iterable<[string, HeaderValue]>) {
    if (key === "set-cookie") {
      if (Array.isArray(value)) cookies.push(...value);
      else cookies.push(value as string);
      continue;
    }
    setHeader.call(this, key, value);
  }
  if (cookies.length > 0) setHeader.call(this, "set-cookie", cookies);
  return this;
}

function appendHeader(this: HeadTarget, name: string, value: HeaderValue): HeadTarget {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT("append");
  validateHeaderName(name);
  checkHeaderValue(name, value, this);
  const field = lowerName(name);
  const headers = this[kOutHeaders];
  if (headers === null || !headers[field]) return setHeader.call(this, name, value);
  const entry = headers[field];
  if (!Array.isArray(entry[1])) entry[1] = [entry[1] as string];
  const values = entry[1] as unknown as (string | number)[];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) values.push(value[i]);
  } else {
    values.push(value as string);
  }
  return this;
}

function getHeader(this: HeadTarget, name: string): HeaderValue | undefined {
  validateString(name, "name");
  const headers = this[kOutHeaders];
  if (headers === null) return undefined;
  return headers[lowerName(name)]?.[1];
}

function getHeaderNames(this: HeadTarget): string[] {
  const headers = this[kOutHeaders];
  return headers !== null ? Object.keys(headers) : [];
}

function getRawHeaderNames(this: HeadTarget): string[] {
  const headers = this[kOutHeaders];
  if (headers === null) return [];
  const entries = Object.values(headers);
  const names = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) names[i] = entries[i][0];
  return names;
}

function getHeaders(this: HeadTarget): Record<string, HeaderValue> {
  const headers = this[kOutHeaders];
  const copy = Object.create(null) as Record<string, HeaderValue>;
  if (headers !== null) {
    const keys = Object.keys(headers);
    for (let i = 0; i < keys.length; i++) copy[keys[i]] = headers[keys[i]][1];
  }
  return copy;
}

function hasHeader(this: HeadTarget, name: string): boolean {
  validateString(name, "name");
  const headers = this[kOutHeaders];
  return headers !== null && !!headers[lowerName(name)];
}

function removeHeader(this: HeadTarget, name: string): void {
  validateString(name, "name");
  if (this._header) throw new ERR_HTTP_HEADERS_SENT("remove");
  const key = lowerName(name);
  // Removing a header Node would otherwise add keeps it out for good.
  switch (key) {
    case "connection":
      this._removedConnection = true;
      break;
    case "content-length":
      this._removedContLen = true;
      break;
    case "transfer-encoding":
      this._removedTE = true;
      break;
    case "date":
      this.sendDate = false;
      break;
  }
  const headers = this[kOutHeaders];
  if (headers !== null) delete headers[key];
}

function renderHeaders(this: HeadTarget): Record<string, HeaderValue> {
  if (this._header) throw new ERR_HTTP_HEADERS_SENT("render");
  const store = this[kOutHeaders];
  const headers: Record<string, HeaderValue> = {};
  if (store !== null) {
    const keys = Object.keys(store);
    for (let i = 0; i < keys.length; i++) {
      const entry = store[keys[i]];
      headers[entry[0]] = entry[1];
    }
  }
  return headers;
}

function addTrailers(
  this: HeadTarget,
  headers: Record<string, HeaderValue> | readonly (readonly [string, HeaderValue])[],
): void {
  this._trailer = "";
  const isList = Array.isArray(headers);
  const keys = Object.keys(headers);
  const unique = this[kUniqueHeaders];
  for (let i = 0; i < keys.length; i++) {
    let field: string;
    let value: HeaderValue;
    if (isList) {
      const pair = (headers as readonly (readonly [string, HeaderValue])[])[i];
      field = pair[0];
      value = pair[1];
    } else {
      field = keys[i];
      value = (headers as Record<string, HeaderValue>)[field];
    }
    validateHeaderName(field, "Trailer name");
    if (Array.isArray(value) && value.length > 1 && !unique?.has(field.toLowerCase())) {
      for (let j = 0; j < value.length; j++) {
        if (checkInvalidHeaderChar(value[j])) throw new ERR_INVALID_CHAR("trailer content", field);
        this._trailer += field + ": " + value[j] + "\r\n";
      }
    } else {
      if (Array.isArray(value)) value = value.join("; ");
      if (checkInvalidHeaderChar(value)) throw new ERR_INVALID_CHAR("trailer content", field);
      this._trailer += field + ": " + value + "\r\n";
    }
  }
}

const kDep0066 = "DEP0066";

function headersGetter(this: HeadTarget): Record<string, HeaderValue> {
  return getHeaders.call(this);
}

function headersSetter(this: HeadTarget, value: unknown): void {
  if (value == null) {
    this[kOutHeaders] = null;
  } else if (typeof value === "object") {
    const store = this[kOutHeaders] = newStore();
    for (const name of Object.keys(value)) {
      store[name.toLowerCase()] = [name, (value as Record<string, HeaderValue>)[name]];
    }
  }
}

function headerNamesGetter(this: HeadTarget): Record<string, string> | null {
  const store = this[kOutHeaders];
  if (store === null) return null;
  const names = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(store)) names[key] = store[key][0];
  return names;
}

function headerNamesSetter(this: HeadTarget, value: unknown): void {
  const store = this[kOutHeaders];
  if (typeof value !== "object" || value === null || store === null) return;
  for (const key of Object.keys(value)) {
    const entry = store[key];
    if (entry) entry[0] = (value as Record<string, string>)[key];
  }
}

/**
 * Puts the header API on `proto` as non-enumerable methods, like class
 * methods, plus Node's deprecated `_headers` / `_headerNames` accessors
 * (DEP0066, warned once by util.deprecate).
 */
export function installHeaderMethods(proto: object): void {
  const methods: Record<string, unknown> = {
    setHeader,
    setHeaders,
    appendHeader,
    getHeader,
    getHeaderNames,
    getRawHeaderNames,
    getHeaders,
    hasHeader,
    removeHeader,
    _renderHeaders: renderHeaders,
    addTrailers,
  };
  for (const name of Object.keys(methods)) {
    Object.defineProperty(proto, name, {
      value: methods[name],
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  const headersMsg = "OutgoingMessage.prototype._headers is deprecated";
  const namesMsg = "OutgoingMessage.prototype._headerNames is deprecated";
  Object.defineProperties(proto, {
    _headers: {
      configurable: true,
      get: deprecate(headersGetter, headersMsg, kDep0066),
      set: deprecate(headersSetter, headersMsg, kDep0066),
    },
    _headerNames: {
      configurable: true,
      get: deprecate(headerNamesGetter, namesMsg, kDep0066),
      set: deprecate(headerNamesSetter, namesMsg, kDep0066),
    },
  });
}
