/**
 * Node's `http` module over this project's `net`: servers, incoming and
 * outgoing messages with Node's framing, events and errors.
 *
 * @example Hello world
 * ```ts
 * import http from "@x/node-http/http";
 *
 * const server = http.createServer((req, res) => {
 *   res.setHeader("Content-Type", "text/plain");
 *   res.end(`hello from ${req.url}\n`);
 * });
 * server.listen(0, () => server.close());
 * ```
 *
 * @module
 */
import { STATUS_CODES } from "./_internal/http/status_codes.ts";
import { METHODS } from "./_internal/http/methods.ts";
import { validateHeaderName, validateHeaderValue } from "./_internal/http/headers.ts";
import { IncomingMessage } from "./_internal/http/incoming.ts";
import { OutgoingMessage } from "./_internal/http/outgoing.ts";
import { ServerResponse } from "./_internal/http/server_response.ts";
import { HttpServer, type ServerOptions } from "./_internal/http/server.ts";
import { setMaxIdleParsers } from "./_internal/http/server_connection.ts";
import { httpFlags } from "./_internal/node_flags.ts";
import { validateInteger } from "./_internal/validators.ts";

export {
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  ServerResponse,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
};
export type { ServerOptions };

/**
 * `http.Server` (Node: a `net.Server` speaking HTTP/1).
 *
 * @example
 * ```ts
 * import { Server } from "@x/node-http/http";
 *
 * const server = new Server((_req, res) => res.end("ok"));
 * server.listen(0, () => server.close());
 * ```
 */
export const Server: typeof HttpServer = HttpServer;
/** An `http.Server` instance. */
export type Server = HttpServer;

/**
 * Creates an HTTP server (Node: `http.createServer([options][, requestListener])`).
 *
 * @example
 * ```ts
 * import { createServer } from "@x/node-http/http";
 *
 * const server = createServer({ keepAliveTimeout: 1000 }, (req, res) => {
 *   res.writeHead(200, { "Content-Type": "application/json" });
 *   res.end(JSON.stringify({ method: req.method, url: req.url }));
 * });
 * server.listen(0, () => server.close());
 * ```
 */
export function createServer(
  options?: ServerOptions | ((req: IncomingMessage, res: ServerResponse) => void),
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void,
): HttpServer {
  return new HttpServer(options, requestListener);
}

/**
 * The largest head the parser accepts by default, in bytes (Node: 16 KiB,
 * or `--max-http-header-size`).
 *
 * @example
 * ```ts
 * import { maxHeaderSize } from "@x/node-http/http";
 * console.log(maxHeaderSize); // 16384
 * ```
 */
export const maxHeaderSize: number = httpFlags().maxHeaderSize;

/**
 * Sets how many idle parsers are kept for reuse (Node:
 * `http.setMaxIdleHTTPParsers(max)`, default 1000).
 *
 * @example
 * ```ts
 * import { setMaxIdleHTTPParsers } from "@x/node-http/http";
 * setMaxIdleHTTPParsers(100);
 * ```
 */
export function setMaxIdleHTTPParsers(max: number): void {
  validateInteger(max, "max", 1);
  setMaxIdleParsers(max);
}

/** The module object, as `require("http")` returns it in Node. */
const http = {
  createServer,
  IncomingMessage,
  maxHeaderSize,
  METHODS,
  OutgoingMessage,
  Server,
  ServerResponse,
  setMaxIdleHTTPParsers,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
};

export default http;
