import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { Buffer } from "node:buffer";
import process from "node:process";
import { setImmediate } from "node:timers";
import { Stream } from "node:stream";
import { inherits } from "node:util";
import {
  kHighWaterMark,
  kNeedDrain,
  kOutHeaders,
  OutgoingMessage,
  parseUniqueHeadersOption,
} from "../../_internal/http/outgoing.ts";
import { ServerResponse } from "../../_internal/http/server_response.ts";
import { exchange, fakeRequest, responseOn, socketPair } from "../_util/response.ts";

const OK_HEAD = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n";
const CHUNKED_HEAD = OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n";

function tick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

test("http.OutgoingMessage is a legacy Stream callable without new and via .call(this)", () => {
  const bare = OutgoingMessage();
  assert.ok(bare instanceof OutgoingMessage);
  assert.ok(bare instanceof Stream);
  assert.ok(bare instanceof EventEmitter);
  assert.equal(Object.getPrototypeOf(OutgoingMessage.prototype), Stream.prototype);
  function Custom(this: OutgoingMessage) {
    OutgoingMessage.call(this);
  }
  inherits(Custom, OutgoingMessage);
  const custom = new (Custom as unknown as new () => OutgoingMessage)();
  assert.ok(custom instanceof OutgoingMessage);
  assert.deepEqual(custom.outputData, []);
  assert.equal(typeof custom.setHeader, "function");
});

test("http.OutgoingMessage starts with Node's field values", () => {
  const msg = new OutgoingMessage();
  assert.deepEqual(msg.outputData, []);
  assert.equal(msg.outputSize, 0);
  assert.equal(msg.writable, true);
  assert.equal(msg.destroyed, false);
  assert.equal(msg._last, false);
  assert.equal(msg.chunkedEncoding, false);
  assert.equal(msg.shouldKeepAlive, true);
  assert.equal(msg.maxRequestsOnConnectionReached, false);
  assert.equal(msg._defaultKeepAlive, true);
  assert.equal(msg.useChunkedEncodingByDefault, true);
  assert.equal(msg.sendDate, false);
  assert.equal(msg._removedConnection, false);
  assert.equal(msg._removedContLen, false);
  assert.equal(msg._removedTE, false);
  assert.equal(msg.strictContentLength, false);
  assert.equal(msg._contentLength, null);
  assert.equal(msg._hasBody, true);
  assert.equal(msg._trailer, "");
  assert.equal(msg.finished, false);
  assert.equal(msg._headerSent, false);
  assert.equal(msg._closed, false);
  assert.equal(msg.socket, null);
  assert.equal(msg.connection, null);
  assert.equal(msg._header, null);
  assert.equal(msg._keepAliveTimeout, 0);
  assert.equal(msg.headersSent, false);
  assert.equal(msg.writableEnded, false);
  assert.equal(msg.writableFinished, false);
  assert.equal(msg.writableCorked, 0);
  assert.equal(msg.writableLength, 0);
  assert.equal(msg.writableObjectMode, false);
  assert.equal(msg.writableNeedDrain, false);
  assert.equal(msg.errored, null);
  assert.equal(msg.closed, false);
  assert.equal(typeof msg.writableHighWaterMark, "number");
  assert.equal(new OutgoingMessage({ highWaterMark: 1024 }).writableHighWaterMark, 1024);
});

test("http.OutgoingMessage.setHeader() stores by lowercase name and keeps the caller's casing", () => {
  const msg = new OutgoingMessage();
  assert.equal(msg.setHeader("Content-Type", "text/plain"), msg);
  msg.setHeader("X-Num", 42);
  msg.setHeader("Set-Cookie", ["a=1", "b=2"]);
  msg.setHeader("content-type", "text/html");
  assert.equal(msg.getHeader("CONTENT-TYPE"), "text/html");
  assert.equal(msg.getHeader("x-num"), 42);
  assert.equal(msg.getHeader("missing"), undefined);
  assert.equal(msg.hasHeader("Set-Cookie"), true);
  assert.equal(msg.hasHeader("nope"), false);
  assert.deepEqual(msg.getHeaderNames(), ["content-type", "x-num", "set-cookie"]);
  assert.deepEqual(msg.getRawHeaderNames(), ["content-type", "X-Num", "Set-Cookie"]);
  const headers = msg.getHeaders();
  assert.equal(Object.getPrototypeOf(headers), null);
  assert.deepEqual({ ...headers }, {
    "content-type": "text/html",
    "x-num": 42,
    "set-cookie": ["a=1", "b=2"],
  });
  assert.deepEqual(msg[kOutHeaders]!["x-num"], ["X-Num", 42]);
  msg.removeHeader("X-NUM");
  assert.equal(msg.hasHeader("x-num"), false);
  assert.deepEqual(msg._renderHeaders(), {
    "content-type": "text/html",
    "Set-Cookie": ["a=1", "b=2"],
  });
});

