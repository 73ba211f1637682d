/**
 * got (ESM only), unchanged, as a client over this library:
 * fixtures/got_client.mjs is bundled by scripts/bundle.mjs (ESM output), so
 * that got's `http` and `net` are this library, and runs on the current
 * runtime; Node runs the same file with its own modules. Both talk to
 * reference servers on Node (fixtures/client_servers.cjs), and every step
 * must come out as on Node: the exact request bytes a raw server received
 * (JSON, strings, buffers, search params, streamed uploads, forms, requests
 * after 303 and 307 redirects, `got.stream.post` piped through), and what got
 * reports (status, headers, raw headers, body, redirect URLs, retry counts,
 * error name, code, message and event) for redirects, gzip/deflate/br
 * bodies, HEAD, 204/304, large bodies, retries on 5xx, `timeout.request`,
 * `timeout.socket` and `timeout.response`, aborts mid-response, a reset
 * mid-body, ECONNREFUSED, keep-alive socket reuse, `got.stream` piping, Unix
 * sockets, cookies and repeated headers, trailers, 103 Early Hints, cache
 * revalidation, large uploads, a custom `dnsLookup`, and `timings`: which are set, that they come in the order of a request's
 * life, and the socket events ('lookup', 'connect', 'ready') and request and
 * response events got's timer hooks, in order. Both programs must exit by
 * themselves.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode, kOurHandle } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "got_client.mjs");
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const client = compareWithNode(fixture);
const { step, error } = client;

/** The request bytes the capture server answered a step with. */
function wire(name: string): string {
  return (step(name).body as { raw: string }).raw;
}

/** Steps whose event logs hold a request written on 'connect'. */
const eventSteps = [
  "timings and events, 127.0.0.1",
  "timings and events, POST stream, 127.0.0.1",
  "timings and events, localhost",
  "timings and events, POST stream, localhost",
  "custom dnsLookup",
];

test("got: the bundle's requests went through this library's sockets, Node's through its own", () => {
  assert.deepEqual(client.runs().node.steps.get("handle"), { handle: "TCP" });
  assert.match(step("handle").handle as string, kOurHandle);
});

test("got: every step but the event logs prints what it prints on Node, in the same order", () => {
  client.assertSameSteps((s) => s === "handle" || eventSteps.includes(s));
});

test("got: timings are set and ordered, and socket and request events come as on Node", () => {
  for (const name of eventSteps) {
    const want = structuredClone(client.runs().node.steps.get(name)!);
    const log = want.log as string[];
    // A GET's head waits for the connection and is written from 'connect'.
    // Node's write completes at once and the request's 'finish' comes
    // before the socket's 'ready'; Deno has no synchronous socket write, so
    // there it settles after 'ready' (the README's known difference).
    const at = log.indexOf("finish");
    if (isDeno && log[at + 1] === "ready") log.splice(at, 2, "ready", "finish");
    assert.deepEqual(step(name), want, `step "${name}"`);
  }
  const get = step("timings and events, localhost");
  const log = get.log as string[];
  // Where localhost resolves is the machine's: 127.0.0.1 here.
  assert.match(log[1], /^lookup null \S+ [46] localhost$/);
  assert.deepEqual(log.toSpliced(1, 1), [
    "socket connecting",
    "connect",
    ...(isDeno ? ["ready", "finish"] : ["finish", "ready"]),
    "response 200",
    "end",
    "request close",
  ]);
  assert.deepEqual(get.set, ["start", "socket", "lookup", "connect", "upload", "response", "end"]);
  assert.equal(get.ordered, true);
  assert.deepEqual(get.negative, []);
  assert.deepEqual(step("timings and events, POST stream, 127.0.0.1").log, [
    "socket connecting",
    "connect",
    "ready",
    "finish",
    "response 200",
    "end",
    "request close",
  ]);
  // A lookup of the caller's own answers when it does, as in Node: here at
  // once, before the request has its socket, so got's timer sees no 'lookup'.
  assert.deepEqual((step("custom dnsLookup").log as string[]).slice(0, 3), [
    "dnsLookup example.test all=true",
    "socket connecting",
    "connect",
  ]);
  assert.equal(step("reused socket timings").ordered, true);
  assert.deepEqual(step("timings on error").set, ["start", "socket", "error"]);
});

