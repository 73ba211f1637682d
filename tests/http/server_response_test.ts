import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import process from "node:process";
import { setImmediate } from "node:timers";
import { inherits } from "node:util";
import { emitResponseClose, ServerResponse } from "../../_internal/http/server_response.ts";
import {
  kUniqueHeaders,
  OutgoingMessage,
  parseUniqueHeadersOption,
} from "../../_internal/http/outgoing.ts";
import { exchange, fakeRequest, responseOn, socketPair } from "../_util/response.ts";

const OK_HEAD = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n";

test("http.ServerResponse is callable without new and inheritable with .call(this)", () => {
  const req = fakeRequest();
  const bare = ServerResponse(req);
  assert.ok(bare instanceof ServerResponse);
  assert.ok(bare instanceof OutgoingMessage);
  function MyResponse(this: ServerResponse, r: typeof req) {
    ServerResponse.call(this, r);
  }
  inherits(MyResponse, ServerResponse);
  const mine = new (MyResponse as unknown as typeof ServerResponse)(req);
  assert.ok(mine instanceof ServerResponse);
  assert.equal(mine.req, req);
  assert.equal(mine.statusCode, 200);
  assert.equal(typeof mine.writeHead, "function");
});

test("http.ServerResponse starts with Node's defaults", () => {
  const req = fakeRequest();
  const res = new ServerResponse(req);
  assert.equal(res.statusCode, 200);
  assert.equal(res.statusMessage, undefined);
  assert.equal(Object.hasOwn(res, "statusCode"), false);
  assert.equal(res.sendDate, true);
  assert.equal(res.req, req);
  assert.equal(res._sent100, false);
  assert.equal(res._expect_continue, false);
  assert.equal(res._hasBody, true);
  assert.equal(res.useChunkedEncodingByDefault, true);
  assert.equal(res.shouldKeepAlive, true);
  assert.equal(res.socket, null);
  assert.equal(res.headersSent, false);
  assert.equal(res.finished, false);
  assert.equal(res.writableEnded, false);
});

test("http.ServerResponse takes HEAD and HTTP/1.0 rules from the request", () => {
  assert.equal(new ServerResponse(fakeRequest({ method: "HEAD" }))._hasBody, false);
  const old = new ServerResponse(fakeRequest({ httpVersionMinor: 0 }));
  assert.equal(old.useChunkedEncodingByDefault, false);
  assert.equal(old.shouldKeepAlive, false);
  const te = new ServerResponse(fakeRequest({ httpVersionMinor: 0, headers: { te: "chunked" } }));
  assert.equal(te.useChunkedEncodingByDefault, true);
  assert.equal(te.shouldKeepAlive, false);
});

test("http.ServerResponse.end() sends head and body in one socket write with Content-Length", async () => {
  const { text, writes, res } = await exchange((res) => res.end("hello"));
  assert.equal(text, OK_HEAD + "Content-Length: 5\r\n\r\nhello");
  assert.equal(writes.length, 1);
  assert.equal(writes[0].toString("latin1"), text);
  assert.equal(res.finished, true);
  assert.equal(res.writableFinished, true);
  assert.equal(res._last, false);
});

test("http.ServerResponse.end() without data sends Content-Length: 0", async () => {
  const { text, writes } = await exchange((res) => res.end());
  assert.equal(text, OK_HEAD + "Content-Length: 0\r\n\r\n");
  assert.equal(writes.length, 1);
});

test("http.ServerResponse's Date header follows the wall clock across a second", async () => {
  // Responses one after another, each in turns of its own, until the
  // wall-clock second has changed: the cached value must follow it.
  const seconds = new Set<number>();
  const deadline = Date.now() + 2500;
  while (seconds.size < 2 && Date.now() < deadline) {
    const before = Math.floor(Date.now() / 1000);
    const { text } = await exchange((res) => {
      res.sendDate = true;
      res.end();
    });
    const after = Math.floor(Date.now() / 1000);
    const sent = Date.parse(/\r\nDate: ([^\r]+)\r\n/.exec(text)![1]) / 1000;
    assert.ok(sent >= before && sent <= after, `${sent} within [${before}, ${after}]`);
    seconds.add(sent);
  }
  assert.equal(seconds.size, 2, "the responses spanned a change of second");
});