test("http.OutgoingMessage header names match whatever their case, past any cache of names", () => {
  const msg = new OutgoingMessage();
  // More names, and longer ones, than a cache of lower-cased names keeps.
  const names: string[] = [];
  for (let i = 0; i < 600; i++) names.push(`X-Name-${i}-` + "Ab".repeat(i % 50));
  for (const name of names) msg.setHeader(name, name.length);
  for (const name of names) {
    assert.equal(msg.getHeader(name.toUpperCase()), name.length, name);
    assert.equal(msg.hasHeader(name.toLowerCase()), true, name);
  }
  assert.equal(msg.getHeaderNames().length, 600);
  msg.appendHeader(names[599].toUpperCase(), "more");
  assert.deepEqual(msg.getHeader(names[599]), [names[599].length, "more"]);
  for (const name of names) msg.removeHeader(name.toUpperCase());
  assert.deepEqual(msg.getHeaderNames(), []);
});

test("http.OutgoingMessage.setHeader() rejects bad names and values with Node's errors", () => {
  const msg = new OutgoingMessage();
  assert.throws(() => msg.setHeader("bad name", "x"), {
    name: "TypeError",
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Header name must be a valid HTTP token ["bad name"]',
  });
  assert.throws(() => msg.setHeader("", "x"), { code: "ERR_INVALID_HTTP_TOKEN" });
  assert.throws(() => msg.setHeader("x-a", undefined as unknown as never), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
    message: 'Invalid value "undefined" for header "x-a"',
  });
  assert.throws(() => msg.setHeader("x-a", "a\r\nb"), {
    code: "ERR_INVALID_CHAR",
    message: 'Invalid character in header content ["x-a"]',
  });
  assert.throws(() => msg.appendHeader("x-a", ["ok", "b\n"]), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => msg.getHeader(1 as unknown as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "name" argument must be of type string. Received type number (1)',
  });
  assert.throws(() => msg.hasHeader(null as unknown as never), { code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => msg.removeHeader({} as unknown as never), { code: "ERR_INVALID_ARG_TYPE" });
});

test("http.OutgoingMessage.appendHeader() turns a header into a list of values", () => {
  const msg = new OutgoingMessage();
  assert.equal(msg.appendHeader("X-A", "1"), msg);
  msg.appendHeader("x-a", ["2", "3"]);
  msg.appendHeader("X-A", "4");
  assert.deepEqual(msg.getHeader("x-a"), ["1", "2", "3", "4"]);
  assert.deepEqual(msg.getRawHeaderNames(), ["X-A"]);
});

test("http.OutgoingMessage.setHeaders() takes a Headers or a Map and keeps cookies apart", () => {
  const msg = new OutgoingMessage();
  const headers = new Headers({ "Content-Type": "text/plain" });
  headers.append("Set-Cookie", "a=1");
  headers.append("Set-Cookie", "b=2, c");
  assert.equal(msg.setHeaders(headers), msg);
  assert.equal(msg.getHeader("content-type"), "text/plain");
  assert.deepEqual(msg.getHeader("set-cookie"), ["a=1", "b=2, c"]);
  msg.setHeaders(new Map<string, string | string[]>([["X-A", "1"], ["set-cookie", ["z=9"]]]));
  assert.equal(msg.getHeader("x-a"), "1");
  assert.deepEqual(msg.getHeader("set-cookie"), ["z=9"]);
  assert.throws(() => msg.setHeaders({ a: "1" } as unknown as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "headers" argument must be an instance of Headers or Map. Received an ' +
      "instance of Object",
  });
  assert.throws(() => msg.setHeaders([] as unknown as never), { code: "ERR_INVALID_ARG_TYPE" });
});

