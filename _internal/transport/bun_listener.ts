/**
 * A listener handle over `Bun.listen`, for TCP and Unix sockets.
 *
 * @module
 */
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
  toTransportError,
} from "./bun_api.ts";
import { BunConnection } from "./bun_conn.ts";

/** One Bun listener as a libuv-shaped listener handle. */
class BunListener implements ListenerHandle {
  onConnection: ((conn: ConnectionHandle) => void) | null = null;
  onError: ((err: TransportError) => void) | null = null;

  #listener: BunListenerSocket | null = null;
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

  close(done?: () => void): void {
    const listener = this.#listener;
    this.#listener = null;
    // `false` keeps accepted connections open, as Node's server.close() does.
    // Bun frees the port (and unlinks a Unix socket's file, as libuv does)
    // before stop() returns.
    listener?.stop(false);
    if (done !== undefined) queueMicrotask(done);
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
    if (path === null) {
      const name: Record<string, unknown> = {};
      handle.#listener.getsockname(name);
      handle.#address = {
        address: String(name.address ?? options.hostname),
        port: Number(name.port ?? handle.#listener.port),
        family: name.family === "IPv6" ? "IPv6" : "IPv4",
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
      const onConnection = listener.onConnection;
      if (onConnection === null) conn.close();
      else onConnection(conn);
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
 * Bun strips a leading `file://`, `unix://` or `sock://` from Unix paths;
 * such a path is relative, so `./` keeps it naming the same file.
 */
export function bunUnixPath(path: string): string {
  return /^(?:file|unix|sock):\/\//.test(path) ? `./${path}` : path;
}
