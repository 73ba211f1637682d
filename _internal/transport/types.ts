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

/** `{ address, family, port }` as `net.Socket#address()` returns it. */
export interface NetAddress {
  /** The IP address as text, e.g. `127.0.0.1` or `::1`. */
  address: string;
  /** The port number. */
  port: number;
  /** The IP version, in Node's spelling. */
  family: "IPv4" | "IPv6";
}

/** Called with bytes, or with `null` once the peer has sent FIN. */
export type ReadCallback = (this: ConnectionHandle, chunk: Uint8Array | null) => void;
/** Called once a write has left our queue for the kernel (or failed). */
export type DoneCallback = (err: TransportError | null) => void;

/** One connected stream socket (TCP or Unix). */
export interface ConnectionHandle {
  /**
   * Receives data and EOF. Set before `readStart()`. Both callbacks are
   * called as methods of the handle (`this` = the handle), so a consumer can
   * use one shared function for every handle.
   */
  onRead: ReadCallback | null;
  /** Receives a read-side failure (e.g. ECONNRESET). The handle is dead after it. */
  onError: ((this: ConnectionHandle, err: TransportError) => void) | null;
  /** Starts (or resumes) delivering data. Idempotent. */
  readStart(): void;
  /** Stops asking the kernel for data, so the peer feels backpressure. */
  readStop(): void;
  /**
   * Bulk reads, for a reader that cannot observe how the bytes are cut (a
   * socket whose only consumers are `pipe()` destinations). While enabled,
   * one `onRead` may carry more than 64 KiB and follow the previous one
   * without the process.nextTick/microtask work libuv's reads leave room
   * for; disabled (the default), every chunk is at most 64 KiB, as libuv's
   * reads are, also for bytes read before the call. Idempotent and cheap:
   * net calls it whenever the socket's readers change. Optional: a handle
   * without it always reads as when disabled.
   */
  setBulkReads?(enable: boolean): void;
  /**
   * Queues bytes. The array must not be changed until `done` runs. `done`
   * may run synchronously when the kernel took everything at once. On a
   * handle already closed, `done` gets EBADF on a later turn, as libuv.
   */
  write(bytes: Uint8Array, done: DoneCallback): void;
  /** Queues several chunks as one write. */
  writev(chunks: Uint8Array[], done: DoneCallback): void;
  /** Bytes accepted by `write()` but not yet handed to the kernel. */
  readonly bufferedBytes: number;
  /** `bufferedBytes` under the name of Node's handle field, which code reads. */
  readonly writeQueueSize: number;
  /**
   * Sends FIN once queued writes are flushed; reading stays possible. Once
   * the peer's FIN was read, an implementation may leave our FIN to
   * `close()`, which the caller then owes promptly (net closes a socket as
   * soon as both directions have ended).
   */
  shutdown(done: DoneCallback): void;
  /**
   * Closes both directions and frees the socket. Idempotent. `done`, if
   * given, runs on a later turn once the socket is gone (libuv's close
   * callback, from which Node's net.Socket emits 'close'), also when the
   * handle died by itself first (a failed connect); a second `close()` or
   * `reset()` does nothing and its `done` never runs, as libuv's close of a
   * closing handle: a socket given another's `_handle`, as
   * @mswjs/interceptors' passthrough socket is, must not emit a second
   * 'close'). Bytes written before it still go out as far
   * as the kernel takes them, as Node's do (a handle whose writes settle on
   * a later turn sends its queue on until the kernel stops taking it); their
   * `done` callbacks get ECANCELED or, if already sent, success.
   */
  close(done?: () => void): void;
  /** Closes with RST where the runtime can; otherwise like `close()`. */
  reset(done?: () => void): void;
  /** Keeps the process alive while the connection is open (the default). */
  ref(): void;
  /** Lets the process exit even though the connection is open. */
  unref(): void;
  /** Turns Nagle's algorithm off (`true`) or back on (TCP_NODELAY). */
  setNoDelay(enable: boolean): void;
  /** As Node's handle and libuv: the initial delay is in seconds. */
  setKeepAlive(enable: boolean, initialDelaySecs: number): void;
  /** IP_TOS where the runtime exposes it; `undefined` if it cannot. */
  setTypeOfService?(tos: number): boolean;
  /** The current IP_TOS value, where the runtime exposes it. */
  getTypeOfService?(): number | undefined;
  /** Local side: `NetAddress` for TCP, the path for Unix. */
  localAddress(): NetAddress | string | null;
  /** Remote side: `NetAddress` for TCP, the path for Unix. */
  remoteAddress(): NetAddress | string | null;
}