test("http.OutgoingMessage header setters throw ERR_HTTP_HEADERS_SENT once the head is built", () => {
  const res = new ServerResponse(fakeRequest());
  res.writeHead(200);
  assert.throws(() => res.setHeader("x-a", "1"), {
    code: "ERR_HTTP_HEADERS_SENT",
    message: "Cannot set headers after they are sent to the client",
  });
  assert.throws(() => res.setHeaders(new Map()), {
    message: "Cannot set headers after they are sent to the client",
  });
  assert.throws(() => res.appendHeader("x-a", "1"), {
    message: "Cannot append headers after they are sent to the client",
  });
  assert.throws(() => res.removeHeader("x-a"), {
    message: "Cannot remove headers after they are sent to the client",
  });
  assert.throws(() => res._renderHeaders(), {
    message: "Cannot render headers after they are sent to the client",
  });
});

test("http.OutgoingMessage without _implicitHeader throws ERR_METHOD_NOT_IMPLEMENTED on write", () => {
  const msg = new OutgoingMessage();
  assert.throws(() => msg.write("x"), {
    code: "ERR_METHOD_NOT_IMPLEMENTED",
    message: "The _implicitHeader() method is not implemented",
  });
});

test("http.OutgoingMessage._headers and _headerNames work behind DEP0066", async () => {
  const warned: { name: string; code?: string }[] = [];
  const onWarning = (w: Error) => warned.push(w);
  process.on("warning", onWarning);
  try {
    const msg = new OutgoingMessage();
    msg.setHeader("X-A", "1");
    assert.deepEqual({ ...msg._headers }, { "x-a": "1" });
    assert.deepEqual({ ...msg._headerNames }, { "x-a": "X-A" });
    msg._headerNames = { "x-a": "x-A" };
    assert.deepEqual(msg.getRawHeaderNames(), ["x-A"]);
    msg._headers = { "X-B": "2" };
    assert.deepEqual(msg.getHeaderNames(), ["x-b"]);
    // process.emitWarning() delivers the event on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(warned.some((w) => w.name === "DeprecationWarning" && w.code === "DEP0066"));
  } finally {
    process.off("warning", onWarning);
  }
});

test("http.OutgoingMessage.pipe() emits ERR_STREAM_CANNOT_PIPE", () => {
  const msg = new OutgoingMessage();
  let error: (Error & { code?: string }) | undefined;
  msg.on("error", (err) => error = err);
  msg.pipe(new Stream.PassThrough());
  assert.equal(error?.code, "ERR_STREAM_CANNOT_PIPE");
  assert.equal(error?.message, "Cannot pipe, not readable");
});

test("http.OutgoingMessage._storeHeader() folds cookies, repeats other lists and validates", () => {
  const msg = new OutgoingMessage();
  msg._storeHeader("GET / HTTP/1.1\r\n", {
    Cookie: ["a=1", "b=2"],
    "Set-Cookie": ["a=1", "b=2"],
    "X-One": ["only"],
    "X-Num": 42,
    "X-Empty": [],
  });
  assert.equal(
    msg._header,
    "GET / HTTP/1.1\r\nCookie: a=1; b=2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-One: only\r\n" +
      "X-Num: 42\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  assert.equal(msg.chunkedEncoding, true);
  assert.throws(
    () => new OutgoingMessage()._storeHeader("X\r\n", { "x-a": "a\nb" }),
    { code: "ERR_INVALID_CHAR" },
  );
  assert.throws(
    () => new OutgoingMessage()._storeHeader("X\r\n", ["a", "1", "b"]),
    { code: "ERR_INVALID_ARG_VALUE" },
  );
  const listed = new OutgoingMessage();
  listed._storeHeader("X\r\n", ["A", "1", "A", "2"]);
  assert.equal(
    listed._header,
    "X\r\nA: 1\r\nA: 2\r\nConnection: keep-alive\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n",
  );
});

test("http.OutgoingMessage._storeHeader() refuses a Trailer header without chunked encoding", () => {
  const msg = new OutgoingMessage();
  msg._contentLength = 3;
  msg.setHeader("Trailer", "X-T");
  msg.setHeader("Content-Length", "3");
  assert.throws(() => msg._storeHeader("X\r\n", msg[kOutHeaders]), {
    code: "ERR_HTTP_TRAILER_INVALID",
    message: "Trailers are invalid with this transfer encoding",
  });
  const chunked = new OutgoingMessage();
  chunked._contentLength = 3;
  chunked.setHeader("Trailer", "X-T");
  chunked._storeHeader("X\r\n", chunked[kOutHeaders]);
  assert.match(chunked._header!, /Transfer-Encoding: chunked\r\n\r\n$/);
});

test("http.OutgoingMessage._storeHeader() writes the head at once for an Expect header", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    res.setHeader("Expect", "100-continue");
    res.writeHead(200);
    assert.equal(res._headerSent, true);
    const head = OK_HEAD.replace("OK\r\n", "OK\r\nExpect: 100-continue\r\n") +
      "Transfer-Encoding: chunked\r\n\r\n";
    assert.equal(await pair.until((t) => t.length >= head.length), head);
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage sends Content-Disposition through latin1 as Node does", async () => {
  const { text } = await exchange((res) => {
    res.setHeader("Content-Disposition", 'attachment; filename="\u00e9.txt"');
    res.end("x", "latin1");
  });
  assert.equal(
    text,
    'HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="\u00fd.txt"\r\n' +
      "Connection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
  );
});

