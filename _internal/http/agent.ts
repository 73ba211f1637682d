/**
 * `http.Agent`: the client's connection pool. Sockets are grouped by a name
 * built from the request options (`getName()`); each group has its active
 * sockets, its idle kept-alive ones and its queue of requests waiting for a
 * socket. The agent deals only in sockets: the HTTP side (parsing, deciding
 * when a response is done) belongs to `ClientRequest`, which hands a socket
 * back with `socket.emit('free')`.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import process from "node:process";
import { createConnection as netConnect, Socket } from "../net/socket.ts";
import { type AnyOptions, normalizeArgs } from "../net/normalize.ts";
import { isIP } from "../net/ip.ts";
import { nodeConstructor } from "../constructor.ts";
import { validateNumber, validateObject, validateOneOf, validateString } from "../validators.ts";
import { ERR_PROXY_INVALID_CONFIG } from "../errors.ts";
import {
  checkShouldUseProxy,
  parseProxyConfigFromEnv,
  parseProxyUrl,
  processProxyEnv,
  type ProxyConfig,
  type ProxyEnv,
} from "./proxy.ts";

/** Options of `new http.Agent()`; any others go on to `createConnection()`. */
export interface AgentOptions {
  /**
   * Keep sockets open in a pool after their request, for later requests to
   * the same host and port, instead of closing them. Default: `false`.
   */
  keepAlive?: boolean;
  /**
   * With `keepAlive`, the initial delay in milliseconds of TCP keep-alive
   * probes on pooled sockets. Default: `1000`.
   */
  keepAliveMsecs?: number;
  /**
   * Milliseconds taken off a server's `Keep-Alive: timeout=N` hint, so the
   * agent drops an idle socket a little before the server would.
   * Default: `1000`.
   */
  agentKeepAliveTimeoutBuffer?: number;
  /**
   * The most sockets open at once to one host and port; further requests
   * wait in a queue. Default: `Infinity` (`Agent.defaultMaxSockets`).
   */
  maxSockets?: number;
  /** The most sockets open at once across all hosts. Default: `Infinity`. */
  maxTotalSockets?: number;
  /**
   * With `keepAlive`, the most idle sockets kept in the pool per host and
   * port. Default: `256`.
   */
  maxFreeSockets?: number;
  /**
   * Which idle socket the next request takes: `'lifo'` the most recently
   * used one, `'fifo'` the least recently used one. Default: `'lifo'`.
   */
  scheduling?: "fifo" | "lifo";
  /**
   * Proxy settings, read once here (Node 24.5+): `HTTP_PROXY`/`http_proxy`
   * for http: requests (lower case wins), `HTTPS_PROXY`/`https_proxy`, and
   * `NO_PROXY`/`no_proxy`. `process.env` or any object; anything else (or
   * none) means no proxy. Throws ERR_PROXY_INVALID_CONFIG for a proxy URL
   * that does not parse or has CR/LF.
   */
  proxyEnv?: ProxyEnv | null;
  /** Idle timeout in milliseconds set on each socket the agent creates. */
  timeout?: number;
  /** The port of requests that name none. Default: `80`. */
  defaultPort?: number;
  /** The protocol this agent serves. Default: `'http:'`. */
  protocol?: string;
  /** Turn off Nagle's algorithm on the agent's sockets. Default: `true`. */
  noDelay?: boolean;
  /** Any other option is passed on to `net.createConnection()` for each socket. */
  // Other options reach createConnection() untouched, whatever their type.
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

/** What the agent needs from a request: Node's `ClientRequest` side of the contract. */
export interface AgentRequest {
  /** Receives the socket, or the error that prevented creating one. */
  onSocket(socket: Socket | null | undefined, err?: Error): void;
  getHeader(name: string): unknown;
  reusedSocket?: boolean;
  timeout?: number;
  shouldKeepAlive?: boolean;
}

/** Callback of `createSocket()`: Node's `(err, socket)` pair. */
export type CreateSocketCallback = (err: Error | null, socket?: Socket) => void;

type Scheduling = "fifo" | "lifo";
type Pool<T> = Record<string, T[]>;
type KeylogListener = (this: Socket, line: unknown) => void;

/** Options a queued request carries, so a socket freed elsewhere can be made for it. */
const kRequestOptions: unique symbol = Symbol("requestOptions");
const kOnKeylog: unique symbol = Symbol("onkeylog");
/** The agent's parsed proxy settings (Node keeps them under the same private name). */
const kProxyConfig: unique symbol = Symbol("kProxyConfig");

type QueuedRequest = AgentRequest & { [kRequestOptions]?: AnyOptions };

/** How long before the server's announced keep-alive timeout an idle socket is dropped. */
const DEFAULT_TIMEOUT_BUFFER = 1000;

/** Node's `once` from internal/util: later calls are ignored. */
function once<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  let called = false;
  return function (this: unknown, ...args: A): void {
    if (called) return;
    called = true;
    fn.apply(this, args);
  };
}

