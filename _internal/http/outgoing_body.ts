/**
 * The body of an outgoing message, as Node's `write_` frames it: plain bytes
 * under Content-Length or close-delimited, `size CRLF data CRLF` chunks under
 * Transfer-Encoding: chunked (merged into one chunk while corked), the
 * strictContentLength check, and the no-body rule for HEAD, 204, 304 and 1xx.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import {
  ERR_HTTP_BODY_NOT_ALLOWED,
  ERR_HTTP_CONTENT_LENGTH_MISMATCH,
  ERR_INVALID_ARG_TYPE,
  ERR_STREAM_DESTROYED,
  ERR_STREAM_NULL_VALUES,
  ERR_STREAM_WRITE_AFTER_END,
} from "../errors.ts";
import type { MessageSocket, OutgoingMessage } from "./outgoing.ts";

/** Set when a write() returned false; the owner emits 'drain' and clears it. */
export const kNeedDrain: unique symbol = Symbol("kNeedDrain");
/** The queueing limit used while no socket is assigned (options.highWaterMark). */
export const kHighWaterMark: unique symbol = Symbol("kHighWaterMark");
/** options.rejectNonStandardBodyWrites: throw instead of dropping body writes. */
export const kRejectNonStandardBodyWrites: unique symbol = Symbol("kRejectNonStandardBodyWrites");
/** cork() calls not yet matched by uncork(). */
export const kCorked: unique symbol = Symbol("corked");
/** Chunks written while corked, as `chunk, encoding, callback` triples. */
export const kChunkedBuffer: unique symbol = Symbol("kChunkedBuffer");
/** Bytes in `kChunkedBuffer`. */
export const kChunkedLength: unique symbol = Symbol("kChunkedLength");
/** Body bytes written so far, counted for strictContentLength. */
export const kBytesWritten: unique symbol = Symbol("kBytesWritten");

/** A write callback: called with the write's error, if any. */
export type Callback = (err?: Error | null) => void;
/** A body chunk as write() takes it. */
export type Chunk = string | Uint8Array;
/** A chunk's encoding; null and undefined mean utf8. */
export type Encoding = BufferEncoding | null | undefined;

const kCrlf = Buffer.from("\r\n");

/** Does nothing: the callback of writes nobody waits for. */
export function nop(): void {}

function uncorkSocket(socket: MessageSocket): void {
  socket.uncork();
}

// Encodings whose strings can be joined with ASCII framing and written as one.
function isTextEncoding(encoding: Encoding): boolean {
  return !encoding || encoding === "utf8" || encoding === "utf-8" || encoding === "latin1";
}

function byteLengthOf(chunk: Chunk, encoding: Encoding): number {
  if (typeof chunk !== "string") return chunk.byteLength;
  if (!encoding || encoding === "utf8") {
    // Short bodies are mostly ASCII: counting here beats Deno's call out to
    // native code (about 0.15 µs).
    if (chunk.length <= 64) return shortUtf8Length(chunk);
    return Buffer.byteLength(chunk);
  }
  return Buffer.byteLength(chunk, encoding);
}

function shortUtf8Length(str: string): number {
  for (let i = 0; i < str.length; i++) {
    if (str.charCodeAt(i) >= 0x80) return Buffer.byteLength(str);
  }
  return str.length;
}

export function onError(msg: OutgoingMessage, err: Error, callback: Callback): void {
  if (msg.destroyed) return;
  process.nextTick(emitErrorNT, msg, err, callback);
}

function emitErrorNT(msg: OutgoingMessage, err: Error, callback: Callback): void {
  callback(err);
  if (typeof msg.emit === "function" && !msg.destroyed) msg.emit("error", err);
}

// strictContentLength applies only where the body length is really fixed.
export function hasStrictLength(msg: OutgoingMessage): boolean {
  return msg.strictContentLength && msg._contentLength != null && msg._hasBody &&
    !msg._removedContLen && !msg.chunkedEncoding && !msg.hasHeader("transfer-encoding");
}

/**
 * Node's `write_`. For `end(data)` (`fromEnd`), `callback` is the 'finish'
 * step (or null to leave it to end()) and the result says whether it rode
 * on the body's last socket write; otherwise the result is write()'s.
 */
