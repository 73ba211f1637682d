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
    // The loop's first accept settles on a later turn at the earliest, so
    // the caller sets onconnection before any connection can arrive.
    this.#acceptLoop();
  }

  async #acceptLoop(): Promise<void> {
    try {
      while (!this.#closed) {
        let conn: Deno.Conn;
        try {
          conn = await this.#listener.accept();
        } catch (err) {
          if (this.#closed) break;
          const e = toTransportError(err, "accept");
          // The peer gave up while queued: the listener itself is fine.
          if (e.code === "ECONNABORTED") continue;
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