/**
 * Installed on a socket while it waits in the free pool: nobody else listens
 * then, and an idle connection that fails is simply dropped.
 */
function freeSocketErrorListener(this: Socket, _err: Error): void {
  this.destroy();
  this.emit("agentRemove");
}

/**
 * The methods of `http.Agent`; `Agent` below is the Node-style constructor
 * sharing this prototype (https.Agent in the wild does `Agent.call(this)`).
 */
class AgentMethods extends EventEmitter {
  /** The constructor's options (null prototype), merged into every connection's. */
  declare options: AnyOptions;
  declare defaultPort: number;
  declare protocol: string;
  /** Requests waiting for a socket, by name. */
  declare requests: Pool<AgentRequest>;
  /** Sockets in use, by name. */
  declare sockets: Pool<Socket>;
  /** Idle kept-alive sockets, by name. */
  declare freeSockets: Pool<Socket>;
  declare keepAliveMsecs: number;
  declare keepAlive: boolean;
  declare maxSockets: number;
  declare maxFreeSockets: number;
  declare scheduling: Scheduling;
  declare maxTotalSockets: number;
  /** Sockets this agent created that are neither closed nor removed. */
  declare totalSocketCount: number;
  declare agentKeepAliveTimeoutBuffer: number;
  declare [kOnKeylog]: KeylogListener | undefined;
  declare [kProxyConfig]: ProxyConfig | null | undefined;

  /**
   * Opens a connection; Node's default is `net.createConnection`. With a
   * proxy that applies to these options, it connects to the proxy instead,
   * passing on nothing but the proxy's host and port (as Node does).
   */
  createConnection(...args: unknown[]): Socket {
    const normalized = normalizeArgs(args);
    const options = normalized[0];
    const proxy = this[kProxyConfig];
    if (proxy && checkShouldUseProxy(proxy, options)) {
      return connectToProxy(proxy, normalized[1] as CreateSocketCallback | null)!;
    }
    const socket = new Socket(options);
    if (options.timeout) socket.setTimeout(options.timeout);
    return socket.connect(normalized);
  }

  /** The pool key of a set of request options. */
  getName(options: AnyOptions = {}): string {
    let name = options.host || "localhost";
    name += ":";
    if (options.port) name += options.port;
    name += ":";
    if (options.localAddress) name += options.localAddress;
    // Node appends the family only when it is set, so older keys keep their shape.
    if (options.family === 4 || options.family === 6) name += `:${options.family}`;
    if (options.socketPath) name += `:${options.socketPath}`;
    return name;
  }

