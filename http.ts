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
import {
  connectionListener,
  HttpServer,
  type HttpServerConstructor,
  type IncomingMessageClass,
  type RequestListener,
  type ServerOptions,
  type ServerResponseClass,
} from "./_internal/http/server.ts";
import { setMaxIdleParsers } from "./_internal/http/parser_pool.ts";
import { httpFlags } from "./_internal/node_flags.ts";
import { ClientRequest } from "./_internal/http/client.ts";
import {
  Agent,
  getGlobalAgent,
  setGlobalAgent,
  setGlobalProxyFromEnv as setGlobalProxy,
} from "./_internal/http/agent.ts";
import type { ProxyEnv } from "./_internal/http/proxy.ts";
import { createClient } from "./_internal/http/legacy_client.ts";
import { validateInteger } from "./_internal/validators.ts";

export {
  Agent,
  ClientRequest,
  createClient,
  IncomingMessage,
  METHODS,
  OutgoingMessage,
  ServerResponse,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
};
export type {
  HttpServer,
  HttpServerConstructor,
  IncomingMessageClass,
  RequestListener,
  ServerOptions,
  ServerResponseClass,
};
export type { AgentConstructor, AgentOptions } from "./_internal/http/agent.ts";
export type {
  AnyOptions as RequestOptions,
  ClientRequestConstructor,
} from "./_internal/http/client.ts";
export type { IncomingMessageConstructor } from "./_internal/http/incoming.ts";
export type {
  OutgoingMessageConstructor,
  OutgoingMessageOptions,
} from "./_internal/http/outgoing.ts";
export type {
  ResponseRequest,
  ServerResponseConstructor,
} from "./_internal/http/server_response.ts";
export type { LegacyClient } from "./_internal/http/legacy_client.ts";
export type { ProxyEnv } from "./_internal/http/proxy.ts";

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
 * Serves HTTP on a socket the caller accepted itself, with `this` the
 * `http.Server` whose listeners and options apply (Node's undocumented but
 * widely used `http._connectionListener`, e.g. for sniffing a protocol
 * first).
 *
 * @example
 * ```ts
 * import http from "@x/node-http/http";
 * import net from "@x/node-http/net";
 *
 * const web = http.createServer((req, res) => res.end(`hello ${req.url}`));
 * const front = net.createServer((socket) => http._connectionListener.call(web, socket));
 * front.listen(0, "127.0.0.1", () => {
 *   const { port } = front.address() as { port: number };
 *   http.get({ port, host: "127.0.0.1", path: "/x", agent: false }, (res) => {
 *     res.setEncoding("utf8");
 *     res.on("data", (d) => console.log(d)); // hello /x
 *     res.on("end", () => front.close());
 *   });
 * });
 * ```
 */
export const _connectionListener: (this: HttpServer, socket: import("./net.ts").Socket) => void =
  connectionListener;

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

/**
 * The runtime's WHATWG WebSocket client, as Node (22.5 and later) exposes it
 * on `http`: the same constructor as the global `WebSocket`.
 *
 * @example
 * ```ts
 * import { WebSocket } from "@x/node-http/http";
 * console.log(WebSocket === globalThis.WebSocket); // true
 * ```
 */
export const WebSocket: typeof globalThis.WebSocket = globalThis.WebSocket;

/**
 * The event a `WebSocket` fires when it closes (Node: `http.CloseEvent`, the
 * global `CloseEvent`).
 *
 * @example
 * ```ts
 * import { CloseEvent } from "@x/node-http/http";
 * console.log(new CloseEvent("close", { code: 1000 }).code); // 1000
 * ```
 */
export const CloseEvent: typeof globalThis.CloseEvent = globalThis.CloseEvent;

/**
 * The event a `WebSocket` fires for each message (Node: `http.MessageEvent`,
 * the global `MessageEvent`).
 *
 * @example
 * ```ts
 * import { MessageEvent } from "@x/node-http/http";
 * console.log(new MessageEvent("message", { data: "hi" }).data); // hi
 * ```
 */
export const MessageEvent: typeof globalThis.MessageEvent = globalThis.MessageEvent;

