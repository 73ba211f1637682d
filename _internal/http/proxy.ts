/**
 * Node's built-in proxy support (Node 24.5+ / 25): reading a proxy from an
 * environment-like object (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY` and their
 * lower-case forms) and deciding, per request, whether it goes through it.
 * Strings in, decisions out (the agent and the client do the I/O); only
 * `processProxyEnv()` reads the process's environment and flags.
 *
 * Behaviour follows Node 25.8.1's lib/internal/http.js (`ProxyConfig`,
 * `parseProxyConfigFromEnv`, `checkShouldUseProxy`) and its tests under
 * test/client-proxy/.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { isIPv4 } from "../net/ip.ts";
import { ERR_INVALID_URL, ERR_PROXY_INVALID_CONFIG } from "../errors.ts";
import { nodeFlag, startupEnv } from "../node_flags.ts";

/**
 * The proxy settings an agent reads (Node: the `proxyEnv` option). Any object
 * works, `process.env` included; only these six keys are looked at.
 */
export interface ProxyEnv {
  /** Proxy for http: requests; `http_proxy` wins when both are set. */
  HTTP_PROXY?: string;
  /** Lower-case form of `HTTP_PROXY`; takes precedence. */
  http_proxy?: string;
  /** Proxy for https: requests; `https_proxy` wins when both are set. */
  HTTPS_PROXY?: string;
  /** Lower-case form of `HTTPS_PROXY`; takes precedence. */
  https_proxy?: string;
  /** Comma-separated hosts that bypass the proxy; `no_proxy` wins when both are set. */
  NO_PROXY?: string;
  /** Lower-case form of `NO_PROXY`; takes precedence. */
  no_proxy?: string;
  /** Other keys (as in `process.env`) are ignored. */
  [key: string]: string | undefined;
}

/** Where the agent connects instead of the origin. */
export interface ProxyConnectionOptions {
  host: string;
  port: number;
}

/** An IPv4 address as an unsigned 32-bit number, for range checks. */
function ipv4ToInt(ip: string): number {
  let value = 0;
  for (const octet of ip.split(".")) value = (value << 8) + Number.parseInt(octet, 10);
  return value >>> 0;
}

/** One NO_PROXY entry against a lower-cased host (and `host:port`). */
function entryMatches(entry: string, host: string, hostWithPort: string): boolean {
  if (entry === "*") return true;
  if (entry === host || entry === hostWithPort) return true;
  // ".example.com" covers example.com itself and its subdomains (curl's rule).
  if (entry[0] === ".") {
    const suffix = entry.substring(1);
    if (host === suffix) return true;
    if (host.endsWith(suffix) && host[host.length - suffix.length - 1] === ".") return true;
  }
  // "*.example.com" covers subdomains only.
  if (entry.startsWith("*.") && host.endsWith(entry.substring(1))) return true;
  // "a.b.c.d-e.f.g.h": an inclusive IPv4 range (no IPv6 ranges, as in Node).
  if (entry.includes("-") && isIPv4(host)) {
    const [first, last] = entry.split("-");
    const start = first.trim();
    const end = (last ?? "").trim();
    if (start && end && isIPv4(start) && isIPv4(end)) {
      const value = ipv4ToInt(host);
      if (value >= ipv4ToInt(start) && value <= ipv4ToInt(end)) return true;
    }
  }
  return false;
}

/**
 * A parsed proxy URL with its NO_PROXY list: Node's internal `ProxyConfig`,
 * one per agent, made when the agent is constructed.
 *
 * @example
 * ```ts
 * import { ProxyConfig } from "./proxy.ts";
 *
 * const config = new ProxyConfig("http://user:pa%20ss@[::1]:3128", " .internal, localhost:8080");
 * console.log(config.proxyConnectionOptions); // { host: "::1", port: 3128 }
 * console.log(config.shouldUseProxy("db.internal", 5432)); // false
 * console.log(config.shouldUseProxy("localhost", 9000)); // true
 * ```
 */
export class ProxyConfig {
  // Declared, not initialised: fields appear in the order Node assigns them.
  /** The proxy URL exactly as configured. */
  declare readonly href: string;
  /** The proxy's own scheme, `'http:'` or `'https:'`. */
  declare readonly protocol: string;
  /** The `Proxy-Authorization` value; present only when the URL has userinfo. */
  declare readonly auth?: string;
  /** NO_PROXY entries, trimmed and lower-cased. */
  declare readonly bypassList: string[];
  /** Host (IPv6 without brackets) and port to connect to. */
  declare readonly proxyConnectionOptions: ProxyConnectionOptions;

  /** Throws ERR_PROXY_INVALID_CONFIG when `proxyUrl` does not parse. */
  constructor(proxyUrl: string, noProxyList?: string) {
    let url: URL;
    try {
      url = new URL(proxyUrl);
    } catch {
      throw new ERR_PROXY_INVALID_CONFIG(`Invalid proxy URL: ${proxyUrl}`);
    }
    this.href = proxyUrl;
    this.protocol = url.protocol;
    if (url.username || url.password) {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.auth = `Basic ${Buffer.from(credentials).toString("base64")}`;
    }
    this.bypassList = noProxyList
      ? noProxyList.split(",").map((entry) => entry.trim().toLowerCase())
      : [];
    const hostname = url.hostname;
    this.proxyConnectionOptions = {
      host: hostname[0] === "[" ? hostname.slice(1, -1) : hostname,
      port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    };
  }

