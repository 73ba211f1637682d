/**
 * A hapi 21 application, unchanged, bundled by scripts/bundle.mjs so that
 * hapi's own `require("http")` gets this library, runs on the current
 * runtime. Node (the machine's) runs the same file with its own http, and
 * every response must match Node's byte for byte, Date aside, over real
 * sockets (not `server.inject`): routes with params, JSON and streamed
 * payloads, `h.response().code().header()`, redirects, 404/500, state
 * cookies, the route timeouts `timeout.server` and `timeout.socket`, and
 * `server.stop({ timeout })` draining a request in flight or cutting it off.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import * as runtimeNet from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { exchangeText, maskDate, RawClient, sameBytesAsNode, splitChunked } from "../_util/wire.ts";
import {
  assertServedByUs,
  listeningPorts,
  type Program,
  servedBesideNode,
} from "../_util/bundle.ts";

const app = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "hapi_app.cjs");

interface Running {
  program: Program;
  port: number;
  /** Servers stopped by GET /stop/a and /stop/b on `port`. */
  drain: { a: number; b: number };
}

function running(program: Program): Running {
  const [port, a, b] = listeningPorts(program);
  return { program, port, drain: { a, b } };
}

const served = servedBesideNode(app, {}, /listening \d+ \d+ \d+/, running);

/** Sends `wire` to both apps; ours must answer exactly as Node does. */
function sameAsNode(wire: string): Promise<string> {
  return sameBytesAsNode(served.ours.port, served.node.port, wire);
}

const close = "Host: localhost\r\nConnection: close\r\n";

/** `text` as UTF-8 bytes, one latin1 character each (what RawClient writes). */
function utf8(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

test("the hapi bundle serves through this library's sockets", () =>
  assertServedByUs(served.ours.port));

test("hapi: routes, params, h.response().code().header(), redirects, 404 and 500 as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /hello HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*x-route: \/hello\r\n[^]*\r\n\r\nhello world$/,
  );
  assert.match(await sameAsNode(`HEAD /hello HTTP/1.1\r\n${close}\r\n`), /length: 11\r\n/);
  assert.match(
    await sameAsNode(`GET /users/42?x=1&y=2&y=3 HTTP/1.1\r\n${close}\r\n`),
    /x-user: 42\r\n[^]*\{"id":"42","query":\{"x":"1","y":\["2","3"\]\}\}$/,
  );
  assert.match(
    await sameAsNode(`GET /info?a=1 HTTP/1.1\r\n${close}Accept-Encoding: gzip, br\r\n\r\n`),
    /\{"remoteAddress":"127\.0\.0\.1","host":"localhost","hostname":"localhost","href":"http:\/\/localhost\/info\?a=1","encoding":"gzip","closed":false\}$/,
  );
  assert.match(
    await sameAsNode(`GET /files/a/b%20c/d.txt HTTP/1.1\r\n${close}\r\n`),
    /\{"path":"a\/b c\/d\.txt"\}$/,
  );
  assert.match(await sameAsNode(`GET /files HTTP/1.1\r\n${close}\r\n`), /\{"path":null\}$/);
  assert.match(
    await sameAsNode(`GET /redirect HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 302 Found\r\n[^]*location: \/hello\r\n/,
  );
  assert.match(await sameAsNode(`GET /moved HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 308 /);
  assert.match(
    await sameAsNode(`GET /boom HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 500 Internal Server Error\r\n[^]*x-boom: 500\r\n[^]*"An internal server error occurred"/,
  );
  assert.match(
    await sameAsNode(`GET /nothing HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 404 Not Found\r\n[^]*"message":"Not Found"\}$/,
  );
  assert.match(
    await sameAsNode(`DELETE /hello HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 404 /,
  );
  assert.match(
    await sameAsNode(`GET /teapot HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 418 Teapot\r\n[^]*short and stout$/,
  );
  assert.match(await sameAsNode(`GET /empty HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 204 /);
});

test("hapi: JSON, form and text payloads, sized, chunked, invalid and too large, as on Node", async () => {
  const json = utf8('{"a":[1,2],"b":"\u00e9"}');
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
        `Content-Length: ${json.length}\r\n\r\n${json}`,
    ),
    /^HTTP\/1\.1 201 Created\r\n[^]*x-echo: yes\r\nx-many: a,b\r\n[^]*"body":\{"a":\[1,2\]/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/x-www-form-urlencoded\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n5\r\nx=1&y\r\n4\r\n=two\r\n0\r\n\r\n",
    ),
    /"body":\{"x":"1","y":"two"\}/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`,
    ),
    /"type":"text\/plain","body":"hello"/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
        "Content-Length: 5\r\n\r\n{bad}",
    ),
    /^HTTP\/1\.1 400 Bad Request\r\n[^]*"Invalid request payload JSON format"/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/x-unknown\r\n` +
        "Content-Length: 2\r\n\r\nhi",
    ),
    /^HTTP\/1\.1 415 /,
  );
  const big = "x".repeat(32);
  assert.match(
    await sameAsNode(
      `POST /small HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        `Content-Length: 32\r\n\r\n${big}`,
    ),
    /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*greater than maximum allowed: 16"\}$/,
  );
  // Past maxBytes in the middle of a chunked body, hapi's payload reader
  // (subtext) fails the stream it reads from, and the request's socket goes
  // with it before any answer: nothing comes back, on Node too.
  assert.equal(
    await sameAsNode(
      `POST /small HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n20\r\n${big}\r\n0\r\n\r\n`,
    ),
    "",
  );
});