test("http.ServerResponse adds an IMF-fixdate Date header unless told otherwise", async () => {
  const dated = await exchange((res) => {
    res.sendDate = true;
    res.end();
  });
  assert.match(
    dated.text,
    /^HTTP\/1\.1 200 OK\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r\nConnection: keep-alive\r\n/,
  );
  const own = await exchange((res) => {
    res.sendDate = true;
    res.setHeader("Date", "x");
    res.end();
  });
  assert.equal(
    own.text,
    "HTTP/1.1 200 OK\r\nDate: x\r\n" + "Connection: keep-alive\r\n" +
      "Content-Length: 0\r\n\r\n",
  );
  const removed = await exchange((res) => {
    res.sendDate = true;
    res.removeHeader("date");
    res.end();
  });
  assert.equal(removed.res.sendDate, false);
  assert.doesNotMatch(removed.text, /Date:/);
});

test("http.ServerResponse streams chunked when write() comes before end()", async () => {
  const { text } = await exchange((res) => {
    res.write("a");
    res.write(new Uint8Array([0x62, 0x63]));
    res.end("d");
  });
  assert.equal(
    text,
    OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n1\r\nd\r\n0\r\n\r\n",
  );
});

test("http.ServerResponse honours chunk encodings such as hex and base64", async () => {
  const hex = await exchange((res) => {
    res.write("6869", "hex");
    res.end("6a", "hex");
  });
  assert.equal(
    hex.text,
    OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n1\r\nj\r\n0\r\n\r\n",
  );
  const b64 = await exchange((res) => res.end("aGk=", "base64"));
  assert.equal(b64.text, OK_HEAD + "Content-Length: 2\r\n\r\nhi");
});

