/**
 * `http.IncomingMessage`: a request on the server or a response on the
 * client, as a Readable fed by the parser. Headers are built lazily from
 * `rawHeaders`, so a handler that never reads `headers` never pays for it.
 *
 * @module
 */
import { finished, Readable } from "node:stream";
import process from "node:process";
import type { Socket } from "../net/socket.ts";
import { addHeaderLine, addHeaderLineDistinct } from "./headers.ts";
import { nodeConstructor } from "../constructor.ts";

// deno-lint-ignore no-explicit-any
type Callback = (err?: any) => void;
type Headers = Record<string, string | string[]>;
type DistinctHeaders = Record<string, string[]>;

/** Hidden state kept off the public surface. */
export const kHeaders: unique symbol = Symbol("headers");
const kHeadersDistinct = Symbol("headersDistinct");
const kTrailers = Symbol("trailers");
const kTrailersDistinct = Symbol("trailersDistinct");
/** Called by the owner when the user wants more body: resume the socket. */
export const kOnRead: unique symbol = Symbol("onRead");

function buildHeaders(raw: string[], join: boolean): Headers {
  const headers: Headers = {};
  for (let i = 0; i < raw.length; i += 2) addHeaderLine(headers, raw[i], raw[i + 1], join);
  return headers;
}

function buildDistinct(raw: string[]): DistinctHeaders {
  const headers: DistinctHeaders = {};
  for (let i = 0; i < raw.length; i += 2) addHeaderLineDistinct(headers, raw[i], raw[i + 1]);
  return headers;
}

/**
 * The methods of `http.IncomingMessage`; `IncomingMessage` below is the
 * Node-style constructor sharing this prototype.
 */
class IncomingMessageMethods extends Readable {
  declare socket: Socket | null;
  declare httpVersionMajor: number;
  declare httpVersionMinor: number;
  declare httpVersion: string;
  declare complete: boolean;
  declare rawHeaders: string[];
  declare rawTrailers: string[];
  declare joinDuplicateHeaders: boolean;
  declare aborted: boolean;
  declare upgrade: boolean | null;
  declare url: string;
  declare method: string | null;
  declare statusCode: number | null;
  declare statusMessage: string | null;
  declare client: Socket | null;
  declare _consuming: boolean;
  declare _dumped: boolean;
  declare [kHeaders]: Headers | null;
  declare [kHeadersDistinct]: DistinctHeaders | null;
  declare [kTrailers]: Headers | null;
  declare [kTrailersDistinct]: DistinctHeaders | null;
  declare [kOnRead]: (() => void) | null;

  get connection(): Socket | null {
    return this.socket;
  }
  set connection(value: Socket | null) {
    this.socket = value;
  }

  get headers(): Headers {
    return this[kHeaders] ??= buildHeaders(this.rawHeaders, this.joinDuplicateHeaders);
  }
  set headers(value: Headers) {
    this[kHeaders] = value;
  }

  get headersDistinct(): DistinctHeaders {
    return this[kHeadersDistinct] ??= buildDistinct(this.rawHeaders);
  }
  set headersDistinct(value: DistinctHeaders) {
    this[kHeadersDistinct] = value;
  }

  get trailers(): Headers {
    return this[kTrailers] ??= buildHeaders(this.rawTrailers, this.joinDuplicateHeaders);
  }
  set trailers(value: Headers) {
    this[kTrailers] = value;
  }

  get trailersDistinct(): DistinctHeaders {
    return this[kTrailersDistinct] ??= buildDistinct(this.rawTrailers);
  }
  set trailersDistinct(value: DistinctHeaders) {
    this[kTrailersDistinct] = value;
  }

  /** Sets the socket's idle timeout; `callback` listens for 'timeout' on this message. */
  setTimeout(msecs: number, callback?: () => void): this {
    if (callback) this.on("timeout", callback);
    this.socket?.setTimeout(msecs);
    return this;
  }

