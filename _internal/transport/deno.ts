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
 *   Deno exits the process, so it must not even be tried).
 *
 * @module
 */
import type {
  Capabilities,
  ConnectCallback,
  ListenerHandle,
  TcpConnectOptions,
  TcpListenOptions,
  Transport,
  TransportError,
} from "./types.ts";
import { DenoConnection } from "./deno_conn.ts";
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
    reset: false,
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
    connectTcp,
    connectUnix,
  };
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

function connectTcp(options: TcpConnectOptions, done: ConnectCallback): () => void {
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
      if (busy !== null) return failConnect(done, busy);
    }
    expected = { address: localAddress, port };
  }
  const abort = new AbortController();
  const pending = Deno.connect({
    transport: "tcp",
    hostname: options.host,
    port: options.port,
    // net runs its own family selection over dns.lookup results.
    autoSelectFamily: false,
    signal: abort.signal,
  });
  return settleConnect(pending, true, done, () => abort.abort(), expected);
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

function connectUnix(path: string, done: ConnectCallback): () => void {
  if (new TextEncoder().encode(path).length >= kSunPathMax) {
    return failConnect(done, {
      // Node 22+ refuses rather than truncates an over-long path: EINVAL.
      code: "EINVAL",
      syscall: "connect",
      detail: `path longer than ${kSunPathMax - 1} bytes`,
    });
  }
  // UnixConnectOptions has no signal: a cancelled connect runs to its end
  // and the connection it may yield is closed unseen.
  return settleConnect(Deno.connect({ transport: "unix", path }), false, done, null);
}

/** Reports `err` on a later turn unless cancelled first. */
function failConnect(done: ConnectCallback, err: TransportError): () => void {
  let cancelled = false;
  queueMicrotask(() => {
    if (!cancelled) done(err, null);
  });
  return () => {
    cancelled = true;
  };
}

function settleConnect(
  pending: Promise<Deno.Conn>,
  tcp: boolean,
  done: ConnectCallback,
  abort: (() => void) | null,
  expected: LocalExpectation | null = null,
): () => void {
  let state: "pending" | "settled" | "cancelled" = "pending";
  pending.then(
    (conn) => {
      if (state === "cancelled") {
        try {
          conn.close();
        } catch {
          // Nothing left to release.
        }
        return;
      }
      state = "settled";
      if (expected !== null && !matchesLocal(conn, expected)) {
        conn.close();
        done({
          code: "EINVAL",
          syscall: "bind",
          detail: "Deno cannot bind a socket before connecting",
        }, null);
        return;
      }
      done(null, new DenoConnection(conn, tcp));
    },
    (err) => {
      if (state === "cancelled") return;
      state = "settled";
      done(toTransportError(err, "connect"), null);
    },
  );
  return () => {
    if (state !== "pending") return;
    state = "cancelled";
    abort?.();
  };
}
