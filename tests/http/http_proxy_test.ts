/**
 * http-proxy 1.x, unchanged (old CommonJS: `req.connection`, `abort()`,
 * `res.finished`, `util._extend`), bundled by scripts/bundle.mjs so that
 * its http, the backend's and ws's are this library, runs on the current
 * runtime; Node runs the same file with its own modules. Raw requests to
 * the proxy must get the same bytes from both, Date and ports masked:
 * pass-through of sized and chunked bodies streamed both ways, the exact
 * request the proxy's client sends, x-forwarded-* and changeOrigin,
 * hop-by-hop headers, 'proxyReq'/'proxyRes' rewriting, odd backend answers,
 * redirects followed by follow-redirects, HTTP/1.0, keep-alive on both
 * sides, `Expect: 100-continue`, a client going away, a backend down, reset
 * or too slow (`proxyTimeout`, before and mid-body), a proxied WebSocket,
 * `selfHandleResponse`, and the order of http-proxy's own events.
 *
 * @module
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as runtimeNet from "node:net";
import { maskDate, RawClient } from "../_util/wire.ts";
import {
  assertServedByUs,
  type BesideNode,
  listeningPorts,
  type Program,
  startBesideNode,
} from "../_util/bundle.ts";

const app = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "http_proxy_app.cjs");

interface Running {
  port: number;
  /** Masks Dates and this program's other ports (all 5 digits, ephemeral). */
  mask(text: string): string;
}

/** The proxy passes the backend's Date on as the lowercase name Node's client gives it. */
function maskDates(text: string): string {
  return maskDate(text).replace(/\r\ndate: [^\r]+/g, "\r\ndate: X");
}

function running(program: Program): Running {
  const [proxy, backend, raw] = listeningPorts(program);
  const names: [number, string][] = [[backend, "BACKD"], [raw, "RAWBK"]];
  return {
    port: proxy,
    mask: (text) =>
      names.reduce((t, [port, name]) => t.replaceAll(String(port), name), maskDates(text)),
  };
}

/**
 * A header sending a request to a port nobody listens on, found free just
 * now: both programs are up, so neither can have taken it since.
 */
async function refusedPort(): Promise<string> {
  const probe = runtimeNet.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as runtimeNet.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return `X-Refused-Port: ${port}\r\n`;
}

/** `text` with the refused port of `header` masked. */
function maskRefused(text: string, header: string): string {
  return text.replaceAll(header.slice("X-Refused-Port: ".length, -2), "DEADP");
}

let programs: BesideNode | undefined;
let ours: Running | undefined;
let node: Running | undefined;

before(async () => {
  programs = await startBesideNode(app, {}, /listening \d+ \d+ \d+\n/);
  [ours, node] = [running(programs.ours), running(programs.node)];
});

after(() => programs?.stop());

/** A conversation with one program: what to send, and what to wait for after each send. */
type Script = (client: RawClient) => Promise<void>;

/** Runs `script` against one program's proxy and returns everything received, masked. */
async function converse(run: Running, script: Script): Promise<string> {
  const client = new RawClient(run.port);
  // A proxy that never answers or closes ends the exchange with what came
  // so far, which then differs from Node's or fails the expectations.
  const limit = setTimeout(() => client.destroy(), 10_000);
  try {
    await script(client);
    return run.mask(await client.until(() => false));
  } finally {
    clearTimeout(limit);
    client.destroy();
  }
}

/** Runs `script` against both proxies; ours must receive exactly what Node's does. */
async function sameAsNode(script: Script | string): Promise<string> {
  const run: Script = typeof script === "string"
    ? (client) => Promise.resolve(client.write(script))
    : script;
  const [got, want] = await Promise.all([converse(ours!, run), converse(node!, run)]);
  assert.equal(got, want);
  return got;
}

/**
 * The text with a chunked body's framing removed: where a long body is cut
 * into chunks depends on how TCP delivered it to the proxy, on Node too.
 */