  /**
   * Gives `req` a socket: an idle one of its name, else a new one while under
   * `maxSockets` and `maxTotalSockets`, else queues it until one is freed.
   * `(req, host, port, localAddress)` is the legacy form.
   */
  addRequest(
    req: AgentRequest,
    options: AnyOptions | string,
    port?: number,
    localAddress?: string,
  ): void {
    if (typeof options === "string") {
      options = { __proto__: null, host: options, port, localAddress };
    }
    // The agent's own options win over the request's.
    const opts: AnyOptions = { __proto__: null, ...options, ...this.options };
    if (opts.socketPath) opts.path = opts.socketPath;
    normalizeServerName(opts, req);
    const name = this.getName(opts);
    this.sockets[name] ||= [];
    const freeSockets = this.freeSockets[name];
    let socket: Socket | undefined;
    if (freeSockets) {
      while (freeSockets.length && freeSockets[0].destroyed) freeSockets.shift();
      socket = this.scheduling === "fifo" ? freeSockets.shift() : freeSockets.pop();
      if (!freeSockets.length) delete this.freeSockets[name];
    }
    const freeLen = freeSockets ? freeSockets.length : 0;
    const sockLen = freeLen + this.sockets[name].length;
    if (socket) {
      this.reuseSocket(socket, req);
      setRequestSocket(this, req, socket);
      this.sockets[name].push(socket);
    } else if (sockLen < this.maxSockets && this.totalSocketCount < this.maxTotalSockets) {
      this.createSocket(req, opts, (err, created) => {
        if (err) req.onSocket(created, err);
        else setRequestSocket(this, req, created!);
      });
    } else {
      (req as QueuedRequest)[kRequestOptions] = opts;
      (this.requests[name] ||= []).push(req);
    }
  }

  /**
   * Opens a socket for `req` through `createConnection()`, which may return
   * it or pass it to the callback later; either way `cb` runs once.
   */
  createSocket(req: AgentRequest, options: AnyOptions, cb: CreateSocketCallback): void {
    const opts: AnyOptions = { __proto__: null, ...options, ...this.options };
    if (opts.socketPath) opts.path = opts.socketPath;
    normalizeServerName(opts, req);
    const timeout = req.timeout || this.options.timeout || undefined;
    if (timeout) opts.timeout = timeout;
    const name = this.getName(opts);
    opts._agentKey = name;
    opts.encoding = null;
    const oncreate = once((err?: Error | null, s?: Socket) => {
      if (err) return cb(err);
      (this.sockets[name] ||= []).push(s!);
      this.totalSocketCount++;
      installListeners(this, s!, opts);
      cb(null, s);
    });
    if (this.keepAlive) {
      opts.keepAlive = this.keepAlive;
      opts.keepAliveInitialDelay = this.keepAliveMsecs;
    }
    // net.createConnection returns the socket and later calls `oncreate` as a
    // plain 'connect' listener; `once` makes that second call a no-op.
    const created = this.createConnection(opts, oncreate) as Socket | undefined;
    if (created) oncreate(null, created);
  }

  /**
   * Takes `s` out of the active list (and the free list once it can no longer
   * be written), then opens a socket for the oldest waiting request, of this
   * name or, failing that, of another name that has no socket at all.
   */
  removeSocket(s: Socket, options: AnyOptions): void {
    const name = this.getName(options);
    const sets = [this.sockets];
    if (!s.writable) sets.push(this.freeSockets);
    for (const sockets of sets) {
      const list = sockets[name];
      if (!list) continue;
      const index = list.indexOf(s);
      if (index === -1) continue;
      list.splice(index, 1);
      if (list.length === 0) delete sockets[name];
    }
    let req: QueuedRequest | undefined;
    let reqOptions: AnyOptions | undefined = options;
    if (this.requests[name]?.length) {
      req = this.requests[name][0];
    } else {
      // As in Node, only the first other name is considered, so this is not FIFO across names.
      for (const key of Object.keys(this.requests)) {
        if (this.sockets[key]?.length) break;
        req = this.requests[key][0];
        reqOptions = req[kRequestOptions];
        break;
      }
    }
    if (!req || !reqOptions) return;
    const waiting = req;
    waiting[kRequestOptions] = undefined;
    this.createSocket(waiting, reqOptions, (err, socket) => {
      if (err) waiting.onSocket(null, err);
      else socket!.emit("free");
    });
  }

