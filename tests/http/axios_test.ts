/**
 * axios 1.x, unchanged, as a client over this library: fixtures/axios_client.cjs
 * is bundled by scripts/bundle.mjs, so that axios's http adapter and the
 * follow-redirects package it uses get this library's `http`, and runs on
 * the current runtime; Node runs the same file with its own http. Both talk
 * to reference servers on Node (fixtures/client_servers.cjs), and every
 * step must come out as on Node: the exact request bytes a raw server
 * received (JSON, strings, buffers, streamed uploads of unknown length in
 * chunks, urlencoded and multipart forms, requests after 303 and 307
 * redirects), and what axios reports (status, headers, data, error name,
 * code and message) for redirects, gzip/deflate/br bodies, HEAD, 204/304,
 * large bodies, maxContentLength/maxBodyLength, timeouts, aborts
 * mid-response, a reset mid-body, ECONNREFUSED, keep-alive socket reuse and
 * socket events, Unix sockets, a proxy, cookies and repeated headers,
 * trailers, 103 Early Hints and large uploads. Both programs must exit by
 * themselves.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "axios_client.cjs");

const client = compareWithNode(fixture);
const { step, error } = client;

/** The request bytes the capture server answered a step with. */
function wire(name: string): string {
  return (step(name).data as { raw: string }).raw;
}

test("axios: the bundle's requests went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("axios: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("axios: request bodies go out as on Node (JSON, buffers, chunked streams, forms)", () => {
  assert.match(wire("post json (wire)"), /Content-Length: 15\r\n[^]*\r\n\r\n\{"a":1,"b":"x"\}$/);
  assert.match(
    wire("stream upload, unknown length (wire)"),
    /Transfer-Encoding: chunked\r\n\r\n6\r\nfirst,\r\n7\r\nsecond,\r\n5\r\nthird\r\n0\r\n\r\n$/,
  );
  assert.match(
    wire("stream upload, known length (wire)"),
    /Content-Length: 8\r\n[^]*\r\n01234567$/,
  );
  assert.match(wire("urlencoded (wire)"), /\r\n\r\na=1&b=two\+words%26more$/);
  assert.match(
    wire("multipart postForm (wire)"),
    /boundary=--BOUNDARY\r\n[^]*name="n"\r\n\r\n7\r\n/,
  );
  assert.match(wire("303 after POST becomes GET (wire)"), /^GET \/after HTTP\/1\.1\r\n/);
  assert.doesNotMatch(wire("303 after POST becomes GET (wire)"), /Content-Length/);
  assert.match(wire("307 after POST keeps the body (wire)"), /^POST \/after [^]*\{"keep":"me"\}$/);
  assert.match(
    wire("through a proxy (wire)"),
    /^GET http:\/\/example\.test\/path\?q=1 HTTP\/1\.1\r\n[^]*Proxy-Authorization: Basic dTpw\r\nhost: example\.test\r\n/,
  );
  assert.match(
    wire("repeated request headers (wire)"),
    /\r\nX-Multi: a\r\nX-Multi: b\r\nX-Empty: \r\n/,
  );
  const { a, b } = step("keep-alive wire") as Record<string, { conn: number; nth: number }>;
  assert.deepEqual([a.conn === b.conn, a.nth, b.nth], [true, 1, 2]);
});

test("axios: redirects, decompression and bodies read as on Node", () => {
  assert.equal(step("redirect chain").url, "http://127.0.0.1:HTTP/json");
  assert.equal(error("too many redirects").code, "ERR_FR_TOO_MANY_REDIRECTS");
  for (const encoding of ["gzip", "deflate", "br", "gzip-chunked"]) {
    assert.match(step(`decompress ${encoding}`).data as string, /^9200 hello compressed world/);
  }
  assert.equal(error("bad gzip").code, "Z_DATA_ERROR");
  assert.equal(step("HEAD").data, "");
  assert.equal(step("204").status, 204);
  assert.equal(step("304 accepted").status, 304);
  assert.match(step("large-chunked").data as string, /^4194304 a117/);
  assert.equal(step("large as a stream").data, 4194304);
  assert.equal((step("large upload").data as { length: number }).length, 3 * 1024 * 1024);
  assert.equal((step("large streamed upload").data as { length: number }).length, 3 * 1024 * 1024);
  const cookies = step("cookies and repeated response headers").headers as Record<string, unknown>;
  assert.deepEqual(cookies["set-cookie"], ["a=1; Path=/", "b=2; HttpOnly"]);
  assert.equal(step("trailers").data, "with trailers");
  const http10 = step("HTTP/1.0 response ended by close");
  assert.deepEqual([http10.data, http10.again, http10.sockets], [
    "until the end",
    "until the end",
    2,
  ]);
  assert.deepEqual(step("103 Early Hints first").data, { early: "hints first" });
  assert.deepEqual(step("unix socket (socketPath)").data, { hello: "world", list: [1, 2, 3] });
});

test("axios: limits, timeouts, aborts, resets and refused connections fail as on Node", () => {
  assert.equal(error("maxContentLength").message, "maxContentLength size of 100000 exceeded");
  assert.equal(error("maxBodyLength").message, "Request body larger than maxBodyLength limit");
  assert.deepEqual(
    [error("timeout").code, error("timeout").message],
    ["ECONNABORTED", "timeout of 80ms exceeded"],
  );
  assert.equal(error("timeout, clarified").code, "ETIMEDOUT");
  assert.equal(error("abort mid-response").code, "ERR_CANCELED");
  assert.equal(error("abort mid-upload").code, "ERR_CANCELED");
  assert.deepEqual(step("abort a streamed response").events, [
    "data",
    "error ERR_CANCELED canceled",
    "close",
  ]);
  assert.equal(error("reset mid-body").code, "ECONNRESET");
  assert.equal(error("closed without an answer").message, "socket hang up");
  assert.equal(error("malformed response").code, "HPE_INVALID_HEADER_TOKEN");
  assert.equal(step("reset mid-body, streamed").bytes, 1000);
  assert.equal(error("ECONNREFUSED").message, "connect ECONNREFUSED 127.0.0.1:REFUSED");
});

test("axios: keep-alive agents reuse sockets as on Node, and sockets emit Node's events", () => {
  assert.deepEqual(step("keep-alive agent reuses one socket"), {
    conns: [0, 0, 0, 0, 0],
    sockets: 1,
  });
  assert.deepEqual(step("agent without keep-alive"), { distinct: 3, sockets: 3 });
  assert.deepEqual(step("listeners on a reused socket do not pile up"), { grew: [] });
  assert.deepEqual(step("ten requests queued on two sockets"), {
    distinct: 2,
    sockets: 2,
    queued: 0,
  });
  assert.equal(step("a response stream destroyed mid-body, then the next request").sockets, 2);
  assert.deepEqual(step("server closes after a response"), {
    conns: [0, "close", 1, 1],
    sockets: 2,
  });
  assert.deepEqual(step("socket events").events, [
    ["connect", "ready", "close"],
    ["lookup", "connect", "ready", "close"],
  ]);
});
