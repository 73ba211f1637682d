/**
 * `net.Socket`: a `stream.Duplex` over a transport connection handle.
 *
 * Reading is push-based: the handle delivers chunks, `push()` returning false
 * stops the handle so the kernel's window pushes back on the peer. Writing
 * hands one chunk (or one `_writev` batch) at a time to the handle, which the
 * Writable machinery already serialises, so a single stored callback serves
 * every write without per-write closures.
 *
 * @module
 */
import { Duplex } from "node:stream";
import { Buffer } from "node:buffer";
import process from "node:process";
import { setImmediate } from "node:timers";
import type { ConnectionHandle, NetAddress, TransportError } from "../transport/types.ts";
import { isTransportError } from "../transport/types.ts";
import { transport } from "../transport/select.ts";
import {
  AbortError,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_INVALID_FD_TYPE,
  ERR_INVALID_HANDLE_TYPE,
  ERR_SOCKET_CLOSED,
  ERR_SOCKET_CLOSED_BEFORE_CONNECTION,
  errnoException,
} from "../errors.ts";
import {
  getTimerDuration,
  validateAbortSignal,
  validateFunction,
  validateInt32,
  validateNumber,
} from "../validators.ts";
import { BlockList } from "./blocklist.ts";
import {
  kAdoptHandle,
  kConnected,
  kConsumer,
  kConsumerBulk,
  kRace,
  kStopReading,
} from "./symbols.ts";
import { nextOnreadBuffer, OnreadState } from "./socket_onread.ts";
import { type PipeSource, syncBulkReads } from "./socket_pipe.ts";
import { connectSocket } from "./connect.ts";
import { normalizeArgs } from "./normalize.ts";
import { nodeConstructor } from "../constructor.ts";
import {
  applyKeepAlive,
  type KeepAliveOptions,
  type KeepAliveSettings,
  keepAliveSettings,
  sameKeepAlive,
} from "./socket_keepalive.ts";
import { stringBytes } from "./string_bytes.ts";
import {
  clearIdleTimer,
  type IdleState,
  initIdleTimer,
  kIdle,
  kTimeoutMs,
  setIdleTimeout,
  stillWriting,
  touch,
} from "./socket_timer.ts";
import {
  duplexOptions,
  type OnRead,
  type SocketOptions,
  type SocketOwner,
} from "./socket_options.ts";

// The transport's handle types, re-exported for net.ts (SocketOptions.handle).
export type { ConnectionHandle, NetAddress, TransportError };
export type { DoneCallback, ReadCallback } from "../transport/types.ts";
export type { OnRead, SocketOptions, SocketOwner };

// Hidden per-socket state and steps, kept off the public surface.
const kTos: unique symbol = Symbol("tos");
const kAfterWrite: unique symbol = Symbol("afterWrite");
const kAfterWriteFn: unique symbol = Symbol("afterWriteFn");
const kBytesDispatched: unique symbol = Symbol("bytesDispatched");
/** How many buffered writes preceded the current cork (see handOverBuffered). */
const kBufferedAtCork: unique symbol = Symbol("bufferedAtCork");
const kBytesRead: unique symbol = Symbol("bytesRead");
const kKeepAlive: unique symbol = Symbol("keepAlive");
const kNoDelay: unique symbol = Symbol("noDelay");
const kOnEof: unique symbol = Symbol("onEof");
const kOnError: unique symbol = Symbol("onError");
const kOnRead: unique symbol = Symbol("onRead");
const kReading: unique symbol = Symbol("reading");
const kStartReading: unique symbol = Symbol("startReading");
const kOnread: unique symbol = Symbol("onread");
const kWatchSignal: unique symbol = Symbol("watchSignal");
const kWire: unique symbol = Symbol("wire");
const kWriteCb: unique symbol = Symbol("writeCb");
const kWriteGeneric: unique symbol = Symbol("writeGeneric");

