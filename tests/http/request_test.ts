/**
 * request 2.88 (deprecated, still in countless old programs), unchanged, as a
 * client over this library: fixtures/request_client.cjs is bundled by
 * scripts/bundle.mjs, so that request, forever-agent, tunnel-agent and
 * form-data get this library's `http`, and runs on the current runtime; Node
 * runs the same file with its own http. Both talk to reference servers on
 * Node (fixtures/client_servers.cjs), and every step must come out as on
 * Node: the exact request bytes a raw server received (qs, JSON, forms,
 * multipart formData with buffers and file streams, files and streams piped
 * into a request, a response piped into another request with its headers,
 * requests after redirects with followAllRedirects, auth, jar cookies,
 * request.defaults, a proxy, the multipart option sized and chunked), and
 * what request reports (status, headers, res.caseless, body, redirects,
 * event order, error code, message and `connect`) for gzip, ESOCKETTIMEDOUT
 * before and during the body, abort(), resets, socket hang up, malformed
 * responses, ECONNREFUSED, forever: true agents (an Agent subclass that never
 * calls Agent's constructor and listens for 'free'), pools, tunnel-agent's
 * CONNECT, timings and Unix sockets. Both programs must exit by themselves.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "request_client.cjs");

const client = compareWithNode(fixture);
const { step, error } = client;

/** The request bytes the capture server answered a step with. */
function wire(name: string): string {
  return step(name).raw as string;
}

test("request: the bundle's requests went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("request: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("request: request bodies go out as on Node (JSON, forms, multipart, piped streams)", () => {
  assert.match(wire("GET (wire)"), /^GET \/g\?q=1&b=two%20words HTTP\/1\.1\r\nX-Custom: yes\r\n/);
  assert.match(wire("POST json (wire)"), /content-length: 15\r\n[^]*\r\n\r\n\{"a":1,"b":"x"\}$/);
  assert.match(wire("form (wire)"), /\r\n\r\na=1&b=two%20words%26more$/);
  assert.match(
    wire("multipart formData (wire)"),
    /boundary=BOUNDARY\r\n[^]*name="buffer"; filename="b\.bin"\r\nContent-Type: application\/octet-stream\r\n\r\nbuffer bytes\r\n/,
  );
  assert.match(
    wire("multipart with a file stream (wire)"),
    /content-length: 222\r\n[^]*filename="upload\.txt"\r\nContent-Type: text\/plain\r\n\r\nfile contents\n\r\n--BOUNDARY--\r\n$/,
  );
  assert.match(
    wire("file piped into request.post (wire)"),
    /content-type: application\/json\r\n[^]*Transfer-Encoding: chunked\r\n\r\n11\r\n\{"from":"a file"\}\r\n0\r\n\r\n$/,
  );
  assert.match(
    wire("stream piped into request.put, chunked (wire)"),
    /\r\n\r\n6\r\nfirst,\r\n7\r\nsecond,\r\n5\r\nthird\r\n0\r\n\r\n$/,
  );
  assert.match(
    wire("a response piped into another request (wire)"),
    /^PUT \/proxied [^]*content-length: 32\r\nx-route: json\r\ndate: X\r\n[^]*\{"hello":"world","list":\[1,2,3\]\}$/,
  );
  assert.match(
    wire("followAllRedirects: 303 after POST becomes GET (wire)"),
    /^GET \/after HTTP\/1\.1\r\nreferer: http:\/\/127\.0\.0\.1:HTTP\/r\/303\/@CAPTURE\/after\r\n/,
  );
  assert.match(
    wire("followAllRedirects, followOriginalHttpMethod: 307 keeps POST (wire)"),
    /^POST \/after [^]*\{"keep":"me"\}$/,
  );
  assert.match(wire("auth (wire)"), /\r\nauthorization: Basic dTpwIHc=\r\n/);
  assert.match(wire("jar: cookies set, then sent (wire)"), /\r\ncookie: a=1; b=2; c=3\r\n/);
  assert.match(
    wire("request.defaults (wire)"),
    /^POST \/defaults [^]*X-Default: d\r\n[^]*\{"n":1\}$/,
  );
});

test("request: responses, redirects and decompression read as on Node", () => {
  const json = step("get json");
  assert.deepEqual(json.body, { hello: "world", list: [1, 2, 3] });
  assert.equal(json.contentType, "application/json; charset=utf-8");
  assert.deepEqual(step("redirect chain").redirects, [
    [301, "http://127.0.0.1:HTTP/r/302/json"],
    [302, "http://127.0.0.1:HTTP/json"],
  ]);
  assert.equal(step("followRedirect: false").status, 302);
  assert.match(error("too many redirects").message as string, /^Exceeded maxRedirects/);
  for (const encoding of ["gzip", "deflate", "gzip-chunked"]) {
    assert.equal(step(`gzip: true, ${encoding}`).length, 9200);
  }
  assert.equal(error("bad gzip").code, "Z_DATA_ERROR");
  assert.deepEqual(step("trailers").trailers, { "x-checksum": "abc123" });
  const piped = step("response piped into a file");
  assert.deepEqual([piped.length, piped.events], [
    4194304,
    ["request", "socket", "response", "end", "complete"],
  ]);
  // tunnel-agent's CONNECT got its 200; then the echo of the tunneled GET
  // came back where a response was expected.
  assert.equal(error("tunnel: true through a CONNECT proxy").code, "HPE_INVALID_CONSTANT");
  assert.deepEqual(step("events of a streamed request").events, [
    "request",
    "socket",
    "response",
    "data",
    "end",
    "complete",
    "close",
  ]);
  assert.deepEqual(step("timing: true").phases, [
    "wait",
    "dns",
    "tcp",
    "firstByte",
    "download",
    "total",
  ]);
  assert.deepEqual(step("unix socket").body, { hello: "world", list: [1, 2, 3] });
});

test("request: timeouts, aborts, resets and refused connections fail as on Node", () => {
  for (const name of ["timeout before the response", "timeout during the body"]) {
    assert.deepEqual(error(name), {
      name: "Error",
      code: "ESOCKETTIMEDOUT",
      connect: false,
      message: "ESOCKETTIMEDOUT",
    });
  }
  assert.deepEqual(step("abort mid-response").events, [
    "request",
    "response",
    "abort",
    "error ECONNRESET",
  ]);
  assert.equal(error("reset mid-body").code, "ECONNRESET");
  assert.equal(error("closed without an answer").message, "socket hang up");
  assert.equal(error("malformed response").code, "HPE_INVALID_HEADER_TOKEN");
  assert.equal(error("ECONNREFUSED").message, "connect ECONNREFUSED 127.0.0.1:REFUSED");
});

test("request: forever, pools and agents reuse sockets as on Node", () => {
  assert.equal(step("forever: true reuses one socket").same, true);
  assert.equal(step("forever: true (wire)").sameConnection, true);
  assert.deepEqual(step("timeout on a reused forever socket"), {
    reused: true,
    error: { name: "Error", code: "ESOCKETTIMEDOUT", connect: false, message: "ESOCKETTIMEDOUT" },
  });
  assert.equal(step("pool with maxSockets").distinct, 2);
  assert.deepEqual(step("a keep-alive agent of one's own"), {
    same: true,
    events: [["connect", "ready", "close"]],
  });
});