function dechunked(text: string): string {
  const at = text.indexOf("\r\n\r\n") + 4;
  let body = "";
  let rest = text.slice(at);
  for (;;) {
    const line = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, line), 16);
    if (line === -1 || Number.isNaN(size)) return `${text.slice(0, at)}[unframed]${body}${rest}`;
    if (size === 0) return `${text.slice(0, at)}[dechunked]${body}${rest.slice(line)}`;
    body += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 4 + size);
  }
}

const close = "Host: localhost\r\nConnection: close\r\n";

test("the http-proxy bundle serves through this library's sockets", () =>
  assertServedByUs(ours!.port));

test("http-proxy: the proxy's own client side is this library's", async () => {
  const body = async (run: Running) => {
    const text = await converse(
      run,
      (c) => Promise.resolve(c.write(`GET /self/client/sized HTTP/1.1\r\n${close}\r\n`)),
    );
    return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
  };
  const [got, want] = await Promise.all([body(ours!), body(node!)]);
  assert.deepEqual(got, { socket: true, request: true, response: true, handle: got.handle });
  assert.match(got.handle, /^(Deno|Bun)(Connection|ClientHandle)$/);
  assert.deepEqual(want, { socket: true, request: true, response: true, handle: "TCP" });
});

test("http-proxy: GET and HEAD pass through as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /plain/echo?x=1 HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*x-backend: echo\r\n[^]*"url":"\/plain\/echo\?x=1"/,
  );
  assert.match(
    await sameAsNode(`GET /plain/status HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 418 Short And Stout\r\n[^]*teapot\n/,
  );
  assert.match(await sameAsNode(`GET /plain/nothing HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 404/);
  assert.match(
    await sameAsNode(`HEAD /plain/headers HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\nx-backend: headers\r\n[^]*\r\n\r\n$/,
  );
});

test("http-proxy: sized and chunked uploads pass through as on Node", async () => {
  assert.match(
    await sameAsNode(
      `POST /plain/sized HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        "Content-Length: 11\r\n\r\nhello world",
    ),
    /content-length: \d+\r\n[^]*\n\r\n\{[^]*\}\nhello world$/,
  );
  assert.match(
    await sameAsNode(
      `POST /plain/echo HTTP/1.1\r\n${close}Transfer-Encoding: chunked\r\n\r\n` +
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    ),
    /transfer-encoding: chunked\r\n[^]*hello[^]* world[^]*\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`DELETE /plain/echo HTTP/1.1\r\n${close}\r\n`),
    /"method":"DELETE"[^]*"content-length","0"/,
  );
});

test("http-proxy: the request its client sends the backend is Node's, byte for byte", async () => {
  assert.match(
    await sameAsNode(`GET /raw/a?b=c HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n`),
    /\r\n\r\nGET \/raw\/a\?b=c HTTP\/1\.1\r\naccept: \*\/\*\r\nhost: localhost\r\nconnection: close\r\nX-Proxied-By: http-proxy\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(
      `POST /raw/sized HTTP/1.1\r\n${close}Content-Length: 5\r\n\r\nhello`,
    ),
    /\r\ncontent-length: 5\r\n[^]*\r\n\r\nhello$/,
  );
  assert.match(
    await sameAsNode(
      `PUT /raw/chunked HTTP/1.1\r\n${close}Transfer-Encoding: chunked\r\n\r\n` +
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    ),
    /\r\ntransfer-encoding: chunked\r\n[^]*\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`OPTIONS /raw/options HTTP/1.1\r\n${close}\r\n`),
    /\r\ncontent-length: 0\r\n/,
  );
});

test("http-proxy: bodies stream both ways, each piece echoed before the next is sent", async () => {
  const pieces = ["first piece\n", "second piece\n", "third\n"];
  const text = await sameAsNode(async (client) => {
    // Node's client sends a request's head with its first body bytes.
    client.write(`POST /plain/echo HTTP/1.1\r\n${close}Transfer-Encoding: chunked\r\n\r\n`);
    for (const piece of pieces) {
      client.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      await client.until((t) => t.includes(piece));
    }
    client.write("0\r\n\r\n");
  });
  assert.match(text, /first piece\n\r\n[^]*second piece\n\r\n[^]*third\n\r\n0\r\n\r\n$/);
});