// deno-lint-ignore no-explicit-any
type Callback = (err?: any) => void;
/** What `kConsumer` holds. */
export interface SocketConsumer {
  onData(chunk: Buffer): void;
}
type WriteChunk = { chunk: Buffer | string; encoding: BufferEncoding };
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function writeAfterFIN(
  this: Socket,
  chunk: unknown,
  encoding?: BufferEncoding | Callback,
  cb?: Callback,
): boolean {
  if (!this.writableEnded) {
    // deno-lint-ignore no-explicit-any
    return Duplex.prototype.write.call(this, chunk, encoding as any, cb);
  }
  if (typeof encoding === "function") cb = encoding;
  const err = new Error("This socket has been ended by the other party") as Error & {
    code: string;
  };
  err.code = "EPIPE";
  if (typeof cb === "function") process.nextTick(cb, err);
  this.destroy(err);
  return false;
}

function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) {
    // deno-lint-ignore no-explicit-any
    this.write = writeAfterFIN as any;
  }
}

function emitCloseNT(socket: Socket): void {
  socket.emit("close");
}

/**
 * The methods of `net.Socket`. Never constructed itself: `Socket` below is a
 * function constructor that shares this prototype, because Node code calls
 * `net.Socket()` without `new` and inherits with `net.Socket.call(this)`,
 * which a class constructor cannot allow.
 */
class SocketMethods extends Duplex {
  /** True while `connect()` is in progress. */
  declare connecting: boolean;
  declare _hadError: boolean;
  /** The transport handle; `null` before connect and after destroy. */
  declare _handle: ConnectionHandle | null;
  declare _parent: Socket | null;
  declare _host: string | null;
  declare _peername: NetAddress | null;
  declare _sockname: NetAddress | null;
  declare _pendingData: unknown;
  declare _pendingEncoding: string;
  /** The server that accepted this socket, if any. */
  declare server: unknown;
  declare _server: SocketOwner | null;
  /** The HTTP message using this socket (set by http). */
  declare _httpMessage: unknown;
  /** Timeout set by `setTimeout()`, in milliseconds. */
  declare timeout: number | undefined;
  /** Set by `resetAndDestroy()` so `_destroy` sends RST. */
  declare resetAndClosing: boolean;
  /** Addresses tried by family autoselection, as "ip:port". */
  declare autoSelectFamilyAttemptedAddresses?: string[];
  declare blockList?: unknown;
  declare [kRace]: { abort(): void } | null;
  declare [kTos]: number | null;
  declare [kReading]: boolean;
  declare [kBytesRead]: number;
  declare [kBytesDispatched]: number;
  declare [kBufferedAtCork]: number;
  declare [kWriteCb]: Callback | null;
  declare [kAfterWriteFn]: ((err: TransportError | null) => void) | null;
  declare [kTimeoutMs]: number;
  declare [kIdle]: IdleState | null;
  declare [kNoDelay]: boolean;
  declare [kKeepAlive]: KeepAliveSettings;
  declare [kOnread]: OnreadState | null;
  declare [kConsumer]: SocketConsumer | null;

  [kWatchSignal](signal: AbortSignal): void {
    validateAbortSignal(signal, "options.signal");
    const abort = () => this.destroy(new AbortError(undefined, { cause: signal.reason }));
    if (signal.aborted) {
      process.nextTick(abort);
      return;
    }
    signal.addEventListener("abort", abort, { once: true });
    this.once("close", () => signal.removeEventListener("abort", abort));
  }

  [kWire](handle: ConnectionHandle): void {
    (handle as OwnedHandle)[kOwner] = this;
    handle.onRead = handleOnRead;
    handle.onError = handleOnError;
    // Piped before connecting: the new handle learns it now.
    if (this.listenerCount("data") !== 0) readersChanged(this, "data", false);
  }

  /** Makes `handle` this socket's `_handle` (a new connect, or a new attempt). */
  [kAdoptHandle](handle: ConnectionHandle): void {
    this._handle = handle;
    this[kWire](handle);
    this[kBytesRead] = 0;
    this[kBytesDispatched] = 0;
    this[kBufferedAtCork] = 0;
    if (this[kTos] !== null) handle.setTypeOfService?.(this[kTos]);
    const onread = this[kOnread];
    if (onread !== null) onread.buf = nextOnreadBuffer(onread.options);
  }