  override _read(_size: number): void {
    if (!this._consuming) {
      // The first real read turns the stream's read-ahead back on (see
      // initIncomingMessage).
      readableState(this).readingMore = false;
      this._consuming = true;
    }
    // The body is pushed by the parser; asking for more only resumes the socket.
    this[kOnRead]?.();
  }

  override _destroy(err: Error | null, cb: Callback): void {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit("aborted");
    }
    const socket = this.socket;
    if (socket != null && !socket.destroyed && this.aborted) {
      destroyWithSocket(this, socket, err, cb);
      return;
    }
    process.nextTick(destroyed, this, err, cb);
  }

  /** Node's `_addHeaderLines`: folds raw pairs into `headers` or `trailers`. */
  _addHeaderLines(headers: string[], n: number): void {
    if (headers && headers.length) {
      const dest = this.complete ? this.trailers : this.headers;
      for (let i = 0; i < n; i += 2) {
        addHeaderLine(dest, headers[i], headers[i + 1], this.joinDuplicateHeaders);
      }
    }
  }

  /** Node's `_addHeaderLine` (kept for code that calls it). */
  _addHeaderLine(field: string, value: string, dest: Headers): void {
    addHeaderLine(dest, field, value, this.joinDuplicateHeaders);
  }

  /**
   * Node's `_dumpAndCloseReadable` (`optimizeEmptyRequests`): the stream is
   * marked ended, destroyed and closed with none of the events those bring,
   * so nothing is ever read or emitted, and a later destroy() is a no-op.
   */
  _dumpAndCloseReadable(): void {
    this._dumped = true;
    const state = readableState(this);
    state.ended = true;
    state.endEmitted = true;
    state.destroyed = true;
    state.closed = true;
    state.closeEmitted = true;
  }

  /** Node's `_addHeaderLineDistinct`: adds one value to a `headersDistinct`-style object. */
  _addHeaderLineDistinct(field: string, value: string, dest: DistinctHeaders): void {
    addHeaderLineDistinct(dest, field, value);
  }

  /** Throws the body away so the connection can move on. */
  _dump(): void {
    if (!this._dumped) {
      this._dumped = true;
      discard(this);
    }
  }
}

/** The work of `_dump()`, once `_dumped` is set. */
function discard(msg: IncomingMessage): void {
  msg.removeAllListeners("data");
  const state = readableState(msg);
  if (
    state.ended && msg.readableLength === 0 && plainEmitter(msg) &&
    msg.listenerCount("readable") === 0 && msg.listenerCount("resume") === 0 &&
    msg.listenerCount("end") === 0
  ) {
    // The whole body is in and read (a GET's, usually): nothing is left to
    // throw away, so 'end' is all that remains. resume() would get there
    // too, through several ticks and reads that find nothing. With nobody
    // listening for them (nor an `emit` of a subclass or patch), the
    // 'resume' it emits and the earlier 'end' cannot be told apart; 'close'
    // keeps its place.
    msg.read(0);
    return;
  }
  msg.resume();
}

const baseEmit = Readable.prototype.emit;

/** True when no subclass or patched `emit` sees the message's events. */
function plainEmitter(msg: IncomingMessage): boolean {
  return msg.emit === baseEmit && Object.getPrototypeOf(msg) === IncomingMessage.prototype;
}

/**
 * True when nothing can observe the message's stream events: no listener
 * at all, and no subclass or patched `emit`. Then the ticks a Readable
 * takes to announce its end carry nothing, and the functions below set the
 * state those ticks would leave directly.
 */
function unwatched(msg: IncomingMessage): boolean {
  return (msg as unknown as { _eventsCount?: number })._eventsCount === 0 && plainEmitter(msg);
}

/**
 * `push(null)` at the end of the body. For an unwatched message that is
 * neither flowing nor holding data, a Readable would only queue a tick
 * that emits 'readable' to nobody and then finds nothing to flow; this
 * leaves the state that tick would, without it. A listener added later
 * finds the stream ended, as it would after that tick.
 */