test("hapi: a 3 MiB streamed payload and streamed and large responses, as on Node", async () => {
  const size = 3 << 20;
  let sum = 0;
  for (let i = 0; i < size; i++) sum = (sum * 31 + 0x61 + (i % 26)) >>> 0;
  let body = "";
  for (let i = 0; i < 26; i++) body += String.fromCharCode(0x61 + i);
  body = body.repeat(Math.ceil(size / 26)).slice(0, size);
  assert.match(
    await sameAsNode(
      `POST /stream HTTP/1.1\r\n${close}Content-Type: application/octet-stream\r\n` +
        `Content-Length: ${size}\r\n\r\n${body}`,
    ),
    new RegExp(`\\{"length":${size},"sum":${sum}\\}$`),
  );
  assert.match(
    await sameAsNode(`GET /out-stream HTTP/1.1\r\n${close}\r\n`),
    /Transfer-Encoding: chunked\r\n\r\n4\r\none\n\r\n4\r\ntwo\n\r\n6\r\nthree\n\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /big HTTP/1.1\r\n${close}\r\n`),
    /content-length: 300000\r\n[^]*\r\n\r\nz{300000}$/,
  );
});

test("hapi: Expect 100-continue, ranges, ETag revalidation and gzip, as on Node", async () => {
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Expect: 100-continue\r\nContent-Type: text/plain\r\n` +
        "Content-Length: 2\r\n\r\nhi",
    ),
    /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n[^]*"body":"hi"\}$/,
  );
  assert.match(
    await sameAsNode(`GET /hello HTTP/1.1\r\n${close}Range: bytes=0-4\r\n\r\n`),
    /^HTTP\/1\.1 206 Partial Content\r\n[^]*content-range: bytes 0-4\/11\r\n[^]*\r\n\r\nhello$/,
  );
  assert.match(
    await sameAsNode(`GET /hello HTTP/1.1\r\n${close}Range: bytes=20-30\r\n\r\n`),
    /^HTTP\/1\.1 416 /,
  );
  assert.match(await sameAsNode(`GET /tagged HTTP/1.1\r\n${close}\r\n`), /etag: "v1"\r\n/);
  assert.match(
    await sameAsNode(`GET /tagged HTTP/1.1\r\n${close}If-None-Match: "v1"\r\n\r\n`),
    /^HTTP\/1\.1 304 Not Modified\r\n[^]*\r\n\r\n$/,
  );
  // The runtime's own zlib compresses, and Deno's and Bun's deflate write
  // other bytes than Node's (Chromium's zlib) at the same level: the gzip
  // body is compared once inflated; the head and the framing must be Node's.
  const wire = `GET /compressed HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\n\r\n`;
  const [got, want] = await Promise.all([
    exchangeText(served.ours.port, wire),
    exchangeText(served.node.port, wire),
  ]);
  const [gotHead, gotBody] = splitChunked(got);
  const [wantHead, wantBody] = splitChunked(want);
  assert.equal(gotHead, wantHead);
  assert.match(gotHead, /content-encoding: gzip\r\n[^]*Transfer-Encoding: chunked\r\n\r\n$/);
  assert.equal(gunzipSync(gotBody).toString(), gunzipSync(wantBody).toString());
  assert.equal(gunzipSync(gotBody).toString(), "compress me ".repeat(200));
});