test("http.OutgoingMessage keeps names like __proto__ and constructor as plain headers", async () => {
  const { text, res } = await exchange((res) => {
    res.setHeader("__proto__", "a");
    res.setHeader("Constructor", "b");
    res.setHeader("toString", "c");
    res.setHeader("X-Gone", "d");
    res.removeHeader("x-gone");
    assert.equal(res.getHeader("__proto__"), "a");
    assert.equal(res.getHeader("constructor"), "b");
    assert.equal(res.hasHeader("hasOwnProperty"), false);
    assert.equal(res.getHeader("valueOf"), undefined);
    assert.deepEqual(res.getHeaderNames(), ["__proto__", "constructor", "tostring"]);
    assert.deepEqual(res.getRawHeaderNames(), ["__proto__", "Constructor", "toString"]);
    res.end();
  });
  const headers = res.getHeaders();
  assert.equal(Object.getPrototypeOf(headers), null);
  assert.deepEqual(Object.entries(headers), [["__proto__", "a"], ["constructor", "b"], [
    "tostring",
    "c",
  ]]);
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\n__proto__: a\r\nConstructor: b\r\ntoString: c\r\n" +
      "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n",
  );
});

test("parseUniqueHeadersOption() lowercases names and ignores non-arrays", () => {
  assert.deepEqual(parseUniqueHeadersOption(["X-A", "b"]), new Set(["x-a", "b"]));
  assert.equal(parseUniqueHeadersOption(undefined), null);
  assert.equal(parseUniqueHeadersOption("x-a"), null);
  assert.throws(() => parseUniqueHeadersOption([1]), { code: "ERR_INVALID_ARG_TYPE" });
});

test("http.OutgoingMessage.write() rejects null and non-byte chunks by throwing", () => {
  const res = new ServerResponse(fakeRequest());
  assert.throws(() => res.write(null as unknown as never), {
    code: "ERR_STREAM_NULL_VALUES",
    message: "May not write null values to stream",
  });
  assert.throws(() => res.write(1 as unknown as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "chunk" argument must be of type string or an instance of Buffer or ' +
      "Uint8Array. Received type number (1)",
  });
  assert.throws(() => res.end({} as unknown as never), { code: "ERR_INVALID_ARG_TYPE" });
});

test("http.OutgoingMessage.write() after end() emits ERR_STREAM_WRITE_AFTER_END on nextTick", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    // events.once() would reject on the 'error' events this test provokes.
    const finished = new Promise((resolve) => res.once("finish", resolve));
    res.end("x");
    const errors: Error[] = [];
    res.on("error", (err) => errors.push(err));
    let cbErr: Error | null | undefined;
    assert.equal(res.write("y", (err) => cbErr = err), false);
    assert.equal(errors.length, 0);
    await tick();
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error & { code: string }).code, "ERR_STREAM_WRITE_AFTER_END");
    assert.equal(errors[0].message, "write after end");
    assert.equal(cbErr, errors[0]);
    res.end("z");
    await tick();
    assert.equal(errors.length, 2);
    await finished;
    assert.equal(await pair.finish(), OK_HEAD + "Content-Length: 1\r\n\r\nx");
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage.end() after 'finish' calls back with ERR_STREAM_ALREADY_FINISHED", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    const order: string[] = [];
    res.on("prefinish", () => order.push("prefinish"));
    res.on("finish", () => order.push("finish"));
    res.end("x", () => order.push("end callback"));
    assert.equal(res.writableEnded, true);
    assert.equal(res.finished, true);
    let pending: Error | null | undefined = null;
    res.end(() => pending = undefined);
    await once(res, "finish");
    assert.deepEqual(order, ["prefinish", "finish", "end callback"]);
    assert.equal(pending, undefined);
    assert.equal(res.writableFinished, true);
    let late: (Error & { code?: string }) | undefined;
    res.end((err?: Error | null) => late = err ?? undefined);
    assert.equal(late?.code, "ERR_STREAM_ALREADY_FINISHED");
    assert.equal(late?.message, "Cannot call end after a stream was finished");
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage frames chunked writes and sends trailers after the last chunk", async () => {
  const { text } = await exchange((res) => {
    res.setHeader("Trailer", "X-T");
    res.write("x");
    res.addTrailers({ "X-T": "\u00e9", "X-U": ["1", "2"] });
    res.end("yz");
  });
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nTrailer: X-T\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n" +
      "\r\n1\r\nx\r\n2\r\nyz\r\n0\r\nX-T: \u00e9\r\nX-U: 1\r\nX-U: 2\r\n\r\n",
  );
  const listed = await exchange((res) => {
    res.write(Buffer.from("x"));
    res.addTrailers([["X-A", "1"], ["X-B", "2"]]);
    res.end();
  });
  assert.equal(listed.text, CHUNKED_HEAD + "1\r\nx\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n");
});