/**
 * Makes a request (Node: `http.request(url[, options][, callback])` or
 * `http.request(options[, callback])`). Call `end()` to send it.
 *
 * @example
 * ```ts
 * import { createServer, request } from "@x/node-http/http";
 *
 * const server = createServer((_req, res) => res.end("pong"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   const req = request({ port, host: "127.0.0.1", path: "/ping" }, (res) => {
 *     res.setEncoding("utf8");
 *     res.on("data", (d) => console.log(d));
 *     res.on("end", () => server.close());
 *   });
 *   req.end();
 * });
 * ```
 */
export function request(
  url: string | URL | Record<string, unknown>,
  options?: Record<string, unknown> | ((res: IncomingMessage) => void),
  callback?: (res: IncomingMessage) => void,
): ClientRequest {
  return new ClientRequest(url, options, callback);
}

/**
 * Like {@link request} for GET, and calls `end()` (Node: `http.get()`).
 *
 * @example
 * ```ts
 * import { createServer, get } from "@x/node-http/http";
 *
 * const server = createServer((_req, res) => res.end("hi"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get(`http://127.0.0.1:${port}/`, (res) => {
 *     res.resume();
 *     res.on("end", () => server.close());
 *   });
 * });
 * ```
 */
export function get(
  url: string | URL | Record<string, unknown>,
  options?: Record<string, unknown> | ((res: IncomingMessage) => void),
  callback?: (res: IncomingMessage) => void,
): ClientRequest {
  const req = request(url, options, callback);
  req.end();
  return req;
}

/**
 * The default agent (keep-alive, as in current Node). Replace it through
 * the module object: `http.globalAgent = new Agent(...)`.
 *
 * @example
 * ```ts
 * import { globalAgent } from "@x/node-http/http";
 * console.log(globalAgent.keepAlive); // true
 * ```
 */
export const globalAgent: Agent = getGlobalAgent();

/**
 * Routes the global agent through the http proxy named by `proxyEnv`
 * (Node 25.4+: `http.setGlobalProxyFromEnv([proxyEnv])`, "Built-in Proxy
 * Support"). `proxyEnv` defaults to `process.env`; `http_proxy` beats
 * `HTTP_PROXY`, and `no_proxy`/`NO_PROXY` lists hosts that go direct. Returns
 * a function that puts the previous global agent back. Without any proxy
 * set, it changes nothing. Unlike Node, the runtime's `fetch()` is not
 * affected (its dispatcher is not ours), and an https proxy is only
 * validated.
 *
 * @example
 * ```ts
 * import http from "@x/node-http/http";
 *
 * // A forward proxy: it receives the absolute URL and answers itself.
 * const proxy = http.createServer((req, res) => res.end(`via proxy: ${req.url}`));
 * proxy.listen(0, "127.0.0.1", () => {
 *   const { port } = proxy.address() as { port: number };
 *   const restore = http.setGlobalProxyFromEnv({ http_proxy: `http://127.0.0.1:${port}` });
 *   http.get("http://example.invalid/page", (res) => {
 *     res.setEncoding("utf8");
 *     res.on("data", (d) => console.log(d)); // via proxy: http://example.invalid/page
 *     res.on("end", () => {
 *       http.globalAgent.destroy();
 *       restore();
 *       proxy.close();
 *     });
 *   });
 * });
 * ```
 */
export function setGlobalProxyFromEnv(proxyEnv?: ProxyEnv): () => void {
  return setGlobalProxy(proxyEnv);
}

/** The module object: what Node code gets when it requires http. */
const http = {
  _connectionListener,
  Agent,
  ClientRequest,
  CloseEvent,
  createClient,
  get,
  request,
  createServer,
  IncomingMessage,
  maxHeaderSize,
  MessageEvent,
  METHODS,
  OutgoingMessage,
  Server,
  ServerResponse,
  setGlobalProxyFromEnv,
  setMaxIdleHTTPParsers,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
  WebSocket,
};

Object.defineProperty(http, "globalAgent", {
  enumerable: true,
  configurable: true,
  get: getGlobalAgent,
  set: setGlobalAgent,
});

/**
 * The module object: what Node code gets when it requires http, with
 * `globalAgent` readable and replaceable as in Node.
 *
 * @example
 * ```ts
 * import http from "@x/node-http/http";
 *
 * const server = http.createServer((_req, res) => res.end("ok"));
 * server.listen(0, () => server.close());
 * console.log(http.STATUS_CODES[200], http.globalAgent.keepAlive); // OK true
 * ```
 */
export default http as typeof http & { globalAgent: Agent };