  /** Used by connect.ts once `_handle` has connected. */
  [kConnected](): void {
    const handle = this._handle!;
    this.connecting = false;
    this._sockname = null;
    this[kRace] = null;
    if (this[kTimeoutMs] !== 0) touch(this);
    // Looked up at call time: code patches these on `_handle`, as in Node.
    if (this[kNoDelay] && handle.setNoDelay) handle.setNoDelay(true);
    if (this[kKeepAlive].enable) applyKeepAlive(handle, this[kKeepAlive]);
    this.emit("connect");
    this.emit("ready");
    if (!this.isPaused()) this.read(0);
  }

  /**
   * Connects: `(port[, host][, cb])`, `(path[, cb])` or `(options[, cb])`.
   * Failures arrive as 'error' events, never as throws (bad arguments aside).
   */
  connect(...args: unknown[]): this {
    return connectSocket(this, args);
  }

  // --- reading -------------------------------------------------------------

  [kOnRead](chunk: Uint8Array | null): void {
    if (chunk === null) {
      this[kOnEof]();
      return;
    }
    this[kBytesRead] += chunk.byteLength;
    if (this[kTimeoutMs] !== 0) touch(this);
    const buf = asBuffer(chunk);
    const consumer = this[kConsumer];
    const onread = this[kOnread];
    if (consumer !== null) {
      consumer.onData(buf);
    } else if (onread !== null) {
      onread.deliver(this, buf);
    } else if (!this.push(buf) && this[kReading]) {
      this[kReading] = false;
      this._handle?.readStop();
    }
  }

  [kOnEof](): void {
    this[kReading] = false;
    const onread = this[kOnread];
    if (onread !== null && onread.rest !== null) {
      // The user's buffer still has bytes to take; end after them.
      onread.eof = true;
      return;
    }
    this.push(null);
    this.read(0);
  }

  [kOnError](err: TransportError): void {
    this.destroy(errnoException(err.code, err.syscall));
  }

  [kStopReading](): void {
    if (this[kReading]) {
      this[kReading] = false;
      this._handle?.readStop();
    }
  }

  [kConsumerBulk](enable: boolean): void {
    if (this[kConsumer] !== null) this._handle?.setBulkReads?.(enable);
  }

  [kStartReading](): void {
    if (this[kReading] || this._handle === null || this.connecting) return;
    this[kReading] = true;
    this._handle.readStart();
  }

  override _read(size: number): void {
    if (this.connecting || this._handle === null) {
      readWhenConnected(this, size);
    } else if (!this[kReading]) {
      this[kStartReading]();
    }
  }