test("http-proxy: 300 KB bodies, sized and chunked, stream through as on Node", async () => {
  const big = "0123456789abcdef".repeat(300 * 64);
  const sized = await sameAsNode(
    `POST /plain/sized HTTP/1.1\r\n${close}Content-Length: ${big.length}\r\n\r\n${big}`,
  );
  assert.match(sized, /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 307\d\d\d\r\n/);
  assert.ok(sized.endsWith(`}\n${big}`));
  const chunked = async (run: Running) =>
    dechunked(
      await converse(run, (client) => {
        client.write(`POST /plain/echo HTTP/1.1\r\n${close}Transfer-Encoding: chunked\r\n\r\n`);
        for (let i = 0; i < big.length; i += 50_000) {
          const piece = big.slice(i, i + 50_000);
          client.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
        }
        client.write("0\r\n\r\n");
        return Promise.resolve();
      }),
    );
  const [got, want] = await Promise.all([chunked(ours!), chunked(node!)]);
  assert.equal(got, want);
  assert.ok(got.endsWith(`}\n${big}\r\n\r\n`));
  assert.match(got, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\[dechunked\]\{"method":"POST"/);
});

test("http-proxy: xfwd and changeOrigin set the forwarded headers and Host as on Node", async () => {
  const text = await sameAsNode(
    "GET /xfwd/echo HTTP/1.1\r\nHost: example.test:8080\r\nConnection: close\r\n" +
      "X-Forwarded-For: 10.0.0.1\r\n\r\n",
  );
  assert.match(
    text,
    /"rawHeaders":\["x-forwarded-host","example\.test:8080","x-forwarded-proto","http","x-forwarded-port","8080","x-forwarded-for","10\.0\.0\.1,127\.0\.0\.1","connection","close","host","127\.0\.0\.1:BACKD",/,
  );
});

test("http-proxy: hop-by-hop request headers reach the backend as on Node", async () => {
  assert.match(
    await sameAsNode(
      "GET /raw/hop HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, X-Hop\r\n" +
        "X-Hop: 1\r\nKeep-Alive: timeout=3\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n" +
        "X-Drop-Me: no\r\n\r\n",
    ),
    /\r\n\r\nGET \/raw\/hop HTTP\/1\.1\r\nx-drop-me: no\r\nte: trailers\r\nproxy-connection: keep-alive\r\nkeep-alive: timeout=3\r\nx-hop: 1\r\nconnection: close\r\nhost: localhost\r\n/,
  );
});

test("http-proxy: response headers, 'proxyReq' and 'proxyRes' rewriting, as on Node", async () => {
  const plain = await sameAsNode(`GET /plain/headers HTTP/1.1\r\n${close}\r\n`);
  assert.match(plain, /set-cookie: a=1; Domain=backend\.test; Path=\/api\r\n/);
  assert.match(plain, /x-secret: hide me\r\n/);
  const rewritten = await sameAsNode(
    `GET /rewrite/headers HTTP/1.1\r\n${close}X-Drop-Me: yes\r\n\r\n`,
  );
  assert.doesNotMatch(rewritten, /x-secret/i);
  assert.match(rewritten, /\r\nX-CamelCase-Header: kept\r\n/);
  assert.match(rewritten, /\r\nSet-Cookie: a=1; Domain=proxy\.test; Path=\/\r\n/);
  assert.match(rewritten, /\r\nx-proxy-saw: 200 OK\r\n/);
  assert.match(
    await sameAsNode(
      `GET /rewrite/redirect HTTP/1.1\r\nHost: front.test\r\nConnection: close\r\n\r\n`,
    ),
    /^HTTP\/1\.1 302 Found\r\nLocation: http:\/\/front\.test\/to\/elsewhere\r\n[^]*\r\nx-proxy-saw: 302 Found\r\n/,
  );
});

test("http-proxy: odd backend answers reach the client as on Node", async () => {
  const get = (path: string) => sameAsNode(`GET ${path} HTTP/1.1\r\n${close}\r\n`);
  // HTTP/1.0 without a length: the body ran until the backend closed.
  assert.match(await get("/raw/x/http10"), /chunked\r\n\r\n11\r\nbody until close\n\r\n0\r\n\r\n$/);
  // Node's rules for repeated fields, as 'headers' gives them to http-proxy.
  assert.match(
    await get("/raw/x/fields"),
    /^HTTP\/1\.1 299 Odd Reason\r\nx-dup: one, two\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-padded: spaced out\r\nx-empty: \r\ncontent-type: text\/plain\r\ncontent-length: 3\r\n/,
  );
  // preserveHeaderKeyCase reads 'rawHeaders': the last casing of a name wins.
  assert.match(await get("/rawcase/x/fields"), /\r\nSET-COOKIE: a=1\r\nSET-COOKIE: b=2\r\n/);
  assert.match(
    await get("/raw/x/trailers"),
    /\r\ntrailer: X-Sum\r\n[^]*\r\n\r\n3\r\nabc\r\n0\r\n\r\n$/,
  );
  assert.match(
    await get("/rawcase/x/notModified"),
    /^HTTP\/1\.1 304 Not Modified\r\nETag: "v1"\r\n/,
  );
  assert.match(await get("/raw/x/noContent"), /^HTTP\/1\.1 204 No Content\r\n[^]*\r\n\r\n$/);
});

test("http-proxy: followRedirects (follow-redirects) follows as on Node, bodies re-sent", async () => {
  // 301 to a relative, then an absolute Location: the backend sees only the last request.
  assert.match(
    await sameAsNode(`GET /follow/moved HTTP/1.1\r\n${close}\r\n`),
    /\{"method":"GET","url":"\/follow\/echo\?arrived","version":"1\.1","rawHeaders":\["connection","close","Host","127\.0\.0\.1:BACKD"\]\}\n\r\n0\r\n\r\n$/,
  );
  // 307s keep the method, and follow-redirects sends the buffered body again.
  assert.match(
    await sameAsNode(`POST /follow/moved HTTP/1.1\r\n${close}Content-Length: 5\r\n\r\nhello`),
    /"url":"\/follow\/echo\?arrived","version":"1\.1","rawHeaders":\["content-length","5",[^]*\n\r\n5\r\nhello\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(
      `POST /follow/moved HTTP/1.1\r\n${close}Transfer-Encoding: chunked\r\n\r\n` +
        "5\r\nhello\r\n0\r\n\r\n",
    ),
    /"rawHeaders":\["transfer-encoding","chunked",[^]*\n\r\n5\r\nhello\r\n0\r\n\r\n$/,
  );
});

test("http-proxy: HTTP/1.0 clients get Node's framing and connection handling", async () => {
  assert.match(
    await sameAsNode("GET /plain/echo HTTP/1.0\r\n\r\n"),
    /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n/,
  );
  const kept = "GET /keep/sized HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
    "GET /keep/count HTTP/1.0\r\n\r\n";
  assert.match(
    await sameAsNode(kept),
    /\r\nconnection: close\r\n[^]*request \d+ on this connection\n$/,
  );
});

test("http-proxy: keep-alive holds on both sides of the proxy as on Node", async () => {
  const text = await sameAsNode(async (client) => {
    client.write("GET /keep/count HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await client.untilResponses(1);
    client.write("GET /keep/count HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await client.untilResponses(2);
    client.write(
      "POST /keep/sized HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi" +
        `GET /keep/count HTTP/1.1\r\n${close}\r\n`,
    );
  });
  assert.equal(text.match(/HTTP\/1\.1 200 OK/g)?.length, 4);
  // The agent's one socket to the backend serves all four (earlier tests'
  // requests may have used it first).
  const counts = [...text.matchAll(/request (\d+) on this connection/g)].map((m) => Number(m[1]));
  assert.deepEqual(counts, [counts[0], counts[0] + 1, counts[0] + 3]);
  assert.match(text, /\nhiHTTP\/1\.1 200 OK\r\n[^]*\r\nconnection: close\r\n/);
  // Without an agent, http-proxy asks the backend to close, and passes its
  // "connection: close" on: the client's connection ends after one answer.
  assert.equal(
    (await sameAsNode("GET /plain/count HTTP/1.1\r\nHost: localhost\r\n\r\n")).match(/HTTP\//g)
      ?.length,
    1,
  );
});

test("http-proxy: a backend down, reset or too slow is answered as on Node", async () => {
  const refused = await refusedPort();
  assert.match(
    maskRefused(await sameAsNode(`GET /down/echo HTTP/1.1\r\n${close}${refused}\r\n`), refused),
    /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*ECONNREFUSED connect ECONNREFUSED 127\.0\.0\.1:DEADP\n\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /plain/reset-early HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 502 [^]*ECONNRESET socket hang up\n\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /plain/reset HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 100\r\n[^]*\r\n\r\nonly part of it\n$/,
  );
  // Timed out mid-body: the response that began is cut off.
  assert.match(
    await sameAsNode(`GET /timeout/stall HTTP/1.1\r\nHost: localhost\r\n\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*content-length: 100\r\n[^]*\r\n\r\nstalled after this\n$/,
  );
  assert.match(
    await sameAsNode(`GET /timeout/hang HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 502 [^]*ECONNRESET socket hang up\n\r\n0\r\n\r\n$/,
  );
});

test("http-proxy: Expect: 100-continue is answered, then the body follows, as on Node", async () => {
  const text = await sameAsNode(async (client) => {
    client.write(
      `POST /plain/sized HTTP/1.1\r\n${close}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
    );
    await client.until((t) => t.includes("\r\n\r\n"));
    client.write("hello");
  });
  // http-proxy leaves 'proxyReq' out when the request expects 100-continue.
  assert.match(
    text,
    /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*"rawHeaders":\["expect","100-continue","content-length","5","connection","close","host","localhost"\]\}\nhello$/,
  );
});

/** What the proxy and the backend saw of requests gone away, once `count` events are in. */
function events(count: number): Promise<string> {
  return sameAsNode(`GET /log/${count} HTTP/1.1\r\n${close}\r\n`);
}

test("http-proxy: a client going away mid-response is seen as on Node", async () => {
  const gone = (wire: string) =>
    sameAsNode(async (client) => {
      client.write(wire);
      await client.until((t) => t.includes("holding\n"));
      client.destroy();
    });
  // A complete request emits no 'aborted' since Node 16, so http-proxy
  // leaves the backend's request open, on Node as here.
  await gone("GET /plain/hold HTTP/1.1\r\nHost: localhost\r\n\r\n");
  assert.match(
    await events(2),
    /\r\n\r\n\{"proxy":\["request close","response close, finished false"\],"backend":\[\]\}$/,
  );
  // An incomplete one does, and http-proxy aborts its own request.
  await gone("POST /plain/hold HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhello");
  assert.match(
    await events(6),
    /\r\n\r\n\{"proxy":\["request aborted","response close, finished false","request close"\],"backend":\["request aborted","response close, finished false","request close"\]\}$/,
  );
});

/** A masked client frame (RFC 6455 5.3) of `opcode` carrying `payload`. */
function frame(opcode: number, payload: Uint8Array): Uint8Array {
  const mask = [0x11, 0x22, 0x33, 0x44];
  const head = [0x80 | opcode, 0x80 | payload.length, ...mask];
  return Uint8Array.from([...head, ...payload.map((b, i) => b ^ mask[i % 4])]);
}

/** A server's unmasked frame of `opcode` carrying `payload`, as latin1 text. */
function unmasked(opcode: number, payload: string): string {
  return String.fromCharCode(0x80 | opcode, payload.length) + payload;
}

const upgrade = (path: string, extra = "") =>
  `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

test("http-proxy: a WebSocket upgrade is proxied to ws and frames echo as on Node", async () => {
  const text = await sameAsNode(async (client) => {
    client.write(upgrade("/plain/chat"));
    await client.until((t) => t.includes("hello /plain/chat -"));
    client.write(frame(1, Buffer.from("ping")));
    await client.until((t) => t.includes("echo:ping"));
    client.write(frame(2, Uint8Array.of(1, 2, 3)));
    await client.until((t) => t.endsWith(unmasked(2, "\x01\x02\x03")));
    client.write(frame(8, Uint8Array.of(0x03, 0xe8)));
    await client.closed;
  });
  const switched = "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n" +
    "connection: Upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  const closing = unmasked(8, "\x03\xe8");
  assert.equal(
    text,
    switched + unmasked(1, "hello /plain/chat -") + unmasked(1, "echo:ping") +
      unmasked(2, "\x01\x02\x03") + closing,
  );
  assert.equal(
    await sameAsNode(async (client) => {
      client.write(upgrade("/xfwd/chat"));
      await client.until((t) => t.includes("hello /xfwd/chat ws"));
      client.write(frame(8, Uint8Array.of(0x03, 0xe8)));
    }),
    switched + unmasked(1, "hello /xfwd/chat ws") + closing,
  );
  // Through the keep-alive Agent of one socket: the upgraded socket leaves
  // the pool, so the next request through it is not left waiting.
  assert.equal(
    await sameAsNode(async (client) => {
      client.write(upgrade("/keep/chat"));
      await client.until((t) => t.includes("hello /keep/chat -"));
      client.write(frame(8, Uint8Array.of(0x03, 0xe8)));
    }),
    switched + unmasked(1, "hello /keep/chat -") + closing,
  );
  assert.match(
    await sameAsNode(`GET /keep/count HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*request \d+ on this connection\n$/,
  );
  const refused = await refusedPort();
  assert.match(
    maskRefused(await sameAsNode(upgrade("/down/chat", refused)), refused),
    /^HTTP\/1\.1 502 Bad Gateway\r\nX-Error: ECONNREFUSED connect ECONNREFUSED 127\.0\.0\.1:DEADP\r\n\r\n$/,
  );
});

test("http-proxy: its own events come in Node's order", async () => {
  await sameAsNode(`GET /plain/echo/traced HTTP/1.1\r\n${close}\r\n`);
  await sameAsNode(`GET /down/echo/traced HTTP/1.1\r\n${close}${await refusedPort()}\r\n`);
  await sameAsNode(`GET /timeout/hang/traced HTTP/1.1\r\n${close}\r\n`);
  await sameAsNode(async (client) => {
    client.write(upgrade("/plain/traced"));
    await client.until((t) => t.includes("hello /plain/traced -"));
    client.write(frame(8, Uint8Array.of(0x03, 0xe8)));
  });
  const log = await events(13);
  assert.deepEqual(JSON.parse(log.slice(log.indexOf("\r\n\r\n") + 4)), {
    proxy: [
      "start /plain/echo/traced",
      "proxyReq /plain/echo/traced",
      "proxyRes 200 /plain/echo/traced",
      "end /plain/echo/traced",
      "start /down/echo/traced",
      "proxyReq /down/echo/traced",
      "error ECONNREFUSED /down/echo/traced",
      "start /timeout/hang/traced",
      "proxyReq /timeout/hang/traced",
      "error ECONNRESET /timeout/hang/traced",
      "proxyReqWs /plain/traced",
      "open /plain/traced",
      "close /plain/traced",
    ],
    backend: [],
  });
});

test("http-proxy: selfHandleResponse leaves the answer to 'proxyRes' as on Node", async () => {
  assert.match(
    await sameAsNode(`POST /self/sized HTTP/1.1\r\n${close}Content-Length: 5\r\n\r\nhello`),
    /^HTTP\/1\.1 200 OK\r\n[^]*X-Original-Length: \d+\r\n[^]*\r\n\r\na3\r\n\{"METHOD":"POST"[^]*\}\nHELLO\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /self/echo HTTP/1.1\r\n${close}\r\n`),
    /X-Original-Length: chunked\r\n[^]*"URL":"\/SELF\/ECHO"/,
  );
});