export function endOfBody(msg: IncomingMessage): void {
  const state = readableState(msg);
  if (
    !unwatched(msg) || state.flowing === true || state.length !== 0 || state.ended ||
    state.destroyed || state.decoder != null
  ) {
    msg.push(null);
    return;
  }
  state.reading = false;
  state.ended = true;
  state.needReadable = false;
  state.emittedReadable = false;
}

/**
 * `_dump()` of an unwatched message whose whole body is in and read: it is
 * marked dumped, and `endQuietly` must run in the next tick. False (nothing
 * done) when the message does not qualify; call `_dump()` then.
 */
export function dumpQuietly(msg: IncomingMessage): boolean {
  if (msg._dumped || !msg.complete || !unwatched(msg)) return false;
  const state = readableState(msg);
  if (!state.ended || state.length !== 0 || state.endEmitted || state.destroyed) return false;
  msg._dumped = true;
  return true;
}

/**
 * The tick after `dumpQuietly`: the message ends and, as `autoDestroy`
 * has it, is destroyed and closed. Node takes three more ticks for that,
 * emitting 'end' and 'close' to nobody. If something started watching in
 * between, the message is dumped the ordinary way instead.
 */
export function endQuietly(msg: IncomingMessage): void {
  const state = readableState(msg);
  if (
    !unwatched(msg) || !state.autoDestroy || !state.emitClose || state.length !== 0 ||
    state.endEmitted || state.destroyed || state.errored !== null
  ) {
    discard(msg);
    return;
  }
  state.endEmitted = true;
  state.destroyed = true;
  state.closed = true;
  state.closeEmitted = true;
}

/** The end of `_destroy`; for compatibility, Node emits 'error' only to existing listeners. */
function destroyed(msg: IncomingMessage, err: Error | null, cb: Callback): void {
  cb(msg.listenerCount("error") > 0 ? err : null);
}

/**
 * `_destroy` of an aborted message: its socket goes too, and it waits for
 * that as Node does, with `stream.finished()`. That settles once the
 * socket's stream is closed, which `destroy()` marks at once, not on the
 * socket's 'close' event, which waits for the handle: so the message's
 * 'close' comes before the request's, as on Node.
 */