  // Node's http server stops consuming its socket when code adds a 'data'
  // or 'readable' listener: from then on both the parser and that code get
  // the bytes, through the stream.
  // deno-lint-ignore no-explicit-any
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    super.on(event, listener);
    readersChanged(this, event, true);
    return this;
  }
  // deno-lint-ignore no-explicit-any
  override addListener(event: string | symbol, listener: (...args: any[]) => void): this {
    return this.on(event, listener);
  }
  // deno-lint-ignore no-explicit-any
  override prependListener(event: string | symbol, listener: (...args: any[]) => void): this {
    super.prependListener(event, listener);
    readersChanged(this, event, true);
    return this;
  }
  // Removals are watched for bulk reads only (unpipe, a reader leaving).
  // deno-lint-ignore no-explicit-any
  override removeListener(event: string | symbol, listener: (...args: any[]) => void): this {
    super.removeListener(event, listener);
    readersChanged(this, event, false);
    return this;
  }
  // deno-lint-ignore no-explicit-any
  override off(event: string | symbol, listener: (...args: any[]) => void): this {
    return this.removeListener(event, listener);
  }
  override removeAllListeners(event?: string | symbol): this {
    // The emitter tells "all events" from "event undefined" by arity.
    if (event === undefined) super.removeAllListeners();
    else super.removeAllListeners(event);
    readersChanged(this, event ?? "data", false);
    return this;
  }

  override pause(): this {
    if (this[kOnread] !== null || this[kConsumer] !== null) this[kStopReading]();
    return super.pause();
  }

  override resume(): this {
    super.resume();
    if (this.destroyed) return this;
    if (this[kConsumer] !== null) {
      this[kStartReading]();
      return this;
    }
    const onread = this[kOnread];
    if (onread === null) return this;
    const rest = onread.rest;
    if (rest !== null) {
      onread.rest = null;
      onread.deliver(this, rest);
    }
    if (onread.rest === null && !this.isPaused()) this[kStartReading]();
    return this;
  }

  // --- writing -------------------------------------------------------------

  override cork(): void {
    if (this.writableCorked === 0) {
      this[kBufferedAtCork] = this.writableLength > 0 ? writableBuffer(this).length : 0;
    }
    super.cork();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: Callback): void {
    this[kWriteGeneric](false, chunk, encoding, cb);
  }

  override _writev(chunks: WriteChunk[], cb: Callback): void {
    this[kWriteGeneric](true, chunks, "", cb);
  }

  [kWriteGeneric](writev: boolean, data: unknown, encoding: string, cb: Callback): void {
    if (this.connecting) {
      writeWhenConnected(this, writev, data, encoding, cb);
      return;
    }
    this._pendingData = null;
    this._pendingEncoding = "";
    const handle = this._handle;
    if (handle === null) {
      cb(new ERR_SOCKET_CLOSED());
      return;
    }
    if (this[kTimeoutMs] !== 0) touch(this);
    this[kWriteCb] = cb;
    if (writev) {
      const list = data as WriteChunk[];
      const bufs: Uint8Array[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const c = list[i].chunk;
        const b = typeof c === "string" ? stringBytes(c, list[i].encoding) : c;
        bufs[i] = b;
        this[kBytesDispatched] += b.byteLength;
      }
      handle.writev(bufs, this[kAfterWriteFn] ??= afterWriteFor(this));
    } else {
      const c = data as Buffer | string;
      const b = typeof c === "string" ? stringBytes(c, encoding) : c;
      this[kBytesDispatched] += b.byteLength;
      handle.write(b, this[kAfterWriteFn] ??= afterWriteFor(this));
    }
  }

  [kAfterWrite](err: TransportError | null): void {
    const cb = this[kWriteCb];
    this[kWriteCb] = null;
    if (cb === null) return;
    if (err !== null) {
      cb(errnoException(err.code, "write"));
      return;
    }
    if (this[kTimeoutMs] !== 0) touch(this);
    cb();
  }

  override _final(cb: Callback): void {
    if (this.connecting) {
      finalWhenConnected(this, cb);
      return;
    }
    const handle = this._handle;
    if (handle === null) {
      cb();
      return;
    }
    handle.shutdown(() => cb());
  }

  /** Ends the writable side, then destroys once writes have flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /** Closes with a TCP RST (where the runtime can) and destroys. */
  resetAndDestroy(): this {
    if (this._handle !== null) {
      if (typeof this._handle.reset !== "function") throw new ERR_INVALID_HANDLE_TYPE();
      if (this.connecting) this.once("connect", () => this._reset());
      else this._reset();
      return this;
    }
    if (this.connecting) {
      this.once("connect", () => this._reset());
      return this;
    }
    this.destroy(new ERR_SOCKET_CLOSED());
    return this;
  }

  _reset(): this {
    this.resetAndClosing = true;
    return this.destroy();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this[kRace]?.abort();
    this[kRace] = null;
    // A socket that was connecting owns a handle in Node, so its 'close'
    // comes a loop turn later and carries hadError, as for an open socket.
    const hadHandle = this._handle !== null || this.connecting;
    this.connecting = false;
    clearIdleTimer(this);
    const handle = this._handle;
    const hadError = Boolean(err);
    if (handle !== null) {
      handle.onRead = null;
      handle.onError = null;
      // As Node, 'close' comes from the handle's close callback: code that
      // wraps `_handle.close` decides when it runs.
      const onClose = () => this.emit("close", hadError);
      if (this.resetAndClosing) {
        this.resetAndClosing = false;
        handle.reset(onClose);
      } else {
        handOverBuffered(this, handle);
        handle.close(onClose);
      }
      this._handle = null;
      this._sockname = null;
      this[kReading] = false;
    }
    cb(err);
    if (handle === null) {
      if (hadHandle) setImmediate(() => this.emit("close", hadError));
      else process.nextTick(emitCloseNT, this);
    }
    const server = this._server;
    if (server !== null) {
      server._connections--;
      server._emitCloseIfDrained();
    }
  }

  // --- timeouts ------------------------------------------------------------

  /** Marks activity: restarts the idle timeout. Node's name for it. */
  _unrefTimer(): void {
    if (this[kTimeoutMs] !== 0) touch(this);
  }

  /**
   * The idle time is up: emits 'timeout' unless a write is still draining.
   * Node's name; code wraps or calls it, and the timer looks it up each time.
   */
  _onTimeout(): void {
    if (stillWriting(this)) return;
    this.emit("timeout");
  }

  /** Sets the idle timeout; `0` disables it. 'timeout' is emitted, nothing is closed. */
  setTimeout(msecs: number, callback?: () => void): this {
    if (this.destroyed) return this;
    this.timeout = msecs;
    const ms = getTimerDuration(msecs, "msecs");
    setIdleTimeout(this, ms);
    if (callback !== undefined) {
      validateFunction(callback, "callback");
      if (ms === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    return this;
  }

  // --- options -------------------------------------------------------------

  /** Disables (default) or enables Nagle's algorithm. */
  setNoDelay(noDelay?: boolean): this {
    const enable = noDelay === undefined ? true : Boolean(noDelay);
    if (this._handle === null) {
      this[kNoDelay] = enable;
      return this;
    }
    if (this._handle.setNoDelay && enable !== this[kNoDelay]) {
      this[kNoDelay] = enable;
      this._handle.setNoDelay(enable);
    }
    return this;
  }

  /**
   * Enables TCP keep-alive probes after `initialDelay` ms of idleness:
   * `(enable[, initialDelay[, interval[, count]]])` or, as Node 26.4,
   * `({ enable, initialDelay, interval, count })`. Delays are whole seconds
   * on the wire. Neither Deno nor Bun can set TCP_KEEPINTVL or TCP_KEEPCNT:
   * `interval` and `count` are accepted, kept and passed to `_handle`, and
   * the system's values stay in force.
   */
  setKeepAlive(
    enable?: boolean | KeepAliveOptions,
    initialDelay?: number,
    interval?: number,
    count?: number,
  ): this {
    const next = keepAliveSettings(enable, initialDelay, interval, count);
    if (this._handle === null) {
      this[kKeepAlive] = next;
      return this;
    }
    if (!this._handle.setKeepAlive) return this;
    if (!sameKeepAlive(this[kKeepAlive], next)) {
      this[kKeepAlive] = next;
      applyKeepAlive(this._handle, next);
    }
    return this;
  }

  /** Sets IP_TOS (0-255) where the runtime supports it. */
  setTypeOfService(tos: number): this {
    if (Number.isNaN(tos)) throw new ERR_INVALID_ARG_TYPE("tos", "number", tos);
    validateInt32(tos, "tos", 0, 255);
    if (this._handle === null) {
      this[kTos] = tos;
      return this;
    }
    if (tos !== this[kTos]) {
      this[kTos] = tos;
      this._handle.setTypeOfService?.(tos);
    }
    return this;
  }

  /** Reads IP_TOS: the value set before connecting, or the socket's. */
  getTypeOfService(): number | undefined {
    if (this._handle === null || this.connecting) return this[kTos] ?? 0;
    return this._handle.getTypeOfService?.() ?? this[kTos] ?? 0;
  }

  /** Keeps the process alive while this socket is open (the default). */
  ref(): this {
    if (this._handle === null) {
      this.once("connect", this.ref);
      return this;
    }
    this._handle.ref();
    return this;
  }

  /** Lets the process exit even while this socket is open. */
  unref(): this {
    if (this._handle === null) {
      this.once("connect", this.unref);
      return this;
    }
    this._handle.unref();
    return this;
  }

  // --- addresses and counters ------------------------------------------------

  _getsockname(): NetAddress | Record<string, never> {
    if (this._handle === null || this.connecting) return this._sockname ?? {};
    if (this._sockname === null) {
      const a = this._handle.localAddress();
      if (a === null || typeof a === "string") return {};
      this._sockname = a;
    }
    return this._sockname;
  }

  _getpeername(): NetAddress | Record<string, never> {
    if (this._handle === null || this.connecting) return this._peername ?? {};
    if (this._peername === null) {
      const a = this._handle.remoteAddress();
      if (a === null || typeof a === "string") return {};
      this._peername = a;
    }
    return this._peername;
  }

  /** `{ address, family, port }` of the local side (`{}` for Unix sockets). */
  address(): NetAddress | Record<string, never> {
    return this._getsockname();
  }

  get remoteAddress(): string | undefined {
    return this._getpeername().address;
  }
  get remoteFamily(): string | undefined {
    return this._getpeername().family;
  }
  get remotePort(): number | undefined {
    return this._getpeername().port;
  }
  get localAddress(): string | undefined {
    return this._getsockname().address;
  }
  get localPort(): number | undefined {
    return this._getsockname().port;
  }
  get localFamily(): string | undefined {
    return this._getsockname().family;
  }

  get bytesRead(): number {
    return this[kBytesRead];
  }

  /** Bytes handed to the socket so far, including those still queued. */
  get bytesWritten(): number | undefined {
    let bytes = this[kBytesDispatched];
    // deno-lint-ignore no-explicit-any
    const buffered = (this as any).writableBuffer as WriteChunk[] | undefined;
    if (!buffered) return undefined;
    for (const el of buffered) {
      bytes += typeof el.chunk === "string"
        ? Buffer.byteLength(el.chunk, el.encoding)
        : el.chunk.length;
    }
    const pending = this._pendingData;
    if (Array.isArray(pending)) {
      for (const el of pending as WriteChunk[]) {
        bytes += typeof el.chunk === "string"
          ? Buffer.byteLength(el.chunk, el.encoding)
          : el.chunk.length;
      }
    } else if (pending) {
      bytes += typeof pending === "string"
        ? Buffer.byteLength(pending, this._pendingEncoding as BufferEncoding)
        : (pending as Buffer).length;
    }
    return bytes;
  }

  get bufferSize(): number | undefined {
    // Bytes the transport still holds belong to writes whose callback has
    // not run, so writableLength already counts them.
    return this._handle !== null ? this.writableLength : undefined;
  }

  /** True until connected (and after destroy). */
  get pending(): boolean {
    return this._handle === null || this.connecting;
  }

  get _connecting(): boolean {
    return this.connecting;
  }

  get readyState(): "opening" | "open" | "readOnly" | "writeOnly" | "closed" {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable && !this.writable) return "readOnly";
    if (!this.readable && this.writable) return "writeOnly";
    return "closed";
  }
}

