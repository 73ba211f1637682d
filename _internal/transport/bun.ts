/**
 * The transport over Bun's native sockets (`Bun.listen`, `Bun.connect`).
 *
 * What Bun 1.4.5 does, checked by experiment, and how it is used here:
 * - `pause()` stops reading from the kernel, so the peer feels backpressure;
 *   accepted and connected sockets are paused until `readStart()`.
 * - Each `data` call gets a fresh Buffer that Bun never reuses: no copy.
 * - `write()` returns what the kernel took and buffers nothing itself; the
 *   rest waits in our queue for `drain`.
 * - `shutdown()` sends FIN and keeps reading; `end()` would close the socket.
 *   A FIN that arrives after our own shutdown closes the socket without an
 *   `end` event, so that clean close counts as EOF.
 * - `terminate()` sends RST. A read error arrives as the `close` argument.
 * - Connect failures are reported only as ECONNREFUSED, ENOENT (Unix) or
 *   the local bind's error; Bun folds ETIMEDOUT, EHOSTUNREACH and the like
 *   into ECONNREFUSED before we see them.
 * - No `error` handler is installed, so an exception thrown by our callbacks
 *   reaches the runtime's uncaught-exception path, as in Node.
 *
 * @module
 */
import type { Capabilities, ConnectCallback, Transport } from "./types.ts";
import { BunConnection } from "./bun_conn.ts";
import { bunUnixPath, listenTcp, listenUnix } from "./bun_listener.ts";

const capabilities: Capabilities = Object.freeze({
  runtime: "bun",
  backlog: false,
  reusePort: true,
  ipv6Only: true,
  localBind: true,
  keepAliveDelay: true,
  reset: true,
});

/** Creates the Bun transport. */
export function createBunTransport(): Transport {
  return {
    capabilities,
    listenTcp,
    listenUnix,
    connectTcp(options, done: ConnectCallback) {
      const { host, port, localAddress, localPort } = options;
      if (localAddress === undefined && localPort === undefined) {
        return BunConnection.connect({ hostname: host, port }, null, done);
      }
      // Bun ignores `localPort` without `localAddress`.
      const any = host.includes(":") ? "::" : "0.0.0.0";
      return BunConnection.connect(
        { hostname: host, port, localAddress: localAddress ?? any, localPort: localPort ?? 0 },
        null,
        done,
      );
    },
    connectUnix(path, done) {
      return BunConnection.connect({ unix: bunUnixPath(path) }, { local: "", remote: path }, done);
    },
  };
}