  /**
   * Prepares a socket for the free pool: TCP keep-alive, unref'd so an idle
   * pool never holds the process open, and the agent's timeout lowered to
   * the server's `Keep-Alive: timeout=N` hint minus the safety buffer.
   * Returns false when that hint leaves no time to reuse the socket.
   */
  keepSocketAlive(socket: Socket): boolean {
    socket.setKeepAlive(true, this.keepAliveMsecs);
    socket.unref();
    let agentTimeout = this.options.timeout || 0;
    let canKeepAlive = true;
    const res = (socket._httpMessage as { res?: { headers?: AnyOptions } } | null)?.res;
    const hint = res ? /^timeout=(\d+)/.exec(res.headers?.["keep-alive"] ?? "")?.[1] : undefined;
    if (hint) {
      const serverTimeout = Math.max(
        Number.parseInt(hint) * 1000 - this.agentKeepAliveTimeoutBuffer,
        0,
      );
      if (serverTimeout === 0) canKeepAlive = false;
      else if (serverTimeout < agentTimeout) agentTimeout = serverTimeout;
    }
    if (socket.timeout !== agentTimeout) socket.setTimeout(agentTimeout);
    return canKeepAlive;
  }

  /** Takes a socket out of the free pool for `req`. */
  reuseSocket(socket: Socket, req: AgentRequest): void {
    socket.removeListener("error", freeSocketErrorListener);
    req.reusedSocket = true;
    socket.ref();
  }

  /** Destroys every socket of the agent, idle or in use. */
  destroy(): void {
    for (const set of [this.freeSockets, this.sockets]) {
      for (const name of Object.keys(set)) {
        for (const socket of [...set[name]]) socket.destroy();
      }
    }
  }
}

/**
 * A connection to an http: proxy. An https: proxy would need TLS, which this
 * library has not: the request then fails with an error rather than quietly
 * going direct.
 */
function connectToProxy(proxy: ProxyConfig, cb: CreateSocketCallback | null): Socket | undefined {
  const { host, port } = proxy.proxyConnectionOptions;
  if (proxy.protocol === "http:") {
    return cb ? netConnect({ host, port }, cb) : netConnect({ host, port });
  }
  const err = new ERR_PROXY_INVALID_CONFIG(
    `Proxy ${proxy.protocol}//${host}:${port} needs TLS, which this library does not support`,
  );
  if (!cb) throw err;
  cb(err);
  return undefined;
}

function setRequestSocket(agent: Agent, req: AgentRequest, socket: Socket): void {
  req.onSocket(socket);
  const agentTimeout = agent.options.timeout || 0;
  if (req.timeout === undefined || req.timeout === agentTimeout) return;
  socket.setTimeout(req.timeout);
}

function normalizeServerName(options: AnyOptions, req: AgentRequest): void {
  if (!options.servername && options.servername !== "") {
    options.servername = calculateServerName(options, req);
  }
}

/** The TLS server name: the Host header's name without port or brackets, never an IP. */
function calculateServerName(options: AnyOptions, req: AgentRequest): string {
  let servername = options.host;
  const hostHeader = req.getHeader("host");
  if (hostHeader) {
    validateString(hostHeader, "options.headers.host");
    if (hostHeader[0] === "[") {
      const end = hostHeader.indexOf("]");
      servername = end === -1 ? hostHeader : hostHeader.substring(1, end);
    } else {
      servername = hostHeader.split(":", 1)[0];
    }
  }
  if (isIP(servername)) servername = "";
  return servername;
}

/**
 * The per-socket listeners: 'free' (the request is done with it), 'close'
 * (the only way a socket leaves the agent for good), 'timeout' (an idle
 * pooled socket expires) and 'agentRemove' (the socket was taken over, as
 * after an upgrade, and must leave the pool without closing).
 */
function installListeners(agent: Agent, s: Socket, options: AnyOptions): void {
  function onFree(): void {
    agent.emit("free", s, options);
  }
  function onClose(): void {
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
  }
  function onTimeout(): void {
    const pools = agent.freeSockets;
    if (Object.keys(pools).some((name) => pools[name].includes(s))) s.destroy();
  }
  function onRemove(): void {
    agent.totalSocketCount--;
    agent.removeSocket(s, options);
    s.removeListener("close", onClose);
    s.removeListener("free", onFree);
    s.removeListener("timeout", onTimeout);
    s.removeListener("agentRemove", onRemove);
  }
  s.on("free", onFree);
  s.on("close", onClose);
  s.on("timeout", onTimeout);
  s.on("agentRemove", onRemove);
  const onKeylog = agent[kOnKeylog];
  if (onKeylog) s.on("keylog", onKeylog);
}