test("got: request bodies go out as on Node (JSON, buffers, chunked streams, forms, piped streams)", () => {
  assert.match(wire("post json (wire)"), /content-length: 15\r\n[^]*\r\n\r\n\{"a":1,"b":"x"\}$/);
  assert.match(wire("searchParams (wire)"), /^GET \/q\?a=1&b=two\+words HTTP\/1\.1\r\n/);
  assert.match(
    wire("stream upload, unknown length (wire)"),
    /Transfer-Encoding: chunked\r\n\r\n6\r\nfirst,\r\n7\r\nsecond,\r\n5\r\nthird\r\n0\r\n\r\n$/,
  );
  assert.match(wire("form (wire)"), /\r\n\r\na=1&b=two\+words%26more$/);
  assert.deepEqual(step("FormData (wire)").fields, ["field", "n"]);
  assert.match(wire("303 after POST becomes GET (wire)"), /^GET \/after HTTP\/1\.1\r\n/);
  assert.match(wire("307 after POST keeps the body (wire)"), /^POST \/after [^]*\{"keep":"me"\}$/);
  const piped = step("got.stream.post piped through (wire)") as {
    events: string[];
    body: { raw: string };
  };
  assert.deepEqual(piped.events, ["uploaded 13", "response 200"]);
  assert.match(piped.body.raw, /\r\n\r\n4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n$/);
  assert.match(
    wire("repeated request headers (wire)"),
    /\r\nx-multi: a\r\nx-multi: b\r\nx-empty: \r\n/,
  );
});

test("got: redirects, decompression, retries and streams read as on Node", () => {
  assert.equal((step("redirect chain").redirectUrls as string[]).length, 3);
  assert.equal(error("too many redirects").code, "ERR_TOO_MANY_REDIRECTS");
  for (const encoding of ["gzip", "deflate", "br", "gzip-chunked"]) {
    assert.match(step(`decompress ${encoding}`).body as string, /^9200 hello compressed world/);
  }
  assert.equal(step("304").status, 304);
  assert.deepEqual([step("retries on 5xx").status, step("retries on 5xx").retryCount], [200, 2]);
  assert.equal(error("retries on 5xx, exhausted").retryCount, 2);
  assert.equal(error("no retry for POST").retryCount, 0);
  assert.match(step("got.stream piped into a hash").hash as string, /^a117/);
  assert.deepEqual(step("server closes after a response").conns, [0, "close", 1, 1]);
  assert.deepEqual((step("revalidated from the cache").second as unknown[]).slice(0, 2), [
    200,
    true,
  ]);
  assert.deepEqual(step("trailers").rawTrailers, ["X-Checksum", "abc123"]);
  const http10 = step("HTTP/1.0 response ended by close");
  assert.deepEqual([http10.body, http10.again, http10.reused], [
    "until the end",
    "until the end",
    false,
  ]);
  assert.deepEqual(step("listeners on a reused socket do not pile up"), { grew: [] });
  assert.deepEqual(step("ten requests queued on two sockets"), { distinct: 2, queued: 0 });
  assert.equal(step("got.stream destroyed mid-body, then the next request").reused, false);
  assert.deepEqual(step("cookies and repeated response headers").headers, {
    "set-cookie": ["a=1; Path=/", "b=2; HttpOnly"],
    "x-dup": "one, two",
    "content-type": "text/plain",
    date: "X",
    connection: "keep-alive",
    "keep-alive": "timeout=60",
    "content-length": "7",
  });
  assert.equal(step("103 Early Hints first").status, 200);
  assert.equal(step("unix socket").url, "http://unixSOCKET:/json");
  assert.equal((step("large upload").body as { length: number }).length, 3 * 1024 * 1024);
  assert.deepEqual(step("large streamed upload").body, {
    length: 3 * 1024 * 1024,
    progress: [3 * 1024 * 1024],
  });
  assert.deepEqual(step("keep-alive agent reuses one socket").reused, [
    false,
    true,
    true,
    true,
    true,
  ]);
});

test("got: timeouts, aborts, resets and refused connections fail as on Node", () => {
  for (const event of ["request", "socket", "response"]) {
    assert.deepEqual(
      [error(`timeout.${event}`).code, error(`timeout.${event}`).message],
      ["ETIMEDOUT", `Timeout awaiting '${event}' for 80ms`],
    );
  }
  assert.equal(error("timeout.socket mid-body").status, 200);
  assert.equal(error("abort mid-response").code, "ERR_ABORTED");
  assert.equal(error("abort mid-upload").code, "ERR_ABORTED");
  assert.equal(error("reset mid-body").code, "ERR_HTTP_CONTENT_LENGTH_MISMATCH");
  assert.equal(error("closed without an answer").message, "socket hang up");
  assert.equal(error("malformed response").code, "HPE_INVALID_HEADER_TOKEN");
  assert.equal(error("ECONNREFUSED").message, "connect ECONNREFUSED 127.0.0.1:REFUSED");
});
