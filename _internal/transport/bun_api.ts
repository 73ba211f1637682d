/**
 * The subset of Bun's socket API that the Bun transport uses, declared here
 * because Bun's own types are not installed, plus the mapping of Bun's
 * errors to transport errors.
 *
 * Facts below were checked against Bun 1.4.5 by experiment.
 *
 * @module
 */
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
  /** The delay is in milliseconds (Bun converts to seconds); 0 keeps the default. */
  setKeepAlive(enable: boolean, initialDelayMs: number): boolean;
  /** 0 on success, a negative errno on failure (e.g. -22 on a Unix socket). */
  setTypeOfService(tos: number): number;
  /** The value, or a negative errno. */
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
  /** Fills `out` with `{ family, address, port }` for a TCP listener. */
  getsockname(out: Record<string, unknown>): void;
}

/** Options common to `Bun.listen` and `Bun.connect`. */
interface BunSocketOptions<T> {
  hostname?: string;
  port?: number;
  unix?: string;
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
  /** May call `connectError` before it returns (Unix ENOENT does). */
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
