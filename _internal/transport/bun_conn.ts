/**
 * A connection handle over a Bun socket, and the handler objects Bun calls.
 *
 * Bun pushes events to one handler object per `listen`/`connect` call; the
 * per-connection state is a `BunConnection` kept in `socket.data`, so no
 * closure is made per connection or per write.
 *
 * @module
 */
import type {
  ConnectCallback,
  ConnectionHandle,
  DoneCallback,
  NetAddress,
  ReadCallback,
  TransportError,
} from "./types.ts";
import {
  type BunConnectOptions,
  type BunError,
  bunGlobal,
  type BunSocket,
  type BunSocketHandlers,
  toTransportError,
} from "./bun_api.ts";

const EOF_NONE = 0;
/** FIN seen (or implied by a clean close) but not yet handed to `onRead`. */
const EOF_PENDING = 1;
const EOF_DELIVERED = 2;

/**
 * `writev` joins this many bytes or fewer into one send: one copy of a few
 * small chunks costs less than a syscall (and a packet) per chunk.
 */
const kJoinLimit = 16 * 1024;

/** Which side of a Unix connection was named: `""` marks the unnamed one. */
interface UnixEnds {
  local: string;
  remote: string;
}

function netAddress(address: string | undefined, port: number | undefined, family: unknown) {
  if (address === undefined || port === undefined) return null;
  const fam: NetAddress["family"] = family === "IPv6" ? "IPv6" : "IPv4";
  return { address, port, family: fam };
}

function later(done: DoneCallback, err: TransportError | null): void {
  queueMicrotask(() => done(err));
}

/** One Bun socket as a libuv-shaped connection handle. */
export class BunConnection implements ConnectionHandle {
  onRead: ReadCallback | null = null;
  onError: ((err: TransportError) => void) | null = null;

  /** `null` before `open` and after Bun closed the socket. */
  #socket: BunSocket<BunConnection> | null = null;
  #unix: UnixEnds | null;
  #reading = false;
  /** Our `close()`/`reset()` ran: no callbacks of any kind after it. */
  #closed = false;
  #eof = EOF_NONE;
  /** Chunks that arrived while reading was stopped, oldest first. */
  #held: Uint8Array[] | null = null;

  // The write queue: parallel arrays from `#qHead`, so queuing allocates no
  // record per write. Only the last chunk of a write carries its `done`.
  #qBufs: Uint8Array[] = [];
  #qDone: (DoneCallback | null)[] = [];
  #qHead = 0;
  /** Bytes of the head chunk already taken by the kernel. */
  #qOffset = 0;
  #buffered = 0;
  /** `shutdown(done)` waiting for the queue to empty. */
  #shutdownDone: DoneCallback | null = null;
  /** `shutdown()` was asked for: later writes fail with EPIPE. */
  #writeEnded = false;
  /** Why the socket died; later writes fail with it. */
  #deadCode: string | null = null;

  #local: NetAddress | null = null;
  #remote: NetAddress | null = null;

  // Connect state: `done` until settled, and whether Bun.connect() is still
  // on the stack (it calls back synchronously for some failures).
  #connectDone: ConnectCallback | null = null;
  #connectInCall = false;
  #cancelled = false;
  #bindRequested = false;

  constructor(unix: UnixEnds | null) {
    this.#unix = unix;
  }

