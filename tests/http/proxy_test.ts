import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import http, { Agent, type ClientRequest, type IncomingMessage, type Server } from "../../http.ts";
import type { Socket } from "../../net.ts";
import { ERR_PROXY_INVALID_CONFIG } from "../../_internal/errors.ts";
import {
  checkShouldUseProxy,
  parseProxyConfigFromEnv,
  ProxyConfig,
  startupProxyEnv,
} from "../../_internal/http/proxy.ts";
import { tempDir } from "../_util/net.ts";
import { runtimeArgs } from "../_util/process.ts";

// Untyped option bags, as Node's own tests pass them.
// deno-lint-ignore no-explicit-any
type AnyOptions = Record<string, any>;
type Defer = (fn: () => unknown) => void;

/** Runs `body` with a `defer` that registers cleanups, run last-first however `body` ends. */
async function withCleanup(body: (defer: Defer) => Promise<void>): Promise<void> {
  const cleanups: (() => unknown)[] = [];
  try {
    await body((fn) => cleanups.push(fn));
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

async function listen(server: Server, defer: Defer, where: string | number = 0): Promise<number> {
  defer(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  if (typeof where === "string") server.listen(where);
  else server.listen(where, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  connection: number;
}

interface Peer {
  port: number;
  url: string;
  seen: Seen[];
  /** Connections accepted so far. */
  connections: () => number;
}

/** Records each request with the number of the connection it came on. */
function recorder(server: Server, seen: Seen[]): () => number {
  let count = 0;
  const ids = new WeakMap<Socket, number>();
  server.on("connection", (socket: Socket) => ids.set(socket, ++count));
  server.prependListener("request", (req: IncomingMessage) => {
    seen.push({
      method: req.method!,
      url: req.url!,
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      connection: ids.get(req.socket as Socket) ?? 0,
    });
  });
  return () => count;
}

/** An origin server answering `origin <url>`. */
async function startOrigin(defer: Defer, where?: string): Promise<Peer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => res.end(`origin ${req.url}`));
  const connections = recorder(server, seen);
  const port = await listen(server, defer, where);
  return { port, url: `http://127.0.0.1:${port}`, seen, connections };
}

/**
 * A forward proxy on this library's own server: it gets the absolute-form
 * target in `req.url`, records it, and forwards it (with this library's
 * client, no proxy) to the origin it names, or answers itself for `*.test`
 * hosts, which do not resolve.
 */
async function startProxy(defer: Defer): Promise<Peer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const target = new URL(req.url!);
    if (target.hostname.endsWith(".test")) {
      res.end(`proxy ${req.url}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-connection"];
    delete headers["proxy-authorization"];
    const forward = http.request({
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: req.method,
      headers,
      agent: false,
    }, (upstream) => {
      res.writeHead(upstream.statusCode!, upstream.headers);
      upstream.pipe(res);
    });
    forward.on("error", (err: Error & { code?: string }) => res.end(`proxy error ${err.code}`));
    req.pipe(forward);
  });
  const connections = recorder(server, seen);
  const port = await listen(server, defer);
  return { port, url: `http://127.0.0.1:${port}`, seen, connections };
}

/** GET through `options`, resolving with the status and body. */
async function fetchText(
  url: string | AnyOptions,
  options: AnyOptions = {},
): Promise<{ status: number; body: string; req: ClientRequest }> {
  const req = typeof url === "string" ? http.get(url, options) : http.get(url);
  const outcome = await settle(req);
  if (outcome instanceof Error) throw outcome;
  const res = outcome;
  res.setEncoding("utf8");
  let body = "";
  res.on("data", (d: string) => body += d);
  await once(res, "end");
  return { status: res.statusCode!, body, req };
}

/** The request's response or its error, whichever comes first (so no test can hang on one). */
function settle(req: ClientRequest): Promise<IncomingMessage | (Error & AnyOptions)> {
  return new Promise((resolve) => {
    req.once("response", resolve);
    req.once("error", resolve);
  });
}

function proxyAgent(defer: Defer, options: AnyOptions): Agent {
  const agent = new Agent(options);
  defer(() => agent.destroy());
  return agent;
}

// --- configuration, NO_PROXY and errors (pure) ------------------------------

test("NO_PROXY matching follows Node 25.8.1 entry by entry", () => {
  // [NO_PROXY, host, port, goes through the proxy]
  const cases: [string, string, number | undefined, boolean][] = [
    ["", "example.com", 80, true],
    ["*", "anything.example", 80, false],
    ["a.com, *", "b.com", 80, false],
    ["example.com", "example.com", 80, false],
    ["example.com", "EXAMPLE.com", 80, false],
    ["Example.COM", "example.com", 80, false],
    // A bare name matches only itself, not subdomains (unlike curl).
    ["example.com", "sub.example.com", 80, true],
    [".example.com", "example.com", 80, false],
    [".example.com", "a.b.example.com", 80, false],
    [".example.com", "badexample.com", 80, true],
    ["*.example.com", "a.example.com", 80, false],
    ["*.example.com", "example.com", 80, true],
    ["*.example.com", "badexample.com", 80, true],
    ["example.com:8080", "example.com", 8080, false],
    ["example.com:8080", "example.com", 9090, true],
    ["example.com:8080", "example.com", undefined, true],
    ["127.0.0.1", "127.0.0.1", 3000, false],
    ["127.0.0.1", "127.0.0.2", 3000, true],
    ["10.0.0.1-10.0.0.9", "10.0.0.5", 80, false],
    ["10.0.0.1 - 10.0.0.9", "10.0.0.9", 80, false],
    ["10.0.0.1-10.0.0.9", "10.0.0.10", 80, true],
    ["10.0.0.1-10.0.0.9", "ten.example", 80, true],
    // IPv6 hosts arrive without brackets; an entry in brackets never matches.
    ["::1", "::1", 80, false],
    ["[::1]", "::1", 80, true],
    ["  a.com ,\tb.com  ", "b.com", 80, false],
    ["a.com,,b.com", "c.com", 80, true],
  ];
  for (const [noProxy, host, port, expected] of cases) {
    const config = new ProxyConfig("http://proxy.example:3128", noProxy);
    assert.equal(config.shouldUseProxy(host, port), expected, `${noProxy} / ${host}:${port}`);
  }
});

test("proxy settings: lower case wins, per protocol, and a Unix socket is never proxied", () => {
  const env = {
    HTTP_PROXY: "http://upper:1",
    http_proxy: "http://lower:2",
    HTTPS_PROXY: "http://secure:3",
    NO_PROXY: "upper.example",
    no_proxy: "lower.example",
  };
  const config = parseProxyConfigFromEnv(env, "http:")!;
  assert.equal(config.href, "http://lower:2");
  assert.deepEqual(config.proxyConnectionOptions, { host: "lower", port: 2 });
  assert.equal(config.shouldUseProxy("lower.example"), false);
  assert.equal(config.shouldUseProxy("upper.example"), true);
  assert.equal(parseProxyConfigFromEnv(env, "https:")!.href, "http://secure:3");
  // An empty lower-case value falls back to the upper-case one.
  assert.equal(
    parseProxyConfigFromEnv({ http_proxy: "", HTTP_PROXY: "http://u:1" }, "http:")!.href,
    "http://u:1",
  );
  assert.equal(parseProxyConfigFromEnv({ HTTPS_PROXY: "http://s:1" }, "http:"), null);
  assert.equal(parseProxyConfigFromEnv(env, "ftp:"), null);
  assert.equal(checkShouldUseProxy(config, { host: "x", port: 1, socketPath: "/tmp/s" }), false);
  assert.equal(checkShouldUseProxy(config, { port: 1 }), true);
  assert.equal(checkShouldUseProxy(null, { host: "x" }), false);
});

test("proxy URLs: default ports, IPv6 brackets, percent-decoded credentials", () => {
  const v6 = new ProxyConfig("http://[::1]:8080");
  assert.deepEqual(v6.proxyConnectionOptions, { host: "::1", port: 8080 });
  assert.equal(v6.auth, undefined);
  assert.equal(new ProxyConfig("http://p.example").proxyConnectionOptions.port, 80);
  assert.equal(new ProxyConfig("https://p.example").proxyConnectionOptions.port, 443);
  const auth = new ProxyConfig("http://us%40er:p%3Ass%20w@p.example:1").auth!;
  assert.equal(auth, `Basic ${btoa("us@er:p:ss w")}`);
  assert.equal(new ProxyConfig("http://only@p.example").auth, `Basic ${btoa("only:")}`);
});

test("new http.Agent({ proxyEnv }) throws ERR_PROXY_INVALID_CONFIG for a bad proxy URL", () => {
  const bad = [
    "http://256.256.256.256:8080",
    "http://::1:8080",
    "http://:8080",
    "http://proxy.example.com:port",
    "http://user\r:pass@proxy.example.com:8080",
    "http://user:pass\n@proxy.example.com:8080",
    "http://user\r\nHost: example.com:pass@proxy.example.com:8080",
    // CR/LF is rejected before the scheme is looked at.
    "socks5://p\r\n:1",
  ];
  for (const url of bad) {
    assert.throws(() => new Agent({ proxyEnv: { HTTP_PROXY: url } }), (err: Error) => {
      assert.ok(err instanceof ERR_PROXY_INVALID_CONFIG);
      assert.equal((err as Error & { code: string }).code, "ERR_PROXY_INVALID_CONFIG");
      assert.equal(err.name, "Error");
      assert.equal(err.message, `Invalid proxy URL: ${url}`);
      return true;
    }, JSON.stringify(url));
  }
  // Only the proxy for the agent's own protocol is parsed.
  assert.doesNotThrow(() => new Agent({ proxyEnv: { HTTPS_PROXY: "http://:8080" } }));
});

test("new http.Agent() keeps proxyEnv, defaultPort and protocol as Node shows them", () => {
  const proxyEnv = { HTTP_PROXY: "http://p.example:1" };
  const agent = new Agent({ proxyEnv, defaultPort: 8080, protocol: "http:" });
  assert.equal(agent.options.proxyEnv, proxyEnv);
  assert.equal(agent.defaultPort, 8080);
  assert.equal(agent.protocol, "http:");
  // Not an object, or null: no proxy and no error.
  for (const value of ["http://p.example:1", null, 1]) {
    assert.doesNotThrow(() => new Agent({ proxyEnv: value as never }));
  }
});

test("startup proxy settings: NODE_USE_ENV_PROXY=1, a flag that wins, a copied env", () => {
  const env = { NODE_USE_ENV_PROXY: "1", HTTP_PROXY: "http://p.example:1", OTHER: "x" };
  const snapshot = startupProxyEnv(env, undefined)!;
  assert.equal(snapshot.HTTP_PROXY, "http://p.example:1");
  assert.equal(snapshot.OTHER, undefined);
  env.HTTP_PROXY = "http://changed:2";
  assert.equal(snapshot.HTTP_PROXY, "http://p.example:1");
  assert.equal(startupProxyEnv({ NODE_USE_ENV_PROXY: "1" }, false), undefined);
  assert.ok(startupProxyEnv({ NODE_USE_ENV_PROXY: "0" }, true));
  assert.equal(startupProxyEnv({ NODE_USE_ENV_PROXY: "0" }, undefined), undefined);
  assert.equal(startupProxyEnv({}, undefined), undefined);
  assert.throws(() => startupProxyEnv({ https_proxy: "not-a-valid-url" }, true), {
    name: "TypeError",
    code: "ERR_INVALID_URL",
    message: "Invalid URL",
    input: "not-a-valid-url",
  });
});

// --- on the wire ---------------------------------------------------------------

test("http.request() through a proxy agent sends the absolute-form target and proxy headers", async () => {
  await withCleanup(async (defer) => {
    const origin = await startOrigin(defer);
    const proxy = await startProxy(defer);
    const agent = proxyAgent(defer, {
      keepAlive: true,
      proxyEnv: { HTTP_PROXY: `http://us%3Aer:s%40cret@127.0.0.1:${proxy.port}` },
    });
    const host = `127.0.0.1:${origin.port}`;
    const { status, body } = await fetchText(`${origin.url}/path?q=1`, {
      agent,
      headers: { "X-Custom": "yes" },
    });
    assert.equal(status, 200);
    assert.equal(body, "origin /path?q=1");
    assert.equal(proxy.seen.length, 1);
    const seen = proxy.seen[0];
    assert.equal(seen.method, "GET");
    assert.equal(seen.url, `http://${host}/path?q=1`);
    assert.deepEqual(seen.rawHeaders, [
      "X-Custom",
      "yes",
      "Host",
      host,
      "proxy-authorization",
      `Basic ${btoa("us:er:s@cret")}`,
      "proxy-connection",
      "keep-alive",
      "Connection",
      "keep-alive",
    ]);
    // The origin got the forwarded request, on a relative path.
    assert.equal(origin.seen[0].url, "/path?q=1");
  });
});

test("http.request() through a non-keep-alive proxy agent sends proxy-connection: close", async () => {
  await withCleanup(async (defer) => {
    const proxy = await startProxy(defer);
    const agent = proxyAgent(defer, { proxyEnv: { http_proxy: proxy.url } });
    const { body } = await fetchText("http://origin.test:8080/x", { agent });
    assert.equal(body, "proxy http://origin.test:8080/x");
    assert.equal(proxy.seen[0].headers["proxy-connection"], "close");
    assert.equal(proxy.seen[0].headers.connection, "close");
    assert.equal(proxy.seen[0].headers.host, "origin.test:8080");
    assert.equal(proxy.seen[0].headers["proxy-authorization"], undefined);
    // The target is built from the Host header, with the request's port.
    const virtual = await fetchText("http://origin.test:8080/h", {
      agent,
      headers: { Host: "virtual.test" },
    });
    assert.equal(virtual.body, "proxy http://virtual.test:8080/h");
    assert.equal(proxy.seen[1].headers.host, "virtual.test");
  });
});

test("a proxy agent with keepAlive reuses its proxy connection, pooled under the origin's name", async () => {
  await withCleanup(async (defer) => {
    const origin = await startOrigin(defer);
    const other = await startOrigin(defer);
    const proxy = await startProxy(defer);
    const agent = proxyAgent(defer, {
      keepAlive: true,
      maxSockets: 1,
      proxyEnv: { HTTP_PROXY: proxy.url },
    });
    const first = await fetchText(`${origin.url}/first`, { agent });
    assert.equal(first.body, "origin /first");
    // Node keys the pool by the origin (getName), not by the proxy.
    const name = agent.getName({ host: "127.0.0.1", port: origin.port });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(agent.freeSockets[name]?.length, 1);
    const second = await fetchText(`${origin.url}/second`, { agent });
    assert.equal(second.body, "origin /second");
    assert.equal(second.req.reusedSocket, true);
    assert.deepEqual(proxy.seen.map((s) => [s.url, s.connection]), [
      [`${origin.url}/first`, 1],
      [`${origin.url}/second`, 1],
    ]);
    // Another origin through the same proxy gets its own connection.
    await fetchText(`${other.url}/third`, { agent });
    assert.equal(proxy.seen[2].connection, 2);
    assert.equal(proxy.connections(), 2);
  });
});

test("a proxy agent goes direct for NO_PROXY hosts and for Unix sockets", async () => {
  await withCleanup(async (defer) => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const origin = await startOrigin(defer);
    const unix = await startOrigin(defer, join(dir, "origin.sock"));
    const proxy = await startProxy(defer);
    const agent = proxyAgent(defer, {
      proxyEnv: { HTTP_PROXY: proxy.url, NO_PROXY: `localhost, 127.0.0.1:${origin.port}` },
    });
    const direct = await fetchText(`${origin.url}/direct`, { agent });
    assert.equal(direct.body, "origin /direct");
    assert.equal(origin.seen[0].url, "/direct");
    assert.equal(origin.seen[0].headers["proxy-connection"], undefined);
    const viaUnix = await fetchText({ socketPath: join(dir, "origin.sock"), path: "/u", agent });
    assert.equal(viaUnix.body, "origin /u");
    assert.equal(unix.seen[0].url, "/u");
    assert.equal(proxy.connections(), 0);
    // The same agent still proxies a host the list does not name.
    const proxied = await fetchText("http://other.test/p", { agent });
    assert.equal(proxied.body, "proxy http://other.test/p");
  });
});

test("a proxy agent prefers http_proxy over HTTP_PROXY on the wire", async () => {
  await withCleanup(async (defer) => {
    const lower = await startProxy(defer);
    const upper = await startProxy(defer);
    const agent = proxyAgent(defer, {
      proxyEnv: { http_proxy: lower.url, HTTP_PROXY: upper.url },
    });
    const { body } = await fetchText("http://a.test/", { agent });
    assert.equal(body, "proxy http://a.test/");
    assert.equal(lower.seen.length, 1);
    assert.equal(upper.connections(), 0);
  });
});

test("a proxy URL with another scheme is ignored: the request goes direct", async () => {
  await withCleanup(async (defer) => {
    const origin = await startOrigin(defer);
    const agent = proxyAgent(defer, {
      proxyEnv: { HTTP_PROXY: "socks5://127.0.0.1:1", NO_PROXY: "" },
    });
    const { body } = await fetchText(`${origin.url}/s`, { agent });
    assert.equal(body, "origin /s");
  });
});

test("a proxy that refuses the connection fails the request with ECONNREFUSED", async () => {
  await withCleanup(async (defer) => {
    const closed = http.createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const agent = proxyAgent(defer, { proxyEnv: { HTTP_PROXY: `http://127.0.0.1:${port}` } });
    const err = await settle(http.get("http://refused.test/x", { agent }));
    assert.ok(err instanceof Error);
    assert.equal(err.code, "ECONNREFUSED");
    assert.equal(err.syscall, "connect");
    assert.equal(err.address, "127.0.0.1");
    assert.equal(err.port, port);
    assert.equal(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

test("a proxy that hangs up fails the request with 'socket hang up'", async () => {
  await withCleanup(async (defer) => {
    const proxy = http.createServer((req) => req.socket!.destroy());
    const port = await listen(proxy, defer);
    const agent = proxyAgent(defer, { proxyEnv: { HTTP_PROXY: `http://127.0.0.1:${port}` } });
    const err = await settle(http.get("http://hangup.test/x", { agent }));
    assert.ok(err instanceof Error);
    assert.equal(err.code, "ECONNRESET");
    assert.equal(err.message, "socket hang up");
  });
});

test("an https: proxy (no TLS here) fails the request instead of going direct", async () => {
  await withCleanup(async (defer) => {
    const origin = await startOrigin(defer);
    const agent = proxyAgent(defer, { proxyEnv: { HTTP_PROXY: "https://127.0.0.1:1" } });
    const err = await settle(http.get(`${origin.url}/never`, { agent }));
    assert.ok(err instanceof Error);
    assert.equal(err.code, "ERR_PROXY_INVALID_CONFIG");
    assert.equal(origin.connections(), 0);
  });
});

// --- the global agent -------------------------------------------------------------

test("http.setGlobalProxyFromEnv() proxies the global agent and its restore() undoes it", async () => {
  await withCleanup(async (defer) => {
    const origin = await startOrigin(defer);
    const proxy = await startProxy(defer);
    const before = http.globalAgent;
    const restore = http.setGlobalProxyFromEnv({ http_proxy: proxy.url, no_proxy: "skip.test" });
    defer(() => {
      http.globalAgent.destroy();
      restore();
    });
    const proxiedAgent = http.globalAgent;
    assert.notEqual(proxiedAgent, before);
    assert.equal(proxiedAgent.keepAlive, true);
    assert.equal(proxiedAgent.options.timeout, 5000);
    const { body } = await fetchText(`${origin.url}/via`);
    assert.equal(body, "origin /via");
    assert.equal(proxy.seen[0].url, `${origin.url}/via`);
    assert.equal(proxy.seen[0].headers["proxy-connection"], "keep-alive");
    proxiedAgent.destroy();
    restore();
    assert.equal(http.globalAgent, before);
    await fetchText(`${origin.url}/direct`);
    assert.equal(proxy.seen.length, 1);
    assert.equal(origin.seen.at(-1)!.url, "/direct");
  });
});

test("http.setGlobalProxyFromEnv() validates its argument and the proxy URLs", () => {
  for (const value of [42, "string", null, [], true]) {
    assert.throws(() => http.setGlobalProxyFromEnv(value as never), {
      code: "ERR_INVALID_ARG_TYPE",
      name: "TypeError",
    });
  }
  const before = http.globalAgent;
  for (const env of [{ http_proxy: "not a url" }, { https_proxy: "not a url" }]) {
    // Node's message here is the URL alone.
    assert.throws(() => http.setGlobalProxyFromEnv(env), {
      code: "ERR_PROXY_INVALID_CONFIG",
      message: "not a url",
    });
  }
  const restore = http.setGlobalProxyFromEnv({});
  assert.equal(http.globalAgent, before);
  restore();
  assert.equal(http.globalAgent, before);
});

/** Runs a small client program in a child of this runtime with `env` added. */
async function runClient(
  dir: string,
  env: Record<string, string>,
  args: string[] = [],
  denoPermissions: string[] | null = null,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, "client.ts");
  const httpUrl = new URL("../../http.ts", import.meta.url).href;
  writeFileSync(
    file,
    `import http from ${JSON.stringify(httpUrl)};
import process from "node:process";
http.get(process.env.TARGET_URL, (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (d) => body += d);
  res.on("end", () => console.log(body));
}).on("error", (err) => console.log("error " + err.code));
`,
  );
  const [cmd, allowAll] = runtimeArgs(file);
  // On Deno, "-A" may give way to narrower permissions.
  const base = denoPermissions && allowAll[0] === "run"
    ? ["run", ...denoPermissions, file]
    : allowAll;
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(childEnv)) {
    if (/^(https?_proxy|no_proxy|node_use_env_proxy|node_options)$/i.test(key)) {
      delete childEnv[key];
    }
  }
  // Bun takes Node flags before the script (Deno's `run` would take them as its own).
  const argv = [...args, ...base];
  const child = spawn(cmd, argv, {
    env: { ...childEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => stdout += d);
  child.stderr!.on("data", (d) => stderr += d);
  // A child that hangs is killed, and then fails on its output.
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [code] = await once(child, "close");
  clearTimeout(timer);
  return { code, stdout: stdout.trim(), stderr };
}

test("NODE_USE_ENV_PROXY=1 and --use-env-proxy make the global agent use process.env", async () => {
  await withCleanup(async (defer) => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const origin = await startOrigin(defer);
    const proxy = await startProxy(defer);
    const target = `${origin.url}/env`;
    const base = { TARGET_URL: target, HTTP_PROXY: proxy.url };

    const on = await runClient(dir, { ...base, NODE_USE_ENV_PROXY: "1" });
    assert.equal(on.stdout, "origin /env", on.stderr);
    assert.equal(proxy.seen.length, 1);
    assert.equal(proxy.seen[0].url, target);
    assert.equal(proxy.seen[0].headers["proxy-connection"], "keep-alive");

    const off = await runClient(dir, base);
    assert.equal(off.stdout, "origin /env", off.stderr);
    assert.equal(proxy.seen.length, 1);

    // The flag wins over the variable, both ways (NODE_OPTIONS reaches both runtimes).
    const flagOff = await runClient(dir, {
      ...base,
      NODE_USE_ENV_PROXY: "1",
      NODE_OPTIONS: "--no-use-env-proxy",
    });
    assert.equal(flagOff.stdout, "origin /env", flagOff.stderr);
    assert.equal(proxy.seen.length, 1);
    const flagOn = await runClient(dir, {
      ...base,
      NODE_USE_ENV_PROXY: "0",
      NODE_OPTIONS: "--use-env-proxy",
    });
    assert.equal(flagOn.stdout, "origin /env", flagOn.stderr);
    assert.equal(proxy.seen.length, 2);
    // Bun shows Node flags given before the script in process.execArgv.
    if (typeof (globalThis as { Bun?: unknown }).Bun !== "undefined") {
      const argv = await runClient(dir, base, ["--use-env-proxy"]);
      assert.equal(argv.stdout, "origin /env", argv.stderr);
      assert.equal(proxy.seen.length, 3);
      proxy.seen.pop();
    }

    // NO_PROXY from the environment applies too.
    const bypass = await runClient(dir, {
      ...base,
      NODE_USE_ENV_PROXY: "1",
      no_proxy: "127.0.0.1",
    });
    assert.equal(bypass.stdout, "origin /env", bypass.stderr);
    assert.equal(proxy.seen.length, 2);
  });
});

test("startup proxy variables the program may not read count as unset (Deno permissions)", async () => {
  if (typeof (globalThis as { Deno?: unknown }).Deno === "undefined") return;
  await withCleanup(async (defer) => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const origin = await startOrigin(defer);
    const proxy = await startProxy(defer);
    const env = { TARGET_URL: `${origin.url}/env`, HTTP_PROXY: proxy.url, NODE_USE_ENV_PROXY: "1" };
    // Only TARGET_URL may be read: no prompt, no error, and no proxy.
    const narrow = ["--no-prompt", "--allow-net", "--allow-env=TARGET_URL"];
    const denied = await runClient(dir, env, [], narrow);
    assert.equal(denied.stdout, "origin /env", denied.stderr);
    assert.equal(proxy.seen.length, 0);
    // Granted, the same variables turn the proxy on.
    const granted = await runClient(dir, env, [], ["--no-prompt", "--allow-net", "--allow-env"]);
    assert.equal(granted.stdout, "origin /env", granted.stderr);
    assert.equal(proxy.seen.length, 1);
  });
});

test("NODE_USE_ENV_PROXY=1 with a proxy URL that does not parse fails at startup", async () => {
  await withCleanup(async (defer) => {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const origin = await startOrigin(defer);
    const result = await runClient(dir, {
      TARGET_URL: `${origin.url}/never`,
      HTTP_PROXY: "not-a-valid-url",
      NODE_USE_ENV_PROXY: "1",
    });
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, "");
    // Deno prints the name (TypeError), Bun the code.
    assert.match(result.stderr, /TypeError|ERR_INVALID_URL/);
    assert.match(result.stderr, /Invalid URL/);
    assert.equal(origin.connections(), 0);
  });
});