test("http.OutgoingMessage.addTrailers() validates names and values", () => {
  const msg = new OutgoingMessage();
  assert.throws(() => msg.addTrailers({ "bad name": "1" }), {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Trailer name must be a valid HTTP token ["bad name"]',
  });
  assert.throws(() => msg.addTrailers({ "x-a": "1\r\n" }), {
    code: "ERR_INVALID_CHAR",
    message: 'Invalid character in trailer content ["x-a"]',
  });
  assert.throws(() => msg.addTrailers({ "x-a": ["1", "2\n"] }), { code: "ERR_INVALID_CHAR" });
});

test("http.OutgoingMessage sends empty writes as no chunk and still ends the body", async () => {
  const { text } = await exchange((res) => {
    res.write("");
    res.write(Buffer.alloc(0));
    res.end(Buffer.alloc(0));
  });
  assert.equal(text, CHUNKED_HEAD + "0\r\n\r\n");
});

test("http.OutgoingMessage sends the head and the chunks of one tick in one socket write", async () => {
  const { text, writes } = await exchange((res) => {
    res.write("a");
    res.write(Buffer.from("b"));
    res.end();
  });
  assert.equal(text, CHUNKED_HEAD + "1\r\na\r\n1\r\nb\r\n0\r\n\r\n");
  assert.equal(writes.length, 1);
  const buffered = await exchange((res) => res.end(Buffer.from("xyz")));
  assert.equal(buffered.text, OK_HEAD + "Content-Length: 3\r\n\r\nxyz");
  assert.equal(buffered.writes.length, 1);
});

test("http.OutgoingMessage.cork() merges chunked writes into one chunk until uncork()", async () => {
  const { text } = await exchange((res) => {
    res.cork();
    res.write("a");
    res.write("bb");
    res.write("c");
    assert.equal(res.writableCorked, 1);
    res.uncork();
    assert.equal(res.writableCorked, 0);
    res.end();
  });
  assert.equal(text, CHUNKED_HEAD + "1\r\na\r\n3\r\nbbc\r\n0\r\n\r\n");
  const ended = await exchange((res) => {
    res.cork();
    res.write("a");
    res.write("bb");
    res.end("c");
  });
  assert.equal(ended.text, CHUNKED_HEAD + "1\r\na\r\n3\r\nbbc\r\n0\r\n\r\n");
});

