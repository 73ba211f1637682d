import { test } from "node:test";
import assert from "node:assert/strict";
import { HTTPParser, REQUEST, RESPONSE } from "../../_internal/http/parser.ts";
import { BAD_REQUESTS, BAD_RESPONSES } from "../_util/parser_cases.ts";
import { bytes, head, hexOf, run, runAllSplits } from "../_util/parser_harness.ts";

test("HTTPParser rejects malformed requests with llhttp's code, reason and offset", () => {
  for (const [what, input, code, reason, at] of BAD_REQUESTS) {
    const events = runAllSplits(REQUEST, input);
    assert.deepEqual(events.at(-1), ["error", code, reason, at], what);
  }
});

test("HTTPParser rejects malformed responses with llhttp's code, reason and offset", () => {
  for (const [what, input, code, reason, at] of BAD_RESPONSES) {
    const events = runAllSplits(RESPONSE, input);
    assert.deepEqual(events.at(-1), ["error", code, reason, at], what);
  }
});

test("HTTPParser reports bytesParsed relative to the failing call", () => {
  const input = bytes("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n");
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: () => {},
    onMessageComplete: () => {},
  });
  assert.equal(parser.execute(input, 0, 20), 20);
  assert.equal(parser.execute(input, 20, input.length), -1);
  assert.equal(parser.error?.code, "HPE_INVALID_HEADER_TOKEN");
  assert.equal(parser.error?.bytesParsed, 28 - 20);
});

test("HTTPParser ends at an error after an upgrade head instead of failing, as Node does", () => {
  const input =
    "GET / HTTP/1.1\r\nUpgrade: ws\r\nConnection: upgrade\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "1\r\nx\r\nZZ\r\n";
  const events = runAllSplits(REQUEST, input);
  assert.deepEqual(events.slice(1), [["body", hexOf("x")], ["stop", 86]]);
});

test("HTTPParser in lenient mode accepts obs-fold, joining the lines as Node does", () => {
  const input = "GET / HTTP/1.1\r\nA: b\r\n c\r\n\td\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input, { lenient: true }), [
    ["head", head({ method: "GET", url: "/", rawHeaders: ["A", "b c\td"] })],
    ["done", []],
  ]);
});

test("HTTPParser in lenient mode lets Transfer-Encoding win over Content-Length", () => {
  const input = "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "1\r\nx\r\n0\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input, { lenient: true }).slice(1), [
    ["body", hexOf("x")],
    ["done", []],
  ]);
});

test("HTTPParser in lenient mode accepts bare LF line ends and spaces after a chunk size", () => {
  assert.deepEqual(runAllSplits(REQUEST, "GET / HTTP/1.1\nHost: a\n\n", { lenient: true }), [
    ["head", head({ method: "GET", url: "/", rawHeaders: ["Host", "a"] })],
    ["done", []],
  ]);
  const chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, chunked, { lenient: true }).slice(1), [
    ["body", hexOf("x")],
    ["done", []],
  ]);
});

test("HTTPParser in lenient mode keeps control characters in values and odd versions", () => {
  assert.deepEqual(
    run(REQUEST, "GET / HTTP/1.1\r\nA: b\u0001c\r\n\r\n", [], { lenient: true })[0],
    [
      "head",
      head({ method: "GET", url: "/", rawHeaders: ["A", "b\u0001c"] }),
    ],
  );
  assert.deepEqual(run(REQUEST, "GET / HTTP/5.5\r\n\r\n", [], { lenient: true })[0], [
    "head",
    head({ method: "GET", url: "/", versionMajor: 5, versionMinor: 5 }),
  ]);
});

test("HTTPParser in lenient mode keeps spaces before the colon of a special header in its name", () => {
  const input = "GET / HTTP/1.1\r\nContent-Length : 1\r\n\r\nx";
  assert.deepEqual(runAllSplits(REQUEST, input, { lenient: true }), [
    ["head", head({ method: "GET", url: "/", rawHeaders: ["Content-Length ", "1"] })],
    ["body", hexOf("x")],
    ["done", []],
  ]);
});

test("HTTPParser in lenient mode parses past a non-keep-alive message", () => {
  const events = runAllSplits(REQUEST, "GET / HTTP/1.0\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", {
    lenient: true,
  });
  assert.deepEqual(events.map((e) => e[0]), ["head", "done", "head", "done"]);
});

test("HTTPParser in lenient mode reads a request body with a final coding other than chunked to EOF", () => {
  const input = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nrest";
  assert.deepEqual(runAllSplits(REQUEST, input, { lenient: true }).slice(1), [
    ["body", hexOf("rest")],
    ["done", []],
  ]);
});

test("HTTPParser is unusable after a handler throws, until reset()", () => {
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete() {
      throw new Error("boom");
    },
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const data = bytes("GET / HTTP/1.1\r\n\r\n");
  assert.throws(() => parser.execute(data), /boom/);
  assert.equal(parser.execute(data), -1);
  assert.equal(parser.finish(), null);
  parser.reset(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: () => {},
    onMessageComplete: () => {},
  });
  assert.equal(parser.execute(data), data.length);
});
