/**
 * A listener handle over `Bun.listen`, for TCP and Unix sockets.
 *
 * @module
 */
import { chmodSync, statSync } from "node:fs";
import type {
  ConnectionHandle,
  ListenerHandle,
  NetAddress,
  TcpListenOptions,
  TransportError,
} from "./types.ts";
import {
  bunGlobal,
  type BunListenerSocket,
  type BunListenOptions,
  type BunSocketHandlers,
  bunUnixPath,
  toTransportError,
} from "./bun_api.ts";
import { BunConnection } from "./bun_conn.ts";

/** One Bun listener as a libuv-shaped listener handle. */
class BunListener implements ListenerHandle {
  onconnection: ((err: TransportError | null, conn: ConnectionHandle | null) => void) | null = null;

  #listener: BunListenerSocket | null = null;
  /** The Unix path (`""` when adopted from an fd), or null for TCP. */
  #path: string | null;
  #address: NetAddress | null = null;

  constructor(path: string | null) {
    this.#path = path;
  }

  address(): NetAddress | string {
    if (this.#path !== null) return this.#path;
    return { ...this.#address! };
  }

  ref(): void {
    this.#listener?.ref();
  }

  unref(): void {
    this.#listener?.unref();
  }

  fchmod(bits: number): TransportError | null {
    const path = this.#path;
    if (path === null || path.length === 0 || path.charCodeAt(0) === 0) {
      return { code: "EINVAL", syscall: "uv_pipe_chmod" };
    }
    try {
      // Bun has no chmod of its own: its node:fs is the runtime's file API.
      const mode = statSync(path).mode & 0o7777;
      if ((mode & bits) !== bits) chmodSync(path, mode | bits);
      return null;
    } catch (err) {
      const code = (err as { code?: string }).code ?? "EPERM";
      return { code, syscall: "uv_pipe_chmod" };
    }
  }

  close(done?: () => void): void {
    const listener = this.#listener;
    this.#listener = null;
    // `false` keeps accepted connections open, as Node's server.close() does.
    // Bun frees the port (and unlinks a Unix socket's file, as libuv does)
    // before stop() returns.
    listener?.stop(false);
    done?.();
  }

  /**
   * Binds and listens; Bun throws synchronously on failure. Every socket
   * starts with this listener as its `data`, until `open` replaces it.
   */
  static listen(
    options: Omit<BunListenOptions<BunListener>, "socket" | "data">,
    path: string | null,
  ): BunListener | TransportError {
    const handle = new BunListener(path);
    try {
      handle.#listener = bunGlobal().listen<BunListener>({
        ...options,
        allowHalfOpen: true,
        data: handle,
        socket: BunListener.#handlers,
      });
    } catch (err) {
      return toTransportError(err, "listen", "EINVAL");
    }
    const name: Record<string, unknown> = {};
    handle.#listener.getsockname(name);
    // An adopted fd is TCP exactly when Bun can name its address.
    if (options.fd !== undefined && name.family === undefined) handle.#path = "";
    if (handle.#path === null) {
      handle.#address = {
        address: String(name.address ?? options.hostname),
        family: name.family === "IPv6" ? "IPv6" : "IPv4",
        port: Number(name.port ?? handle.#listener.port),
      };
    }
    return handle;
  }

  static readonly #handlers: BunSocketHandlers<BunListener> = {
    // Cast: these run after `open` has put a BunConnection in `data`.
    ...(BunConnection.events as unknown as BunSocketHandlers<BunListener>),
    open(socket) {
      const listener = socket.data;
      const path = listener.#path;
      const conn = BunConnection.adopt(socket, path === null ? null : { local: path, remote: "" });
      // Looked up now and called as a method: Node code swaps
      // `server._handle.onconnection` after listen().
      if (typeof listener.onconnection === "function") listener.onconnection(null, conn);
      else conn.close();
    },
  };
}

/** `Transport.listenTcp` over Bun. Bun has no backlog option: it stays advisory. */
export function listenTcp(options: TcpListenOptions): ListenerHandle | TransportError {
  return BunListener.listen({
    hostname: options.host,
    port: options.port,
    exclusive: options.exclusive,
    reusePort: options.reusePort,
    ipv6Only: options.ipv6Only,
  }, null);
}

/** `Transport.listenUnix` over Bun. */
export function listenUnix(path: string, _backlog: number): ListenerHandle | TransportError {
  return BunListener.listen({ unix: bunUnixPath(path) }, path);
}

/**
 * `Transport.listenFd` over Bun: listens on an already bound TCP or Unix
 * socket (Node's `listen({ fd })`). A Unix listener adopted this way reports
 * its address as `""`: Bun cannot tell its path. `close()` closes the fd and,
 * as libuv does for an fd it did not bind, leaves a socket file in place.
 */
export function listenFd(fd: number, _backlog: number): ListenerHandle | TransportError {
  return BunListener.listen({ fd }, null);
}