test("http.ServerResponse answers HTTP/1.0 with a close-delimited body", async () => {
  const one = await exchange((res) => res.end("hi"), { httpVersionMinor: 0 });
  assert.equal(one.text, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhi");
  assert.equal(one.res._last, true);
  const streamed = await exchange((res) => {
    res.write("hi");
    res.end("!");
  }, { httpVersionMinor: 0 });
  assert.equal(streamed.text, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhi!");
  const chunked = await exchange((res) => {
    res.write("hi");
    res.end("!");
  }, { httpVersionMinor: 0, headers: { te: "chunked" } });
  assert.equal(
    chunked.text,
    "HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "2\r\nhi\r\n1\r\n!\r\n0\r\n\r\n",
  );
});

test("http.ServerResponse sends no body for HEAD, 204, 304 and 1xx", async () => {
  const head = await exchange((res) => res.end("body"), { method: "HEAD" });
  assert.equal(head.text, OK_HEAD + "\r\n");
  const s204 = await exchange((res) => {
    res.statusCode = 204;
    res.end("nope");
  });
  assert.equal(s204.text, "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
  const s304 = await exchange((res) => {
    res.writeHead(304);
    res.write("x");
    res.end();
  });
  assert.equal(s304.text, "HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\n\r\n");
  const s101 = await exchange((res) => {
    res.writeHead(101, { Upgrade: "x" });
    res.end();
  });
  assert.equal(
    s101.text,
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: keep-alive\r\n\r\n",
  );
});

test("http.ServerResponse closes a 204 that asked for chunked encoding instead of chunking", async () => {
  const { text, res } = await exchange((res) => {
    res.writeHead(204, { "Transfer-Encoding": "chunked" });
    res.end();
  });
  assert.equal(
    text,
    "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
  );
  assert.equal(res.chunkedEncoding, false);
  assert.equal(res.shouldKeepAlive, false);
  assert.equal(res._last, true);
});

test("http.ServerResponse ignores body writes when there is no body, calling back on nextTick", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair, { method: "HEAD" });
    let called = false;
    assert.equal(res.write("x", () => called = true), true);
    assert.equal(called, false);
    await new Promise((resolve) => process.nextTick(resolve));
    assert.equal(called, true);
    res.end();
    await once(res, "finish");
    assert.equal(await pair.finish(), OK_HEAD + "\r\n");
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse throws ERR_HTTP_BODY_NOT_ALLOWED with rejectNonStandardBodyWrites", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair, { method: "HEAD" }, { rejectNonStandardBodyWrites: true });
    assert.throws(() => res.write("x"), {
      code: "ERR_HTTP_BODY_NOT_ALLOWED",
      message: "Adding content for this request method or response status is not allowed.",
    });
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse sends Keep-Alive timeout and max from the server's settings", async () => {
  const plain = await exchange((res) => {
    res._keepAliveTimeout = 5000;
    res.end("k");
  });
  assert.equal(
    plain.text,
    OK_HEAD + "Keep-Alive: timeout=5\r\nContent-Length: 1\r\n\r\nk",
  );
  const max = await exchange((res) => {
    res._keepAliveTimeout = 65500;
    res._maxRequestsPerSocket = 3;
    res.end("k");
  });
  assert.equal(
    max.text,
    OK_HEAD + "Keep-Alive: timeout=65, max=3\r\nContent-Length: 1\r\n\r\nk",
  );
  const own = await exchange((res) => {
    res._keepAliveTimeout = 5000;
    res.setHeader("Keep-Alive", "timeout=9");
    res.end("k");
  });
  assert.equal(
    own.text,
    "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=9\r\nConnection: keep-alive\r\n" +
      "Content-Length: 1\r\n\r\nk",
  );
});

test("http.ServerResponse says Connection: close on the last request allowed per socket", async () => {
  const { text, res } = await exchange((res) => {
    res._keepAliveTimeout = 5000;
    res.maxRequestsOnConnectionReached = true;
    res.end("k");
  });
  assert.equal(text, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nk");
  assert.equal(res._last, false);
});

test("http.ServerResponse follows a user Connection header or its removal", async () => {
  const closing = await exchange((res) => {
    res.setHeader("Connection", "close");
    res.end("k");
  });
  assert.equal(closing.text, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nk");
  assert.equal(closing.res._last, true);
  const removed = await exchange((res) => {
    res.removeHeader("connection");
    res.end("k");
  });
  assert.equal(removed.text, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk");
  assert.equal(removed.res._last, false);
  const removed10 = await exchange((res) => {
    res.removeHeader("connection");
    res.end("k");
  }, { httpVersionMinor: 0 });
  assert.equal(removed10.res._last, true);
});

test("http.ServerResponse closes after a body with neither Content-Length nor chunking", async () => {
  const { text, res } = await exchange((res) => {
    res.removeHeader("content-length");
    res.removeHeader("transfer-encoding");
    res.write("a");
    res.end("b");
  });
  assert.equal(text, OK_HEAD + "\r\nab");
  assert.equal(res._last, true);
  const chunked = await exchange((res) => {
    res.removeHeader("Content-Length");
    res.end("abc");
  });
  assert.equal(chunked.text, OK_HEAD + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
});

test("http.ServerResponse keeps the user's Content-Length or Transfer-Encoding", async () => {
  const cl = await exchange((res) => {
    res.setHeader("Content-Length", "3");
    res.write("a");
    res.end("bc");
  });
  assert.equal(
    cl.text,
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
  );
  const te = await exchange((res) => {
    res.setHeader("Transfer-Encoding", "gzip, chunked");
    res.write("a");
    res.end("bc");
  });
  assert.equal(
    te.text,
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: keep-alive\r\n\r\n" +
      "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n",
  );
});

test("http.ServerResponse.writeHead() takes a status, a message and headers in Node's forms", async () => {
  const obj = await exchange((res) => {
    res.writeHead(200, "Yes", { "Content-Length": 2, "X-Y": ["a", "b"] });
    res.end("ok");
  });
  assert.equal(
    obj.text,
    "HTTP/1.1 200 Yes\r\nContent-Length: 2\r\nX-Y: a\r\nX-Y: b\r\nConnection: keep-alive\r\n\r\nok",
  );
  const flat = await exchange((res) => {
    res.writeHead(200, ["X-A", "2", "X-A", "3"]);
    res.end();
  });
  assert.equal(
    flat.text,
    "HTTP/1.1 200 OK\r\nX-A: 2\r\nX-A: 3\r\nConnection: keep-alive\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
  const pairs = await exchange((res) => {
    res.writeHead(202, [["X-A", "1"], ["X-B", ["2", "3"]]]);
    res.end();
  });
  assert.equal(
    pairs.text,
    "HTTP/1.1 202 Accepted\r\nX-A: 1\r\nX-B: 2\r\nX-B: 3\r\nConnection: keep-alive\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
  const custom = await exchange((res) => {
    res.statusMessage = "Custom";
    res.statusCode = 418;
    res.end();
  });
  assert.equal(
    custom.text,
    "HTTP/1.1 418 Custom\r\n" + "Connection: keep-alive\r\n" +
      "Content-Length: 0\r\n\r\n",
  );
  const unknown = await exchange((res) => {
    res.writeHead(599);
    res.end();
  });
  assert.match(unknown.text, /^HTTP\/1\.1 599 unknown\r\n/);
  assert.equal(unknown.res.statusCode, 599);
  assert.equal(unknown.res.statusMessage, "unknown");
});

test("http.ServerResponse.writeHead() merges its headers into those already set", async () => {
  const obj = await exchange((res) => {
    res.setHeader("X-A", "1");
    res.setHeader("X-B", "1");
    res.writeHead(201, { "x-a": "2", "X-C": "3" });
    assert.equal(res.getHeader("X-A"), "2");
    res.end();
  });
  assert.equal(
    obj.text,
    "HTTP/1.1 201 Created\r\nx-a: 2\r\nX-B: 1\r\nX-C: 3\r\nConnection: keep-alive\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
  const flat = await exchange((res) => {
    res.setHeader("X-A", "1");
    res.writeHead(200, "Fine", ["X-A", "2", "X-A", "3", "X-D", "4"]);
    res.end();
  });
  assert.equal(
    flat.text,
    "HTTP/1.1 200 Fine\r\nX-A: 2\r\nX-A: 3\r\nX-D: 4\r\nConnection: keep-alive\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
});

test("http.ServerResponse.writeHead() rejects bad status codes, messages and repeats", () => {
  const res = new ServerResponse(fakeRequest());
  assert.throws(() => res.writeHead(99), {
    name: "RangeError",
    code: "ERR_HTTP_INVALID_STATUS_CODE",
    message: "Invalid status code: 99",
  });
  assert.throws(() => res.writeHead(1000), { message: "Invalid status code: 1000" });
  assert.throws(() => res.writeHead("abc" as unknown as never), {
    message: "Invalid status code: abc",
  });
  // Node formats the code as util.format's %s does: objects are inspected.
  for (
    const [code, shown] of [[{}, "{}"], [[], "[]"], [null, "null"], [-0, "-0"], [NaN, "NaN"]]
  ) {
    assert.throws(() => res.writeHead(code as unknown as never), {
      code: "ERR_HTTP_INVALID_STATUS_CODE",
      message: `Invalid status code: ${shown}`,
    });
  }
  assert.throws(() => res.writeHead(200, "bad\r\nX: y"), {
    name: "TypeError",
    code: "ERR_INVALID_CHAR",
    message: "Invalid character in statusMessage",
  });
  const odd = new ServerResponse(fakeRequest());
  odd.setHeader("X-A", "1");
  assert.throws(() => odd.writeHead(200, ["X-A"]), { code: "ERR_INVALID_ARG_VALUE" });
  const flatOdd = new ServerResponse(fakeRequest());
  assert.throws(() => flatOdd.writeHead(200, ["X-A", "1", "X-B"]), {
    code: "ERR_INVALID_ARG_VALUE",
  });
  const badName = new ServerResponse(fakeRequest());
  assert.throws(() => badName.writeHead(200, { "bad name": "1" }), {
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Header name must be a valid HTTP token ["bad name"]',
  });
  const twice = new ServerResponse(fakeRequest());
  twice.writeHead(200);
  assert.equal(twice.headersSent, true);
  assert.throws(() => twice.writeHead(200), {
    code: "ERR_HTTP_HEADERS_SENT",
    message: "Cannot write headers after they are sent to the client",
  });
});

test("http.ServerResponse.writeHeader() is writeHead() behind DEP0063", async () => {
  const warned: { name: string; code?: string }[] = [];
  const onWarning = (w: Error) => warned.push(w);
  process.on("warning", onWarning);
  try {
    const res = new ServerResponse(fakeRequest());
    res.writeHeader(201, { "X-A": "1" });
    assert.equal(res.statusCode, 201);
    assert.equal(res.statusMessage, "Created");
    assert.match(res._header!, /^HTTP\/1\.1 201 Created\r\nX-A: 1\r\n/);
    // process.emitWarning() delivers the event on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(warned.some((w) => w.name === "DeprecationWarning" && w.code === "DEP0063"));
  } finally {
    process.off("warning", onWarning);
  }
});

test("http.ServerResponse.writeContinue() and writeProcessing() send interim responses first", async () => {
  const { text, res } = await exchange((res) => {
    res.writeContinue();
    res.writeProcessing();
    res.end("x");
  });
  assert.equal(
    text,
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n" + OK_HEAD +
      "Content-Length: 1\r\n\r\nx",
  );
  assert.equal(res._sent100, true);
});

test("http.ServerResponse closes when 100-continue was expected but not sent", async () => {
  const unsent = await exchange((res) => {
    res._expect_continue = true;
    res.end("x");
  });
  assert.equal(unsent.text, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx");
  assert.equal(unsent.res._last, true);
  const sent = await exchange((res) => {
    res._expect_continue = true;
    res.writeContinue();
    res.end("x");
  });
  assert.equal(
    sent.text,
    "HTTP/1.1 100 Continue\r\n\r\n" + OK_HEAD + "Content-Length: 1\r\n\r\nx",
  );
});

test("http.ServerResponse.writeEarlyHints() sends 103 with Link and the other hints", async () => {
  let called = false;
  const { text } = await exchange((res) => {
    res.writeEarlyHints({
      link: ["</a.css>; rel=preload; as=style", "</b.js>; rel=preload"],
      "x-trace": "t1",
    }, () => called = true);
    res.writeEarlyHints({ "x-no-link": "1" });
    res.end();
  });
  assert.equal(
    text,
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload; as=style, </b.js>; rel=preload\r\n" +
      "x-trace: t1\r\n\r\n" + OK_HEAD + "Content-Length: 0\r\n\r\n",
  );
  assert.equal(called, true);
});

test("http.ServerResponse.writeEarlyHints() validates hints with Node's errors", () => {
  const res = new ServerResponse(fakeRequest());
  assert.throws(() => res.writeEarlyHints("x" as unknown as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "hints" argument must be of type object. Received type string ('x')`,
  });
  assert.throws(() => res.writeEarlyHints({ link: "nope" }), { code: "ERR_INVALID_ARG_VALUE" });
  assert.throws(() => res.writeEarlyHints({ link: "</a>; rel=preload", "bad name": "1" }), {
    code: "ERR_INVALID_HTTP_TOKEN",
  });
  assert.throws(() => res.writeEarlyHints({ link: "</a>; rel=preload", "x-a": "1\r\nX: 2" }), {
    code: "ERR_INVALID_CHAR",
    message: 'Invalid character in header content ["x-a"]',
  });
  assert.equal(res.outputData.length, 0);
});

test("http.ServerResponse.assignSocket() links the socket, emits 'socket' and flushes queued output", async () => {
  const pair = await socketPair();
  try {
    const res = new ServerResponse(fakeRequest());
    res.sendDate = false;
    res.end("queued");
    assert.equal(res.outputData.length, 1);
    assert.equal(res.outputSize > 0, true);
    const prefinish = once(res, "prefinish");
    const finished = once(res, "finish");
    const socketEvent = once(res, "socket");
    res.assignSocket(pair.socket);
    assert.equal((await socketEvent)[0], pair.socket);
    assert.equal(pair.socket._httpMessage, res);
    assert.equal(res.socket, pair.socket);
    assert.equal(res.connection, pair.socket);
    assert.equal(res.outputData.length, 0);
    assert.equal(res.outputSize, 0);
    await prefinish;
    await finished;
    assert.equal(await pair.finish(), OK_HEAD + "Content-Length: 6\r\n\r\nqueued");
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse.assignSocket() refuses a socket that already has a message", async () => {
  const pair = await socketPair();
  try {
    responseOn(pair);
    const other = new ServerResponse(fakeRequest());
    assert.throws(() => other.assignSocket(pair.socket), {
      code: "ERR_HTTP_SOCKET_ASSIGNED",
      message: "ServerResponse has an already assigned socket",
    });
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse.detachSocket() unlinks the socket so its close no longer reaches the response", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    res.end("x");
    await once(res, "finish");
    res.detachSocket(pair.socket);
    assert.equal(pair.socket._httpMessage, null);
    assert.equal(res.socket, null);
    let closes = 0;
    res.on("close", () => closes++);
    pair.socket.destroy();
    await once(pair.socket, "close");
    assert.equal(closes, 0);
    assert.equal(res._closed, false);
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse emits 'close' once when its socket closes", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    let closes = 0;
    res.on("close", () => closes++);
    pair.client.destroy();
    await once(res, "close");
    assert.equal(closes, 1);
    assert.equal(res._closed, true);
    assert.equal(res.closed, true);
    assert.equal(res.destroyed, true);
    emitResponseClose(res);
    assert.equal(closes, 1);
  } finally {
    await pair.close();
  }
});

test("emitResponseClose() marks a finished response closed and emits 'close' once", async () => {
  const pair = await socketPair();
  try {
    const res = responseOn(pair);
    res.end("x");
    await once(res, "finish");
    res.detachSocket(pair.socket);
    let closes = 0;
    res.on("close", () => closes++);
    emitResponseClose(res);
    emitResponseClose(res);
    assert.equal(closes, 1);
    assert.equal(res.destroyed, true);
    assert.equal(res._closed, true);
  } finally {
    await pair.close();
  }
});

test("http.ServerResponse joins uniqueHeaders values into one line", async () => {
  const { text } = await exchange((res) => {
    res[kUniqueHeaders] = parseUniqueHeadersOption(["X-A"]);
    res.setHeader("X-A", ["1", "2"]);
    res.setHeader("X-B", ["1", "2"]);
    res.end();
  });
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\nX-A: 1; 2\r\nX-B: 1\r\nX-B: 2\r\n" + "Connection: keep-alive\r\n" +
      "Content-Length: 0\r\n\r\n",
  );
});
