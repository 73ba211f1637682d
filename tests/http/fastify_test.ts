/**
 * A Fastify 5 application, unchanged, bundled by scripts/bundle.mjs so that
 * Fastify's own `require("node:http")` gets this library, runs on the
 * current runtime. Node (the machine's) runs the same file with its own http,
 * and every response must match Node's byte for byte, Date aside: routing
 * with schemas, hooks, JSON and text bodies (sized, chunked, too large),
 * streamed files, trailers, hijacked raw writes, redirects, errors, HEAD,
 * HTTP/1.0, pipelining, keep-alive, Fastify's own clientError answers, and
 * the request and connection timeouts and request cap Fastify sets.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sameBytesAsNode } from "../_util/wire.ts";
import {
  assertServedByUs,
  listeningPorts,
  type Program,
  servedBesideNode,
} from "../_util/bundle.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const app = join(fixtures, "fastify_app.cjs");

interface Running {
  program: Program;
  /** The instance with Fastify's defaults. */
  port: number;
  /** The instance with short timeouts and two requests per connection. */
  timeoutsPort: number;
}

function running(program: Program): Running {
  const [port, timeoutsPort] = listeningPorts(program);
  return { program, port, timeoutsPort };
}

const served = servedBesideNode(app, { FIXTURE_DIR: fixtures }, /listening \d+ \d+/, running);

/** Sends `wire` to both servers' `which` instance; ours must answer exactly as Node does. */
function sameAsNode(
  wire: string,
  which: "port" | "timeoutsPort" = "port",
  until?: (text: string) => boolean,
): Promise<string> {
  return sameBytesAsNode(served.ours[which], served.node[which], wire, until);
}

const close = "Host: localhost\r\nConnection: close\r\n";

/** `text` as UTF-8 bytes, one latin1 character each (what RawClient writes). */
function utf8(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

test("the Fastify bundle serves through this library's sockets", () =>
  assertServedByUs(served.ours.port));

test("Fastify: routes, schemas, hooks, redirects and errors answer as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /hello HTTP/1.1\r\n${close}\r\n`),
    /x-on-request: GET\r\n[^]*x-on-send: 200\r\n[^]*\r\n\r\nhello world$/,
  );
  assert.match(
    await sameAsNode(`HEAD /hello HTTP/1.1\r\n${close}\r\n`),
    /length: 11\r\n[^]*\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /users/42?x=1&y=2 HTTP/1.1\r\n${close}\r\n`),
    /x-user: 42\r\n[^]*\{"id":42,"query":\{\}\}$/,
  );
  assert.match(await sameAsNode(`GET /users/abc HTTP/1.1\r\n${close}\r\n`), /FST_ERR_VALIDATION/);
  assert.match(await sameAsNode(`GET /empty HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 204/);
  assert.match(await sameAsNode(`GET /redirect HTTP/1.1\r\n${close}\r\n`), /location: \/hello/);
  assert.match(await sameAsNode(`GET /boom HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 500/);
  assert.match(await sameAsNode(`GET /teapot HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 418/);
  assert.match(await sameAsNode(`GET /nothing HTTP/1.1\r\n${close}\r\n`), /^HTTP\/1\.1 404/);
});

test("Fastify: JSON and text bodies, sized, chunked and too large, as on Node", async () => {
  const json = utf8('{"a":[1,2],"b":"\u00e9"}');
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/json\r\n` +
        `Content-Length: ${json.length}\r\n\r\n${json}`,
    ),
    /^HTTP\/1\.1 201[^]*"b":"/,
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
    /FST_ERR_CTP_INVALID_JSON_BODY/,
  );
  assert.match(
    await sameAsNode(
      `POST /echo HTTP/1.1\r\n${close}Content-Type: application/xml\r\n` +
        "Content-Length: 4\r\n\r\n<a/>",
    ),
    /^HTTP\/1\.1 415/,
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

test("Fastify: streamed files, trailers and hijacked raw writes, as on Node", async () => {
  assert.match(await sameAsNode(`GET /file HTTP/1.1\r\n${close}\r\n`), /lazy dog\.\n\r\n0\r\n/);
  assert.match(
    await sameAsNode(`GET /stream HTTP/1.1\r\n${close}\r\n`),
    /chunked\r\n\r\n4\r\none\n\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /trailer HTTP/1.1\r\n${close}\r\n`),
    /trailer: x-count\r\n[^]*\r\n0\r\nx-count: 12\r\n\r\n$/,
  );
  assert.match(await sameAsNode(`GET /raw HTTP/1.1\r\n${close}\r\n`), /X-Raw: yes\r\n/);
});

test("Fastify: HTTP/1.0, pipelined keep-alive requests and malformed ones, as on Node", async () => {
  assert.match(await sameAsNode("GET /hello HTTP/1.0\r\n\r\n"), /Connection: close\r\n/);
  const kept = "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /users/3 HTTP/1.0\r\n\r\n";
  assert.match(await sameAsNode(kept), /Keep-Alive: timeout=72\r\n[^]*"id":3/);
  const three = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n" +
    "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n" +
    "Content-Length: 2\r\n\r\nhi" +
    `GET /users/7 HTTP/1.1\r\n${close}\r\n`;
  assert.equal((await sameAsNode(three)).match(/HTTP\/1\.1 20[01]/g)?.length, 3);
  // Fastify's 'clientError' listener writes its own 400 and destroys the socket.
  assert.match(
    await sameAsNode("GET /hello HTTP/1.1\r\nHost : x\r\n\r\n"),
    /^HTTP\/1\.1 400 Bad Request\r\nContent-Length: 65\r\n[^]*"Client Error"/,
  );
  assert.match(
    await sameAsNode("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n"),
    /hello worldHTTP\/1\.1 400 Bad Request\r\n/,
  );
});

test("Fastify: maxRequestsPerSocket, requestTimeout and connectionTimeout act as on Node", async () => {
  const hello = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  // Past the cap, Node answers 503 with "Connection: close" but leaves the
  // connection to keepAliveTimeout (72 s), and so do we: stop at the 503's end.
  const capped = (text: string) => /HTTP\/1\.1 503 [^]*\r\n0\r\n\r\n$/.test(text);
  assert.match(
    await sameAsNode(hello + hello + hello, "timeoutsPort", capped),
    /Keep-Alive: timeout=72, max=2\r\n[^]*HTTP\/1\.1 503 /,
  );
  // Headers still incomplete past requestTimeout: Fastify's own 408.
  assert.match(
    await sameAsNode("GET /hello HTTP/1.1\r\nHost: x\r\n", "timeoutsPort"),
    /^HTTP\/1\.1 408 Request Timeout\r\n[^]*"Client Timeout"/,
  );
  // Fastify sets requestTimeout after construction, leaving headersTimeout the
  // larger (60 s): Node then bounds a slow body by that, so the connection's
  // idle timeout (connectionTimeout, 1 s) ends it first, silently.
  const slowBody = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" +
    "Content-Length: 10\r\n\r\nabc";
  assert.equal(await sameAsNode(slowBody, "timeoutsPort"), "");
});