function noop(): void {}

/**
 * A 'data' or 'readable' listener came or went. One that comes takes the
 * socket back from its consumer (as Node's http server stops consuming its
 * socket then); either way the handle learns whether it may read in bulk.
 */
function readersChanged(socket: Socket, event: string | symbol, added: boolean): void {
  if (event !== "data" && event !== "readable") return;
  if (added) socket[kConsumer] = null;
  const otherReader = socket[kOnread] !== null || socket[kConsumer] !== null;
  syncBulkReads(socket as unknown as PipeSource, otherReader);
}

// What waits for 'connect' lives out here: closures in a method make V8
// allocate their scope on every call of it, the common path included.

function readWhenConnected(socket: Socket, size: number): void {
  socket.once("connect", () => socket._read(size));
}

function finalWhenConnected(socket: Socket, cb: Callback): void {
  socket.once("connect", () => socket._final(cb));
}

/** The writes waiting in the Writable's buffer, oldest first. */
function writableBuffer(socket: Socket): WriteChunk[] {
  // Node's streams have it; their typings leave it out.
  // deno-lint-ignore no-explicit-any
  return (socket as any).writableBuffer ?? [];
}

/**
 * `write(x); destroy()` sends x in Node: its writes reach the kernel as they
 * are made, so nothing waits in the Writable's buffer unless the kernel is
 * full or the socket corked. A handle that reports writes done on a later
 * turn (Deno's) leaves later writes buffered behind an earlier one: they go
 * to the handle before it closes, which sends what the kernel takes. Writes
 * made while corked are dropped, as in Node.
 */
