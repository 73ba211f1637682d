/**
 * One Deno `Conn` (TCP or Unix) behind the push-based `ConnectionHandle`.
 *
 * Reads run as a loop of `conn.read(buf)`, never through `conn.readable`,
 * because cancelling or ending that stream closes the whole connection and a
 * half-closed socket must stay readable. Writes go through a JS queue that
 * survives the partial writes `conn.write` reports.
 *
 * A client handle exists before its socket does (constructed with `null`),
 * as a libuv handle does before `uv_tcp_connect`: net hands it out as
 * `socket._handle` at once. Until `DenoConnection.open` gives it a socket,
 * option calls are remembered and applied on open (the latest call wins),
 * `readStart()`/`readStop()` decide whether reading starts on open, writes
 * and `shutdown()` are queued and flushed on open, and the addresses are
 * null. Deno offers no way to unref a pending `Deno.connect`, so `unref()`
 * takes effect only once the connect has settled; on loopback that is at
 * once, unless the peer's accept queue is full.
 *
 * @module
 */
import type {
  ConnectionHandle,
  DoneCallback,
  NetAddress,
  ReadCallback,
  TransportError,
} from "./types.ts";
import { toTransportError } from "./deno_errors.ts";
import process from "node:process";
import { setImmediate, setTimeout } from "node:timers";

/**
 * Read buffer sizes. An idle connection keeps one pending read, and with it
 * one buffer, so the buffer starts small (idle sockets are the common case
 * for a server) and doubles each time a read fills it. Measured on Deno
 * 2.9.6, an idle accepted socket with a pending read costs about 7 KiB
 * before any buffer (most of it Deno's op state), so 1 KiB rather than 4
 * is a real share of the total; a small HTTP request still fits in one read.
 */
const kMinRead = 1024;
const kMaxRead = 65536;
/**
 * The read size limit with bulk reads on (a piped socket). Each read is an
 * op and a promise, and the stream above does its per-chunk work once per
 * read, so larger reads pay off; beyond this the fresh buffer's zeroing
 * (about 2.3 us per 64 KiB) catches up with what they save.
 */
const kBulkMaxRead = 262144;
/** A read continues in what its buffer has left when at least this much is left. */
const kMinRest = 512;
/**
 * Reads of up to kSlabShare bytes take their buffers from a shared slab
 * rather than one ArrayBuffer each: a fresh ArrayBuffer costs V8 an
 * off-heap allocation and later a finalisation in GC, a view of a slab only
 * a small object. A chunk handed out keeps its slab alive, as a slice of
 * Node's Buffer pool keeps its pool.
 */
const kSlabShare = 8192;
const kSlabSize = 65536;
let slab = new Uint8Array(0);
let slabUsed = 0;

/** A fresh buffer of `size` bytes for a read: from the slab when small. */
function readRegion(size: number): Uint8Array {
  if (size > kSlabShare) return new Uint8Array(size);
  if (slab.length - slabUsed < size) {
    slab = new Uint8Array(kSlabSize);
    slabUsed = 0;
  }
  const region = slab.subarray(slabUsed, slabUsed + size);
  slabUsed += size;
  return region;
}
/**
 * Write coalescing. On Deno 2.9.6 one `conn.write` round trip costs about
 * 4 us beyond the kernel's own work, while copying 4 KiB costs under 1 us
 * and 32 KiB about 3.5 us: joining pays for small chunks only. Chunks of
 * kJoinMax bytes or more are written as they are.
 */
const kJoinMax = 16384;
const kBatchMax = 65536;
/** Compact the write queue arrays once this many written slots pile up. */
const kCompactAt = 64;
const kEmpty = new Uint8Array(0);

/**
 * libuv's close phase, for closes asked for while an EOF is delivered. EOF
 * comes from a setImmediate (see #onReadDone), and 'end' handlers that end
 * the socket ask for the close from that immediate's ticks; a close callback
 * queued with setImmediate then would run a loop turn later, after timers,
 * where libuv runs it in the same turn's close phase. So each EOF immediate
 * is followed by one that runs the close callbacks asked for since it began.
 */
let eofsDelivering = 0;
const closePhase: (() => void)[] = [];

function runClosePhase(): void {
  eofsDelivering--;
  if (closePhase.length === 0) return;
  const dones = closePhase.splice(0);
  for (let i = 0; i < dones.length; i++) {
    try {
      dones[i]();
    } catch (err) {
      // The rest still run, a turn later, as the error goes up.
      for (let j = i + 1; j < dones.length; j++) setImmediate(dones[j]);
      throw err;
    }
  }
}