/**
 * The agent's 'free' listener: a socket its request is done with goes to the
 * oldest waiting request of its name, else into the free pool if keep-alive
 * and the limits allow, else it is destroyed.
 */
function onAgentFree(this: Agent, socket: Socket, options: AnyOptions): void {
  const name = this.getName(options);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requests = this.requests[name];
  if (requests?.length) {
    const req = requests.shift()!;
    setRequestSocket(this, req, socket);
    if (requests.length === 0) delete this.requests[name];
    return;
  }
  const req = socket._httpMessage as AgentRequest | null;
  if (!req || !req.shouldKeepAlive || !this.keepAlive) {
    socket.destroy();
    return;
  }
  const freeSockets = this.freeSockets[name] || [];
  const freeLen = freeSockets.length;
  const count = freeLen + (this.sockets[name]?.length ?? 0);
  if (
    this.totalSocketCount > this.maxTotalSockets ||
    count > this.maxSockets ||
    freeLen >= this.maxFreeSockets ||
    !this.keepSocketAlive(socket)
  ) {
    socket.destroy();
    return;
  }
  this.freeSockets[name] = freeSockets;
  socket._httpMessage = null;
  this.removeSocket(socket, options);
  socket.once("error", freeSocketErrorListener);
  freeSockets.push(socket);
}

/** A socket listener that re-emits the socket's 'keylog' as the agent's, with the socket. */
function keylogRelay(agent: Agent): KeylogListener {
  return function onkeylog(this: Socket, line: unknown): void {
    agent.emit("keylog", line, this);
  };
}

/**
 * 'keylog' (TLS key material) is relayed only once someone listens for it.
 * Node walks `Object.values(this.sockets)` here, which are arrays; this walks
 * the sockets inside them.
 */
function maybeEnableKeylog(this: Agent, eventName: string | symbol): void {
  if (eventName !== "keylog") return;
  this.removeListener("newListener", maybeEnableKeylog);
  const relay = keylogRelay(this);
  this[kOnKeylog] = relay;
  for (const list of Object.values(this.sockets)) {
    for (const socket of list) socket.on("keylog", relay);
  }
}

function timeoutBuffer(value: unknown): number {
  return typeof value === "number" && value >= 0 && Number.isFinite(value)
    ? value
    : DEFAULT_TIMEOUT_BUFFER;
}

/** Node's `Agent` constructor body; fields in Node's order (it shows in `util.inspect`). */
function initAgent(self: Agent, options?: AgentOptions): void {
  EventEmitter.call(self);
  const opts: AnyOptions = { __proto__: null, ...options };
  self.options = opts;
  self.defaultPort = opts.defaultPort || 80;
  self.protocol = opts.protocol || "http:";
  if (opts.noDelay === undefined) opts.noDelay = true;
  // A request's `path` is its URL path; left in, net would take it for a Unix socket.
  opts.path = null;
  self.requests = { __proto__: null } as unknown as Pool<AgentRequest>;
  self.sockets = { __proto__: null } as unknown as Pool<Socket>;
  self.freeSockets = { __proto__: null } as unknown as Pool<Socket>;
  self.keepAliveMsecs = opts.keepAliveMsecs || 1000;
  self.keepAlive = opts.keepAlive || false;
  self.maxSockets = opts.maxSockets || Agent.defaultMaxSockets;
  self.maxFreeSockets = opts.maxFreeSockets || 256;
  self.scheduling = opts.scheduling || "lifo";
  self.maxTotalSockets = opts.maxTotalSockets;
  self.totalSocketCount = 0;
  self.agentKeepAliveTimeoutBuffer = timeoutBuffer(opts.agentKeepAliveTimeoutBuffer);
  const proxyEnv = opts.proxyEnv;
  if (typeof proxyEnv === "object" && proxyEnv !== null) {
    self[kProxyConfig] = parseProxyConfigFromEnv(proxyEnv, self.protocol);
  }
  validateOneOf(self.scheduling, "scheduling", ["fifo", "lifo"]);
  if (self.maxTotalSockets !== undefined) {
    validateNumber(self.maxTotalSockets, "maxTotalSockets", 1);
  } else {
    self.maxTotalSockets = Infinity;
  }
  self.on("free", onAgentFree);
  self.on("newListener", maybeEnableKeylog);
}

