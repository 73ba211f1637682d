/**
 * The transport over Deno's native sockets: `Deno.listen` and `Deno.connect`
 * for TCP (IPv4 and IPv6) and Unix domain sockets.
 *
 * What Deno 2.9 cannot do, reported in `capabilities`:
 * - no local bind before connect (`Deno.connect` has no local address);
 * - no `IPV6_V6ONLY`: a listener on `::` also accepts IPv4 peers, which it
 *   reports as `::ffff:a.b.c.d` with family IPv6, as Node does;
 * - no keep-alive delay and no `SO_LINGER` (so no RST on `reset()`);
 * - `reusePort` only on Linux and only with `--unstable-net` (without it
 *   Deno exits the process, so it must not even be tried);
 * - no unref of a connect in progress: a pending `Deno.connect` holds the
 *   process until it settles, whatever `unref()` says (applied on open).
 *   On loopback that is at once, unless the peer's accept queue is full;
 *   `close()` does withdraw a pending connect.
 *
 * @module
 */
import type {
  Capabilities,
  ConnectableHandle,
  ConnectCallback,
  ListenerHandle,
  TcpConnectOptions,
  TcpListenOptions,
  Transport,
  TransportError,
} from "./types.ts";
import { closeQuietly, DenoConnection } from "./deno_conn.ts";
import { DenoListener } from "./deno_listener.ts";
import { toTransportError } from "./deno_errors.ts";

/** Node's default backlog (`server.listen()` without one). */
const kDefaultBacklog = 511;
/** `sizeof(sockaddr_un.sun_path)` on Linux, terminating NUL included. */
const kSunPathMax = 108;

function detectCapabilities(): Capabilities {
  // `Deno.listenDatagram` is defined exactly when `--unstable-net` is on,
  // the same switch that gates `reusePort`.
  const unstableNet = typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function";
  return Object.freeze({
    runtime: "deno",
    backlog: true,
    reusePort: unstableNet && Deno.build.os === "linux",
    ipv6Only: false,
    localBind: false,
    keepAliveDelay: false,
    reset: false, // A pending connect op holds the event loop; Deno aborts it on close, Bun cannot.
    unrefPendingConnect: false,
    cancelPendingConnect: true,
    stringSlab: "encodeInto",
  });
}

/** Creates the Deno transport. */
export function createDenoTransport(): Transport {
  const capabilities = detectCapabilities();
  return {
    capabilities,
    listenTcp(options) {
      return listenTcp(options, capabilities);
    },
    listenUnix,
    createTcp: () => new DenoClientHandle(true),
    createPipe: () => new DenoClientHandle(false),
    readEnv,
  };
}

