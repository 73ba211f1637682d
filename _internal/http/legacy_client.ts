/**
 * `http.createClient(port, host)`: the client API of Node 0.x, removed from
 * Node long ago but still called by old code. It returns a client whose
 * `request([method,] path[, headers])` gives a `ClientRequest`, and which
 * re-emits the request's errors and its socket's 'end', as it did then.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import { deprecate } from "node:util";
import { ClientRequest } from "./client.ts";
import type { Agent } from "./agent.ts";

/** The object `http.createClient()` returns. */
export class LegacyClient extends EventEmitter {
  /** The server's port. Default: `80`. */
  port: number;
  /** The server's host name or address. Default: `'localhost'`. */
  host: string;
  /** The agent its requests use; `undefined` means the global agent. */
  agent: Agent | undefined = undefined;

  /** A client for `host:port`; prefer `http.createClient()`, which warns once. */
  constructor(port?: number, host?: string) {
    super();
    this.port = port ?? 80;
    this.host = host ?? "localhost";
  }

  /**
   * `request([method,] path[, headers])`: a ClientRequest to this client's
   * host and port. A first argument starting with "/" is the path (GET).
   */
  request(
    method: string,
    path?: string | Record<string, string>,
    headers?: Record<string, string>,
  ): ClientRequest {
    if (method.charCodeAt(0) === 47) {
      headers = path as Record<string, string> | undefined;
      path = method;
      method = "GET";
    }
    const req = new ClientRequest({
      host: this.host,
      port: this.port,
      method,
      path,
      headers,
      agent: this.agent,
    });
    req.on("error", (err: Error) => this.emit("error", err));
    req.on("socket", (socket: EventEmitter) => socket.on("end", () => this.emit("end")));
    return req;
  }
}

/**
 * Node 0.x's `http.createClient(port, host)`, with its one-time
 * deprecation warning.
 *
 * @example
 * ```ts
 * import { createClient, createServer } from "@x/node-http/http";
 *
 * const server = createServer((req, res) => res.end(req.url));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   const client = createClient(port, "127.0.0.1"); // warns once: deprecated
 *   const req = client.request("GET", "/old");
 *   req.on("response", (res) => {
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 *   req.end();
 * });
 * ```
 */
export const createClient: (port?: number, host?: string) => LegacyClient = deprecate(
  (port?: number, host?: string) => new LegacyClient(port, host),
  // Node 0.10's text; the API predates deprecation codes.
  "http.createClient is deprecated. Use `http.request` instead.",
);
