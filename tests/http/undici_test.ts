/**
 * undici 7.x, unchanged, as a client over this library:
 * fixtures/undici_client.cjs is bundled by scripts/bundle.mjs, so that undici's
 * `require("net")` gets this library's, and runs on the current runtime; Node
 * runs the same file with its own net. undici parses HTTP itself (llhttp) and
 * uses only net.Socket: connect, setNoDelay/setKeepAlive, pause/resume under
 * backpressure, half-close, resets, destroy, unref of idle sockets. Both runs
 * talk to reference servers on Node (fixtures/client_servers.cjs), and every
 * step must come out as on Node: the exact request bytes a raw server received
 * (strings, buffers, chunked and sized streams, repeated headers, three
 * pipelined requests, pipelined requests sent again after a server's
 * Connection: close, a FIN on an idle socket, `reset: true`, a fetch of a web
 * stream), and what undici reports (status, headers, body, trailers, error
 * name, code and message, socket events) for keep-alive reuse, HEAD/204/404,
 * cookies, 103 Early Hints, 4 MiB downloads read slowly, a 3 MiB streamed
 * upload, a server that closes, Upgrade and CONNECT,
 * headersTimeout/bodyTimeout, maxResponseSize, destroy(), aborts, a reset
 * mid-body, a connection closed without an answer, a malformed response, an
 * HTTP/1.0 body ended by the close, ECONNREFUSED, a Unix socket (also for fetch),
 * 100-continue, an idle socket closed by keepAliveMaxTimeout, a Pool of three
 * connections, stream()/pipeline(), and undici's fetch (gzip, redirects,
 * aborts, refused connections). Both programs must exit by themselves: the
 * global dispatcher keeps idle sockets, which undici unrefs.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "undici_client.cjs");

const client = compareWithNode(fixture);
const { step, error } = client;

test("undici: the bundle's connections went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("undici: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("undici: request bytes go out as on Node, pipelined on one connection", () => {
  assert.equal(
    step("GET (wire)").raw,
    "GET /g?q=1 HTTP/1.1\r\nhost: 127.0.0.1:CAPTURE\r\nconnection: keep-alive\r\nx-custom: yes\r\n\r\n",
  );
  assert.match(
    step("stream upload, unknown length (wire)").raw as string,
    /transfer-encoding: chunked\r\n\r\n6\r\nfirst,\r\n7\r\nsecond,\r\n5\r\nthird\r\n0\r\n\r\n$/,
  );
  assert.match(step("stream upload, known length (wire)").raw as string, /\r\n\r\n01234567$/);
  const pipelined = step("pipelining: 3 (wire)");
  assert.deepEqual([pipelined.conns, pipelined.nth], [[0, 0, 0], [0, 1, 2]]);
  const reset = step("reset: true closes after the response (wire)");
  assert.match((reset.first as { raw: string }).raw, /\r\nconnection: close\r\n/);
  assert.deepEqual((reset.next as { nth: number }).nth, 1);
  // The server read /p1 and /bye, then closed: undici sends the other two again.
  assert.deepEqual(
    step("pipelined requests after a Connection: close answer go again (wire)").served,
    [[0, 1, "/p1"], [0, 2, "/bye"], [1, 1, "/p3"], [1, 2, "/p4"]],
  );
  assert.deepEqual(step("a server FIN on an idle keep-alive socket"), {
    conns: [0, 1],
    events: ["ready", "end", "error UND_ERR_SOCKET", "close"],
  });
});

test("undici: bodies, keep-alive, Upgrade, CONNECT, Unix sockets and pools read as on Node", () => {
  assert.deepEqual(step("keep-alive reuse").conns, [0, 0, 0, 0, 0]);
  assert.deepEqual(step("server closes after a response").conns, [0, "close", 1]);
  for (const name of ["large download read slowly", "large chunked download read slowly"]) {
    assert.deepEqual(step(name), { status: 200, length: 4194304, sha256: "a117210941a0b00d" });
  }
  assert.equal(step("large upload, streamed").length, 3 * 1024 * 1024);
  assert.deepEqual(step("trailers").trailers, { "x-checksum": "abc123" });
  assert.equal(step("HTTP/1.0 response ended by close").body, "until the end");
  assert.equal(step("upgrade").echoed, "echo me");
  assert.equal(step("CONNECT").echoed, "through the tunnel");
  assert.deepEqual(step("unix socket (socketPath)").body, { hello: "world", list: [1, 2, 3] });
  assert.deepEqual(step("Pool with 3 connections"), { distinct: 3, requests: 9 });
  assert.equal(step("fetch over a Unix socket (an Agent's connect.socketPath)").status, 200);
  assert.equal(step("expectContinue").body, "after 100");
  assert.deepEqual(
    step("keepAliveMaxTimeout closes the idle socket, the next request opens one"),
    { conns: [0, 1], events: ["ready", "error UND_ERR_INFO", "close"] },
  );
  assert.deepEqual(step("stream()").chunks, ["200 plain text"]);
  assert.equal(step("pipeline()").body, "piped through");
  assert.equal(step("fetch gzip").length, 9200);
  assert.equal(step("fetch redirects").url, "http://127.0.0.1:HTTP/json");
});

test("undici: timeouts, limits, aborts, resets and refused connections fail as on Node", () => {
  assert.equal(error("headersTimeout").code, "UND_ERR_HEADERS_TIMEOUT");
  assert.equal(error("bodyTimeout").code, "UND_ERR_BODY_TIMEOUT");
  assert.equal(step("bodyTimeout").bytes, 1000);
  assert.equal(error("maxResponseSize").code, "UND_ERR_RES_EXCEEDED_MAX_SIZE");
  assert.equal(error("destroy() with a request pending").code, "UND_ERR_DESTROYED");
  assert.equal(error("abort before the response").name, "AbortError");
  assert.deepEqual(step("abort mid-body").events, ["data", "error AbortError 20 reason: true"]);
  assert.deepEqual(
    [error("reset mid-body").code, error("reset mid-body").message, step("reset mid-body").bytes],
    ["ECONNRESET", "read ECONNRESET", 1000],
  );
  assert.equal(error("closed without an answer").message, "other side closed");
  assert.match(error("malformed response").message as string, /Invalid header token/);
  assert.equal(error("ECONNREFUSED").message, "connect ECONNREFUSED 127.0.0.1:REFUSED");
  assert.equal(
    error("fetch ECONNREFUSED").cause,
    "Error ECONNREFUSED connect ECONNREFUSED 127.0.0.1:REFUSED",
  );
  assert.equal(error("fetch abort").name, "TimeoutError");
  assert.deepEqual(step("socket events").sockets, [
    ["ready", "error UND_ERR_INFO", "close"],
    ["ready", "error UND_ERR_INFO", "close"],
    ["ready", "error UND_ERR_DESTROYED", "close"],
  ]);
});
