/**
 * nock 14, unchanged, over this library: fixtures/nock_client.cjs is bundled
 * by scripts/bundle.mjs, so that nock, the @mswjs/interceptors it is built
 * on and axios get this library's `http` (whose `request`, `get` and
 * `ClientRequest` the interceptor replaces, and whose `ClientRequest`,
 * `IncomingMessage`, `ServerResponse` and `net.Socket` it builds its mock
 * exchange from), and runs on the current runtime; Node runs the same file
 * with its own http. Every step must come out as on Node: replies (strings,
 * JSON, Buffers, streams, functions, callbacks) with their status, headers
 * and body, the request's and response's events in order, `.delay()` and
 * `.delayConnection()` against the request's `timeout`, `replyWithError()`,
 * persisted scopes, `pendingMocks()`/`isDone()`, request bodies matched
 * (JSON, urlencoded, a function, chunked), `abort()`/`destroy()` of mocked
 * requests and responses, disallowed hosts, `enableNetConnect()` passing
 * requests through to a real server (the bytes it receives), the recorder,
 * `restore()`, axios over nock, and an https URL (the bundle leaves `https`
 * to the runtime: its request then runs over the interceptor's mock socket,
 * which is this library's `net.Socket`). Both programs must exit by
 * themselves.
 *
 * What legitimately differs is masked in the fixture: ports, Date headers;
 * the "handles" step names the socket handle of requests that reached a
 * real server (TCP on Node, ours here).
 *
 * The interceptor parses the request and response bytes with the runtime's
 * own `_http_common.HTTPParser` (required by name, so the bundle leaves it
 * to Deno's and Bun's Node compatibility); it only observes the bytes this
 * library writes and reads, so its answer is checked here through what the
 * program sees.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "nock_client.cjs");

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

const replied = ["socket", "finish", "response", "close", "end", "res close"];

test("nock: real requests went through this library's sockets, Node's through its own", () =>
  client.assertOurHandles());

test("nock: every step prints what it prints on Node, in the same order", () =>
  client.assertSameSteps());

test("nock: replies reach http.request/http.get with their status, headers, body and events", () => {
  const text = step("reply with a string and headers");
  assert.deepEqual(text.events, replied);
  assert.deepEqual(text.rawHeaders, ["X-A", "b", "Set-Cookie", "a=1", "Set-Cookie", "b=2"]);
  assert.deepEqual([text.body, text.isDone], ["hello", true]);
  assert.equal(step("reply with JSON").body, '{"ok":true,"list":[1,2]}');
  assert.equal(step("reply with a Buffer").body, "AAEC+v8=");
  assert.equal(step("reply with a stream").body, "one,two,three");
  assert.equal(
    step("reply with a function of the request").body,
    '{"uri":"/fn","body":"payload","header":"v"}',
  );
  assert.deepEqual([
    step("reply with an async callback").status,
    step("reply with an async callback").body,
  ], [
    203,
    "cb /cb",
  ]);
  assert.equal(step("reply with a status only").status, 204);
  assert.deepEqual(step("an https URL mocked").body, "secure");
  assert.equal(step("request headers matched").body, "authorized");
  assert.equal(error("request headers not matched").code, "ERR_NOCK_NO_MATCH");
  assert.equal(step("recorded definitions replayed").body, '{"replayed":true}');
});

test("nock: delays fire the request's timeout, and errors reach 'error', as on Node", () => {
  for (
    const name of [
      "delay beyond the request's timeout",
      "delayConnection beyond the request's timeout",
    ]
  ) {
    assert.deepEqual(step(name).events, ["socket", "timeout", "error", "close"]);
  }
  assert.equal(error("delay beyond the request's timeout").message, "socket hang up");
  assert.equal(error("delayConnection beyond the request's timeout").message, "gave up");
  assert.equal(step("delay within the request's timeout").body, "in time");
  assert.equal(step("delayBody").body, "body later");
  assert.equal(error("replyWithError, a message").message, "something awful");
  assert.deepEqual(
    [
      error("replyWithError, a Node-like error").code,
      error("replyWithError, a Node-like error").message,
    ],
    ["ECONNRESET", "reset by mock"],
  );
  assert.equal(error("no match").code, "ERR_NOCK_NO_MATCH");
  assert.equal(error("a host not allowed").code, "ENETUNREACH");
});

test("nock: scopes, pending mocks and request bodies match as on Node", () => {
  assert.deepEqual(step("persisted scope").bodies, ["again", "again", "again"]);
  const { before, middle, after } = step("pendingMocks and isDone") as Record<
    string,
    { pending: string[]; isDone: boolean }
  >;
  assert.equal(before.pending.length, 2);
  assert.deepEqual(middle.pending, ["GET http://mocked.test:80/two"]);
  assert.equal(after.isDone, true);
  assert.equal(step("JSON request body matched").body, "json matched");
  assert.equal(error("JSON request body not matched").code, "ERR_NOCK_NO_MATCH");
  assert.deepEqual(step("request body matched by a function").bodies, [{ n: 3 }]);
  assert.deepEqual(step("chunked request body").received, {
    body: "first,second,third",
    te: "chunked",
  });
  assert.equal(step("urlencoded body matched").body, "form matched");
});

test("nock: mocked requests' sockets emit Node's events, through a keep-alive agent too", () => {
  const { runs } = step("socket events of mocked requests, through a keep-alive agent") as {
    runs: { events: string[]; reused: boolean }[];
  };
  assert.deepEqual(runs.map((r) => r.reused), [false, false, false]);
  assert.deepEqual(runs[0].events.slice(0, 4), [
    "socket",
    "socket lookup ,127.0.0.1,4,mocked.test",
    "socket connect",
    "socket ready",
  ]);
});

test("nock: abort() and destroy() of mocked requests and responses emit Node's events", () => {
  assert.deepEqual(step("abort() a mocked request").events, ["socket", "abort", "error", "close"]);
  assert.deepEqual(step("destroy() a mocked request").events, ["error", "close"]);
  assert.deepEqual(step("destroy() a mocked response mid-body").events, [
    "data a",
    "res close",
    "req close",
  ]);
});

test("nock: requests passed through, recorded and made after restore() reach the real server as on Node", () => {
  assert.equal(
    step("enableNetConnect passes through to a real server").body,
    '{"hello":"world","list":[1,2,3]}',
  );
  assert.equal(
    step("passthrough request bytes").raw,
    "POST /wire?x=1 HTTP/1.1\r\nX-Case: Kept\r\nContent-Type: text/plain\r\nHost: 127.0.0.1:CAPTURE\r\n" +
      "Connection: close\r\nContent-Length: 14\r\n\r\npassed through",
  );
  assert.match(
    step("passthrough chunked request bytes").raw as string,
    /Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n$/,
  );
  assert.equal(step("a mocked host beside an allowed one").body, "mocked instead");
  const recorded = step("recorder against a real server").recorded as { path: string }[];
  assert.deepEqual(recorded.map((r) => r.path), ["/json", "/echo"]);
  assert.equal(
    step("after restore(), a real request").raw,
    "GET /restored HTTP/1.1\r\nHost: 127.0.0.1:CAPTURE\r\nConnection: close\r\n\r\n",
  );
  assert.equal(step("after restore(), a real request with http.get").body, "plain text");
});

test("nock: axios over nock reports what it reports on Node", () => {
  assert.deepEqual(step("axios: a mocked JSON reply").data, { via: "axios" });
  assert.deepEqual(step("axios: a POST body matched").data, { echoed: { n: 1 } });
  assert.equal(error("axios: a 404").code, "ERR_BAD_REQUEST");
  assert.equal(error("axios: replyWithError").code, "ECONNREFUSED");
  assert.equal(error("axios: a delay beyond its timeout").code, "ECONNABORTED");
  assert.equal(step("axios: a gzip reply decompressed").data, "zipped text");
});
