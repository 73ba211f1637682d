/**
 * node-fetch 2.x (the CommonJS one), unchanged, as a client over this
 * library: fixtures/node_fetch_client.cjs is bundled by scripts/bundle.mjs,
 * so that node-fetch's `require("http")` gets this library's, and runs on
 * the current runtime; Node runs the same file with its own http. Both talk
 * to reference servers on Node (fixtures/client_servers.cjs), and every
 * step must come out as on Node: the exact request bytes a raw server
 * received (strings, buffers, URLSearchParams, chunked and sized streams,
 * requests after 303 and 307 redirects, keep-alive through an agent given
 * as a function), and what node-fetch reports (status, statusText, url,
 * redirected, raw headers, body; FetchError name, type, code, errno and
 * message) for redirects (follow, manual, error, `follow` limits), gzip,
 * deflate, br, `compress: false`, a bad gzip body, 4 MiB bodies as streams,
 * a 3 MiB streamed upload, `timeout` before and during the body,
 * AbortSignal, a reset mid-body, a connection closed without an answer, a
 * malformed response, an HTTP/1.0 body ended by the close, ECONNREFUSED, a
 * keep-alive `agent`, a Unix socket through an agent's socketPath and the
 * sockets' events. Both programs must exit by themselves.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "node_fetch_client.cjs");

const client = compareWithNode(fixture);
const { step, error } = client;

test("node-fetch: the bundle's requests went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("node-fetch: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("node-fetch: request bodies and redirected requests go out as on Node", () => {
  assert.match(
    step("POST stream, unknown length (wire)").raw as string,
    /Transfer-Encoding: chunked\r\n\r\n6\r\nfirst,\r\n7\r\nsecond,\r\n5\r\nthird\r\n0\r\n\r\n$/,
  );
  assert.match(step("PUT stream, known length (wire)").raw as string, /\r\n\r\n01234567$/);
  assert.match(
    step("POST URLSearchParams (wire)").raw as string,
    /\r\n\r\na=1&b=two\+words%26more$/,
  );
  assert.match(
    step("303 after POST becomes GET (wire)").raw as string,
    /^GET \/after HTTP\/1\.1\r\n/,
  );
  assert.match(
    step("307 after POST keeps the body (wire)").raw as string,
    /\r\n\r\nkept after 307$/,
  );
  const { a, b, sockets } = step("agent as a function, keep-alive on the wire") as Record<
    string,
    { nth: number }
  >;
  assert.deepEqual([a.nth, b.nth, sockets], [1, 2, 1]);
});

test("node-fetch: redirects, decompression and bodies read as on Node", () => {
  assert.deepEqual(
    [step("redirect: follow").url, step("redirect: follow").redirected],
    ["http://127.0.0.1:HTTP/json", true],
  );
  assert.equal(step("redirect: manual").status, 302);
  assert.equal(error("redirect: error").type, "no-redirect");
  assert.equal(error("follow: 1").type, "max-redirect");
  for (const encoding of ["gzip", "deflate", "br", "gzip-chunked"]) {
    assert.equal(step(`decompress ${encoding}`).length, 9200);
  }
  assert.equal(step("compress: false").magic, "1f8b");
  assert.equal(error("bad gzip").code, "Z_DATA_ERROR");
  assert.equal(step("large body as a stream").length, 4194304);
  assert.equal(step("large upload, streamed").length, 3 * 1024 * 1024);
  assert.equal(step("HTTP/1.0 response ended by close").body, "until the end");
  assert.deepEqual(step("unix socket (an agent's socketPath)").body, {
    hello: "world",
    list: [1, 2, 3],
  });
  assert.deepEqual(step("keep-alive agent reuses one socket"), {
    conns: [0, 0, 0, 0, 0],
    sockets: 1,
  });
});

test("node-fetch: timeouts, aborts, resets and refused connections fail as on Node", () => {
  assert.equal(error("timeout before the response").type, "request-timeout");
  assert.equal(error("timeout mid-body").type, "body-timeout");
  assert.equal(error("abort before the response").type, "aborted");
  assert.deepEqual(step("abort mid-body").events, [
    "data",
    "error AbortError aborted The user aborted a request.",
  ]);
  assert.deepEqual([error("reset mid-body").code, step("reset mid-body").bytes], [
    "ECONNRESET",
    1000,
  ]);
  assert.match(error("closed without an answer").message as string, /reason: socket hang up$/);
  assert.equal(error("malformed response").code, "HPE_INVALID_HEADER_TOKEN");
  assert.deepEqual([error("ECONNREFUSED").type, error("ECONNREFUSED").message], [
    "system",
    "request to http://127.0.0.1:REFUSED/ failed, reason: connect ECONNREFUSED 127.0.0.1:REFUSED",
  ]);
  assert.deepEqual(step("socket events").events, [
    ["connect", "ready", "close"],
    ["lookup", "connect", "ready", "close"],
  ]);
});
