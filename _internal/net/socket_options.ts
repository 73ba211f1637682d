/**
 * The options of `new net.Socket()` (also what `net.connect(options)` passes
 * on), and how they become the Duplex's own options.
 *
 * @module
 */
import type { ConnectionHandle } from "../transport/types.ts";

/**
 * The `onread` option of `new net.Socket()`: incoming data is copied into
 * `buffer` (a `Uint8Array`, or a function returning one per read) and
 * `callback(bytesRead, buffer)` is called instead of emitting 'data';
 * returning `false` from it pauses reading.
 */
export type OnRead = {
  buffer: Uint8Array | (() => Uint8Array);
  callback: (n: number, buf: Uint8Array) => unknown;
};
/** A server as the socket sees it: connection bookkeeping only. */
export interface SocketOwner {
  _connections: number;
  _emitCloseIfDrained(): void;
}

/** Options of `new net.Socket()`. */
export interface SocketOptions {
  /**
   * Wrap an already open socket, given by its file descriptor, instead of
   * creating a new one (Bun only; on Deno this throws `ERR_INVALID_FD_TYPE`).
   */
  fd?: number;
  /**
   * Wrap an already connected transport handle (Node's internal `handle`
   * option; the server passes each accepted connection this way).
   */
  handle?: ConnectionHandle;
  /**
   * Keep the socket writable after the peer has ended its side; when false,
   * the socket ends its own side as soon as the readable side ends.
   * Default: `false`.
   */
  allowHalfOpen?: boolean;
  /** With `fd`, allow reading from the socket; ignored otherwise. Default: `false`. */
  readable?: boolean;
  /** With `fd`, allow writing to the socket; ignored otherwise. Default: `false`. */
  writable?: boolean;
  /**
   * With `handle`, start paused: nothing is read until `resume()` (the
   * server's `pauseOnConnect`). Default: `false`.
   */
  pauseOnConnect?: boolean;
  /**
   * With `handle`, do not start reading at construction; the owner starts it
   * later (an internal Node option). Default: `false`.
   */
  manualStart?: boolean;
  /** Aborting this signal destroys the socket with an `AbortError`. */
  signal?: AbortSignal;
  /** Turn off Nagle's algorithm as soon as the socket connects. Default: `false`. */
  noDelay?: boolean;
  /**
   * Turn on TCP keep-alive as soon as the socket connects, as
   * `socket.setKeepAlive(true)` would. Default: `false`.
   */
  keepAlive?: boolean;
  /**
   * With `keepAlive`, how long (in milliseconds) the socket may sit idle
   * before the first keep-alive probe. Default: `0` (the system's setting).
   */
  keepAliveInitialDelay?: number;
  /**
   * The IP Type of Service (0-255) the connection starts with, as
   * `socket.setTypeOfService()` before connecting would set it (Node 25.6+).
   */
  typeOfService?: number;
  /**
   * Deliver incoming data into one reused buffer through a callback instead
   * of 'data' events; see {@link OnRead}.
   */
  onread?: OnRead;
  /**
   * A `net.BlockList`: connecting to an address it matches fails with
   * `ERR_IP_BLOCKED` instead of opening a connection.
   */
  blockList?: unknown;
  /**
   * Sets both `readableHighWaterMark` and `writableHighWaterMark` (a stream
   * option). Default: `stream.getDefaultHighWaterMark()`.
   */
  highWaterMark?: number;
  /** Bytes buffered on the readable side before reading pauses (a stream option). */
  readableHighWaterMark?: number;
  /** Bytes buffered on the writable side before `write()` returns false (a stream option). */
  writableHighWaterMark?: number;
  /**
   * Any other option: `stream.Duplex` options, and, through
   * `net.connect(options)`, the options of `socket.connect()` (`port`,
   * `host`, `path`, `lookup`, `timeout`, ...).
   */
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** The options `stream.Duplex` is constructed with for a socket. */
export function duplexOptions(options: SocketOptions | number | undefined): SocketOptions {
  const opts: SocketOptions = typeof options === "number" ? { fd: options } : { ...options };
  opts.allowHalfOpen = Boolean(opts.allowHalfOpen);
  // Node's sockets emit 'close' themselves, once the handle is really closed.
  opts.emitClose = false;
  opts.autoDestroy = true;
  // As Node's: strings reach _write() as they are, and the socket encodes them.
  opts.decodeStrings = false;
  delete opts.signal;
  return opts;
}
