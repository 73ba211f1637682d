/**
 * The transport contract: what `net` needs from a runtime's sockets. It is
 * libuv-shaped and push-based: reads are started and stopped, data arrives
 * through a callback, writes complete through a callback. No runtime code
 * lives here; `deno.ts` and `bun.ts` implement it.
 *
 * @module
 */

/** An error from the runtime, reduced to Node's names. */
export interface TransportError {
  /** Node's error code: `ECONNRESET`, `EADDRINUSE`, ... */
  code: string;
  /** The operation that failed: `connect`, `listen`, `read`, `write`, ... */
  syscall: string;
  /** The runtime's own text, for diagnostics only. */
  detail?: string;
}

/** `{ address, port, family }` as `net.Socket#address()` returns it. */
export interface NetAddress {
  address: string;
  port: number;
  family: "IPv4" | "IPv6";
}

/** Called with bytes, or with `null` once the peer has sent FIN. */
export type ReadCallback = (chunk: Uint8Array | null) => void;
/** Called once a write has left our queue for the kernel (or failed). */
export type DoneCallback = (err: TransportError | null) => void;

/** One connected stream socket (TCP or Unix). */
export interface ConnectionHandle {
  /** Receives data and EOF. Set before `readStart()`. */
  onRead: ReadCallback | null;
  /** Receives a read-side failure (e.g. ECONNRESET). The handle is dead after it. */
  onError: ((err: TransportError) => void) | null;
  /** Starts (or resumes) delivering data. Idempotent. */
  readStart(): void;
  /** Stops asking the kernel for data, so the peer feels backpressure. */
  readStop(): void;
  /**
   * Queues bytes. The array must not be changed until `done` runs. `done`
   * may run synchronously when the kernel took everything at once.
   */
  write(bytes: Uint8Array, done: DoneCallback): void;
  /** Queues several chunks as one write. */
  writev(chunks: Uint8Array[], done: DoneCallback): void;
  /** Bytes accepted by `write()` but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** Sends FIN once queued writes are flushed; reading stays possible. */
  shutdown(done: DoneCallback): void;
  /** Closes both directions and frees the socket. Idempotent. */
  close(): void;
  /** Closes with RST where the runtime can; otherwise like `close()`. */
  reset(): void;
  ref(): void;
  unref(): void;
  setNoDelay(enable: boolean): void;
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  /** IP_TOS where the runtime exposes it; `undefined` if it cannot. */
  setTypeOfService?(tos: number): boolean;
  getTypeOfService?(): number | undefined;
  /** Local side: `NetAddress` for TCP, the path for Unix. */
  localAddress(): NetAddress | string | null;
  /** Remote side: `NetAddress` for TCP, the path for Unix. */
  remoteAddress(): NetAddress | string | null;
}

/** A listening socket. */
export interface ListenerHandle {
  /** Receives each accepted connection, reading not yet started. */
  onConnection: ((conn: ConnectionHandle) => void) | null;
  /** Receives a fatal accept error. */
  onError: ((err: TransportError) => void) | null;
  address(): NetAddress | string;
  ref(): void;
  unref(): void;
  /**
   * Stops accepting and frees the port. Live connections stay open. The port
   * may be released a turn later (Deno frees it once the pending accept is
   * cancelled); `done`, if given, runs asynchronously once it is free, so a
   * new listen on the same address cannot meet EADDRINUSE.
   */
  close(done?: () => void): void;
}

/** What `listenTcp` takes; `host` is a literal IP address. */
export interface TcpListenOptions {
  host: string;
  port: number;
  backlog: number;
  reusePort: boolean;
  ipv6Only: boolean;
  exclusive: boolean;
}

/** What `connectTcp` takes; `host` is a literal IP address. */
export interface TcpConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
}

/** Completion of a connect attempt. */
export type ConnectCallback = (
  err: TransportError | null,
  conn: ConnectionHandle | null,
) => void;

/** What a runtime can and cannot do, reported once; `net` never names a runtime. */
export interface Capabilities {
  /** The runtime's name, for diagnostics and test labels only. */
  runtime: string;
  /** `listen({ backlog })` reaches the kernel. */
  backlog: boolean;
  reusePort: boolean;
  ipv6Only: boolean;
  /** `connect({ localAddress, localPort })` binds before connecting. */
  localBind: boolean;
  /** `setKeepAlive(true, delay)` honours the delay. */
  keepAliveDelay: boolean;
  /** A true RST on `reset()`. */
  reset: boolean;
}

/** A runtime's socket layer. */
export interface Transport {
  readonly capabilities: Capabilities;
  /** Binds and listens now; errors are returned, not thrown. */
  listenTcp(options: TcpListenOptions): ListenerHandle | TransportError;
  listenUnix(path: string, backlog: number): ListenerHandle | TransportError;
  /**
   * Starts a connect. `done` runs asynchronously, exactly once, unless the
   * returned cancel function runs first.
   */
  connectTcp(options: TcpConnectOptions, done: ConnectCallback): () => void;
  connectUnix(path: string, done: ConnectCallback): () => void;
}

/** Narrows a `listen*` result. */
export function isTransportError(value: unknown): value is TransportError {
  return typeof value === "object" && value !== null && "syscall" in value &&
    "code" in value && !("onConnection" in value);
}