test("hapi: state cookies are set, read, refused when malformed and cleared, as on Node", async () => {
  const set = await sameAsNode(`GET /cookie/set HTTP/1.1\r\n${close}\r\n`);
  const session = /set-cookie: session=([^;]+); HttpOnly; SameSite=Lax; Path=\/\r\n/.exec(set);
  assert.ok(session, set);
  assert.match(set, /set-cookie: plain=v1; SameSite=Strict\r\n/);
  assert.match(
    await sameAsNode(
      `GET /cookie/read HTTP/1.1\r\n${close}Cookie: session=${session[1]}; plain=v1\r\n\r\n`,
    ),
    /\{"session":\{"user":"ann","n":1\},"plain":"v1"\}$/,
  );
  assert.match(
    await sameAsNode(`GET /cookie/read HTTP/1.1\r\n${close}Cookie: session=%%%\r\n\r\n`),
    /^HTTP\/1\.1 400 Bad Request\r\n[^]*"Invalid cookie value"/,
  );
  assert.match(
    await sameAsNode(`GET /cookie/clear HTTP/1.1\r\n${close}\r\n`),
    /set-cookie: session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax; Path=\/\r\n/,
  );
});

test("hapi: timeout.server answers 503 and timeout.socket ends the connection, as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /slow HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 503 Service Unavailable\r\n[^]*"message":"Service Unavailable"\}$/,
  );
  assert.equal(await sameAsNode(`GET /socket-timeout HTTP/1.1\r\n${close}\r\n`), "");
});

test("hapi: HTTP/1.0, pipelined keep-alive requests and malformed ones, as on Node", async () => {
  assert.match(await sameAsNode("GET /hello HTTP/1.0\r\n\r\n"), /^HTTP\/1\.1 200 [^]*world$/);
  const three = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n" +
    "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
    "Content-Length: 2\r\n\r\nhi" +
    `GET /users/7 HTTP/1.1\r\n${close}\r\n`;
  assert.equal((await sameAsNode(three)).match(/HTTP\/1\.1 20[01]/g)?.length, 3);
  assert.match(await sameAsNode("GET /hello HTTP/1.1\r\nHost : x\r\n\r\n"), /^HTTP\/1\.1 400/);
  // The parse error of the second request reaches 'clientError' while the
  // first is in flight: hapi answers that request with its own 400 instead.
  assert.match(
    await sameAsNode("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n"),
    /^HTTP\/1\.1 400 Bad Request\r\nconnection: close\r\n[^]*"message":"Bad Request"\}$/,
  );
});

/** The lines `program` printed about `/abort/${what}` once it printed `count` of them. */
async function abortLines(program: Program, what: string, count: number): Promise<string[]> {
  const lines = () =>
    program.stdout().split("\n").filter((l) =>
      l.endsWith(` ${what}`) || l.includes(`/abort/${what} `)
    );
  await printedCount(program, () => lines().length >= count);
  return lines();
}