function handOverBuffered(socket: Socket, handle: ConnectionHandle): void {
  if (socket.writableLength === 0) return;
  let buffered = writableBuffer(socket);
  if (socket.writableCorked > 0) buffered = buffered.slice(0, socket[kBufferedAtCork]);
  for (const { chunk, encoding } of buffered) {
    const bytes = typeof chunk === "string" ? stringBytes(chunk, encoding) : chunk;
    socket[kBytesDispatched] += bytes.byteLength;
    handle.write(bytes, noop);
  }
}

function writeWhenConnected(
  socket: Socket,
  writev: boolean,
  data: unknown,
  encoding: string,
  cb: Callback,
): void {
  socket._pendingData = data;
  socket._pendingEncoding = encoding;
  const onClose = () => cb(new ERR_SOCKET_CLOSED_BEFORE_CONNECTION());
  socket.once("connect", () => {
    socket.off("close", onClose);
    socket[kWriteGeneric](writev, data, encoding, cb);
  });
  socket.once("close", onClose);
}

/** The socket that owns a handle: one shared read callback serves them all. */
const kOwner: unique symbol = Symbol("owner");
type OwnedHandle = ConnectionHandle & { [kOwner]?: Socket };

function handleOnRead(this: ConnectionHandle, chunk: Uint8Array | null): void {
  (this as OwnedHandle)[kOwner]?.[kOnRead](chunk);
}

