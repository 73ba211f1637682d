/**
 * The transport over Bun's native sockets (`Bun.listen`, `Bun.connect`).
 *
 * What Bun 1.4.5 does, checked by experiment, and how it is used here:
 * - `pause()` stops reading from the kernel, so the peer feels backpressure;
 *   nothing is delivered before `readStart()`. `resume()` also polls for
 *   writability (one wakeup), so a new socket is paused only when data
 *   comes before `readStart()`.
 * - Each `data` call gets a fresh Buffer that Bun never reuses: no copy.
 *   Bun reads up to 512 KiB at once; it is handed on in 64 KiB views, each
 *   after the work the previous one queued, as libuv reads (bun_conn.ts).
 * - A socket that has read EOF no longer holds the process (libuv stops
 *   polling it), even while nobody closes it.
 * - `write()` returns what the kernel took and buffers nothing itself; the
 *   rest waits in our queue for `drain`.
 * - `shutdown()` sends FIN and keeps reading; `end()` would close the socket.
 *   A FIN that arrives after our own shutdown closes the socket without an
 *   `end` event, so that clean close counts as EOF.
 * - `terminate()` sends RST. A read error arrives as the `close` argument.
 * - Connect failures are reported only as ECONNREFUSED, ENOENT (Unix) or
 *   the local bind's error; Bun folds ETIMEDOUT, EHOSTUNREACH and the like
 *   into ECONNREFUSED before we see them.
 * - `Bun.connect` hands out no socket before `open` and takes no abort
 *   signal. So `createTcp()`/`createPipe()` return our own handle at once; it
 *   remembers ref/unref, the socket options and readStart/readStop, and
 *   applies the latest on `open`; `close()` before that closes the socket
 *   as it opens. Until it settles, a connect in flight holds the process
 *   even after `unref()` or `close()` (Bun's own node:net, over a private
 *   handle, can close one but cannot unref it either). On loopback and on a
 *   LAN that lasts a round trip; towards a host that drops SYNs, until the
 *   kernel gives up (about two minutes).
 * - Writes and `shutdown()` on a pending handle wait in the queue for `open`.
 * - `Bun.connect` may run queued microtasks before it returns when it calls
 *   `open` from inside (it does for an fd), so an outcome reached inside
 *   the call is scheduled only after it returns.
 * - No `error` handler is installed, so an exception thrown by our callbacks
 *   reaches the runtime's uncaught-exception path, as in Node.
 *
 * @module
 */
import type {
  Capabilities,
  ConnectCallback,
  ConnectionHandle,
  ListenerHandle,
  Transport,
  TransportError,
} from "./types.ts";
import { BunConnection } from "./bun_conn.ts";
import { listenFd, listenTcp, listenUnix } from "./bun_listener.ts";

const capabilities: Capabilities = Object.freeze({
  runtime: "bun",
  backlog: false,
  reusePort: true,
  ipv6Only: true,
  localBind: true,
  keepAliveDelay: true,
  reset: true, // A pending connect op holds the event loop; Deno aborts it on close, Bun cannot.
  unrefPendingConnect: false,
  cancelPendingConnect: false,
  stringSlab: "write",
});

/**
 * Bun's transport, with two methods beyond the contract: adopting an open
 * socket fd as a connection (Node's `new net.Socket({ fd })`) and listening
 * on a bound one (Node's `server.listen({ fd })`).
 */
export interface BunTransport extends Transport {
  /**
   * Opens an already connected TCP or Unix stream socket. Bun opens the fd
   * at once, so the handle is returned open (addresses known) and `done(null)`
   * runs asynchronously once, unless `close()` runs first. What cannot be
   * used is refused here, synchronously, and `done` never runs:
   * `{ code: "ENOTSOCK", syscall: "open" }` for a closed fd, a file, a pipe
   * or a TTY (Bun's socket API cannot stream pipes, unlike libuv's), and
   * `ENOTCONN` for an IP socket without a peer. A refusal closes the fd when
   * Bun had taken it: every case but a closed fd or a file.
   */
  openFd(fd: number, done: ConnectCallback): ConnectionHandle | TransportError;
  /**
   * Listens on an already bound TCP or Unix socket, calling listen() on it
   * if needed. `{ code: "EINVAL", syscall: "listen" }` for anything else.
   * A Unix listener adopted this way reports its address as `""`.
   */
  listenFd(fd: number, backlog: number): ListenerHandle | TransportError;
}

/** Creates the Bun transport. */
export function createBunTransport(): BunTransport {
  return {
    capabilities,
    listenTcp,
    listenUnix,
    listenFd,
    createTcp() {
      return BunConnection.create(false);
    },
    createPipe() {
      return BunConnection.create(true);
    },
    openFd(fd, done) {
      return BunConnection.adoptFd(fd, done);
    },
  };
}