export function writeChunk(
  msg: OutgoingMessage,
  chunk: Chunk,
  encoding: Encoding,
  callback: Callback | null | undefined,
  fromEnd: boolean,
): boolean {
  if (chunk === null) throw new ERR_STREAM_NULL_VALUES();
  if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
    throw new ERR_INVALID_ARG_TYPE("chunk", ["string", "Buffer", "Uint8Array"], chunk);
  }
  const cb = typeof callback === "function" && !fromEnd ? callback : nop;
  const ending = fromEnd && typeof callback === "function";
  if (msg.finished || msg.destroyed) {
    const err = msg.finished ? new ERR_STREAM_WRITE_AFTER_END() : new ERR_STREAM_DESTROYED("write");
    if (!msg.destroyed) onError(msg, err, cb);
    else process.nextTick(cb, err);
    return false;
  }
  let len = msg.strictContentLength ? countStrictBytes(msg, chunk, encoding, fromEnd) : -1;
  if (!msg._header) {
    if (fromEnd) msg._contentLength = len >= 0 ? len : (len = byteLengthOf(chunk, encoding));
    msg._implicitHeader();
  }
  if (!msg._hasBody) {
    if (msg[kRejectNonStandardBodyWrites]) throw new ERR_HTTP_BODY_NOT_ALLOWED();
    if (!fromEnd) process.nextTick(cb);
    return !fromEnd;
  }
  const socket = msg.socket;
  if (!fromEnd && socket !== null && !socket.writableCorked) {
    // Writes made in one tick leave together.
    socket.cork();
    process.nextTick(uncorkSocket, socket);
  }
  if (msg.chunkedEncoding && chunk.length === 0 && fromEnd) {
    // Nothing to frame; end() sends the last-chunk marker itself.
    return false;
  }
  if (msg.chunkedEncoding && chunk.length !== 0) {
    if (len < 0) len = byteLengthOf(chunk, encoding);
    if (msg[kCorked] && msg._headerSent) {
      msg[kChunkedBuffer].push(chunk, encoding, fromEnd ? null : cb);
      msg[kChunkedLength] += len;
      return fromEnd ? false : msg[kChunkedLength] < msg[kHighWaterMark];
    }
    const tail = ending ? "\r\n0\r\n" + msg._trailer + "\r\n" : "\r\n";
    const ret = sendChunk(msg, chunk, encoding, len, tail, ending ? callback! : cb);
    return fromEnd ? ending : ret;
  }
  const ret = msg._send(chunk, encoding, ending ? callback : cb);
  return fromEnd ? ending : ret;
}

// strictContentLength: counts the chunk's bytes (returned) and throws when
// they overrun the declared length, or miss it on end().
function countStrictBytes(
  msg: OutgoingMessage,
  chunk: Chunk,
  encoding: Encoding,
  fromEnd: boolean,
): number {
  const len = byteLengthOf(chunk, encoding);
  const total = msg[kBytesWritten] + len;
  const expected = msg._contentLength!;
  if (hasStrictLength(msg) && (fromEnd ? total !== expected : total > expected)) {
    throw new ERR_HTTP_CONTENT_LENGTH_MISMATCH(total, expected);
  }
  msg[kBytesWritten] = total;
  return len;
}

/**
 * One chunk of a chunked body: size line, data, then `tail` (CRLF, or CRLF
 * plus the last-chunk marker and trailers). Same bytes as Node's four
 * writes, in as few as the encodings allow.
 */
function sendChunk(
  msg: OutgoingMessage,
  chunk: Chunk,
  encoding: Encoding,
  len: number,
  tail: string,
  callback: Callback,
): boolean {
  // Code that wraps socket.write on the instance (to count or hold writes,
  // as instrumentation does) sees Node's own sequence of writes; the bytes
  // on the wire are the same either way.
  if (msg.socket !== null && Object.hasOwn(msg.socket, "write")) {
    return sendChunkAsNode(msg, chunk, encoding, len, tail, callback);
  }
  const sizeLine = len.toString(16) + "\r\n";
  // The trailer may hold latin1 bytes that a utf8 write would re-encode.
  const textual = typeof chunk === "string" && isTextEncoding(encoding) &&
    (tail.length === 2 || msg._trailer === "" || encoding === "latin1");
  if (textual && msg._headerSent) {
    return msg._send(sizeLine + chunk + tail, encoding, callback);
  }
  msg._send(sizeLine, "latin1", null);
  if (textual) return msg._send(chunk + tail, encoding, callback);
  msg._send(chunk, encoding, null);
  return msg._send(tail.length === 2 ? kCrlf : tail, tail.length === 2 ? null : "latin1", callback);
}

// Node's writes for one chunk: size, CRLF, data, CRLF, then the last chunk.
function sendChunkAsNode(
  msg: OutgoingMessage,
  chunk: Chunk,
  encoding: Encoding,
  len: number,
  tail: string,
  callback: Callback,
): boolean {
  msg._send(len.toString(16), "latin1", null);
  msg._send(kCrlf, null, null);
  msg._send(chunk, encoding, null);
  if (tail.length === 2) return msg._send(kCrlf, null, callback);
  msg._send(kCrlf, null, null);
  return msg._send(tail.slice(2), "latin1", callback);
}

// Chunks collected while corked leave as one chunk, their callbacks together.
export function flushChunkedBuffer(msg: OutgoingMessage): void {
  const buf = msg[kChunkedBuffer];
  let callbacks: Callback[] | null = null;
  msg._send(msg[kChunkedLength].toString(16), "latin1", null);
  msg._send(kCrlf, null, null);
  for (let n = 0; n < buf.length; n += 3) {
    msg._send(buf[n] as Chunk, buf[n + 1] as Encoding, null);
    const cb = buf[n + 2] as Callback | null;
    if (cb) (callbacks ??= []).push(cb);
  }
  msg._send(kCrlf, null, callbacks !== null ? runCallbacks.bind(undefined, callbacks) : null);
  buf.length = 0;
  msg[kChunkedLength] = 0;
}

function runCallbacks(callbacks: Callback[], err?: Error | null): void {
  for (const cb of callbacks) cb(err);
}
