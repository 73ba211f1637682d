/**
 * A Deno `Listener` (TCP or Unix) behind the push-based `ListenerHandle`.
 *
 * @module
 */
import type { ConnectionHandle, ListenerHandle, NetAddress, TransportError } from "./types.ts";
import { closeQuietly, DenoConnection, toAddress } from "./deno_conn.ts";
import { toTransportError } from "./deno_errors.ts";
import { setTimeout as setNodeTimeout } from "node:timers";

/**
 * Accept errors that concern one connection, not the listener: the peer
 * reset or gave up while the connection waited in the backlog. Deno reads
 * the new socket's addresses inside its accept, so such a connection fails
 * the accept itself (ENOTCONN from getpeername); libuv would hand it over
 * and let its first read or write fail. Either way it is gone.
 */
const kPeerGone = new Set(["ENOTCONN", "ECONNRESET", "ECONNABORTED"]);
/**
 * Out of descriptors. libuv sheds the waiting connections then, with a
 * descriptor it keeps in reserve, and reports nothing: a Node server without
 * an 'error' listener lives on. Deno's accept cannot tell whether a
 * connection waits without taking it, and taking one that came after the
 * descriptors were freed would drop a good connection, so here they wait
 * for a descriptor (their clients may time out). Not reported either.
 */
const kOutOfDescriptors = new Set(["EMFILE", "ENFILE"]);
/** After an accept error, the next accept waits this long, doubling. */
const kRetryMinMs = 10;
const kRetryMaxMs = 1000;

/** A listening Deno socket that accepts until closed. */
export class DenoListener implements ListenerHandle {
  // Read at each call, never cached: Node code swaps `server._handle.onconnection`.
  onconnection: ((err: TransportError | null, conn: ConnectionHandle | null) => void) | null = null;

  #listener: Deno.Listener;
  #tcp: boolean;
  #path: string | null;
  #closed = false;
  #refed = true;
  #stopped = false;
  #whenFree: (() => void)[] | null = null;

  /** `path` is the Unix socket path to unlink on close, or null for TCP. */
  constructor(listener: Deno.Listener, path: string | null) {
    this.#listener = listener;
    this.#tcp = path === null;
    this.#path = path;
    // The loop's first accept settles on a later turn at the earliest, so
    // the caller sets onconnection before any connection can arrive.
    this.#acceptLoop();
  }

  async #acceptLoop(): Promise<void> {
    let retryMs = kRetryMinMs;
    try {
      while (!this.#closed) {
        let conn: Deno.Conn;
        try {
          conn = await this.#listener.accept();
        } catch (err) {
          if (this.#closed) break;
          const e = toTransportError(err, "accept");
          if (kPeerGone.has(e.code)) continue;
          // A closed resource ends the loop. Anything else leaves the
          // listener accepting, as libuv's does, after a wait that keeps a
          // lasting failure from spinning.
          if (e.code === "EBADF") break;
          if (!kOutOfDescriptors.has(e.code)) this.#report(e);
          await this.#pause(retryMs);
          retryMs = Math.min(retryMs * 2, kRetryMaxMs);
          continue;
        }
        retryMs = kRetryMinMs;
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

  #report(err: TransportError): void {
    try {
      this.onconnection?.(err, null);
    } catch (thrown) {
      // An 'error' without a listener: the caller's uncaught exception.
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }

  /** Waits `ms`, holding the process open only while the listener does. */
  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setNodeTimeout(resolve, ms);
      if (!this.#refed) timer.unref();
    });
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
    this.#refed = true;
    if (!this.#closed) this.#listener.ref();
  }

  unref(): void {
    this.#refed = false;
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
