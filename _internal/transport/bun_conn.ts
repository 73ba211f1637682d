/**
 * A connection handle over a Bun socket, and the handler objects Bun calls.
 *
 * Bun pushes events to one handler object per `listen`/`connect` call; the
 * per-connection state is a `BunConnection` kept in `socket.data`, so no
 * closure is made per connection or per write.
 *
 * Thousands of connections sit idle in a server, so a handle keeps only what
 * an idle socket needs in its own fields (its state as bit flags); the write
 * queue, the connect state and rarely used values live in objects made when
 * first needed.
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

// The bits of `#flags`. All clear: a new open handle, ref'd, not reading.
/** The socket opened once; addresses are null until then. */
const kOpened = 1 << 0;
const kReading = 1 << 1;
/** Our `close()`/`reset()` ran: no callbacks after it but a later write's EBADF. */
const kClosed = 1 << 2;
/** FIN seen (or implied by a clean close) but not yet handed to `onRead`. */
const kEofPending = 1 << 3;
const kEofDelivered = 1 << 4;
const kEof = kEofPending | kEofDelivered;
/** A `#drip` is queued: it hands over what is held, then a pending EOF. */
const kDripQueued = 1 << 5;
/** Bun was told `pause()` and not `resume()` since. */
const kBunPaused = 1 << 6;
/** Not open yet: created to connect, or connecting. */
const kPending = 1 << 7;
/** `shutdown()` was asked for: later writes fail with EPIPE. */
const kWriteEnded = 1 << 8;
/** The user called `unref()` (and not `ref()` since). */
const kUserUnref = 1 << 9;
/** What Bun was last told: set when unref'd (Bun's default is ref'd). */
const kBunUnref = 1 << 10;
/** `setBulkReads(true)`: Bun's reads are handed on whole. */
const kBulk = 1 << 11;

/**
 * `writev` joins this many bytes or fewer into one send: one copy of a few
 * small chunks costs less than a syscall (and a packet) per chunk.
 */
const kJoinLimit = 16 * 1024;
/**
 * Bun has no writev, and its `write()` copies into the kernel before it
 * returns, so a batch of up to this many bytes written to an idle socket is
 * joined in one buffer shared by every connection and sent in one syscall.
 * For a response head and a 64 KiB body that saves a send and a packet
 * (about 4 us of kernel time per response measured); a fresh buffer per
 * join would instead cost the GC far more than the copy.
 */
const kScratchSize = 256 * 1024;
let scratch: Uint8Array | null = null;

/**
 * The most one `onRead` carries. Bun reads up to 512 KiB at once; libuv
 * reads at most 64 KiB per callback and Node runs process.nextTick and
 * promise jobs between two reads, so code reacting to one 'data' event
 * (e.g. ending a response, which dumps the rest of the request body) acts
 * before the next arrives. Larger chunks are handed over as views of this
 * size, without copying, each after the work the previous one queued;
 * with bulk reads on, whole (a pipe cannot tell, and the split and its
 * hops multiply the stream's per-chunk work about fivefold).
 */
const kMaxChunk = 64 * 1024;

/**
 * Writes the kernel has not taken yet: parallel arrays from `head`, so
 * queuing allocates no record per write. Only the last chunk of a write
 * carries its `done`. Made on the first write that does not go through at
 * once: Bun takes whole writes until the kernel's buffer fills, so most
 * sockets never need one.
 */
class WriteQueue {
  bufs: Uint8Array[] = [];
  dones: (DoneCallback | null)[] = [];
  head = 0;
  /** Bytes of the head chunk already taken by the kernel. */
  offset = 0;
  /** Bytes queued and not yet taken. */
  bytes = 0;
}

/** State of a handle made to connect, until the connect settles. */
class ConnectState {
  /** Set until `connect()` has been called. */
  connector: BunConnector | null;
  done: ConnectCallback | null = null;
  /** Bun.connect() is on the stack: it calls back synchronously at times. */
  inCall = false;
  /** The outcome Bun reported inside the call, to be settled after it. */
  early: TransportError | null | undefined = undefined;
  bindRequested = false;
  /** Opening an existing fd: refusals made inside the call are returned. */
  adopting = false;
  refusal: TransportError | null = null;
  /** The latest options set while pending, applied on open. */
  options: SocketOptions | null = null;