/**
 * A closed socket still sending what was written before the close (see
 * `#closeAfterFlush`) gives up when no write settled for this long, the
 * kernel being full, or after kLingerMaxMs in all. A write the kernel has
 * room for settles within a turn or two.
 */
const kLingerStallMs = 50;
const kLingerMaxMs = 1000;

/** Callbacks still queued when the socket was closed under them. */
const kCanceled: TransportError = Object.freeze({
  code: "ECANCELED",
  syscall: "write",
  detail: "socket closed",
});

/** Deno's address objects, reduced to what `net` reports. */
export function toAddress(addr: Deno.Addr | null | undefined): NetAddress | string | null {
  if (addr == null) return null;
  if (addr.transport === "tcp" || addr.transport === "udp") {
    let host = addr.hostname;
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    return { address: host, family: host.includes(":") ? "IPv6" : "IPv4", port: addr.port };
  }
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    // The peer of an accepted Unix connection is normally unnamed.
    return addr.path ?? "";
  }
  return null;
}

function failLater(done: DoneCallback, err: TransportError): void {
  queueMicrotask(() => done(err));
}

/** A connected Deno socket. */
export class DenoConnection implements ConnectionHandle {
  onRead: ReadCallback | null = null;
  onError: ((err: TransportError) => void) | null = null;

  // Null while a connect is pending; a failed connect leaves it null and
  // the handle closed.
  #conn: Deno.Conn | null;
  #tcp: Deno.TcpConn | null = null;
  #isTcp: boolean;
  #closed = false;
  /** close() or reset() ran: a later one is a no-op whose `done` never runs, as libuv's. */
  #closeCalled = false;
  // Only until open: how close() withdraws a started connect, and the
  // options to apply on open (undefined: never set).
  #cancel: (() => void) | null = null;
  #refed = true;
  #noDelay: boolean | undefined;
  #keepAlive: boolean | undefined;

  #wantRead = false;
  #reading = false;
  #eof = false;
  // Set once the EOF has been handed to onRead (a turn after it was read).
  #eofDelivered = false;
  // A shutdown asked for between the EOF's read and its delivery, not yet complete.
  #shutdownAtEof = false;
  #buf: Uint8Array | null = null;
  #bufSize = kMinRead;
  #bulk = false;
  /** Bytes of a bulk read still to hand on after bulk reads were turned off. */
  #spill: Uint8Array | null = null;

  // The write queue: chunk i completes write callback dones[i] (null for all
  // but the last chunk of a writev). Parallel arrays avoid an object per write.
  #chunks: Uint8Array[] = [];
  #dones: (DoneCallback | null)[] = [];
  #head = 0;
  #headOffset = 0;
  #queued = 0;
  // A coalesced copy of the queue's first bytes, kept across partial writes
  // so the same bytes are not copied again.
  #batch: Uint8Array | null = null;
  #batchOffset = 0;
  #writing = false;
  #ended = false;
  #writeError: TransportError | null = null;
  #shutdownDone: DoneCallback | null = null;
  /** Set while a closed socket still sends its queue (see `#closeAfterFlush`). */
  #linger = false;
  /** Write ops settled so far; the linger check compares it across a turn. */
  #settled = 0;

  /** `conn` is null for a handle still to connect; `tcp` says whether TCP options apply. */
  constructor(conn: Deno.Conn | null, tcp: boolean) {
    this.#conn = conn;
    this.#isTcp = tcp;
    if (tcp && conn !== null) this.#tcp = conn as Deno.TcpConn;
  }