function destroyWithSocket(
  msg: IncomingMessage,
  socket: Socket,
  err: Error | null,
  cb: Callback,
): void {
  socket.destroy(err ?? undefined);
  const cleanup = finished(socket, (e?: Error | null) => {
    cleanup();
    // A socket destroyed without an error "closed prematurely": no error here.
    const reason = e && (e as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE" ? e : null;
    process.nextTick(destroyed, msg, reason ?? err, cb);
  });
}

/** The flags of a Readable's state that this module sets or reads. */
interface ReadableFlags {
  readingMore: boolean;
  resumeScheduled: boolean;
  readableListening: boolean;
  ended: boolean;
  endEmitted: boolean;
  destroyed: boolean;
  closed: boolean;
  closeEmitted: boolean;
  reading: boolean;
  needReadable: boolean;
  emittedReadable: boolean;
  flowing: boolean | null;
  length: number;
  decoder: unknown;
  autoDestroy: boolean;
  emitClose: boolean;
  errored: unknown;
}

function readableState(msg: Readable): ReadableFlags {
  return (msg as unknown as { _readableState: ReadableFlags })._readableState;
}

/**
 * Node parses a request's body in a later callback than its head, and the
 * ticks the 'request' handler queued run in between: a handler that began
 * to read (a 'data' or 'readable' listener, resume(), pipe()) has had
 * `_read()` called by then, so the request counts as consumed even when its
 * whole body came in the packet with its head (and a response that ends
 * while it is paused leaves it undumped). This takes that effect, without
 * the tick, right after 'request' is emitted.
 */
export function markReadStarted(msg: IncomingMessage): void {
  if (msg._consuming) return;
  const state = readableState(msg);
  if (state.resumeScheduled || state.readableListening) {
    state.readingMore = false;
    msg._consuming = true;
  }
}

function initIncomingMessage(
  self: IncomingMessage,
  socket?: Socket | null,
  options?: { highWaterMark?: number },
): void {
  Readable.call(self, {
    highWaterMark: options?.highWaterMark ?? socket?.readableHighWaterMark,
  });
  // As Node: body bytes the parser pushes must not count as the user
  // reading. With read-ahead on, the stream would call _read() by itself,
  // marking the message consumed, and a response ending before the user
  // read the request would then not dump it.
  readableState(self).readingMore = true;
  // Node leaves both undefined when no socket is given, and code checks that.
  self.socket = socket as Socket | null;
  self.client = self.socket;
  // Unknown until a head is parsed: Node starts all three at null (typed as
  // @types/node has them), and a response built for such a message acts as
  // for HTTP/1.0 (no keep-alive, no default chunking).
  self.httpVersionMajor = null as unknown as number;
  self.httpVersionMinor = null as unknown as number;
  self.httpVersion = null as unknown as string;
  self.complete = false;
  self.rawHeaders = [];
  self.rawTrailers = [];
  self.joinDuplicateHeaders = false;
  self.aborted = false;
  self.upgrade = null;
  self.url = "";
  self.method = null;
  self.statusCode = null;
  self.statusMessage = null;
  self._consuming = false;
  self._dumped = false;
  self[kHeaders] = null;
  self[kHeadersDistinct] = null;
  self[kTrailers] = null;
  self[kTrailersDistinct] = null;
  self[kOnRead] = null;
}

/** An incoming HTTP message, as Node's `http.IncomingMessage`. */
export type IncomingMessage = IncomingMessageMethods;

/** `http.IncomingMessage`'s constructor: callable with or without `new`. */
export interface IncomingMessageConstructor {
  /** Creates a message read from `socket` (the server and client do this). */
  new (socket?: Socket | null, options?: { highWaterMark?: number }): IncomingMessage;
  /** The same as with `new`, for old code that calls `IncomingMessage()` plainly. */
  (socket?: Socket | null, options?: { highWaterMark?: number }): IncomingMessage;
  /** The prototype shared by every `http.IncomingMessage`, for subclassing and patching. */
  readonly prototype: IncomingMessage;
}

/**
 * An incoming HTTP message, as Node's `http.IncomingMessage`: the request a
 * server receives, or the response a client receives; a readable stream of
 * the body.
 *
 * @example
 * ```ts
 * import { createServer, get, IncomingMessage } from "@x/node-http/http";
 *
 * const server = createServer((req, res) => {
 *   console.log(req instanceof IncomingMessage, req.method, req.url); // true GET /hi
 *   res.end();
 * });
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get(`http://127.0.0.1:${port}/hi`, (res) => {
 *     console.log(res instanceof IncomingMessage, res.statusCode); // true 200
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 * });
 * ```
 */
export const IncomingMessage: IncomingMessageConstructor = nodeConstructor(
  "IncomingMessage",
  IncomingMessageMethods,
  Readable,
  initIncomingMessage,
);

/** What the parser reports of a head, as `applyHead` needs it. */
export interface ParsedHead {
  versionMajor: number;
  versionMinor: number;
  rawHeaders: string[];
  upgrade: boolean;
}

/**
 * Fills a new message from its parsed head, shared by server and client.
 * Like Node's parser (`maxHeaderPairs`), at most `maxHeadersCount` headers
 * are kept, 2000 unless set; 0 keeps them all.
 */
export function applyHead(
  msg: IncomingMessage,
  head: ParsedHead,
  maxHeadersCount: number | null | undefined,
  joinDuplicateHeaders: boolean | undefined,
): void {
  msg.httpVersionMajor = head.versionMajor;
  msg.httpVersionMinor = head.versionMinor;
  msg.httpVersion = `${head.versionMajor}.${head.versionMinor}`;
  const raw = head.rawHeaders;
  const max = typeof maxHeadersCount === "number" ? maxHeadersCount : 2000;
  if (max > 0 && raw.length > max * 2) raw.length = max * 2;
  msg.rawHeaders = raw;
  msg.upgrade = head.upgrade;
  msg.joinDuplicateHeaders = Boolean(joinDuplicateHeaders);
}