  /** Wraps a socket Bun just opened; reading is paused until `readStart()`. */
  static adopt(socket: BunSocket<unknown>, unix: UnixEnds | null): BunConnection {
    const conn = new BunConnection(unix);
    const own = socket as BunSocket<BunConnection>;
    own.data = conn;
    conn.#socket = own;
    own.pause();
    return conn;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  readStart(): void {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    if (this.#held !== null || this.#eof === EOF_PENDING) {
      this.#deliverHeld();
      if (!this.#reading || this.#closed) return;
    }
    if (this.#eof === EOF_NONE) this.#socket?.resume();
  }

  readStop(): void {
    if (!this.#reading) return;
    this.#reading = false;
    this.#socket?.pause();
  }

  write(bytes: Uint8Array, done: DoneCallback): void {
    if (this.#closed) return;
    const socket = this.#socket;
    if (socket === null || this.#writeEnded) return later(done, this.#writeError());
    if (this.#qHead < this.#qBufs.length) return this.#enqueue(bytes, 0, done);
    const n = socket.write(bytes);
    if (n === bytes.byteLength) return done(null);
    if (n < 0 || this.#socket !== socket) return later(done, this.#writeError());
    this.#enqueue(bytes, n, done);
  }

  writev(chunks: Uint8Array[], done: DoneCallback): void {
    if (chunks.length === 1) return this.write(chunks[0], done);
    let total = 0;
    for (let i = 0; i < chunks.length; i++) total += chunks[i].byteLength;
    if (total <= kJoinLimit) return this.write(join(chunks, total), done);
    if (this.#closed) return;
    const socket = this.#socket;
    if (socket === null || this.#writeEnded) return later(done, this.#writeError());
    let i = 0;
    let offset = 0;
    if (this.#qHead === this.#qBufs.length) {
      for (; i < chunks.length; i++) {
        const n = socket.write(chunks[i]);
        if (n < 0 || this.#socket !== socket) return later(done, this.#writeError());
        if (n < chunks[i].byteLength) {
          offset = n;
          break;
        }
      }
      if (i === chunks.length) return done(null);
    }
    for (; i < chunks.length; i++) {
      this.#enqueue(chunks[i], offset, i === chunks.length - 1 ? done : null);
      offset = 0;
    }
  }

  shutdown(done: DoneCallback): void {
    if (this.#closed) return;
    if (this.#socket === null || this.#writeEnded) {
      return later(done, { code: "ENOTCONN", syscall: "shutdown" });
    }
    this.#writeEnded = true;
    this.#shutdownDone = done;
    if (this.#qHead === this.#qBufs.length) this.#finishShutdown();
  }

  close(): void {
    if (this.#closed) return;
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  reset(): void {
    if (this.#closed) return;
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.terminate();
  }

  ref(): void {
    this.#socket?.ref();
  }

  unref(): void {
    this.#socket?.unref();
  }

  setNoDelay(enable: boolean): void {
    this.#socket?.setNoDelay(enable);
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    // Bun rejects delays outside int32 with a RangeError; Node clamps quietly.
    const delay = Math.min(Math.max(Math.trunc(initialDelayMs) || 0, 0), 0x7fffffff);
    this.#socket?.setKeepAlive(enable, delay);
  }

  setTypeOfService(tos: number): boolean {
    const socket = this.#socket;
    if (socket === null || this.#unix !== null) return false;
    try {
      return socket.setTypeOfService(tos) === 0;
    } catch {
      return false;
    }
  }

  getTypeOfService(): number | undefined {
    const socket = this.#socket;
    if (socket === null || this.#unix !== null) return undefined;
    const tos = socket.getTypeOfService();
    return tos < 0 ? undefined : tos;
  }

  localAddress(): NetAddress | string | null {
    if (this.#unix !== null) return this.#unix.local;
    const s = this.#socket;
    if (this.#local === null && s !== null) {
      this.#local = netAddress(s.localAddress, s.localPort, s.localFamily);
    }
    return this.#local === null ? null : { ...this.#local };
  }

  remoteAddress(): NetAddress | string | null {
    if (this.#unix !== null) return this.#unix.remote;
    const s = this.#socket;
    if (this.#remote === null && s !== null) {
      this.#remote = netAddress(s.remoteAddress, s.remotePort, s.remoteFamily);
    }
    return this.#remote === null ? null : { ...this.#remote };
  }

  #markClosed(): void {
    this.#closed = true;
    this.#reading = false;
    this.#held = null;
    this.#shutdownDone = null;
    this.#qBufs = [];
    this.#qDone = [];
    this.#qHead = 0;
    this.#qOffset = 0;
    this.#buffered = 0;
  }

  #writeError(): TransportError {
    return { code: this.#deadCode ?? "EPIPE", syscall: "write" };
  }

  #enqueue(bytes: Uint8Array, taken: number, done: DoneCallback | null): void {
    if (this.#qHead === this.#qBufs.length) this.#qOffset = taken;
    this.#qBufs.push(bytes);
    this.#qDone.push(done);
    this.#buffered += bytes.byteLength - taken;
  }

  /** Writes queued chunks until the kernel pushes back; runs on `drain`. */
  #flush(): void {
    const bufs = this.#qBufs;
    const dones = this.#qDone;
    while (this.#qHead < bufs.length) {
      const socket = this.#socket;
      if (socket === null || this.#closed) return;
      const head = this.#qHead;
      const buf = bufs[head];
      const rest = buf.byteLength - this.#qOffset;
      const n = socket.write(buf, this.#qOffset, rest);
      // A close handler that ran inside write() has already failed the queue.
      if (this.#socket !== socket) return;
      if (n < 0) return this.#failWrites(this.#deadCode ?? "EPIPE");
      this.#buffered -= n;
      if (n < rest) {
        this.#qOffset += n;
        return;
      }
      const done = dones[head];
      this.#qHead = head + 1;
      this.#qOffset = 0;
      if (this.#qHead === bufs.length) {
        bufs.length = 0;
        dones.length = 0;
        this.#qHead = 0;
      }
      if (done !== null) done(null);
    }
    if (this.#shutdownDone !== null && !this.#closed) this.#finishShutdown();
  }

  #finishShutdown(): void {
    const done = this.#shutdownDone!;
    this.#shutdownDone = null;
    const socket = this.#socket;
    if (socket === null) {
      return later(done, { code: this.#deadCode ?? "ENOTCONN", syscall: "shutdown" });
    }
    socket.shutdown();
    later(done, null);
  }

  /** Fails every queued write and a waiting shutdown, oldest first. */
  #failWrites(code: string): void {
    const dones = this.#qDone.slice(this.#qHead);
    const shutdownDone = this.#shutdownDone;
    this.#qBufs = [];
    this.#qDone = [];
    this.#qHead = 0;
    this.#qOffset = 0;
    this.#buffered = 0;
    this.#shutdownDone = null;
    for (const done of dones) {
      if (this.#closed) return;
      if (done !== null) done({ code, syscall: "write" });
    }
    if (shutdownDone !== null && !this.#closed) shutdownDone({ code, syscall: "shutdown" });
  }

  /** Hands over held chunks, then a pending EOF, while reading stays on. */
  #deliverHeld(): void {
    while (this.#reading && !this.#closed) {
      const held = this.#held;
      if (held === null) break;
      const chunk = held.shift()!;
      if (held.length === 0) this.#held = null;
      this.onRead?.(chunk);
    }
    if (this.#held === null && this.#eof === EOF_PENDING && this.#reading && !this.#closed) {
      this.#eof = EOF_DELIVERED;
      this.onRead?.(null);
    }
  }

  #onData(chunk: Uint8Array): void {
    // Bun hands each call a fresh Buffer it never touches again: no copy.
    if (this.#reading && this.#held === null) {
      const cb = this.onRead;
      if (cb !== null) cb(chunk);
    } else if (!this.#closed) {
      (this.#held ??= []).push(chunk);
    }
  }

  #onEnd(): void {
    if (this.#eof !== EOF_NONE || this.#closed) return;
    this.#eof = EOF_PENDING;
    if (this.#reading) this.#deliverHeld();
  }

  #onClose(err: BunError | undefined): void {
    if (this.#closed) return;
    this.#socket = null;
    if (err !== undefined && err !== null) {
      const e = toTransportError(err, "read", "ECONNRESET");
      this.#deadCode = e.code;
      // After EOF the read side is over; the failure belongs to writes only.
      if (this.#eof !== EOF_DELIVERED) this.onError?.(e);
      if (!this.#closed) this.#failWrites(e.code);
      return;
    }
    // Bun closes without an `end` event when FIN arrives after our own
    // shutdown: that close is the peer's EOF.
    this.#deadCode = "EPIPE";
    if (this.#eof === EOF_NONE) this.#eof = EOF_PENDING;
    this.#failWrites("EPIPE");
    if (this.#reading) this.#deliverHeld();
  }

  // --- connect ---------------------------------------------------------------

  /** Starts `Bun.connect`; see `Transport.connectTcp` for the contract. */
  static connect(
    options: Omit<BunConnectOptions<BunConnection>, "socket">,
    unix: UnixEnds | null,
    done: ConnectCallback,
  ): () => void {
    const conn = new BunConnection(unix);
    conn.#connectDone = done;
    conn.#bindRequested = options.localAddress !== undefined;
    conn.#connectInCall = true;
    try {
      // With a `connectError` handler Bun rejects this promise as handled.
      bunGlobal().connect({
        ...options,
        allowHalfOpen: true,
        data: conn,
        socket: BunConnection.#clientHandlers,
      });
    } catch (err) {
      conn.#connectFailed(err);
    }
    conn.#connectInCall = false;
    return () => conn.#cancel();
  }

  #cancel(): void {
    if (this.#connectDone === null) return;
    this.#connectDone = null;
    this.#cancelled = true;
    // A socket that opened while its `done` was still queued is ours to drop.
    if (this.#socket !== null) this.close();
  }

  #connected(socket: BunSocket<BunConnection>): void {
    if (this.#cancelled) {
      this.#closed = true;
      socket.close();
      return;
    }
    this.#socket = socket;
    socket.pause();
    if (this.#connectInCall) queueMicrotask(() => this.#settle(null));
    else this.#settle(null);
  }

  #connectFailed(err: unknown): void {
    if (this.#cancelled) return;
    const e = toTransportError(err, "connect", "ECONNREFUSED");
    // Node names `bind` when the local address cannot be taken.
    if (
      this.#bindRequested &&
      (e.code === "EADDRINUSE" || e.code === "EADDRNOTAVAIL" || e.code === "EINVAL")
    ) {
      e.syscall = "bind";
    }
    // Always deferred: thrown from Bun's `connectError`, an exception in
    // `done` would turn into a rejection of Bun's promise, not an uncaught error.
    queueMicrotask(() => this.#settle(e));
  }

  #settle(err: TransportError | null): void {
    const done = this.#connectDone;
    if (done === null) return;
    this.#connectDone = null;
    if (err === null) done(null, this);
    else done(err, null);
  }

  /** Events shared by accepted and connected sockets. */
  static readonly events: BunSocketHandlers<BunConnection> = {
    data(socket, chunk) {
      socket.data.#onData(chunk);
    },
    drain(socket) {
      const conn = socket.data;
      if (conn.#socket === socket) conn.#flush();
    },
    end(socket) {
      const conn = socket.data;
      if (conn.#socket === socket) conn.#onEnd();
    },
    close(socket, err) {
      const conn = socket.data;
      if (conn.#socket === socket) conn.#onClose(err);
    },
  };

  static readonly #clientHandlers: BunSocketHandlers<BunConnection> = {
    ...BunConnection.events,
    open(socket) {
      socket.data.#connected(socket);
    },
    connectError(socket, err) {
      socket.data.#connectFailed(err);
    },
  };
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].byteLength;
  }
  return out;
}
