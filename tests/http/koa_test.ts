/**
 * A Koa 3 application, unchanged, bundled by scripts/bundle.mjs so that
 * Koa's own `require("node:http")` gets this library, runs on the current
 * runtime. Node (the machine's) runs the same file with its own http, and
 * every response must match Node's byte for byte, Date aside: routing with
 * params, middleware headers, JSON and text bodies (sized, chunked, too
 * large), Node and web streams, Blob and Response bodies, attachments,
 * ETag freshness, `ctx.respond = false` raw writes, redirects, errors, HEAD,
 * HTTP/1.0, pipelining, keep-alive and malformed requests.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sameBytesAsNode } from "../_util/wire.ts";
import { assertServedByUs, servedBesideNode } from "../_util/bundle.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const app = join(fixtures, "koa_app.cjs");

const served = servedBesideNode(app, { FIXTURE_DIR: fixtures }, /listening \d+/);

/** Sends `wire` to both servers; ours must answer exactly as Node does. */
function sameAsNode(wire: string): Promise<string> {
  return sameBytesAsNode(served.ours.port, served.node.port, wire);
}

const close = "Host: localhost\r\nConnection: close\r\n";

test("the Koa bundle serves through this library's sockets", () =>
  assertServedByUs(served.ours.port));

test("Koa: routes, params, middleware, redirects and errors answer as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /hello HTTP/1.1\r\n${close}\r\n`),
    /X-Middleware: outer\r\n[^]*X-Status: 200\r\n[^]*\r\n\r\nhello world$/,
  );
  assert.match(
    await sameAsNode(`HEAD /hello HTTP/1.1\r\n${close}\r\n`),
    /Length: 11\r\n[^]*\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /users/42?x=1&y=2 HTTP/1.1\r\n${close}\r\n`),
    /"id":"42","query":\{"x":"1","y":"2"\},"ip":"127\.0\.0\.1","host":"localhost"/,
  );
  assert.match(await sameAsNode(`GET /empty HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 204/);
  assert.match(await sameAsNode(`GET /redirect HTTP/1.1\r\n${close}\r\n`), /Location: \/hello/);
  assert.match(
    await sameAsNode(`GET /redirect HTTP/1.1\r\n${close}Accept: text/html\r\n\r\n`),
    /^HTTP\/1\.1 302/,
  );
  assert.match(await sameAsNode(`GET /boom HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 500/);
  assert.match(await sameAsNode(`GET /teapot HTTP/1.1\r\n${close}\r\n`), /short and stout$/);
  assert.match(await sameAsNode(`GET /nothing HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 404/);
});

test("Koa: JSON and text bodies, sized, chunked and too large, as on Node", async () => {
  const json = String.fromCharCode(...new TextEncoder().encode('{"a":[1,2],"b":"\u00e9"}'));
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
        `Content-Length: ${json.length}\r\n\r\n${json}`,
    ),
    /^HTTP\/1\.1 201[^]*"length":20,"body":\{"a":\[1,2\]/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    ),
    /"body":"hello world"/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
        "Content-Length: 5\r\n\r\n{bad}",
    ),
    /^HTTP\/1\.1 400[^]*invalid JSON$/,
  );
  const big = "x".repeat(32);
  assert.match(
    await sameAsNode(
      `POST /small HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        `Content-Length: 32\r\n\r\n${big}`,
    ),
    /^HTTP\/1\.1 413/,
  );
  assert.match(
    await sameAsNode(
      `POST /small HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n20\r\n${big}\r\n0\r\n\r\n`,
    ),
    /^HTTP\/1\.1 413/,
  );
});

test("Koa: file, stream, web stream, Blob, Response and raw bodies, as on Node", async () => {
  assert.match(await sameAsNode(`GET /file HTTP/1.1\r\n${close}\r\n`), /lazy dog\.\n\r\n0\r\n/);
  assert.match(
    await sameAsNode(`GET /stream HTTP/1.1\r\n${close}\r\n`),
    /chunked\r\n\r\n4\r\none\n\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /web-stream HTTP/1.1\r\n${close}\r\n`),
    /\r\n4\r\nweb \r\n7\r\nstream\n\r\n0\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /blob HTTP/1.1\r\n${close}\r\n`),
    /Content-Type: text\/markdown; charset=utf-8\r\nContent-Length: 12\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /response HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 202 [^]*x-from: Response\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /attachment HTTP/1.1\r\n${close}\r\n`),
    /Content-Disposition: attachment; filename="report card\.txt"\r\n/,
  );
  assert.match(await sameAsNode(`GET /raw HTTP/1.1\r\n${close}\r\n`), /X-Raw: yes\r\n/);
});

test("Koa: ETag freshness answers 200 then 304, as on Node", async () => {
  assert.match(await sameAsNode(`GET /etag HTTP/1.1\r\n${close}\r\n`), /fresh content$/);
  assert.match(
    await sameAsNode(`GET /etag HTTP/1.1\r\n${close}If-None-Match: "v1"\r\n\r\n`),
    /^HTTP\/1\.1 304 [^]*\r\n\r\n$/,
  );
});

test("Koa: HTTP/1.0, pipelined keep-alive requests and malformed ones, as on Node", async () => {
  assert.match(await sameAsNode("GET /hello HTTP/1.0\r\n\r\n"), /Connection: close\r\n/);
  const kept = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /users/3 HTTP/1.0\r\n\r\n";
  assert.match(await sameAsNode(kept), /Keep-Alive: timeout=5\r\n[^]*"id":"3"/);
  const three = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n" +
    "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
    "Content-Length: 2\r\n\r\nhi" +
    `GET /users/7 HTTP/1.1\r\n${close}\r\n`;
  assert.equal((await sameAsNode(three)).match(/HTTP\/1\.1 20[01]/g)?.length, 3);
  assert.match(await sameAsNode("GET /hello HTTP/1.1\r\nHost : x\r\n\r\n"), /^HTTP\/1\.1 400/);
  // Koa answers after a microtask, so the parse error of the second request
  // comes first: Node sends only its 400, and on-finished's listener on the
  // socket goes while the first response fails (the program must survive).
  assert.equal(
    await sameAsNode("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n"),
    "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n",
  );
  assert.match(await sameAsNode(`GET /hello HTTP/1.1\r\n${close}\r\n`), /hello world$/);
});