test("hapi: a client that leaves mid-upload or mid-download is reported as on Node", async () => {
  const upload = async (app: Running) => {
    const client = new RawClient(app.port);
    try {
      client.write(
        "POST /abort/upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
          "Content-Length: 1000\r\n\r\n0123456789",
      );
      await printed(app.program, "reading upload");
      client.destroy();
      return [maskDate(client.text), ...await abortLines(app.program, "upload", 3)];
    } finally {
      client.destroy();
    }
  };
  const download = async (app: Running) => {
    const client = new RawClient(app.port);
    try {
      client.write("GET /abort/download HTTP/1.1\r\nHost: localhost\r\n\r\n");
      const text = await client.until((t) => t.endsWith("first chunk\n\r\n"));
      client.destroy();
      return [maskDate(text), ...await abortLines(app.program, "download", 2)];
    } finally {
      client.destroy();
    }
  };
  const [got, want] = await Promise.all([served.ours, served.node].map(upload));
  assert.deepEqual(got, want);
  assert.deepEqual(want, [
    "",
    "reading upload",
    "response /abort/upload 499 false true",
    "disconnect upload",
  ]);
  const [gotDown, wantDown] = await Promise.all([served.ours, served.node].map(download));
  assert.deepEqual(gotDown, wantDown);
  assert.deepEqual(wantDown.slice(1), [
    "disconnect download",
    "response /abort/download 499 false true",
  ]);
});

/** Resolves once `program` printed `line`. */
function printed(program: Program, line: string): Promise<void> {
  return printedCount(program, () => program.stdout().split("\n").includes(line));
}

/** Resolves once what `program` printed satisfies `seen`. */
function printedCount(program: Program, seen: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (seen()) return resolve();
    const check = () => {
      if (!seen()) return;
      program.child.stdout!.off("data", check);
      resolve();
    };
    program.child.stdout!.on("data", check);
  });
}

/** The error code of a connection attempt to `port`, or "connected". */
async function connectOutcome(port: number): Promise<string> {
  const socket = runtimeNet.connect(port, "127.0.0.1");
  try {
    const [what] = await Promise.race([once(socket, "connect"), once(socket, "error")]).catch((
      err,
    ) => [err]);
    return what?.code ?? "connected";
  } finally {
    socket.destroy();
  }
}

/**
 * Stops `app`'s drain server `name` while a request on it is in flight and
 * another connection is idle; what each connection and the /stop caller got.
 */
async function stopWhileInFlight(
  app: Running,
  name: "a" | "b",
  query: string,
): Promise<Record<string, string>> {
  const port = app.drain[name];
  const idle = new RawClient(port);
  const inFlight = new RawClient(port);
  try {
    idle.write("GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await idle.untilResponses(1);
    inFlight.write("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await printed(app.program, `held ${name}`);
    const stop = await untilClosed(app.port, `GET /stop/${name}?${query} HTTP/1.1\r\n${close}\r\n`);
    await Promise.all([idle.closed, inFlight.closed]);
    return {
      idle: maskDate(idle.text),
      inFlight: maskDate(inFlight.text),
      stop,
      after: await connectOutcome(port),
    };
  } finally {
    idle.destroy();
    inFlight.destroy();
  }
}

/** Everything `port` answers `wire` with until it closes, Date masked. */
async function untilClosed(port: number, wire: string): Promise<string> {
  const client = new RawClient(port);
  try {
    client.write(wire);
    await client.closed;
    return maskDate(client.text);
  } finally {
    client.destroy();
  }
}

test("hapi: server.stop({ timeout }) ends idle connections and drains the request in flight, as on Node", async () => {
  const [got, want] = await Promise.all(
    [served.ours, served.node].map((app) =>
      stopWhileInFlight(app, "a", "timeout=5000&release=yes")
    ),
  );
  assert.deepEqual(got, want);
  assert.match(got.idle, /^HTTP\/1\.1 404 [^]*\}$/);
  assert.match(got.inFlight, /^HTTP\/1\.1 200 OK\r\n[^]*connection: close\r\n[^]*done a$/);
  assert.match(got.stop, /\r\n\r\nstopped a 0$/);
  assert.equal(got.after, "ECONNREFUSED");
});

test("hapi: server.stop({ timeout }) destroys a request still in flight when the timeout ends, as on Node", async () => {
  const [got, want] = await Promise.all(
    [served.ours, served.node].map((app) => stopWhileInFlight(app, "b", "timeout=100")),
  );
  assert.deepEqual(got, want);
  assert.equal(got.inFlight, "");
  assert.match(got.stop, /\r\n\r\nstopped b 0$/);
  assert.equal(got.after, "ECONNREFUSED");
});