  constructor(connector: BunConnector | null) {
    this.connector = connector;
  }
}

/** No queued writes, shared; never pushed to. */
const kNoDones: (DoneCallback | null)[] = [];

/** Values few handles ever need, kept out of the handle itself. */
class Rare {
  /** `shutdown(done)` waiting for the queue to empty. */
  shutdownDone: DoneCallback | null = null;
  /** Why the socket died; later writes fail with it. */
  deadCode: string | null = null;
  local: NetAddress | null = null;
  remote: NetAddress | null = null;
  /** `#drip` bound, for queueMicrotask. */
  dripFn: (() => void) | null = null;
}

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

/**
 * A write on a handle already closed: libuv refuses it with EBADF (its fd is
 * gone), and Node destroys the socket with that error. Writes queued before
 * the close are dropped silently instead, as the contract says.
 */
function closedWriteError(): TransportError {
  return { code: "EBADF", syscall: "write" };
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
  /** The `k*` bits above. */
  #flags = 0;
  #unix: UnixEnds | null;
  /** Chunks that arrived while reading was stopped, oldest first. */
  #held: Uint8Array[] | null = null;
  #queue: WriteQueue | null = null;
  /** Set from `create()`/`adoptFd()` until the connect settles. */
  #connect: ConnectState | null = null;
  #rare: Rare | null = null;

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
    conn.#flags = kOpened;
    conn.#syncRef();
    return conn;
  }

  get bufferedBytes(): number {
    return this.#queue?.bytes ?? 0;
  }

  get writeQueueSize(): number {
    return this.#queue?.bytes ?? 0;
  }

  readStart(): void {
    const flags = this.#flags;
    if ((flags & (kReading | kClosed)) !== 0) return;
    this.#flags = flags | kReading;
    if (this.#held !== null || (flags & kEof) === kEofPending) {
      this.#deliverHeld();
      if ((this.#flags & (kReading | kClosed)) !== kReading) return;
    }
    if ((this.#flags & (kEof | kBunPaused)) === kBunPaused) {
      this.#flags &= ~kBunPaused;
      this.#socket?.resume();
    }
    this.#syncRef();
  }

  setBulkReads(enable: boolean): void {
    if (enable) this.#flags |= kBulk;
    else this.#flags &= ~kBulk;
  }

  readStop(): void {
    if ((this.#flags & kReading) === 0) return;
    this.#flags &= ~kReading;
    this.#pauseBun();
    this.#syncRef();
  }

  #pauseBun(): void {
    const socket = this.#socket;
    if (socket === null || (this.#flags & kBunPaused) !== 0) return;
    this.#flags |= kBunPaused;
    socket.pause();
  }

  /** Writes wait in the queue. */
  #queued(): boolean {
    const queue = this.#queue;
    return queue !== null && queue.head < queue.bufs.length;
  }

  #shutdownWaits(): boolean {
    return this.#rare !== null && this.#rare.shutdownDone !== null;
  }

  /** The values few handles need, made on first use. */
  #more(): Rare {
    return this.#rare ??= new Rare();
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
    const flags = this.#flags;
    if (socket === null || (flags & kClosed) !== 0) return;
    const active = (flags & (kReading | kEof)) === kReading || this.#queued() ||
      this.#shutdownWaits();
    const want = (flags & kUserUnref) === 0 && active;
    if (want === ((flags & kBunUnref) === 0)) return;
    if (want) {
      this.#flags = flags & ~kBunUnref;
      socket.ref();
    } else {
      this.#flags = flags | kBunUnref;
      socket.unref();
    }
  }

  /** Writes and shutdowns fail at once: ended, or never to open. */
  #cannotWrite(): boolean {
    const flags = this.#flags;
    return (flags & kWriteEnded) !== 0 || (this.#socket === null && (flags & kPending) === 0);
  }

  write(bytes: Uint8Array, done: DoneCallback): void {
    if ((this.#flags & kClosed) !== 0) return later(done, closedWriteError());
    if (this.#cannotWrite()) return later(done, this.#writeError());
    const socket = this.#socket;
    // While pending, writes wait in the queue for `open`.
    if (socket === null || this.#queued()) return this.#enqueue(bytes, 0, done);
    const n = socket.write(bytes);
    if (n === bytes.byteLength) return done(null);
    if (n < 0 || this.#socket !== socket) return later(done, this.#writeError());
    this.#enqueue(bytes, n, done);
  }

  writev(chunks: Uint8Array[], done: DoneCallback): void {
    if (chunks.length === 1) return this.write(chunks[0], done);
    let total = 0;
    for (let i = 0; i < chunks.length; i++) total += chunks[i].byteLength;
    if ((this.#flags & kClosed) !== 0) return later(done, closedWriteError());
    if (this.#cannotWrite()) return later(done, this.#writeError());
    const socket = this.#socket;
    if (socket !== null && !this.#queued() && total <= kScratchSize) {
      return this.#writeJoined(socket, chunks, total, done);
    }
    if (total <= kJoinLimit) return this.write(join(chunks, new Uint8Array(total)), done);
    let i = 0;
    let offset = 0;
    if (socket !== null && !this.#queued()) {
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

  /** One send of `chunks` joined in the shared scratch buffer; the kernel's leftover is copied out. */
  #writeJoined(
    socket: BunSocket<BunConnection>,
    chunks: Uint8Array[],
    total: number,
    done: DoneCallback,
  ): void {
    const buf = join(chunks, scratch ??= new Uint8Array(kScratchSize));
    const n = socket.write(buf, 0, total);
    if (n === total) return done(null);
    if (n < 0 || this.#socket !== socket) return later(done, this.#writeError());
    // The scratch is the next write's: what the kernel left is kept apart.
    this.#enqueue(buf.slice(n, total), 0, done);
  }

  shutdown(done: DoneCallback): void {
    if ((this.#flags & kClosed) !== 0) return;
    if (this.#cannotWrite()) return later(done, { code: "ENOTCONN", syscall: "shutdown" });
    this.#flags |= kWriteEnded;
    this.#more().shutdownDone = done;
    // A pending one waits for `open`, which flushes the queue first.
    if (this.#socket !== null && !this.#queued()) this.#finishShutdown();
  }

  close(done?: () => void): void {
    // As libuv's: a handle closes once, and a second close is a no-op whose
    // callback never runs (code that closes `_handle` itself relies on it).
    if ((this.#flags & kClosed) !== 0) return;
    if (done !== undefined) setImmediate(done);
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
  }

  reset(done?: () => void): void {
    // As libuv's: a handle closes once, and a second close is a no-op whose
    // callback never runs (code that closes `_handle` itself relies on it).
    if ((this.#flags & kClosed) !== 0) return;
    if (done !== undefined) setImmediate(done);
    this.#markClosed();
    const socket = this.#socket;
    this.#socket = null;
    socket?.terminate();
  }

  // The option setters remember the latest value for a pending connect and
  // apply it now when the socket is open.

  ref(): void {
    this.#flags &= ~kUserUnref;
    if (this.#socket !== null) this.#syncRef();
    else if ((this.#flags & kPending) !== 0) this.#pendingOptions().refed = true;
  }

  unref(): void {
    this.#flags |= kUserUnref;
    if (this.#socket !== null) this.#syncRef();
    else if ((this.#flags & kPending) !== 0) this.#pendingOptions().refed = false;
  }

  setNoDelay(enable: boolean): void {
    if (this.#socket !== null) this.#socket.setNoDelay(enable);
    else if ((this.#flags & kPending) !== 0) this.#pendingOptions().noDelay = enable;
  }

  setKeepAlive(enable: boolean, initialDelaySecs: number): void {
    const ms = bunKeepAliveDelay(initialDelaySecs);
    if (this.#socket !== null) this.#socket.setKeepAlive(enable, ms);
    else if ((this.#flags & kPending) !== 0) this.#pendingOptions().keepAlive = [enable, ms];
  }

  setTypeOfService(tos: number): boolean {
    if (this.#unix !== null) return false;
    const socket = this.#socket;
    if (socket !== null) return setTypeOfService(socket, tos);
    if ((this.#flags & (kPending | kClosed)) !== kPending) return false;
    this.#pendingOptions().tos = tos;
    return true;
  }

  getTypeOfService(): number | undefined {
    if (this.#unix !== null) return undefined;
    const socket = this.#socket;
    if (socket === null) {
      return (this.#flags & kPending) !== 0 ? this.#connect?.options?.tos ?? undefined : undefined;
    }
    const tos = socket.getTypeOfService();
    return tos < 0 ? undefined : tos;
  }

  localAddress(): NetAddress | string | null {
    if ((this.#flags & kOpened) === 0) return null;
    if (this.#unix !== null) return this.#unix.local;
    let address = this.#rare?.local ?? null;
    const s = this.#socket;
    if (address === null && s !== null) {
      address = netAddress(s.localAddress, s.localPort, s.localFamily);
      // Kept: the address stays known after the socket is gone.
      if (address !== null) this.#more().local = address;
    }
    return address === null ? null : { ...address };
  }

  remoteAddress(): NetAddress | string | null {
    if ((this.#flags & kOpened) === 0) return null;
    if (this.#unix !== null) return this.#unix.remote;
    let address = this.#rare?.remote ?? null;
    const s = this.#socket;
    if (address === null && s !== null) {
      address = netAddress(s.remoteAddress, s.remotePort, s.remoteFamily);
      if (address !== null) this.#more().remote = address;
    }
    return address === null ? null : { ...address };
  }

  /** Only while pending, which a connect state always accompanies. */
  #pendingOptions(): SocketOptions {
    return this.#connect!.options ??= new SocketOptions();
  }

  #markClosed(): void {
    this.#flags = (this.#flags | kClosed) & ~kReading;
    if (this.#connect !== null) this.#connect.done = null;
    this.#held = null;
    if (this.#rare !== null) this.#rare.shutdownDone = null;
    this.#queue = null;
  }

  #deadCode(): string | null {
    return this.#rare?.deadCode ?? null;
  }

  #writeError(): TransportError {
    return { code: this.#deadCode() ?? "EPIPE", syscall: "write" };
  }

  #enqueue(bytes: Uint8Array, taken: number, done: DoneCallback | null): void {
    const queue = this.#queue ??= new WriteQueue();
    if (queue.head === queue.bufs.length) queue.offset = taken;
    queue.bufs.push(bytes);
    queue.dones.push(done);
    queue.bytes += bytes.byteLength - taken;
    if ((this.#flags & kBunUnref) !== 0) this.#syncRef();
  }

  /** Writes queued chunks until the kernel pushes back; runs on `drain`. */
  #flush(): void {
    const queue = this.#queue;
    if (queue !== null) {
      const bufs = queue.bufs;
      const dones = queue.dones;
      while (queue.head < bufs.length) {
        const socket = this.#socket;
        if (socket === null || (this.#flags & kClosed) !== 0) return;
        const head = queue.head;
        const buf = bufs[head];
        const rest = buf.byteLength - queue.offset;
        const n = socket.write(buf, queue.offset, rest);
        // A close handler that ran inside write() has already failed the queue.
        if (this.#socket !== socket) return;
        if (n < 0) return this.#failWrites(this.#deadCode() ?? "EPIPE");
        queue.bytes -= n;
        if (n < rest) {
          queue.offset += n;
          return;
        }
        const done = dones[head];
        queue.head = head + 1;
        queue.offset = 0;
        if (queue.head === bufs.length) {
          bufs.length = 0;
          dones.length = 0;
          queue.head = 0;
          this.#syncRef();
        }
        if (done !== null) done(null);
      }
    }
    if (this.#shutdownWaits() && (this.#flags & kClosed) === 0) this.#finishShutdown();
  }

  #finishShutdown(): void {
    const rare = this.#rare!;
    const done = rare.shutdownDone!;
    rare.shutdownDone = null;
    const socket = this.#socket;
    if (socket === null) {
      return later(done, { code: rare.deadCode ?? "ENOTCONN", syscall: "shutdown" });
    }
    socket.shutdown();
    // After the peer's FIN, net closes the socket once this completes, in
    // the turn that delivered the EOF (as Node's does); ending first, it
    // completes from the loop, as libuv's does (see deno_conn.ts).
    if ((this.#flags & kEofDelivered) !== 0) later(done, null);
    else setImmediate(done, null);
  }

  /** Fails every queued write and a waiting shutdown, oldest first. */
  #failWrites(code: string): void {
    const queue = this.#queue;
    const dones = queue === null ? kNoDones : queue.dones.slice(queue.head);
    const rare = this.#rare;
    const shutdownDone = rare === null ? null : rare.shutdownDone;
    this.#queue = null;
    if (rare !== null) rare.shutdownDone = null;
    for (const done of dones) {
      if ((this.#flags & kClosed) !== 0) return;
      if (done !== null) done({ code, syscall: "write" });
    }
    if (shutdownDone !== null && (this.#flags & kClosed) === 0) {
      shutdownDone({ code, syscall: "shutdown" });
    }
  }

  /** Hands over held chunks, then a pending EOF, while reading stays on. */
  #deliverHeld(): void {
    while ((this.#flags & (kReading | kClosed)) === kReading) {
      const held = this.#held;
      if (held === null) break;
      const chunk = held.shift()!;
      if (held.length === 0) this.#held = null;
      this.onRead?.(chunk);
    }
    if (
      this.#held === null &&
      (this.#flags & (kEof | kReading | kClosed)) === (kEofPending | kReading)
    ) {
      this.#flags = (this.#flags & ~kEofPending) | kEofDelivered;
      this.onRead?.(null);
    }
  }

  #onData(chunk: Uint8Array): void {
    // Bun hands each call a fresh Buffer it never touches again: no copy.
    const flags = this.#flags;
    if ((flags & kClosed) !== 0) return;
    const size = chunk.byteLength;
    if ((flags & kReading) === 0 || this.#held !== null) {
      for (let at = 0; at < size; at += kMaxChunk) {
        (this.#held ??= []).push(size <= kMaxChunk ? chunk : chunk.subarray(at, at + kMaxChunk));
      }
      if ((flags & kReading) === 0) this.#pauseBun();
      return;
    }
    // Called as a method: net keeps one shared function, not a closure.
    if (size <= kMaxChunk || (flags & kBulk) !== 0) return this.onRead?.(chunk);
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
    if ((this.#flags & kDripQueued) !== 0) return;
    this.#flags |= kDripQueued;
    // Made once, and only by connections that ever read this much.
    const rare = this.#more();
    process.nextTick(queueMicrotask, rare.dripFn ??= () => this.#drip());
  }

  /** Hands over one held slice of a large read, then queues the next. */
  #drip(): void {
    this.#flags &= ~kDripQueued;
    const held = this.#held;
    if ((this.#flags & (kReading | kClosed)) !== kReading) return;
    if (held !== null) {
      const chunk = held.shift()!;
      if (held.length === 0) this.#held = null;
      this.onRead?.(chunk);
    }
    if (this.#held !== null) this.#queueDrip();
    else if ((this.#flags & kEof) === kEofPending) this.#deliverHeld();
  }

  #onEnd(): void {
    const flags = this.#flags;
    if ((flags & (kEof | kClosed)) !== 0) return;
    this.#flags = flags | kEofPending;
    // A queued drip delivers the EOF after the slices it still holds.
    if ((flags & (kReading | kDripQueued)) === kReading) this.#deliverHeld();
    this.#syncRef();
  }

  #onClose(err: BunError | undefined): void {
    if ((this.#flags & kClosed) !== 0) return;
    this.#socket = null;
    if (err !== undefined && err !== null) {
      const e = toTransportError(err, "read", "ECONNRESET");
      this.#more().deadCode = e.code;
      // After EOF the read side is over; the failure belongs to writes only.
      if ((this.#flags & kEofDelivered) === 0) this.onError?.(e);
      if ((this.#flags & kClosed) === 0) this.#failWrites(e.code);
      return;
    }
    // Bun closes without an `end` event when FIN arrives after our own
    // shutdown: that close is the peer's EOF.
    this.#more().deadCode = "EPIPE";
    if ((this.#flags & kEof) === 0) this.#flags |= kEofPending;
    this.#failWrites("EPIPE");
    if ((this.#flags & (kReading | kDripQueued)) === kReading) this.#deliverHeld();
  }

  // --- connect ---------------------------------------------------------------

  /**
   * A handle to connect later, for `Transport.createTcp`/`createPipe`.
   * `bun` is replaced in tests.
   */
  static create(pipe: boolean, bun: BunConnector = bunGlobal()): BunConnection {
    const conn = new BunConnection(pipe ? { local: "", remote: "" } : null);
    conn.#flags = kPending;
    conn.#connect = new ConnectState(bun);
    return conn;
  }

  /** See `ConnectableHandle.connect`; only the first call counts. */
  connect(target: TcpConnectOptions | string, done: ConnectCallback): void {
    const state = this.#connect;
    const bun = state?.connector ?? null;
    if (state === null || bun === null || (this.#flags & kClosed) !== 0) return;
    state.connector = null;
    state.done = done;
    if (typeof target === "string") {
      this.#unix = { local: "", remote: target };
      return this.#start(state, bun, { unix: bunUnixPath(target) });
    }
    this.#unix = null;
    const { host, port, localAddress, localPort } = target;
    if (localAddress === undefined && localPort === undefined) {
      return this.#start(state, bun, { hostname: host, port });
    }
    state.bindRequested = true;
    // Bun ignores `localPort` without `localAddress`.
    const any = host.includes(":") ? "::" : "0.0.0.0";
    this.#start(state, bun, {
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
    const state = new ConnectState(null);
    conn.#flags = kPending;
    conn.#connect = state;
    state.adopting = true;
    state.done = done;
    conn.#start(state, bun, { fd });
    return state.refusal ?? conn;
  }

  #start(
    state: ConnectState,
    bun: BunConnector,
    options: Omit<BunConnectOptions<BunConnection>, "socket">,
  ): void {
    state.inCall = true;
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
    state.inCall = false;
    // Scheduled only now: Bun may drain microtasks before connect() returns.
    const early = state.early;
    if (early !== undefined) {
      state.early = undefined;
      queueMicrotask(() => this.#settle(early));
    }
  }

  #connected(socket: BunSocket<BunConnection>): void {
    this.#flags &= ~kPending;
    const state = this.#connect;
    if (state === null || (this.#flags & kClosed) !== 0) {
      socket.close();
      return;
    }
    if (state.adopting) {
      const refusal = refuseAdopted(socket);
      if (refusal !== null) {
        // Bun owns the fd now: closing the socket is the only way to free it.
        this.#more().deadCode = refusal.code;
        socket.close();
        return this.#refuse(state, refusal);
      }
      if (socket.localAddress === undefined) this.#unix = { local: "", remote: "" };
    }
    this.#socket = socket;
    this.#flags |= kOpened;
    const options = state.options;
    options?.apply(socket, this.#unix === null);
    // What Bun now holds: ref'd unless the options unref'd it.
    if (options !== null && !options.refed) this.#flags |= kBunUnref;
    else this.#flags &= ~kBunUnref;
    this.#syncRef();
    if (state.inCall) state.early = null;
    else this.#settle(null);
  }

  #connectFailed(err: unknown): void {
    this.#flags &= ~kPending;
    const state = this.#connect;
    if (state === null || (this.#flags & kClosed) !== 0) return;
    const e = toTransportError(err, "connect", "ECONNREFUSED");
    // Node names `bind` when the local address cannot be taken.
    if (
      state.bindRequested &&
      (e.code === "EADDRINUSE" || e.code === "EADDRNOTAVAIL" || e.code === "EINVAL")
    ) {
      e.syscall = "bind";
    }
    // Bun says ECONNREFUSED for an fd that is closed or not a socket.
    const failure = state.adopting ? notASocket() : e;
    this.#more().deadCode = failure.code;
    this.#refuse(state, failure);
  }

  #refuse(state: ConnectState, err: TransportError): void {
    if (state.inCall) {
      if (state.adopting) {
        state.refusal = err;
        state.done = null;
      } else {
        state.early = err;
      }
      return;
    }
    // Always deferred: thrown from Bun's `connectError`, an exception in
    // `done` would turn into a rejection of Bun's promise, not an uncaught error.
    queueMicrotask(() => this.#settle(err));
  }

  #settle(err: TransportError | null): void {
    const state = this.#connect;
    const done = state === null ? null : state.done;
    if (done === null) return;
    // Settled: the connect state is not needed any more.
    this.#connect = null;
    done(err);
    if (err !== null) {
      if ((this.#flags & kClosed) === 0) this.#failWrites(err.code);
    } else if (this.#queued() || this.#shutdownWaits()) {
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

/** Copies `chunks` one after another to the start of `out`, and returns `out`. */
function join(chunks: Uint8Array[], out: Uint8Array): Uint8Array {
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].byteLength;
  }
  return out;
}
