/**
 * A Deno `Listener` (TCP or Unix) behind the push-based `ListenerHandle`.
 *
 * @module
 */
import type { ConnectionHandle, ListenerHandle, NetAddress, TransportError } from "./types.ts";
import { closeQuietly, DenoConnection, toAddress } from "./deno_conn.ts";
import { toTransportError } from "./deno_errors.ts";

/** A listening Deno socket that accepts until closed. */
export class DenoListener implements ListenerHandle {
  // Read at each call, never cached: Node code swaps `server._handle.onconnection`.
  onconnection: ((err: TransportError | null, conn: ConnectionHandle | null) => void) | null = null;

  #listener: Deno.Listener;
  #tcp: boolean;
  #path: string | null;
  #closed = false;
  #stopped = false;
  #whenFree: (() => void)[] | null = null;

  /** `path` is the Unix socket path to unlink on close, or null for TCP. */
  constructor(listener: Deno.Listener, path: string | null) {
    this.#listener = listener;
    this.#tcp = path === null;
    this.#path = path;
    takeReserve();
    // The loop's first accept settles on a later turn at the earliest, so
    // the caller sets onconnection before any connection can arrive.
    this.#acceptLoop();
  }

  async #acceptLoop(): Promise<void> {
    // An accept already under way, left by #dropWaiting.
    let pending: Promise<Deno.Conn> | null = null;
    try {
      while (!this.#closed) {
        let conn: Deno.Conn;
        try {
          conn = await (pending ?? this.#listener.accept());
          pending = null;
        } catch (err) {
          pending = null;
          if (this.#closed) break;
          const e = toTransportError(err, "accept");
          // The peer gave up while queued: the listener itself is fine.
          if (e.code === "ECONNABORTED") continue;
          if (e.code === "EMFILE" || e.code === "ENFILE") {
            const dropped = await this.#dropWaiting();
            if (dropped !== null) {
              pending = dropped.next;
              continue;
            }
          }
          this.onconnection?.(e, null);
          break;
        }
        if (this.#closed) {
          closeQuietly(conn);
          break;
        }
        this.#deliver(new DenoConnection(conn, this.#tcp));
      }
    } finally {
      this.#stopped = true;
      this.#notifyFree();
    }
  }

  /**
   * Out of descriptors, as libuv does: lets the reserve go, accepts each
   * connection already waiting and closes it at once, then takes the
   * reserve back. The peers see their connections end; the server emits no
   * error and serves again once descriptors are free. Linux fails accept()
   * with EMFILE before it looks at the queue, so the error does not mean a
   * connection waits: one accepted before a macrotask passes was waiting,
   * and the accept still pending then is the loop's next one. Null without
   * a reserve.
   */
  async #dropWaiting(): Promise<{ next: Promise<Deno.Conn> } | null> {
    while (reserve !== null) {
      closeQuietly(reserve);
      reserve = null;
      // Deno tries an accept at once: a waiting connection takes the freed
      // descriptor now; else the reserve takes it back before other code
      // (a connect of this process) can.
      const next = this.#listener.accept();
      takeReserve();
      let waiting: Deno.Conn | undefined;
      try {
        waiting = await Promise.race([next, nextMacrotask()]);
      } catch {
        // Closed meanwhile: the loop's await of `next` tells it.
        waiting = undefined;
      }
      if (waiting === undefined) return { next };
      closeQuietly(waiting);
      takeReserve();
    }
    return null;
  }

  #deliver(handle: DenoConnection): void {
    if (typeof this.onconnection !== "function") return handle.close();
    try {
      this.onconnection(null, handle);
    } catch (err) {
      // A throwing handler is the caller's uncaught exception, as in Node;
      // it must not end the accept loop, which would stop accepting.
      queueMicrotask(() => {
        throw err;
      });
    }
  }

  address(): NetAddress | string {
    if (this.#path !== null) return this.#path;
    return toAddress(this.#listener.addr) ?? "";
  }

  ref(): void {
    if (!this.#closed) this.#listener.ref();
  }

  unref(): void {
    if (!this.#closed) this.#listener.unref();
  }

  /**
   * Stops accepting. Deno releases the socket only once the pending accept
   * has been cancelled, which happens on a later turn of the event loop; the
   * optional `done` runs when that has happened and the address is free.
   */
  fchmod(bits: number): TransportError | null {
    const path = this.#path;
    if (path === null || path.length === 0 || path.charCodeAt(0) === 0) {
      return { code: "EINVAL", syscall: "uv_pipe_chmod" };
    }
    try {
      const mode = (Deno.statSync(path).mode ?? 0) & 0o7777;
      if ((mode & bits) !== bits) Deno.chmodSync(path, mode | bits);
      return null;
    } catch (err) {
      return toTransportError(err, "uv_pipe_chmod");
    }
  }

  close(done?: () => void): void {
    if (done !== undefined) (this.#whenFree ??= []).push(done);
    if (!this.#closed) {
      this.#closed = true;
      if (this.#path !== null) unlinkQuietly(this.#path);
      closeQuietly(this.#listener);
    }
    if (this.#stopped) this.#notifyFree();
  }

  #notifyFree(): void {
    if (!this.#closed || this.#whenFree === null) return;
    const waiting = this.#whenFree;
    this.#whenFree = null;
    queueMicrotask(() => {
      for (const done of waiting) done();
    });
  }
}

/**
 * One descriptor held for the whole process (libuv holds one per loop), so
 * that accept() failing with EMFILE or ENFILE can still take the waiting
 * connection off the queue and close it. Opened only where reading
 * /dev/null is granted already: never a permission prompt.
 */
let reserve: Deno.FsFile | null = null;

function nextMacrotask(): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), 0));
}

function takeReserve(): void {
  if (reserve !== null) return;
  try {
    if (Deno.permissions.querySync({ name: "read", path: "/dev/null" }).state !== "granted") return;
    // An open file with no pending operation does not hold the process.
    reserve = Deno.openSync("/dev/null");
  } catch {
    // No /dev/null, or no descriptor left: EMFILE then reaches the server.
  }
}

function unlinkQuietly(path: string): void {
  // libuv unlinks a listening Unix socket's path on close, before closing
  // the descriptor; Node users rely on it to listen on the same path again.
  // Abstract sockets (leading NUL) have no file.
  if (path.length === 0 || path.charCodeAt(0) === 0) return;
  try {
    Deno.removeSync(path);
  } catch {
    // Gone already, or not ours to remove: listening again will say so.
  }
}