  /**
   * Whether a request to `hostname` (and `port`) goes through the proxy:
   * true unless a NO_PROXY entry matches. Matching is on the name as given
   * (never resolved), case-insensitively; `host:port` entries need the port.
   */
  shouldUseProxy(hostname: string, port?: number | string): boolean {
    if (this.bypassList.length === 0) return true;
    const host = hostname.toLowerCase();
    const hostWithPort = port ? `${host}:${port}` : host;
    return !this.bypassList.some((entry) => entryMatches(entry, host, hostWithPort));
  }
}

/**
 * The proxy URL `env` sets for `protocol` (lower case first), or null.
 * Throws ERR_PROXY_INVALID_CONFIG when it holds CR or LF.
 */
export function parseProxyUrl(env: ProxyEnv, protocol: string): string | null {
  const proxyUrl = protocol === "https:"
    ? env.https_proxy || env.HTTPS_PROXY
    : env.http_proxy || env.HTTP_PROXY;
  if (!proxyUrl) return null;
  const url = String(proxyUrl);
  if (url.includes("\r") || url.includes("\n")) {
    throw new ERR_PROXY_INVALID_CONFIG(`Invalid proxy URL: ${url}`);
  }
  return url;
}

/**
 * An agent's proxy configuration for requests of `protocol`, or null when
 * there is none: no proxy set, a protocol other than http:/https:, or a
 * proxy URL whose scheme is not (lower-case) `http://` or `https://`, which
 * Node ignores rather than rejects. Throws ERR_PROXY_INVALID_CONFIG for a
 * URL that has CR/LF or does not parse.
 *
 * @example
 * ```ts
 * import { parseProxyConfigFromEnv } from "./proxy.ts";
 *
 * const env = { HTTP_PROXY: "http://a:1", http_proxy: "http://b:2", NO_PROXY: "x" };
 * console.log(parseProxyConfigFromEnv(env, "http:")?.href); // http://b:2
 * console.log(parseProxyConfigFromEnv({ HTTP_PROXY: "socks5://c:3" }, "http:")); // null
 * ```
 */
export function parseProxyConfigFromEnv(env: ProxyEnv, protocol: string): ProxyConfig | null {
  if (protocol !== "http:" && protocol !== "https:") return null;
  const proxyUrl = parseProxyUrl(env, protocol);
  if (proxyUrl === null) return null;
  if (!proxyUrl.startsWith("http://") && !proxyUrl.startsWith("https://")) return null;
  return new ProxyConfig(proxyUrl, env.no_proxy || env.NO_PROXY);
}

/**
 * Whether a request with these options goes through `config`: never without
 * a config or for a Unix socket (`socketPath`), else by NO_PROXY on
 * `host` (default `'localhost'`) and `port`.
 */
export function checkShouldUseProxy(
  config: ProxyConfig | null | undefined,
  options: { host?: string | null; port?: number | string | null; socketPath?: unknown },
): boolean {
  if (!config) return false;
  if (options.socketPath) return false;
  return config.shouldUseProxy(options.host || "localhost", options.port ?? undefined);
}

/**
 * Node's `filterEnvForProxies`: a snapshot of just the proxy keys, so later
 * changes to the source object do not reach an agent built from it.
 */
export function filterEnvForProxies(env: ProxyEnv): ProxyEnv {
  return {
    __proto__: null,
    http_proxy: env.http_proxy,
    HTTP_PROXY: env.HTTP_PROXY,
    https_proxy: env.https_proxy,
    HTTPS_PROXY: env.HTTPS_PROXY,
    no_proxy: env.no_proxy,
    NO_PROXY: env.NO_PROXY,
  } as unknown as ProxyEnv;
}

/**
 * The global agent's `proxyEnv` at startup, or undefined: Node turns the
 * environment proxy on with `NODE_USE_ENV_PROXY=1` or `--use-env-proxy`, and
 * a flag (`flag`, when one was given) wins over the variable. The proxy keys
 * are copied once. As at Node's startup, a proxy URL that does not parse is
 * a TypeError (ERR_INVALID_URL).
 */
export function startupProxyEnv(env: ProxyEnv, flag: boolean | undefined): ProxyEnv | undefined {
  if (!(flag ?? env.NODE_USE_ENV_PROXY === "1")) return undefined;
  const snapshot = filterEnvForProxies(env);
  for (const protocol of ["http:", "https:"]) {
    const url = parseProxyUrl(snapshot, protocol);
    if (url && !URL.canParse(url)) throw new ERR_INVALID_URL(url);
  }
  return snapshot;
}

/**
 * `--use-env-proxy` / `--no-use-env-proxy` when given: in NODE_OPTIONS, or in
 * `process.execArgv` where the runtime passes Node flags there.
 */
function useEnvProxyFlag(): boolean | undefined {
  if (nodeFlag("--no-use-env-proxy") !== undefined) return false;
  if (nodeFlag("--use-env-proxy") !== undefined) return true;
  return undefined;
}

/** What Node reads of the environment at startup for the global agent's proxy. */
function startupProxyVariables(): ProxyEnv {
  const env: ProxyEnv = {};
  for (const name of kStartupProxyVariables) env[name] = startupEnv(name);
  return env;
}

const kStartupProxyVariables = [
  "NODE_USE_ENV_PROXY",
  "http_proxy",
  "HTTP_PROXY",
  "https_proxy",
  "HTTPS_PROXY",
  "no_proxy",
  "NO_PROXY",
];

/**
 * The global agent's `proxyEnv` at startup, from the process: the variables
 * and flags Node reads (see `startupProxyEnv`), or undefined.
 */
export function processProxyEnv(): ProxyEnv | undefined {
  return startupProxyEnv(startupProxyVariables(), useEnvProxyFlag());
}