test("http.OutgoingMessage.flushHeaders() sends the head before any body", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    res.flushHeaders();
    assert.equal(res.headersSent, true);
    assert.equal(await pair.until((t) => t.length >= CHUNKED_HEAD.length), CHUNKED_HEAD);
    res.write("a");
    res.end();
    await once(res, "finish");
    assert.equal(await pair.finish(), CHUNKED_HEAD + "1\r\na\r\n0\r\n\r\n");
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage queues writes until a socket is assigned, then emits 'drain'", async () => {
  const pair = await socketPair();
  try {
    const res = new ServerResponse(fakeRequest(), { highWaterMark: 256 });
    res.sendDate = false;
    const pending: number[] = [];
    res._onPendingData = (delta) => pending.push(delta);
    assert.equal(res.write("x".repeat(10)), true);
    assert.equal(res.writableNeedDrain, false);
    assert.equal(res.write("y".repeat(300)), false);
    assert.equal(res.writableNeedDrain, true);
    assert.equal(res[kNeedDrain], true);
    assert.equal(res.outputSize > 256, true);
    assert.equal(res.writableLength, res.outputSize);
    const drained = once(res, "drain");
    res.assignSocket(pair.socket);
    await drained;
    assert.equal(res.outputSize, 0);
    assert.equal(pending.reduce((a, b) => a + b, 0), 0);
    res.end();
    await once(res, "finish");
    assert.equal(
      await pair.finish(),
      CHUNKED_HEAD + "a\r\n" + "x".repeat(10) + "\r\n12c\r\n" + "y".repeat(300) + "\r\n0\r\n\r\n",
    );
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage.write() returns false past the socket's high-water mark", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    assert.equal(res.writableHighWaterMark, pair.socket.writableHighWaterMark);
    assert.notEqual(res[kHighWaterMark], 0);
    const big = Buffer.alloc(pair.socket.writableHighWaterMark * 4, 0x61);
    assert.equal(res.write(big), false);
    assert.equal(res.writableNeedDrain, true);
    assert.equal(res.writableLength > 0, true);
    // The server relays the socket's 'drain' to its current response.
    pair.socket.on("drain", () => {
      if (res[kNeedDrain]) {
        res[kNeedDrain] = false;
        res.emit("drain");
      }
    });
    const drained = once(res, "drain");
    const total = CHUNKED_HEAD.length + big.length.toString(16).length + 2 + big.length + 2;
    await pair.until((t) => t.length >= total);
    await drained;
    assert.equal(res.writableNeedDrain, false);
    res.end();
    await once(res, "finish");
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage with strictContentLength throws on a length mismatch", async () => {
  const over = new ServerResponse(fakeRequest());
  over.strictContentLength = true;
  over.setHeader("Content-Length", 2);
  over.write("a");
  assert.throws(() => over.write("bc"), {
    code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
    message: "Response body's content-length of 3 byte(s) does not match the content-length " +
      "of 2 byte(s) set in header",
  });
  const under = new ServerResponse(fakeRequest());
  under.strictContentLength = true;
  under.setHeader("Content-Length", 3);
  under.write("a");
  assert.throws(() => under.end("b"), { code: "ERR_HTTP_CONTENT_LENGTH_MISMATCH" });
  const short = new ServerResponse(fakeRequest());
  short.strictContentLength = true;
  short.setHeader("Content-Length", 10);
  let finished = false;
  short.on("finish", () => finished = true);
  assert.throws(() => short.end("abc"), {
    message: "Response body's content-length of 3 byte(s) does not match the content-length " +
      "of 10 byte(s) set in header",
  });
  assert.equal(short.finished, false);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(finished, false);
  const { text } = await exchange((res) => {
    res.strictContentLength = true;
    res.setHeader("Content-Length", 3);
    res.write("ab");
    res.end("c");
  });
  assert.equal(text, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc");
});

test("http.OutgoingMessage.setTimeout() applies to the socket, now or once assigned", async () => {
  const pair = await socketPair();
  try {
    const res = new ServerResponse(fakeRequest());
    const onTimeout = () => {};
    assert.equal(res.setTimeout(1234, onTimeout), res);
    assert.equal(res.listeners("timeout").includes(onTimeout), true);
    res.assignSocket(pair.socket);
    assert.equal(pair.socket.timeout, 1234);
    res.setTimeout(0);
    assert.equal(pair.socket.timeout, 0);
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage.destroy() destroys the socket with the error, now or once assigned", async () => {
  const pair = await socketPair();
  try {
    const res = new ServerResponse(fakeRequest());
    const boom = new Error("boom");
    assert.equal(res.destroy(boom), res);
    assert.equal(res.destroyed, true);
    assert.equal(res.errored, boom);
    assert.equal(res.write("x"), false);
    const errored = once(pair.socket, "error");
    res.assignSocket(pair.socket);
    assert.equal((await errored)[0], boom);
    assert.equal(pair.socket.destroyed, true);
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage destroys itself when a listener rejects (captureRejections)", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    const boom = new Error("async boom");
    res[EventEmitter.captureRejectionSymbol](boom, "finish");
    assert.equal(res.destroyed, true);
    assert.equal(res.errored, boom);
    assert.equal(pair.socket.destroyed, true);
  } finally {
    await pair.close();
  }
});

test("http.OutgoingMessage.write() callbacks run once the bytes reach the socket", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    const order: string[] = [];
    res.write("a", () => order.push("a"));
    res.write(Buffer.from("b"), () => order.push("b"));
    res.end("c", () => order.push("end"));
    await once(res, "finish");
    await tick();
    assert.deepEqual(order, ["a", "b", "end"]);
    assert.equal(await pair.finish(), CHUNKED_HEAD + "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n");
  } finally {
    await pair.close();
  }
});
