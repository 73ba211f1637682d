/**
 * The subset of Bun's socket API that the Bun transport uses, declared here
 * because Bun's own types are not installed, plus the mapping of Bun's
 * errors to transport errors.
 *
 * Facts below were checked against Bun 1.4.5 by experiment.
 *
 * @module
 */
import process from "node:process";
import type { TransportError } from "./types.ts";

/** What Bun passes to `close` and `connectError`, and what it throws. */
export interface BunError {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** A connected Bun socket whose `data` slot holds our per-connection state. */
export interface BunSocket<T> {
  data: T;
  /**
   * Bytes the kernel took (possibly fewer than asked, possibly 0), or -1 once
   * the socket is closed or shut down. Bun never buffers what it could not send.
   */
  write(bytes: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** `shutdown()` is SHUT_WR (FIN, reading goes on); `shutdown(true)` is SHUT_RD. */
  shutdown(readSide?: boolean): void;
  /** Graceful close; runs the `close` handler before it returns. */
  close(): void;
  /** Close with SO_LINGER 0: the peer gets RST. */
  terminate(): void;
  /** Stops polling for readability, so the kernel's window fills. */
  pause(): void;
  resume(): void;
  ref(): void;
  unref(): void;
  setNoDelay(enable: boolean): boolean;
  /**
   * The delay is in milliseconds (Bun converts to seconds); 0 keeps the
   * default. Int32 only: Bun throws a RangeError beyond it.
   */
  setKeepAlive(enable: boolean, initialDelayMs: number): boolean;
  /** 0 on success, a negative errno on failure (e.g. -22 on a Unix socket). */
  setTypeOfService(tos: number): number;
  /**
   * The value, or a negative errno: `-ENOTSOCK` on a pipe or TTY, `-EINVAL`
   * on a Unix socket.
   */
  getTypeOfService(): number;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly localFamily: string | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
}

/** One handler object serves every socket of a listener or a connect call. */
export interface BunSocketHandlers<T> {
  open?(socket: BunSocket<T>): void;
  data(socket: BunSocket<T>, chunk: Uint8Array): void;
  drain(socket: BunSocket<T>): void;
  /** FIN received; with `allowHalfOpen` Bun keeps our side open. */
  end(socket: BunSocket<T>): void;
  /** A read error arrives here as `err`; a clean close has none. */
  close(socket: BunSocket<T>, err?: BunError): void;
  connectError?(socket: BunSocket<T>, err: BunError): void;
}

/** What `Bun.listen` returns. */
export interface BunListenerSocket {
  readonly port: number | undefined;
  readonly unix: string | undefined;
  /** `stop(false)` stops accepting and keeps live connections. */
  stop(closeActiveConnections?: boolean): void;
  ref(): void;
  unref(): void;
  /**
   * Fills `out` with `{ family, address, port }` for a TCP listener; leaves
   * it empty for a Unix one.
   */
  getsockname(out: Record<string, unknown>): void;
}

/** Options common to `Bun.listen` and `Bun.connect`. */
interface BunSocketOptions<T> {
  hostname?: string;
  port?: number;
  unix?: string;
  /**
   * Adopts an open descriptor instead. `connect` opens any fd that is some
   * kind of socket, pipe or TTY synchronously (it cannot read pipes or TTYs:
   * recv() fails with ENOTSOCK) and reports a non-fd or a file through
   * `connectError` as ECONNREFUSED; `listen` calls listen() on a bound socket
   * and throws EINVAL for anything else. Closing the Bun socket closes the fd.
   */
  fd?: number;
  allowHalfOpen?: boolean;
  /** The initial `socket.data` of every socket this call creates. */
  data?: T;
  socket: BunSocketHandlers<T>;
}

/** `Bun.listen` options. */
export interface BunListenOptions<T> extends BunSocketOptions<T> {
  exclusive?: boolean;
  reusePort?: boolean;
  ipv6Only?: boolean;
}

/** `Bun.connect` options. */
export interface BunConnectOptions<T> extends BunSocketOptions<T> {
  localAddress?: string;
  localPort?: number;
}

/** The `Bun` global, reduced to what we call. */
export interface BunNamespace {
  /** Binds and listens now; throws synchronously on failure. */
  listen<T>(options: BunListenOptions<T>): BunListenerSocket;
  /**
   * May call `connectError` before it returns (Unix ENOENT does), and calls
   * `open` before it returns for an `fd`. A pending connect holds the process
   * until it settles: Bun exposes no socket to unref before `open`.
   */
  connect<T>(options: BunConnectOptions<T>): Promise<unknown>;
}

/** The `Bun` global; only called once the runtime has been detected as Bun. */
export function bunGlobal(): BunNamespace {
  return (globalThis as unknown as { Bun: BunNamespace }).Bun;
}

const kErrorCode = /^E[A-Z0-9]+$/;

/**
 * Reduces a Bun error to `{ code, syscall }`. Bun's own `syscall` is not
 * kept: the caller knows which operation Node would name.
 */
export function toTransportError(err: unknown, syscall: string, fallback: string): TransportError {
  const e = (typeof err === "object" && err !== null ? err : {}) as BunError;
  const code = typeof e.code === "string" && kErrorCode.test(e.code) ? e.code : fallback;
  const detail = typeof e.message === "string" ? e.message : String(err);
  return { code, syscall, detail };
}

/** ENOTSOCK, which Bun's getTypeOfService() returns negated for a pipe or TTY. */
const kENOTSOCK = process.platform === "linux" ? 88 : 38;
const kEBADF = 9;

/**
 * Why an adopted fd cannot serve as a connection, or null. Bun opens any
 * socket, pipe or TTY; only a connected stream socket can work.
 */
export function refuseAdopted(socket: BunSocket<unknown>): TransportError | null {
  if (socket.localAddress !== undefined) {
    // An IP socket: a listening, unbound or unconnected one has no peer.
    if (socket.remoteAddress !== undefined) return null;
    return { code: "ENOTCONN", syscall: "open", detail: "the socket has no peer" };
  }
  const tos = socket.getTypeOfService();
  if (tos !== -kENOTSOCK && tos !== -kEBADF) return null;
  return notASocket();
}

/** The refusal of an fd that Bun would open but cannot stream. */
export function notASocket(): TransportError {
  return {
    code: "ENOTSOCK",
    syscall: "open",
    detail: "not a socket: Bun cannot stream pipes, TTYs or files through its socket API",
  };
}

/**
 * Bun strips a leading `file://`, `unix://` or `sock://` from Unix paths;
 * such a path is relative, so `./` keeps it naming the same file.
 */
export function bunUnixPath(path: string): string {
  return /^(?:file|unix|sock):\/\//.test(path) ? `./${path}` : path;
}

/** `setTypeOfService` as a boolean: Bun returns an errno, or throws on bad input. */
export function setTypeOfService(socket: BunSocket<unknown>, tos: number): boolean {
  try {
    return socket.setTypeOfService(tos) === 0;
  } catch {
    return false;
  }
}

/**
 * The keepalive delay as Bun wants it: milliseconds, int32 only (Bun throws a
 * RangeError beyond it; Node clamps quietly).
 */
export function bunKeepAliveDelay(initialDelaySecs: number): number {
  const secs = Math.max(Math.trunc(initialDelaySecs) || 0, 0);
  return Math.min(secs * 1000, 0x7fffffff);
}

/** Socket options set before a connect opens, kept to apply on `open`. */
export class SocketOptions {
  refed = true;
  noDelay: boolean | null = null;
  /** `[enable, delayMs]`. */
  keepAlive: [boolean, number] | null = null;
  tos: number | null = null;

  /** Applies what was set to a socket that just opened; IP_TOS only on IP. */
  apply(socket: BunSocket<unknown>, ip: boolean): void {
    if (!this.refed) socket.unref();
    if (this.noDelay !== null) socket.setNoDelay(this.noDelay);
    if (this.keepAlive !== null) socket.setKeepAlive(this.keepAlive[0], this.keepAlive[1]);
    // Best effort: setTypeOfService() promised nothing while pending.
    if (this.tos !== null && ip) setTypeOfService(socket, this.tos);
  }
}
