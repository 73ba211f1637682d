/**
 * `http.IncomingMessage`: a request on the server or a response on the
 * client, as a Readable fed by the parser. Headers are built lazily from
 * `rawHeaders`, so a handler that never reads `headers` never pays for it.
 *
 * @module
 */
import { Readable } from "node:stream";
import process from "node:process";
import type { Socket } from "../net/socket.ts";
import { addHeaderLine, addHeaderLineDistinct } from "./headers.ts";

// deno-lint-ignore no-explicit-any
type Callback = (err?: any) => void;
type Headers = Record<string, string | string[]>;
type DistinctHeaders = Record<string, string[]>;

/** Hidden state kept off the public surface. */
export const kHeaders: unique symbol = Symbol("headers");
const kHeadersDistinct = Symbol("headersDistinct");
const kTrailers = Symbol("trailers");
const kTrailersDistinct = Symbol("trailersDistinct");
/** The number of raw header pairs that reach `headers` (maxHeadersCount). */
export const kHeadersCount: unique symbol = Symbol("headersCount");
/** Called by the owner when the user wants more body: resume the socket. */
export const kOnRead: unique symbol = Symbol("onRead");

function buildHeaders(raw: string[], limit: number, join: boolean): Headers {
  const headers: Headers = {};
  const n = limit > 0 ? Math.min(raw.length, limit * 2) : raw.length;
  for (let i = 0; i < n; i += 2) addHeaderLine(headers, raw[i], raw[i + 1], join);
  return headers;
}

function buildDistinct(raw: string[], limit: number): DistinctHeaders {
  const headers: DistinctHeaders = {};
  const n = limit > 0 ? Math.min(raw.length, limit * 2) : raw.length;
  for (let i = 0; i < n; i += 2) addHeaderLineDistinct(headers, raw[i], raw[i + 1]);
  return headers;
}

/**
 * An incoming HTTP message, as Node's `http.IncomingMessage`.
 */
export class IncomingMessage extends Readable {
  socket: Socket | null;
  httpVersionMajor = 1;
  httpVersionMinor = 1;
  httpVersion = "1.1";
  complete = false;
  rawHeaders: string[] = [];
  rawTrailers: string[] = [];
  joinDuplicateHeaders = false;
  aborted = false;
  upgrade: boolean | null = null;
  url = "";
  method: string | null = null;
  statusCode: number | null = null;
  statusMessage: string | null = null;
  client: Socket | null;
  _consuming = false;
  _dumped = false;
  [kHeaders]: Headers | null = null;
  [kHeadersDistinct]: DistinctHeaders | null = null;
  [kTrailers]: Headers | null = null;
  [kTrailersDistinct]: DistinctHeaders | null = null;
  [kHeadersCount] = 0;
  [kOnRead]: (() => void) | null = null;

  constructor(socket?: Socket | null, options?: { highWaterMark?: number }) {
    super({
      highWaterMark: options?.highWaterMark ?? socket?.readableHighWaterMark,
    });
    this.socket = socket ?? null;
    this.client = this.socket;
  }

  get connection(): Socket | null {
    return this.socket;
  }
  set connection(value: Socket | null) {
    this.socket = value;
  }

  get headers(): Headers {
    return this[kHeaders] ??= buildHeaders(
      this.rawHeaders,
      this[kHeadersCount],
      this.joinDuplicateHeaders,
    );
  }
  set headers(value: Headers) {
    this[kHeaders] = value;
  }

  get headersDistinct(): DistinctHeaders {
    return this[kHeadersDistinct] ??= buildDistinct(this.rawHeaders, this[kHeadersCount]);
  }
  set headersDistinct(value: DistinctHeaders) {
    this[kHeadersDistinct] = value;
  }

  get trailers(): Headers {
    return this[kTrailers] ??= buildHeaders(this.rawTrailers, 0, this.joinDuplicateHeaders);
  }
  set trailers(value: Headers) {
    this[kTrailers] = value;
  }

  get trailersDistinct(): DistinctHeaders {
    return this[kTrailersDistinct] ??= buildDistinct(this.rawTrailers, 0);
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
    if (!this._consuming) this._consuming = true;
    // The body is pushed by the parser; asking for more only resumes the socket.
    this[kOnRead]?.();
  }

  override _destroy(err: Error | null, cb: Callback): void {
    if (!this.readableEnded || !this.complete) {
      this.aborted = true;
      this.emit("aborted");
    }
    const socket = this.socket;
    if (socket !== null && !socket.destroyed && this.aborted) {
      socket.destroy(err ?? undefined);
      const onDone = () => {
        socket.off("close", onDone);
        process.nextTick(cb, err);
      };
      socket.once("close", onDone);
      return;
    }
    process.nextTick(cb, err);
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

  /** Throws the body away so the connection can move on. */
  _dump(): void {
    if (!this._dumped) {
      this._dumped = true;
      this.removeAllListeners("data");
      this.resume();
    }
  }
}