/** An HTTP agent, as Node's `http.Agent`. */
export type Agent = AgentMethods;

/** `http.Agent`'s constructor: callable with or without `new`. */
export interface AgentConstructor {
  /** Creates an agent with its own socket pools. */
  new (options?: AgentOptions): Agent;
  /** The same as with `new`, for old code that calls `http.Agent()` plainly. */
  (options?: AgentOptions): Agent;
  /** The prototype shared by every `http.Agent`, for patching and `instanceof`. */
  readonly prototype: Agent;
  /** The `maxSockets` of agents created without one (Infinity). */
  defaultMaxSockets: number;
}

/**
 * An HTTP agent, as Node's `http.Agent`: pools the client's sockets per host
 * and port, and with `keepAlive` reuses them across requests.
 *
 * @example
 * ```ts
 * import { Agent, createServer, get } from "@x/node-http/http";
 *
 * const agent = new Agent({ keepAlive: true, maxSockets: 4 });
 * const server = createServer((_req, res) => res.end("ok"));
 * server.listen(0, "127.0.0.1", () => {
 *   const { port } = server.address() as { port: number };
 *   get({ host: "127.0.0.1", port, agent }, (res) => {
 *     res.resume();
 *     res.on("end", () => {
 *       agent.destroy();
 *       server.close();
 *     });
 *   });
 * });
 * ```
 */
export const Agent: AgentConstructor = nodeConstructor(
  "Agent",
  AgentMethods,
  EventEmitter,
  initAgent,
);
Agent.defaultMaxSockets = Infinity;

/** The options of Node 25's global agents: keep-alive, most recent socket first, 5 s idle. */
function newGlobalAgent(proxyEnv: ProxyEnv | undefined): Agent {
  return new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000, proxyEnv });
}

/** Node 25's global agent: keep-alive, most recently used socket first, 5 s idle timeout. */
export let globalAgent: Agent = newGlobalAgent(processProxyEnv());

/** The agent requests use when they name none (`http.globalAgent`). */
export function getGlobalAgent(): Agent {
  return globalAgent;
}

/** Replaces the global agent (the setter behind `http.globalAgent = agent`). */
export function setGlobalAgent(agent: Agent): void {
  globalAgent = agent;
}

/** The proxy settings an agent was built with, if any (for ClientRequest). */
export function agentProxyConfig(agent: unknown): ProxyConfig | null | undefined {
  if (typeof agent !== "object" || agent === null) return undefined;
  return (agent as { [kProxyConfig]?: ProxyConfig | null })[kProxyConfig];
}

function noopRestore(): void {}

/**
 * Node 25.4+'s `http.setGlobalProxyFromEnv([proxyEnv])`: when `proxyEnv`
 * (default `process.env`) names an http proxy, the global agent is replaced
 * by one using it; returns the function that puts the previous one back.
 * An https proxy is validated, but there is no https agent to change, and
 * the runtime's `fetch()` is not affected.
 */
export function setGlobalProxyFromEnv(proxyEnv: ProxyEnv = process.env as ProxyEnv): () => void {
  validateObject(proxyEnv, "proxyEnv");
  const httpProxy = parseProxyUrl(proxyEnv, "http:");
  const httpsProxy = parseProxyUrl(proxyEnv, "https:");
  if (!httpProxy && !httpsProxy) return noopRestore;
  for (const url of [httpProxy, httpsProxy]) {
    // Node's message here is the URL alone.
    if (url && !URL.canParse(url)) throw new ERR_PROXY_INVALID_CONFIG(url);
  }
  if (!httpProxy) return noopRestore;
  const previous = globalAgent;
  globalAgent = newGlobalAgent(proxyEnv);
  return function restore(): void {
    globalAgent = previous;
  };
}