/** The variable's value if env access to it is granted already; never prompts. */
function readEnv(name: string): string | undefined {
  try {
    const { state } = Deno.permissions.querySync({ name: "env", variable: name });
    return state === "granted" ? Deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

function listenTcp(
  options: TcpListenOptions,
  capabilities: Capabilities,
): ListenerHandle | TransportError {
  if (options.reusePort && !capabilities.reusePort) {
    return {
      code: "ENOTSUP",
      syscall: "listen",
      detail: "reusePort needs Linux and --unstable-net",
    };
  }
  // ipv6Only and exclusive have no Deno counterpart; `capabilities` says so
  // and net decides what to tell the user.
  const listenOptions: Deno.TcpListenOptions & { transport: "tcp"; reusePort?: boolean } = {
    transport: "tcp",
    hostname: options.host,
    port: options.port,
    tcpBacklog: options.backlog > 0 ? Math.min(options.backlog, 0x7fffffff) : kDefaultBacklog,
  };
  if (options.reusePort) listenOptions.reusePort = true;
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen(listenOptions);
  } catch (err) {
    return toTransportError(err, "listen");
  }
  return new DenoListener(listener, null);
}

function listenUnix(path: string, _backlog: number): ListenerHandle | TransportError {
  // Deno takes no backlog for Unix sockets; the kernel default applies.
  let listener: Deno.UnixListener;
  try {
    listener = Deno.listen({ transport: "unix", path });
  } catch (err) {
    const e = toTransportError(err, "listen");
    // libuv reports a missing directory as EACCES (for Windows parity), so
    // Node users see that code; a path too long stays EINVAL, as in Node 22+.
    if (e.code === "ENOENT") e.code = "EACCES";
    return e;
  }
  return new DenoListener(listener, path);
}

function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/** A client handle: created unconnected, as libuv's `uv_tcp_init`, then connected once. */
class DenoClientHandle extends DenoConnection implements ConnectableHandle {
  readonly #isTcp: boolean;
  #started = false;

  constructor(tcp: boolean) {
    super(null, tcp);
    this.#isTcp = tcp;
  }

  connect(target: TcpConnectOptions | string, done: ConnectCallback): void {
    // A second connect is ignored: libuv refuses it synchronously and never
    // calls it back, and this contract has no return value to refuse with.
    if (this.#started) return;
    this.#started = true;
    if (this.#isTcp !== (typeof target !== "string")) {
      return failConnect(this, done, {
        code: "EINVAL",
        syscall: "connect",
        detail: this.#isTcp ? "a TCP handle needs a host and port" : "a pipe needs a path",
      });
    }
    if (typeof target === "string") connectUnix(this, target, done);
    else connectTcp(this, target, done);
  }
}

function connectTcp(
  handle: DenoConnection,
  options: TcpConnectOptions,
  done: ConnectCallback,
): void {
  const { localAddress, localPort } = options;
  const port = localPort ?? 0;
  const wantsBind = (localAddress !== undefined && !isWildcard(localAddress)) || port !== 0;
  let expected: LocalExpectation | null = null;
  if (wantsBind) {
    // Deno.connect cannot bind first. What it can do honestly: report the
    // bind error Node would meet (a taken local port), let connect errors
    // through unchanged (binding would not have avoided them), and accept a
    // connection only if the kernel's own choice of local side is the one
    // asked for, which is the common loopback case.
    const any = options.host.includes(":") ? "::" : "0.0.0.0";
    if (port !== 0) {
      const busy = probeLocalPort(localAddress ?? any, port);
      if (busy !== null) return failConnect(handle, done, busy);
    }
    expected = { address: localAddress, port };
  }
  const abort = new AbortController();
  // Aborted only from a later macrotask: Deno.connect checks its signal
  // after building the connection, and an abort landing between the op's
  // completion and that check throws AbortError with the new connection
  // neither returned nor closed. Once a timer runs, every settled connect
  // is past that check; one that settles later is closed unseen.
  if (!DenoConnection.start(handle, () => setTimeout(() => abort.abort(), 0))) return;
  const pending = Deno.connect({
    transport: "tcp",
    hostname: options.host,
    port: options.port,
    // net runs its own family selection over dns.lookup results.
    autoSelectFamily: false,
    signal: abort.signal,
  });
  settleConnect(handle, pending, done, expected);
}

/** The local side a connect asked for (emulated bind). */
interface LocalExpectation {
  address: string | undefined;
  port: number;
}

/** EADDRINUSE if `address:port` cannot be bound right now, else null. */
function probeLocalPort(address: string, port: number): TransportError | null {
  try {
    Deno.listen({ hostname: address, port, transport: "tcp" }).close();
    return null;
  } catch (err) {
    const mapped = toTransportError(err, "bind");
    return mapped.code === "EADDRINUSE" || mapped.code === "EADDRNOTAVAIL" ? mapped : null;
  }
}

/** Whether an accepted connect's local side is the one asked for. */
function matchesLocal(conn: Deno.Conn, expected: LocalExpectation): boolean {
  const local = conn.localAddr as Deno.NetAddr;
  const host = local.hostname.replace(/^\[|\]$/g, "");
  if (expected.address !== undefined && !isWildcard(expected.address)) {
    const want = expected.address.toLowerCase();
    if (host !== want && host !== `::ffff:${want}`) return false;
  }
  return expected.port === 0 || local.port === expected.port;
}

function connectUnix(handle: DenoConnection, path: string, done: ConnectCallback): void {
  if (new TextEncoder().encode(path).length >= kSunPathMax) {
    return failConnect(handle, done, {
      // Node 22+ refuses rather than truncates an over-long path: EINVAL.
      code: "EINVAL",
      syscall: "connect",
      detail: `path longer than ${kSunPathMax - 1} bytes`,
    });
  }
  // UnixConnectOptions has no signal: a connect closed while pending runs
  // to its end and the connection it may yield is closed unseen.
  if (!DenoConnection.start(handle, null)) return;
  settleConnect(handle, Deno.connect({ transport: "unix", path }), done, null);
}

/** Fails `handle`'s connect with `err` on a later turn, unless it is closed first. */
function failConnect(handle: DenoConnection, done: ConnectCallback, err: TransportError): void {
  queueMicrotask(() => {
    if (DenoConnection.fail(handle)) done(err);
  });
}

function settleConnect(
  handle: DenoConnection,
  pending: Promise<Deno.Conn>,
  done: ConnectCallback,
  expected: LocalExpectation | null,
): void {
  pending.then(
    (conn) => {
      if (expected !== null && !matchesLocal(conn, expected)) {
        closeQuietly(conn);
        if (DenoConnection.fail(handle)) {
          done({
            code: "EINVAL",
            syscall: "bind",
            detail: "Deno cannot bind a socket before connecting",
          });
        }
        return;
      }
      if (DenoConnection.open(handle, conn)) done(null);
    },
    (err) => {
      // A closed handle's connect may end in AbortError: not news.
      if (DenoConnection.fail(handle)) done(toTransportError(err, "connect"));
    },
  );
}