function handleOnError(this: ConnectionHandle, err: TransportError): void {
  (this as OwnedHandle)[kOwner]?.[kOnError](err);
}

/**
 * The one write-completion callback of a socket. Made here, not inline, so
 * it closes over nothing but the socket (an inline arrow would share its
 * scope with the connecting-path closure and keep the first write alive).
 */
function afterWriteFor(socket: Socket): (err: TransportError | null) => void {
  return (err) => socket[kAfterWrite](err);
}

/** Node's `Socket` constructor body: state first, then handle and options. */
function initSocket(self: Socket, options: SocketOptions | number | undefined): void {
  const opts = duplexOptions(options);
  // A socket carries bytes only: Node refuses object mode before anything else.
  if (opts.objectMode) {
    throw new ERR_INVALID_ARG_VALUE("options.objectMode", opts.objectMode, "is not supported");
  }
  if (opts.readableObjectMode || opts.writableObjectMode) {
    const name = opts.readableObjectMode ? "readableObjectMode" : "writableObjectMode";
    const value = opts.readableObjectMode || opts.writableObjectMode;
    throw new ERR_INVALID_ARG_VALUE(`options.${name}`, value, "is not supported");
  }
  Duplex.call(self, opts);
  // The handle reads by itself until push() says stop, and _read() restarts
  // it: the stream's read-ahead (a nextTick and a read(0) after every chunk)
  // would only repeat that. Marking it as already running turns it off.
  (self as unknown as { _readableState: { readingMore: boolean } })._readableState
    .readingMore = true;
  self.connecting = false;
  self._hadError = false;
  self._handle = null;
  self._parent = null;
  self._host = null;
  self._peername = null;
  self._sockname = null;
  self._pendingData = null;
  self._pendingEncoding = "";
  self.server = null;
  self._server = null;
  self._httpMessage = null;
  self.timeout = undefined;
  self.resetAndClosing = false;
  self[kRace] = null;
  self[kTos] = null;
  self[kReading] = false;
  self[kBytesRead] = 0;
  self[kBytesDispatched] = 0;
  self[kWriteCb] = null;
  self[kAfterWriteFn] = null;
  initIdleTimer(self);
  self[kOnread] = null;
  self[kConsumer] = null;
  if (opts.handle) {
    self._handle = opts.handle;
  } else if (opts.fd !== undefined) {
    validateInt32(opts.fd, "fd", 0);
    const t = transport();
    const handle = t.openFd?.(opts.fd, noop);
    if (handle === undefined) throw new ERR_INVALID_FD_TYPE("UNKNOWN");
    if (isTransportError(handle)) {
      throw new ERR_INVALID_FD_TYPE(handle.code === "ENOTSOCK" ? "PIPE" : "UNKNOWN");
    }
    self._handle = handle;
  }
  const onread = opts.onread;
  if (
    onread !== null && typeof onread === "object" &&
    (onread.buffer instanceof Uint8Array || typeof onread.buffer === "function") &&
    typeof onread.callback === "function"
  ) {
    self[kOnread] = new OnreadState(onread);
  }
  self[kNoDelay] = Boolean(opts.noDelay);
  let delay = opts.keepAliveInitialDelay;
  if (delay !== undefined) {
    validateNumber(delay, "options.keepAliveInitialDelay");
    if (delay < 0) delay = 0;
  }
  self[kKeepAlive] = keepAliveSettings(Boolean(opts.keepAlive), delay, undefined, undefined);
  const tos = opts.typeOfService;
  if (tos !== undefined) {
    // Node 25.6+: kept until a handle exists, as setTypeOfService() before connect.
    validateInt32(tos, "options.typeOfService", 0, 255);
    self[kTos] = tos;
  }
  self.on("end", onReadableStreamEnd);
  if (self._handle) {
    self[kWire](self._handle);
    const state = self[kOnread];
    if (state !== null) state.buf = nextOnreadBuffer(state.options);
  }
  if (self._handle && opts.readable !== false) {
    if (opts.pauseOnConnect) {
      // deno-lint-ignore no-explicit-any
      (self as any).readableFlowing = false;
    } else if (!opts.manualStart) {
      self.read(0);
    }
  }
  if (opts.blockList !== undefined) {
    if (!BlockList.isBlockList(opts.blockList)) {
      throw new ERR_INVALID_ARG_TYPE("options.blockList", "net.BlockList", opts.blockList);
    }
    self.blockList = opts.blockList;
  }
  const signal = typeof options === "object" ? options?.signal : undefined;
  if (signal !== undefined) self[kWatchSignal](signal);
}

