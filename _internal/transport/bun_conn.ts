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
  ConnectableHandle,
  ConnectCallback,
  DoneCallback,
  NetAddress,
  ReadCallback,
  TcpConnectOptions,
  TransportError,
} from "./types.ts";
import {
  type BunConnectOptions,
  type BunError,
  bunGlobal,
  bunKeepAliveDelay,
  type BunSocket,
  type BunSocketHandlers,
  bunUnixPath,
  notASocket,
  refuseAdopted,
  setTypeOfService,
  SocketOptions,
  toTransportError,
} from "./bun_api.ts";
import process from "node:process";
import { setImmediate } from "node:timers";

const EOF_NONE = 0;
/** FIN seen (or implied by a clean close) but not yet handed to `onRead`. */
const EOF_PENDING = 1;
const EOF_DELIVERED = 2;

/**
 * `writev` joins this many bytes or fewer into one send: one copy of a few
 * small chunks costs less than a syscall (and a packet) per chunk.
 */
const kJoinLimit = 16 * 1024;

/**
 * The most one `onRead` carries. Bun reads up to 512 KiB at once; libuv
 * reads at most 64 KiB per callback and Node runs process.nextTick and
 * promise jobs between two reads, so code reacting to one 'data' event
 * (e.g. ending a response, which dumps the rest of the request body) acts
 * before the next arrives. Larger chunks are handed over as views of this
 * size, without copying, each after the work the previous one queued.
 */
const kMaxChunk = 64 * 1024;

/** The empty write queue, shared; never pushed to. */
const kNoBufs: Uint8Array[] = [];
const kNoDones: (DoneCallback | null)[] = [];

/** The part of the `Bun` global that connects; tests pass a scripted one. */
interface BunConnector {
  connect(options: BunConnectOptions<BunConnection>): unknown;
}

/** Which side of a Unix connection was named: `""` marks the unnamed one. */
interface UnixEnds {
  local: string;
  remote: string;
}

function netAddress(address: string | undefined, port: number | undefined, family: unknown) {
  if (address === undefined || port === undefined) return null;
  const fam: NetAddress["family"] = family === "IPv6" ? "IPv6" : "IPv4";
  return { address, family: fam, port };
}

function later(done: DoneCallback, err: TransportError | null): void {
  queueMicrotask(() => done(err));
}

/** One Bun socket as a libuv-shaped connection handle. */
export class BunConnection implements ConnectableHandle {
  onRead: ReadCallback | null = null;
  onError: ((err: TransportError) => void) | null = null;

  /** `null` before `open` and after Bun closed the socket. */
  #socket: BunSocket<BunConnection> | null = null;
  #unix: UnixEnds | null;
  /** The socket opened once; addresses are null until then. */
  #opened = false;
  #reading = false;
  /** Our `close()`/`reset()` ran: no callbacks of any kind after it. */
  #closed = false;
  #eof = EOF_NONE;
  /** Chunks that arrived while reading was stopped, oldest first. */
  #held: Uint8Array[] | null = null;
  /** `#drip` bound, for queueMicrotask. */
  #dripFn: (() => void) | null = null;
  /** A `#drip` is queued: it hands over what is held, then a pending EOF. */
  #dripQueued = false;
  /** Bun was told `pause()` and not `resume()` since. */
  #bunPaused = false;

  // The write queue: parallel arrays from `#qHead`, so queuing allocates no
  // record per write. Only the last chunk of a write carries its `done`.
  // Both start as (and return to) shared empty arrays: most sockets never
  // queue a write, since Bun takes whole writes at once until the kernel's
  // buffer fills, and an idle connection then holds no queue of its own.
  #qBufs: Uint8Array[] = kNoBufs;
  #qDone: (DoneCallback | null)[] = kNoDones;
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

  /** Not open yet: created to connect, or connecting. */
  #pending = false;
  /** Set until `connect()` has been called. */
  #connector: BunConnector | null = null;
  #connectDone: ConnectCallback | null = null;
  /** Bun.connect() is on the stack: it calls back synchronously at times. */
  #connectInCall = false;
  /** The outcome Bun reported inside the call, to be settled after it. */
  #early: TransportError | null | undefined = undefined;
  #bindRequested = false;
  /** Opening an existing fd: refusals made inside the call are returned. */
  #adopting = false;
  #refusal: TransportError | null = null;

  /** The latest options set while pending, applied on open. */
  #options: SocketOptions | null = null;
  /** The user's ref()/unref(). */
  #userRef = true;
  /** What Bun was last told (true = ref'd, Bun's default). */
  #bunRef = true;

  constructor(unix: UnixEnds | null) {
    this.#unix = unix;
  }