/** A listening socket. */
export interface ListenerHandle {
  /**
   * Node's name and shape: receives each accepted connection (reading not
   * yet started), or an accept error, after which the listener goes on
   * accepting, as libuv's does. Neither a connection its peer reset before
   * the accept (dropped) nor running out of descriptors (the waiting
   * connections are shed, or wait) is reported. The listener calls it as a method
   * looked up at call time, so code that replaces `server._handle.onconnection`
   * (as Node's own tests do) is honoured.
   */
  onconnection: ((err: TransportError | null, conn: ConnectionHandle | null) => void) | null;
  address(): NetAddress | string;
  ref(): void;
  unref(): void;
  /**
   * Unix listeners: adds permission bits to the socket file (libuv's
   * `uv_pipe_chmod`: readableAll 0o444, writableAll 0o222); null on success.
   */
  fchmod?(bits: number): TransportError | null;
  /**
   * Stops accepting and frees the port. Live connections stay open. The port
   * may be released a turn later (Deno frees it once the pending accept is
   * cancelled); `done`, if given, runs once it is free, so a new listen on
   * the same address cannot meet EADDRINUSE: before close() returns where
   * the runtime frees it at once (Bun), so that net can queue 'close' on
   * the same tick as Node does.
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

/** Completion of a connect attempt: null once open, or the failure. */
export type ConnectCallback = (err: TransportError | null) => void;

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
  /** `unref()` on a handle still connecting lets the process exit. */
  unrefPendingConnect: boolean;
  /** `close()` on a handle still connecting releases the process at once. */
  cancelPendingConnect: boolean;
  /**
   * How strings written to sockets become bytes most cheaply: encoded into a
   * shared slab with `TextEncoder.encodeInto()` (Deno, whose `Buffer`
   * encodes in JS), or with `Buffer#write()` into a slab (Bun, where that is
   * native and `Buffer.from()` costs an allocation more). Absent means
   * `Buffer.from()`.
   */
  stringSlab?: "encodeInto" | "write";
}

/** A runtime's socket layer. */
export interface Transport {
  readonly capabilities: Capabilities;
  /** Binds and listens now; errors are returned, not thrown. */
  listenTcp(options: TcpListenOptions): ListenerHandle | TransportError;
  listenUnix(path: string, backlog: number): ListenerHandle | TransportError;
  /**
   * A TCP handle that is not connected yet, as libuv's `uv_tcp_init`: Node
   * code reads and patches `socket._handle` right after `connect()`, before
   * the name lookup is done. `connect()` on it starts the connect.
   */
  createTcp(): ConnectableHandle;
  /** A Unix stream handle that is not connected yet. */
  createPipe(): ConnectableHandle;
  /**
   * Adopts an already connected stream socket by descriptor (Node's
   * `new net.Socket({ fd })`), where the runtime can. The handle comes back
   * open; `done(null)` follows asynchronously unless `close()` came first.
   * Refusals (`ENOTSOCK`, `ENOTCONN`) come back at once.
   */
  openFd?(fd: number, done: ConnectCallback): ConnectionHandle | TransportError;
  /** Listens on a bound socket given by descriptor (`listen({ fd })`). */
  listenFd?(fd: number, backlog: number): ListenerHandle | TransportError;
  /**
   * An environment variable the program may read, never asking for it: on a
   * runtime with permissions, one not granted reads as unset, with no prompt
   * and no error (for what Node reads at startup, such as
   * `NODE_USE_ENV_PROXY`). Absent means `process.env`.
   */
  readEnv?(name: string): string | undefined;
}

/** A handle from `createTcp()`/`createPipe()`, before and while connecting. */
export interface ConnectableHandle extends ConnectionHandle {
  /**
   * Starts connecting (once). `done` runs asynchronously, exactly once, when
   * the connect succeeds or fails, unless `close()` was called first: then
   * never, and a connection that still opens is closed unseen.
   *
   * Until open, `ref`/`unref`/`setNoDelay`/`setKeepAlive`/`setTypeOfService`
   * and `readStart`/`readStop` are remembered and applied on open, the
   * addresses are null and `bufferedBytes` is 0; net never writes to or
   * shuts down a handle that is not open.
   */
  connect(target: TcpConnectOptions | string, done: ConnectCallback): void;
}

/** Narrows a `listen*` result. */
export function isTransportError(value: unknown): value is TransportError {
  return typeof value === "object" && value !== null && "syscall" in value &&
    "code" in value && !("onconnection" in value);
}