/** A TCP or Unix stream socket, as Node's `net.Socket`. */
export type Socket = SocketMethods;

/** `net.Socket`'s constructor: callable with or without `new`. */
export interface SocketConstructor {
  /** Creates an unconnected socket (a number is taken as `{ fd }`). */
  new (options?: SocketOptions | number): Socket;
  /** The same as with `new`, for old code that calls `net.Socket()` plainly. */
  (options?: SocketOptions | number): Socket;
  /** The prototype shared by every `net.Socket`, for patching and `instanceof`. */
  readonly prototype: Socket;
}

/**
 * A TCP or Unix stream socket, as Node's `net.Socket`.
 *
 * @example
 * ```ts
 * import { createServer, Socket, type AddressInfo } from "@x/node-http/net";
 *
 * const server = createServer((s) => s.end("hello"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as AddressInfo;
 *   const socket = new Socket();
 *   socket.setEncoding("utf8");
 *   socket.on("data", (d) => console.log(d)); // hello
 *   socket.on("close", () => server.close());
 *   socket.connect(port, "127.0.0.1");
 * });
 * ```
 */
// Without the size hint: a server holds thousands of sockets. On Bun an
// object of 24 to 38 fields takes about 320 bytes and one of 39 about 670;
// a socket has 35 (37 on an http server, 38 on Bun, whose Duplex adds one),
// where the hint would keep room for 64. Add fields here with that in mind.
export const Socket: SocketConstructor = nodeConstructor(
  "Socket",
  SocketMethods,
  Duplex,
  initSocket,
  false,
);

/**
 * `net.connect(...args)` / `net.createConnection(...args)`: a new socket,
 * its `timeout` option applied, then connected. Shared by net.ts, the http
 * client and the agent.
 */
export function createConnection(...args: unknown[]): Socket {
  const normalized = normalizeArgs(args);
  const options = normalized[0] as SocketOptions & { timeout?: number };
  const socket = new Socket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(normalized);
}