  /**
   * Wraps a socket Bun just opened. Nothing is delivered before
   * `readStart()`, but Bun is told to pause only when data comes first:
   * Bun's `resume()` also polls the socket for writability, which costs a
   * wakeup and, epoll being level-triggered, leaves the socket queued ahead
   * of others that became readable before it (a FIN from one peer is then
   * seen after data another peer sent later). Open-then-readStart, the
   * usual sequence, so never pauses.
   */
  static adopt(socket: BunSocket<unknown>, unix: UnixEnds | null): BunConnection {
    const conn = new BunConnection(unix);
    const own = socket as BunSocket<BunConnection>;
    own.data = conn;
    conn.#socket = own;
    conn.#opened = true;
    conn.#syncRef();
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
    if (this.#eof === EOF_NONE && this.#bunPaused) {
      this.#bunPaused = false;
      this.#socket?.resume();
    }
    this.#syncRef();
  }

  readStop(): void {
    if (!this.#reading) return;
    this.#reading = false;
    this.#pauseBun();
    this.#syncRef();
  }

  #pauseBun(): void {
    const socket = this.#socket;
    if (socket === null || this.#bunPaused) return;
    this.#bunPaused = true;
    socket.pause();
  }

  /**
   * libuv's rule, which Node's ref/unref builds on: a handle holds the
   * process only while active (reading, writing or shutting down). A
   * stopped, idle socket lets the process exit even when ref'd; Bun holds
   * every open socket, so its ref follows that state here. Reading ends at
   * EOF: libuv stops polling a stream once the peer's FIN is read, so a
   * socket nobody closes after it no longer keeps the process alive.
   */
  #syncRef(): void {
    const socket = this.#socket;
    if (socket === null || this.#closed) return;
    const active = (this.#reading && this.#eof === EOF_NONE) || this.#qHead < this.#qBufs.length ||
      this.#shutdownDone !== null;
    const want = this.#userRef && active;
    if (want === this.#bunRef) return;
    this.#bunRef = want;
    if (want) socket.ref();
    else socket.unref();
  }

  write(bytes: Uint8Array, done: DoneCallback): void {
    if (this.#closed) return;
    const socket = this.#socket;
    if (this.#writeEnded || (socket === null && !this.#pending)) {
      return later(done, this.#writeError());
    }
    // While pending, writes wait in the queue for `open`.
    if (socket === null || this.#qHead < this.#qBufs.length) {
      return this.#enqueue(bytes, 0, done);
    }
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
    if (this.#writeEnded || (socket === null && !this.#pending)) {
      return later(done, this.#writeError());
    }
    let i = 0;
    let offset = 0;
    if (socket !== null && this.#qHead === this.#qBufs.length) {
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
    if ((this.#socket === null && !this.#pending) || this.#writeEnded) {
      return later(done, { code: "ENOTCONN", syscall: "shutdown" });
    }
    this.#writeEnded = true;
    this.#shutdownDone = done;
    // A pending one waits for `open`, which flushes the queue first.
    if (this.#socket !== null && this.#qHead === this.#qBufs.length) this.#finishShutdown();
  }

  close(done?: () => void): void {
    if (done !== undefined) setImmediate(done);
    if (this.#closed) return;
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  reset(done?: () => void): void {
    if (done !== undefined) setImmediate(done);
    if (this.#closed) return;
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.terminate();
  }

  // The option setters remember the latest value for a pending connect and
  // apply it now when the socket is open.

  ref(): void {
    this.#userRef = true;
    if (this.#socket !== null) this.#syncRef();
    else if (this.#pending) this.#pendingOptions().refed = true;
  }

  unref(): void {
    this.#userRef = false;
    if (this.#socket !== null) this.#syncRef();
    else if (this.#pending) this.#pendingOptions().refed = false;
  }

  setNoDelay(enable: boolean): void {
    if (this.#socket !== null) this.#socket.setNoDelay(enable);
    else if (this.#pending) this.#pendingOptions().noDelay = enable;
  }

  setKeepAlive(enable: boolean, initialDelaySecs: number): void {
    const ms = bunKeepAliveDelay(initialDelaySecs);
    if (this.#socket !== null) this.#socket.setKeepAlive(enable, ms);
    else if (this.#pending) this.#pendingOptions().keepAlive = [enable, ms];
  }

  setTypeOfService(tos: number): boolean {
    if (this.#unix !== null) return false;
    const socket = this.#socket;
    if (socket !== null) return setTypeOfService(socket, tos);
    if (!this.#pending || this.#closed) return false;
    this.#pendingOptions().tos = tos;
    return true;
  }

  getTypeOfService(): number | undefined {
    if (this.#unix !== null) return undefined;
    const socket = this.#socket;
    if (socket === null) return this.#pending ? this.#options?.tos ?? undefined : undefined;
    const tos = socket.getTypeOfService();
    return tos < 0 ? undefined : tos;
  }

  localAddress(): NetAddress | string | null {
    if (!this.#opened) return null;
    if (this.#unix !== null) return this.#unix.local;
    const s = this.#socket;
    if (this.#local === null && s !== null) {
      this.#local = netAddress(s.localAddress, s.localPort, s.localFamily);
    }
    return this.#local === null ? null : { ...this.#local };
  }

  remoteAddress(): NetAddress | string | null {
    if (!this.#opened) return null;
    if (this.#unix !== null) return this.#unix.remote;
    const s = this.#socket;
    if (this.#remote === null && s !== null) {
      this.#remote = netAddress(s.remoteAddress, s.remotePort, s.remoteFamily);
    }
    return this.#remote === null ? null : { ...this.#remote };
  }

  #pendingOptions(): SocketOptions {
    return this.#options ??= new SocketOptions();
  }

  #markClosed(): void {
    this.#closed = true;
    this.#connectDone = null;
    this.#reading = false;
    this.#held = null;
    this.#shutdownDone = null;
    this.#qBufs = kNoBufs;
    this.#qDone = kNoDones;
    this.#qHead = 0;
    this.#qOffset = 0;
    this.#buffered = 0;
  }

  #writeError(): TransportError {
    return { code: this.#deadCode ?? "EPIPE", syscall: "write" };
  }

  #enqueue(bytes: Uint8Array, taken: number, done: DoneCallback | null): void {
    if (this.#qBufs === kNoBufs) {
      this.#qBufs = [];
      this.#qDone = [];
    }
    if (this.#qHead === this.#qBufs.length) this.#qOffset = taken;
    this.#qBufs.push(bytes);
    this.#qDone.push(done);
    this.#buffered += bytes.byteLength - taken;
    if (!this.#bunRef) this.#syncRef();
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
        this.#syncRef();
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
    this.#qBufs = kNoBufs;
    this.#qDone = kNoDones;
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
    if (this.#closed) return;
    const size = chunk.byteLength;
    if (!this.#reading || this.#held !== null) {
      for (let at = 0; at < size; at += kMaxChunk) {
        (this.#held ??= []).push(size <= kMaxChunk ? chunk : chunk.subarray(at, at + kMaxChunk));
      }
      if (!this.#reading) this.#pauseBun();
      return;
    }
    // Called as a method: net keeps one shared function, not a closure.
    if (size <= kMaxChunk) return this.onRead?.(chunk);
    const rest: Uint8Array[] = [];
    for (let at = kMaxChunk; at < size; at += kMaxChunk) {
      rest.push(chunk.subarray(at, at + kMaxChunk));
    }
    this.#held = rest;
    this.onRead?.(chunk.subarray(0, kMaxChunk));
    this.#queueDrip();
  }

  /**
   * A tick, then a microtask: the next slice comes after the nextTick work
   * the last one queued and the promise jobs that work queued, as Node
   * drains both between two reads. A microtask alone would starve ticks.
   */
  #queueDrip(): void {
    if (this.#dripQueued) return;
    this.#dripQueued = true;
    // Made once, and only by connections that ever read this much.
    process.nextTick(queueMicrotask, this.#dripFn ??= () => this.#drip());
  }

  /** Hands over one held slice of a large read, then queues the next. */
  #drip(): void {
    this.#dripQueued = false;
    const held = this.#held;
    if (!this.#reading || this.#closed) return;
    if (held !== null) {
      const chunk = held.shift()!;
      if (held.length === 0) this.#held = null;
      this.onRead?.(chunk);
    }
    if (this.#held !== null) this.#queueDrip();
    else if (this.#eof === EOF_PENDING) this.#deliverHeld();
  }

  #onEnd(): void {
    if (this.#eof !== EOF_NONE || this.#closed) return;
    this.#eof = EOF_PENDING;
    // A queued drip delivers the EOF after the slices it still holds.
    if (this.#reading && !this.#dripQueued) this.#deliverHeld();
    this.#syncRef();
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
    if (this.#reading && !this.#dripQueued) this.#deliverHeld();
  }

  // --- connect ---------------------------------------------------------------

  /**
   * A handle to connect later, for `Transport.createTcp`/`createPipe`.
   * `bun` is replaced in tests.
   */
  static create(pipe: boolean, bun: BunConnector = bunGlobal()): BunConnection {
    const conn = new BunConnection(pipe ? { local: "", remote: "" } : null);
    conn.#pending = true;
    conn.#connector = bun;
    return conn;
  }

  /** See `ConnectableHandle.connect`; only the first call counts. */
  connect(target: TcpConnectOptions | string, done: ConnectCallback): void {
    const bun = this.#connector;
    if (bun === null || this.#closed) return;
    this.#connector = null;
    this.#connectDone = done;
    if (typeof target === "string") {
      this.#unix = { local: "", remote: target };
      return this.#start(bun, { unix: bunUnixPath(target) });
    }
    this.#unix = null;
    const { host, port, localAddress, localPort } = target;
    if (localAddress === undefined && localPort === undefined) {
      return this.#start(bun, { hostname: host, port });
    }
    this.#bindRequested = true;
    // Bun ignores `localPort` without `localAddress`.
    const any = host.includes(":") ? "::" : "0.0.0.0";
    this.#start(bun, {
      hostname: host,
      port,
      localAddress: localAddress ?? any,
      localPort: localPort ?? 0,
    });
  }

  /**
   * Opens an already connected stream socket by its fd. Bun opens an fd
   * before `connect` returns, so a refusal is returned here (and `done`
   * never runs); `done(null)` follows asynchronously otherwise.
   */
  static adoptFd(
    fd: number,
    done: ConnectCallback,
    bun: BunConnector = bunGlobal(),
  ): BunConnection | TransportError {
    const conn = new BunConnection(null);
    conn.#pending = true;
    conn.#adopting = true;
    conn.#connectDone = done;
    conn.#start(bun, { fd });
    return conn.#refusal ?? conn;
  }

  #start(bun: BunConnector, options: Omit<BunConnectOptions<BunConnection>, "socket">): void {
    this.#connectInCall = true;
    try {
      // With a `connectError` handler Bun rejects this promise as handled.
      bun.connect({
        ...options,
        allowHalfOpen: true,
        data: this,
        socket: BunConnection.clientEvents,
      });
    } catch (err) {
      this.#connectFailed(err);
    }
    this.#connectInCall = false;
    // Scheduled only now: Bun may drain microtasks before connect() returns.
    const early = this.#early;
    if (early !== undefined) {
      this.#early = undefined;
      queueMicrotask(() => this.#settle(early));
    }
  }

  #connected(socket: BunSocket<BunConnection>): void {
    this.#pending = false;
    if (this.#closed) {
      socket.close();
      return;
    }
    if (this.#adopting) {
      const refusal = refuseAdopted(socket);
      if (refusal !== null) {
        // Bun owns the fd now: closing the socket is the only way to free it.
        this.#deadCode = refusal.code;
        socket.close();
        return this.#refuse(refusal);
      }
      if (socket.localAddress === undefined) this.#unix = { local: "", remote: "" };
    }
    this.#socket = socket;
    this.#opened = true;
    this.#options?.apply(socket, this.#unix === null);
    this.#bunRef = this.#options?.refed ?? true;
    this.#syncRef();
    if (this.#connectInCall) this.#early = null;
    else this.#settle(null);
  }

  #connectFailed(err: unknown): void {
    this.#pending = false;
    if (this.#closed) return;
    const e = toTransportError(err, "connect", "ECONNREFUSED");
    // Node names `bind` when the local address cannot be taken.
    if (
      this.#bindRequested &&
      (e.code === "EADDRINUSE" || e.code === "EADDRNOTAVAIL" || e.code === "EINVAL")
    ) {
      e.syscall = "bind";
    }
    // Bun says ECONNREFUSED for an fd that is closed or not a socket.
    const failure = this.#adopting ? notASocket() : e;
    this.#deadCode = failure.code;
    this.#refuse(failure);
  }

  #refuse(err: TransportError): void {
    if (this.#connectInCall) {
      if (this.#adopting) {
        this.#refusal = err;
        this.#connectDone = null;
      } else {
        this.#early = err;
      }
      return;
    }
    // Always deferred: thrown from Bun's `connectError`, an exception in
    // `done` would turn into a rejection of Bun's promise, not an uncaught error.
    queueMicrotask(() => this.#settle(err));
  }

  #settle(err: TransportError | null): void {
    const done = this.#connectDone;
    if (done === null) return;
    this.#connectDone = null;
    done(err);
    if (err !== null) {
      if (!this.#closed) this.#failWrites(err.code);
    } else if (this.#qHead < this.#qBufs.length || this.#shutdownDone !== null) {
      this.#flush();
    }
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

  /** Events of `Bun.connect` sockets; public for the scripted tests. */
  static readonly clientEvents: BunSocketHandlers<BunConnection> = {
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