  /**
   * Records that `handle`'s connect is starting and how `close()` withdraws
   * it. False when the handle is closed already: then nothing may start.
   */
  static start(handle: DenoConnection, cancel: (() => void) | null): boolean {
    if (handle.#closed) return false;
    handle.#cancel = cancel;
    return true;
  }

  /**
   * Gives a pending handle its socket and applies what was asked while
   * pending. False when the handle was closed meanwhile: the socket is then
   * closed unseen and the connect must not be reported.
   */
  static open(handle: DenoConnection, conn: Deno.Conn): boolean {
    if (handle.#closed) {
      closeQuietly(conn);
      return false;
    }
    handle.#cancel = null;
    handle.#conn = conn;
    if (handle.#isTcp) {
      const tcp = handle.#tcp = conn as Deno.TcpConn;
      if (handle.#noDelay !== undefined) tcp.setNoDelay(handle.#noDelay);
      if (handle.#keepAlive !== undefined) tcp.setKeepAlive(handle.#keepAlive);
    }
    if (!handle.#refed) conn.unref();
    if (handle.#wantRead) handle.#readNext();
    if (handle.#head < handle.#chunks.length) handle.#writeLoop();
    else if (handle.#shutdownDone !== null) handle.#shutdownNow();
    return true;
  }

  /**
   * Marks a pending handle as dead after its connect failed; anything queued
   * on it fails with ECANCELED. False when it was closed meanwhile: the
   * failure must then not be reported.
   */
  static fail(handle: DenoConnection): boolean {
    if (handle.#closed) return false;
    handle.#closed = true;
    handle.#cancel = null;
    handle.#wantRead = false;
    handle.#failQueue(kCanceled);
    return true;
  }

  get bufferedBytes(): number {
    return this.#queued;
  }

  get writeQueueSize(): number {
    return this.#queued;
  }

  readStart(): void {
    if (this.#closed || this.#eof) return;
    this.#wantRead = true;
    if (this.#reading || this.#conn === null) return;
    if (this.#spill === null) return this.#readNext();
    this.#reading = true;
    process.nextTick(DenoConnection.#readAfterTicks, this);
  }

  setBulkReads(enable: boolean): void {
    if (enable === this.#bulk) return;
    this.#bulk = enable;
    if (enable || this.#bufSize <= kMaxRead) return;
    // A read already handed to Deno may still fill a large buffer: #deliver
    // cuts what it brings.
    this.#bufSize = kMaxRead;
    const buf = this.#buf;
    if (buf !== null && buf.length > kMaxRead && !this.#reading) {
      this.#buf = buf.subarray(0, kMaxRead);
    }
  }

  readStop(): void {
    // A read already handed to Deno cannot be withdrawn; its bytes are still
    // delivered, but no further read is issued, so the kernel window fills.
    this.#wantRead = false;
  }

  #readNext(): void {
    this.#reading = true;
    this.#conn!.read(this.#buf ??= readRegion(this.#bufSize)).then(
      this.#onReadDone,
      this.#onReadFail,
    );
  }

  // Bound once per connection: the read path allocates no closures.
  #onReadDone = (n: number | null): void => {
    this.#reading = false;
    if (this.#closed) return;
    if (n === null) {
      this.#eof = true;
      this.#wantRead = false;
      this.#buf = null;
      // libuv reports EOF in a callback of its own, after the work the last
      // data scheduled (process.nextTick, promise jobs) has run; Node code
      // relies on that order ('end' after a response has been written).
      // setImmediate costs a fifth of a 0 ms timer's CPU on Deno 2.9.6.
      setImmediate(DenoConnection.#deliverEof, this);
      setImmediate(runClosePhase);
      return;
    }
    const buf = this.#buf!;
    this.#deliver(this.#take(buf, n), n === buf.length);
  };

  /**
   * Hands `chunk` on, then reads on. Without bulk reads, a chunk over 64 KiB
   * (read before they were turned off) goes in 64 KiB pieces, each after
   * the tick work of the one before, as separate reads would.
   */
  #deliver(chunk: Uint8Array, filled: boolean): void {
    this.#spill = null;
    if (chunk.length > kMaxRead && !this.#bulk) {
      this.#spill = chunk.subarray(kMaxRead);
      chunk = chunk.subarray(0, kMaxRead);
    }
    try {
      this.onRead?.(chunk);
    } finally {
      // A consumer that threw (the error goes on up, to 'uncaughtException')
      // still gets what follows, EOF included, as from a libuv stream.
      this.#readOn(filled);
    }
  }

  #readOn(filled: boolean): void {
    if (!this.#wantRead || this.#reading || this.#closed) return;
    if (filled || this.#spill !== null) {
      // More is likely waiting in the kernel, and Deno would settle the next
      // read within this same turn: Node runs the process.nextTick work one
      // read queued before the next read's data, so the read waits for it.
      this.#reading = true;
      process.nextTick(DenoConnection.#readAfterTicks, this);
    } else {
      this.#readNext();
    }
  }

  static #readAfterTicks(conn: DenoConnection): void {
    conn.#reading = false;
    if (!conn.#wantRead || conn.#closed) return;
    const spill = conn.#spill;
    if (spill === null) conn.#readNext();
    else conn.#deliver(spill, true);
  }

  static #deliverEof(conn: DenoConnection): void {
    eofsDelivering++;
    if (conn.#shutdownAtEof) {
      // libuv would have completed the shutdown asked for in between before
      // reading on, and a socket that net closes on that completion (both
      // sides done) never reports the EOF, as in Node: the EOF waits a turn.
      setImmediate(DenoConnection.#deliverEof, conn);
      setImmediate(runClosePhase);
      return;
    }
    conn.#eofDelivered = true;
    if (!conn.#closed) conn.onRead?.(null);
  }

  static #completeEofShutdown(conn: DenoConnection, done: DoneCallback): void {
    conn.#shutdownAtEof = false;
    done(conn.#closed ? { ...kCanceled, syscall: "shutdown" } : null);
  }

  #onReadFail = (err: unknown): void => {
    this.#reading = false;
    this.#wantRead = false;
    this.#buf = null;
    // Closing cancels the pending read; that rejection is ours, not news.
    if (this.#closed) return;
    this.onError?.(toTransportError(err, "read"));
  };

  /**
   * Hands out the `n` bytes read into `buf` as a view: no copy, and no
   * allocation but the view. Bytes once handed out are never written again,
   * so the consumer may keep the chunk; the rest of `buf` (if worth a read)
   * takes the next read. A read that filled its buffer doubles the next
   * one's size; a run of small reads steps it back down.
   */
  #take(buf: Uint8Array, n: number): Uint8Array {
    const chunk = buf.subarray(0, n);
    if (n === buf.length) {
      this.#buf = null;
      const max = this.#bulk ? kBulkMaxRead : kMaxRead;
      if (this.#bufSize < max && n >= this.#bufSize) this.#bufSize *= 2;
      return chunk;
    }
    this.#buf = buf.length - n >= kMinRest ? buf.subarray(n) : null;
    if (this.#bufSize > kMinRead && n * 8 <= this.#bufSize) this.#bufSize >>= 1;
    return chunk;
  }

  write(bytes: Uint8Array, done: DoneCallback): void {
    if (this.#refuseWrite(done)) return;
    this.#chunks.push(bytes);
    this.#dones.push(done);
    this.#queued += bytes.length;
    if (!this.#writing && this.#conn !== null) this.#writeLoop();
  }

  writev(chunks: Uint8Array[], done: DoneCallback): void {
    if (this.#refuseWrite(done)) return;
    const last = chunks.length - 1;
    if (last < 0) {
      this.#chunks.push(kEmpty);
      this.#dones.push(done);
    }
    for (let i = 0; i <= last; i++) {
      const chunk = chunks[i];
      this.#chunks.push(chunk);
      this.#dones.push(i === last ? done : null);
      this.#queued += chunk.length;
    }
    if (!this.#writing && this.#conn !== null) this.#writeLoop();
  }

  #refuseWrite(done: DoneCallback): boolean {
    if (this.#writeError !== null) failLater(done, this.#writeError);
    else if (this.#closed) failLater(done, { code: "EBADF", syscall: "write" });
    else if (this.#ended) failLater(done, { code: "EPIPE", syscall: "write" });
    else return false;
    return true;
  }

  /**
   * Hands the next batch to the kernel, or settles the emptied queue. Each
   * write's completion comes back through handlers bound once per
   * connection, so a write costs Deno's op promise and nothing more.
   */
  #writeLoop(): void {
    while (this.#head < this.#chunks.length) {
      if (this.#closed && !this.#linger) return this.#failQueue(kCanceled);
      const data = this.#nextBatch();
      if (data.length === 0) {
        this.#advance(0);
        continue;
      }
      this.#writing = true;
      this.#conn!.write(data).then(this.#onWritten, this.#onWriteFail);
      return;
    }
    this.#head = 0;
    this.#chunks.length = 0;
    this.#dones.length = 0;
    if (this.#linger) return this.#release();
    if (this.#shutdownDone !== null) this.#shutdownNow();
  }

  #onWritten = (n: number): void => {
    this.#settled++;
    // Still "writing" while completions run: a write they make joins the
    // queue instead of starting a second op over bytes not yet retired.
    this.#advance(n);
    this.#writing = false;
    this.#writeLoop();
  };

  #onWriteFail = (err: unknown): void => {
    this.#writing = false;
    this.#failQueue(this.#closed ? kCanceled : toTransportError(err, "write"));
    if (this.#linger) this.#release();
  };

  /** The bytes to hand to the kernel next: one chunk as is, or small ones joined. */
  #nextBatch(): Uint8Array {
    if (this.#batch !== null) return this.#batch.subarray(this.#batchOffset);
    const chunks = this.#chunks;
    const first = this.#headOffset === 0
      ? chunks[this.#head]
      : chunks[this.#head].subarray(this.#headOffset);
    let total = first.length;
    let end = this.#head + 1;
    if (total < kJoinMax) {
      while (end < chunks.length) {
        const size = chunks[end].length;
        if (size >= kJoinMax || total + size > kBatchMax) break;
        total += size;
        end++;
      }
    }
    if (end === this.#head + 1) return first;
    const batch = new Uint8Array(total);
    batch.set(first, 0);
    let at = first.length;
    for (let i = this.#head + 1; i < end; i++) {
      batch.set(chunks[i], at);
      at += chunks[i].length;
    }
    this.#batch = batch;
    this.#batchOffset = 0;
    return batch;
  }

  /** Retires `n` bytes the kernel took, completing the writes they finish. */
  #advance(n: number): void {
    this.#queued -= n;
    if (this.#batch !== null) {
      this.#batchOffset += n;
      if (this.#batchOffset >= this.#batch.length) this.#batch = null;
    }
    const chunks = this.#chunks;
    const dones = this.#dones;
    let left = n;
    while (this.#head < chunks.length) {
      const i = this.#head;
      const rest = chunks[i].length - this.#headOffset;
      if (left < rest) {
        this.#headOffset += left;
        break;
      }
      left -= rest;
      const done = dones[i];
      chunks[i] = kEmpty;
      dones[i] = null;
      this.#head = i + 1;
      this.#headOffset = 0;
      if (done !== null) done(null);
    }
    if (this.#head >= kCompactAt && this.#head * 2 >= chunks.length) {
      chunks.splice(0, this.#head);
      dones.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Fails every queued write, and a waiting shutdown, with `err`. */
  #failQueue(err: TransportError): void {
    this.#writeError ??= err;
    const dones = this.#dones.slice(this.#head);
    this.#chunks.length = 0;
    this.#dones.length = 0;
    this.#head = 0;
    this.#headOffset = 0;
    this.#queued = 0;
    this.#batch = null;
    const shutdownDone = this.#shutdownDone;
    this.#shutdownDone = null;
    for (const done of dones) done?.(err);
    shutdownDone?.(err.syscall === "write" ? { ...err, syscall: "shutdown" } : err);
  }

  shutdown(done: DoneCallback): void {
    if (this.#writeError !== null) return failLater(done, this.#writeError);
    if (this.#closed || this.#ended) {
      return failLater(done, { code: "ENOTCONN", syscall: "shutdown" });
    }
    this.#ended = true;
    this.#shutdownDone = done;
    if (!this.#writing && this.#conn !== null) this.#shutdownNow();
  }

  #shutdownNow(): void {
    const done = this.#shutdownDone!;
    this.#shutdownDone = null;
    if (this.#eof) {
      // After the peer's FIN, net closes the socket as soon as ours is sent,
      // and that close sends it (the receive queue is empty after EOF, so
      // the close is graceful): the shutdown op, half the system calls of
      // such a close, is left to a later turn that only a socket still
      // open then needs.
      // Once net has the EOF, in the turn that delivered it, as Node's does.
      // With the EOF read but not delivered yet, from the loop, as below,
      // and the EOF waits for it (see #deliverEof).
      if (this.#eofDelivered) {
        queueMicrotask(() => done(null));
      } else {
        this.#shutdownAtEof = true;
        setImmediate(DenoConnection.#completeEofShutdown, this, done);
      }
      setImmediate(DenoConnection.#deferredFin, this);
      return;
    }
    // Ending first, the shutdown completes from the loop, as libuv's does,
    // never within the callback that asked for it: code that ends a socket
    // in a response's 'end' handler finds it still open in the ticks and
    // promise jobs after. The turn is taken now, so that it comes before an
    // EOF read meanwhile.
    const result = this.#closeWrite();
    setImmediate(DenoConnection.#completeShutdown, result, done);
  }

  static #completeShutdown(result: Promise<TransportError | null>, done: DoneCallback): void {
    result.then(done);
  }

  static #deferredFin(conn: DenoConnection): void {
    if (!conn.#closed) conn.#closeWrite();
  }

  async #closeWrite(): Promise<TransportError | null> {
    try {
      await this.#conn!.closeWrite();
      return null;
    } catch (e) {
      return this.#closed ? { ...kCanceled, syscall: "shutdown" } : toTransportError(e, "shutdown");
    }
  }

  close(done?: () => void): void {
    this.#close(done, true);
  }

  #close(done: (() => void) | undefined, flush: boolean): void {
    // A handle whose connect failed is closed already but still owes the
    // first close() its `done`; only a second close() gets none.
    if (this.#closeCalled) return;
    this.#closeCalled = true;
    if (done !== undefined) {
      if (eofsDelivering > 0) closePhase.push(done);
      else setImmediate(done);
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#wantRead = false;
    this.#buf = null;
    this.#spill = null;
    if (this.#conn === null) {
      const cancel = this.#cancel;
      this.#cancel = null;
      cancel?.();
      // Nothing reached the kernel: fail what was queued on a later turn,
      // as an open socket's rejected ops would.
      if (this.#head < this.#chunks.length || this.#shutdownDone !== null) {
        queueMicrotask(() => this.#failQueue(kCanceled));
      }
      return;
    }
    if (flush && this.#head < this.#chunks.length) return this.#closeAfterFlush();
    // Pending read, write and shutdown ops reject once the resource is gone;
    // their handlers then run any queued callbacks with ECANCELED, as libuv
    // does for write requests on a closed handle.
    closeQuietly(this.#conn);
  }

  /**
   * Node's writes reach the kernel as they are made, so what was written
   * before a close goes out as far as the kernel takes it, and libuv drops
   * the rest. Deno settles a write op on a later turn: the queue is sent on,
   * and the socket freed once it is sent, once kLingerStallMs pass in which
   * no write settled (the kernel is full: the rest is dropped, as libuv
   * drops it), or after kLingerMaxMs in all. The callbacks hear ECANCELED
   * now, as libuv's do on a close, and reads stay stopped.
   */
  #closeAfterFlush(): void {
    const dones = this.#dones.slice(this.#head);
    this.#dones.fill(null);
    const shutdownDone = this.#shutdownDone;
    this.#shutdownDone = null;
    queueMicrotask(() => {
      for (const done of dones) done?.(kCanceled);
      shutdownDone?.({ ...kCanceled, syscall: "shutdown" });
    });
    this.#linger = true;
    DenoConnection.#armLinger(this, this.#settled, Date.now() + kLingerMaxMs);
    if (!this.#writing) this.#writeLoop();
  }

  static #armLinger(conn: DenoConnection, settled: number, deadline: number): void {
    // The pending write op holds the process while it can progress; this must not.
    setTimeout(DenoConnection.#checkLinger, kLingerStallMs, conn, settled, deadline).unref();
  }

  /** Frees the socket unless a write settled since `settled` and time is left. */
  static #checkLinger(conn: DenoConnection, settled: number, deadline: number): void {
    if (!conn.#linger) return;
    if (conn.#settled === settled || Date.now() >= deadline) conn.#release();
    else DenoConnection.#armLinger(conn, conn.#settled, deadline);
  }

  #release(): void {
    if (!this.#linger) return;
    this.#linger = false;
    closeQuietly(this.#conn!);
  }

  reset(done?: () => void): void {
    // Deno exposes no SO_LINGER, so an RST cannot be forced; what is queued
    // is dropped, as a reset drops it.
    this.#close(done, false);
  }

  ref(): void {
    if (this.#closed) return;
    this.#refed = true;
    this.#conn?.ref();
  }

  unref(): void {
    if (this.#closed) return;
    this.#refed = false;
    this.#conn?.unref();
  }

  setNoDelay(enable: boolean): void {
    if (this.#closed || !this.#isTcp) return;
    if (this.#tcp !== null) this.#tcp.setNoDelay(enable);
    else this.#noDelay = enable;
  }

  setKeepAlive(enable: boolean, _initialDelaySecs: number): void {
    // Deno sets SO_KEEPALIVE only: the kernel's default delay applies
    // (`capabilities.keepAliveDelay` is false).
    if (this.#closed || !this.#isTcp) return;
    if (this.#tcp !== null) this.#tcp.setKeepAlive(enable);
    else this.#keepAlive = enable;
  }

  localAddress(): NetAddress | string | null {
    return this.#conn === null ? null : toAddress(this.#conn.localAddr);
  }

  remoteAddress(): NetAddress | string | null {
    return this.#conn === null ? null : toAddress(this.#conn.remoteAddr);
  }
}

/** Closes a socket nobody will use; it may already be gone. */
export function closeQuietly(resource: { close(): void }): void {
  try {
    resource.close();
  } catch {
    // Already released by the runtime: nothing left to free.
  }
}
