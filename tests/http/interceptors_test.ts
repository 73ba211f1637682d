/**
 * @mswjs/interceptors' ClientRequestInterceptor (what MSW and nock are built
 * on), unchanged, over this library: fixtures/interceptors_client.cjs is
 * bundled by scripts/bundle.mjs, so that the interceptor and axios get this
 * library's `http`, and runs on the current runtime; Node runs the same file
 * with its own http. Every step must come out as on Node: web `Response`s
 * (text, JSON with repeated headers, streamed, empty) as the program sees
 * them, the request as the listener sees it (its body too, chunked or not),
 * `errorWith()`, `Response.error()`, a listener that throws (a 500),
 * requests passed through to a real server (what it receives, and the
 * 'response' event), a refused passthrough, axios, and `dispose()`. Both
 * programs must exit by themselves.
 *
 * Masked in the fixture: ports, Date headers, and the stack of the error a
 * throwing listener answers with (its file paths are the bundle's here). The
 * "handles" step names the socket handle of requests that reached a real
 * server (TCP on Node, ours here). Responses with a string body name their
 * Content-Type: Bun's own `Response` leaves the default one out of
 * `response.headers`, which the interceptor turns into the response head.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(
  dirname(fileURLToPath(import.meta.url)),
  "fixtures",
  "interceptors_client.cjs",
);

const client = compareWithNode(fixture);

/** The JSON a step printed, on this runtime; it must not have thrown. */
function step(name: string): Record<string, unknown> {
  const seen = client.step(name);
  assert.equal(seen.thrown, undefined, `step "${name}" threw`);
  return seen;
}

function error(name: string): Record<string, unknown> {
  return step(name).error as Record<string, unknown>;
}

test("interceptors: passed-through requests went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("interceptors: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("interceptors: mocked Responses reach http.request as on Node", () => {
  const hello = step("respondWith a Response");
  assert.deepEqual(hello.events, ["socket", "finish", "response", "close", "end", "res close"]);
  assert.deepEqual(
    [hello.status, hello.statusMessage, hello.body],
    [201, "Made", "hello from a Response"],
  );
  assert.deepEqual(hello.rawHeaders, ["X-Mock", "yes", "Content-Type", "text/plain"]);
  const json = step("respondWith JSON and repeated headers");
  assert.deepEqual((json.headers as Record<string, unknown>)["set-cookie"], ["a=1", "b=2"]);
  assert.equal(step("respondWith a streamed body").body, "one,two,three");
  assert.equal(step("respondWith a 204 with no body").status, 204);
});

test("interceptors: the listener reads the request and its body as on Node", () => {
  assert.equal(step("the request body read by the listener").body, '{"got":{"n":42}}');
  const chunked = step("a chunked request body read by the listener");
  assert.equal(chunked.body, "read first,second,third");
  const [first] = chunked.observed as { request: { headers: Record<string, string> } }[];
  assert.equal(first.request.headers["transfer-encoding"], "chunked");
});

test("interceptors: mocked errors and a throwing listener fail as on Node", () => {
  assert.deepEqual(step("errorWith an error").events, ["socket", "error", "close"]);
  assert.deepEqual([error("errorWith an error").code, error("errorWith an error").message], [
    "EMOCK",
    "mocked failure",
  ]);
  assert.equal(error("respondWith Response.error()").message, "Network error");
  const thrown = step("a listener that throws");
  assert.equal(thrown.status, 500);
  assert.deepEqual(thrown.body, { name: "Error", message: "listener broke", stack: "string" });
});

test("interceptors: requests passed through reach the real server as on Node", () => {
  const real = step("passthrough to a real server");
  assert.equal(real.body, '{"hello":"world","list":[1,2,3]}');
  const [, response] = real.observed as { response: { isMockedResponse: boolean } }[];
  assert.equal(response.response.isMockedResponse, false);
  assert.equal(
    step("passthrough request bytes").raw,
    "POST /wire?x=1 HTTP/1.1\r\nX-Case: Kept\r\nContent-Type: text/plain\r\nHost: 127.0.0.1:CAPTURE\r\n" +
      "Connection: close\r\nContent-Length: 14\r\n\r\npassed through",
  );
  assert.match(
    step("passthrough of a chunked body").raw as string,
    /Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n$/,
  );
  // One 'close' only: the passthrough socket shares the real one's handle,
  // whose second close must do nothing, as libuv's.
  assert.deepEqual(step("passthrough to a refused port").events, ["socket", "error", "close"]);
  assert.equal(error("passthrough to a refused port").code, "ECONNREFUSED");
  assert.deepEqual(step("after dispose(), a real request").observed, []);
});

test("interceptors: axios over the interceptor reports what it reports on Node", () => {
  assert.deepEqual(step("axios: a mocked response").data, { via: "axios" });
  assert.deepEqual(step("axios: a POST body read and answered").data, { echoed: { n: 1 } });
  assert.equal(error("axios: a mocked error").code, "ECONNRESET");
});
