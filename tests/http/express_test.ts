/**
 * An Express 5 application, unchanged, bundled by scripts/bundle.mjs so that
 * Express's own `require("http")` gets this library, runs on the current
 * runtime. Node (the machine's, which npm needs anyway) runs the same file
 * with its own http, and every response must match Node's byte for byte,
 * Date aside: routing, JSON and text bodies (sized and chunked uploads),
 * sendFile with ranges, piped streams, redirects, errors, HEAD, HTTP/1.0,
 * pipelining and a malformed request.
 *
 * @module
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exchangeText, sameBytesAsNode } from "../_util/wire.ts";
import { assertServedByUs, servedBesideNode } from "../_util/bundle.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const app = join(fixtures, "express_app.cjs");

before(() => {
  // send's ETag holds the file's mtime in ms, which runtimes round differently
  // below the ms: a whole second makes it the same everywhere.
  utimesSync(join(fixtures, "express_file.txt"), 1_700_000_000, 1_700_000_000);
});

const served = servedBesideNode(app, { FIXTURE_DIR: fixtures }, /listening \d+/);

/** Sends `wire` to both servers; ours must answer exactly as Node does. */
function sameAsNode(wire: string): Promise<string> {
  return sameBytesAsNode(served.ours.port, served.node.port, wire);
}

const close = "Host: localhost\r\nConnection: close\r\n";

test("the bundle serves through this library's sockets", () => assertServedByUs(served.ours.port));

test("Express: routes, params, query, redirects and errors answer as on Node", async () => {
  assert.match(await sameAsNode(`GET /hello HTTP/1.1\r\n${close}\r\n`), /\r\n\r\nhello world$/);
  await sameAsNode(`HEAD /hello HTTP/1.1\r\n${close}\r\n`);
  assert.match(await sameAsNode(`GET /users/42?x=1&y=2 HTTP/1.1\r\n${close}\r\n`), /"id":"42"/);
  assert.match(await sameAsNode(`GET /redirect HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 302/);
  assert.match(await sameAsNode(`GET /boom HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 500/);
  assert.match(await sameAsNode(`GET /nothing HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 404/);
  assert.match(await sameAsNode(`GET /hello HTTP/1.0\r\n\r\n`), /^HTTP\/1\.1 200/);
});

test("Express: JSON and text bodies, sized and chunked, parse as on Node", async () => {
  const json = '{"a":[1,2],"b":"\u00e9"}';
  const sized = `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
    `Content-Length: ${new TextEncoder().encode(json).length}\r\n\r\n` +
    String.fromCharCode(...new TextEncoder().encode(json));
  assert.match(await sameAsNode(sized), /^HTTP\/1\.1 201[^]*"b":"/);
  const chunked = `POST /echo HTTP/1.1\r\n${close}Content-Type: text/plain\r\n` +
    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  assert.match(await sameAsNode(chunked), /"body":"hello world"/);
  // JSON.parse's message differs between JavaScript engines: only the status is compared.
  const bad = `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
    "Content-Length: 5\r\n\r\n{bad}";
  const [got, want] = await Promise.all([
    exchangeText(served.ours.port, bad),
    exchangeText(served.node.port, bad),
  ]);
  assert.equal(got.slice(0, got.indexOf("\r\n")), want.slice(0, want.indexOf("\r\n")));
});

test("Express: sendFile with and without a range, and a piped stream, as on Node", async () => {
  assert.match(await sameAsNode(`GET /file HTTP/1.1\r\n${close}\r\n`), /lazy dog\.\n$/);
  assert.match(
    await sameAsNode(`GET /file HTTP/1.1\r\n${close}Range: bytes=4-8\r\n\r\n`),
    /^HTTP\/1\.1 206[^]*\r\n\r\nquick$/,
  );
  assert.match(
    await sameAsNode(`GET /stream HTTP/1.1\r\n${close}\r\n`),
    /Transfer-Encoding: chunked[^]*one\n\r\n/,
  );
});

test("Express: pipelined keep-alive requests and a malformed one answer as on Node", async () => {
  const two = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n" +
    `GET /users/7 HTTP/1.1\r\n${close}\r\n`;
  assert.equal((await sameAsNode(two)).match(/HTTP\/1\.1 200/g)?.length, 2);
  assert.match(await sameAsNode("GET /hello HTTP/1.1\r\nHost : x\r\n\r\n"), /^HTTP\/1\.1 400/);
});
