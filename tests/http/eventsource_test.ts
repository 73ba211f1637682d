/**
 * eventsource 4.x (the npm client) against a server-sent-events server
 * written with plain `http`: fixtures/eventsource_sse.cjs is bundled by
 * scripts/bundle.mjs and runs on the current runtime, Node runs the same
 * file with its own http. The client is given a fetch made of
 * http.request, so in the bundle both ends are this library's; one step
 * uses the runtime's own fetch against our server (on streams that end:
 * Bun's fetch may lose the last chunk of a dropped one). Every step must come
 * out as on Node: the stream's bytes (headers sent by res.flushHeaders()
 * before any event, chunked events), the events the client sees in order
 * (open, messages with their ids, a named multi-line event, `retry:`, an
 * error and a reconnection after the server ends the stream and after it
 * drops the connection), the Last-Event-ID each reconnection carries,
 * the response closed once the client's close() aborts it (the server's
 * events in order, and a write after that failing), and 204 and
 * wrong-content-type failures, and the server's requestTimeout,
 * keepAliveTimeout and setTimeout() against a stream that waits between
 * events. The program must exit by itself.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode, kOurHandle } from "../_util/client_programs.ts";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "eventsource_sse.cjs");

const program = compareWithNode(fixture, false);
const { step } = program;

test("eventsource: the bundle's client and server sockets are this library's, Node's its own", () => {
  program.assertOurHandles();
  assert.deepEqual(program.runs().node.steps.get("server handles"), { handles: ["TCP"] });
  const [handle] = step("server handles").handles as string[];
  assert.match(handle, kOurHandle);
});

test("eventsource: every step prints what it prints on Node, in the same order", () =>
  program.assertSameSteps((s) => s === "server handles"));

test("eventsource: the stream goes out chunked, its headers flushed before any event", () => {
  assert.equal(
    step("raw bytes of a stream").data,
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n" +
      "Date: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n9\r\n: hello\n\n\r\n11\r\nid: 1\ndata: raw\n\n\r\n0\r\n\r\n",
  );
});

test("eventsource: reconnects with Last-Event-ID after an ended stream and a dropped connection", () => {
  const seen = step("stream ended, dropped, reconnected with Last-Event-ID, closed");
  assert.deepEqual(seen.events, [
    ["open", 1],
    ["message", "one", "1"],
    ["named", "two\nlines", "2"],
    ["error", null, null, 0],
    ["open", 1],
    ["message", "three", "3"],
    ["error", null, "aborted", 0],
    ["open", 1],
    ["message", "last", "4"],
  ]);
  assert.equal(seen.readyState, 2);
  const served = seen.served as { lastEventId: string | null; end: string[] }[];
  assert.deepEqual(served.map((s) => s.lastEventId), [null, "2", "3"]);
  // The last response was never ended by the server: the client's close() closed it.
  assert.deepEqual(served[2].end, ["headersSent true", "close false"]);
});

test("eventsource: the server sees the client's close() as Node's does, and a later write fails", () => {
  assert.deepEqual(step("the server's side of a client's close()").order, [
    "first write done",
    "res close false true",
    "write returned false",
    "socket close",
    "write callback ERR_STREAM_DESTROYED",
    "req close true",
  ]);
});

test("eventsource: the server's timeouts treat a long-lived response as Node's do", () => {
  const whole = [["open", 1], ["message", "before", "1"], ["message", "after", "2"]];
  for (const name of ["requestTimeout", "keepAliveTimeout"]) {
    const seen = step(`${name} does not end a long-lived response`);
    assert.deepEqual([seen.events, seen.order], [whole, ["res close true"]], name);
  }
  const heard = step("server.setTimeout() with a listener: 'timeout', the stream goes on");
  assert.deepEqual([heard.events, heard.order], [whole, ["timeout false", "res close true"]]);
  const unheard = step("server.setTimeout() without a listener destroys the idle stream");
  assert.deepEqual(unheard.events, [
    ["open", 1],
    ["message", "before", "1"],
    ["error", null, "aborted", 0],
  ]);
  assert.deepEqual(unheard.order, ["res close false"]);
});

test("eventsource: 204 and a wrong content type fail the connection for good", () => {
  assert.deepEqual(step("204: failed, not reconnecting").events, [
    ["error", 204, "Server sent HTTP 204, not reconnecting", 2],
  ]);
  assert.deepEqual(step("not text/event-stream: failed").events, [
    ["error", 200, 'Invalid content type, expected "text/event-stream"', 2],
  ]);
});

test("eventsource: the runtime's own fetch gets the same events from this library's server", () => {
  assert.deepEqual(step("the runtime's fetch against this server").lastEventIds, [null, "2", "3"]);
});
