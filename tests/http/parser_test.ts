import { test } from "node:test";
import assert from "node:assert/strict";
import { HTTPParser, REQUEST, RESPONSE } from "../../_internal/http/parser.ts";
import { METHODS } from "../../_internal/http/methods.ts";
import { bytes, head, hexOf, run, runAllSplits } from "../_util/parser_harness.ts";

const GET_8 = "GET /api/users?id=7&x=y#frag HTTP/1.1\r\n" +
  "Host: example.com:8080\r\n" +
  "User-Agent: test/1.0 (X11)\r\n" +
  "Accept: */*\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\n" +
  "Accept-Encoding: gzip, deflate\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: a=1; b=2\r\n" +
  "X-Empty:\r\n" +
  "\r\n";

test("HTTPParser parses a GET request identically however it is split", () => {
  assert.deepEqual(runAllSplits(REQUEST, GET_8), [
    [
      "head",
      head({
        method: "GET",
        url: "/api/users?id=7&x=y#frag",
        rawHeaders: [
          "Host",
          "example.com:8080",
          "User-Agent",
          "test/1.0 (X11)",
          "Accept",
          "*/*",
          "Accept-Language",
          "en-US,en;q=0.9",
          "Accept-Encoding",
          "gzip, deflate",
          "Connection",
          "keep-alive",
          "Cookie",
          "a=1; b=2",
          "X-Empty",
          "",
        ],
      }),
    ],
    ["done", []],
  ]);
});

test("HTTPParser keeps header name casing and trims spaces and tabs around values", () => {
  const input = "GET / HTTP/1.1\r\nX-MiXeD:  \t a  b \t \r\nx-lower:\tv\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input), [
    ["head", head({ method: "GET", url: "/", rawHeaders: ["X-MiXeD", "a  b", "x-lower", "v"] })],
    ["done", []],
  ]);
});

test("HTTPParser decodes header bytes as latin1, as Node does", () => {
  const input = "GET / HTTP/1.1\r\nX-Name: caf\u00e9 \u00ff\u0080\r\n\r\n";
  const [first] = runAllSplits(REQUEST, input);
  assert.deepEqual((first[1] as { rawHeaders: string[] }).rawHeaders, [
    "X-Name",
    "caf\u00e9 \u00ff\u0080",
  ]);
  // An array holding exactly one head takes a different decoding path.
  const heads: { rawHeaders: string[]; statusMessage: string }[] = [];
  const parser = new HTTPParser(RESPONSE, {
    onHeadersComplete(info) {
      heads.push(info);
      return 0;
    },
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const exact = bytes("HTTP/1.1 200 \u00c0 bient\u00f4t\r\nA: \u00e9\r\nB: plain\r\n\r\n");
  assert.equal(parser.execute(exact), exact.length);
  assert.equal(heads[0].statusMessage, "\u00c0 bient\u00f4t");
  assert.deepEqual(heads[0].rawHeaders, ["A", "\u00e9", "B", "plain"]);
});

test("HTTPParser accepts every method of http.METHODS", () => {
  for (const method of METHODS) {
    const target = method === "CONNECT" ? "example.com:443" : "/";
    const events = run(REQUEST, `${method} ${target} HTTP/1.1\r\nContent-Length: 0\r\n\r\n`);
    assert.equal(events[0][0], "head", method);
    assert.equal((events[0][1] as { method: string }).method, method);
  }
});

test("http.METHODS is Node's sorted list", () => {
  assert.deepEqual(METHODS, [
    "ACL",
    "BIND",
    "CHECKOUT",
    "CONNECT",
    "COPY",
    "DELETE",
    "GET",
    "HEAD",
    "LINK",
    "LOCK",
    "M-SEARCH",
    "MERGE",
    "MKACTIVITY",
    "MKCALENDAR",
    "MKCOL",
    "MOVE",
    "NOTIFY",
    "OPTIONS",
    "PATCH",
    "POST",
    "PROPFIND",
    "PROPPATCH",
    "PURGE",
    "PUT",
    "QUERY",
    "REBIND",
    "REPORT",
    "SEARCH",
    "SOURCE",
    "SUBSCRIBE",
    "TRACE",
    "UNBIND",
    "UNLINK",
    "UNLOCK",
    "UNSUBSCRIBE",
  ]);
  assert.deepEqual(METHODS, [...METHODS].sort());
});

test("HTTPParser parses request targets in origin, absolute, authority and asterisk form", () => {
  const cases: [string, string][] = [
    ["OPTIONS * HTTP/1.1", "*"],
    ["GET http://user:pw@host:80/p?q=1 HTTP/1.1", "http://user:pw@host:80/p?q=1"],
    ["GET http://[::1]:8080/ HTTP/1.1", "http://[::1]:8080/"],
    ["CONNECT example.com:443 HTTP/1.1", "example.com:443"],
    ['GET /a/%20b/?x="y"&z={}|\\^`#f?g#h HTTP/1.1', '/a/%20b/?x="y"&z={}|\\^`#f?g#h'],
  ];
  for (const [line, url] of cases) {
    const events = runAllSplits(REQUEST, `${line}\r\n\r\n`);
    assert.equal((events[0][1] as { url: string }).url, url, line);
  }
});

test("HTTPParser delivers a Content-Length body as views of the caller's array", () => {
  const input = bytes("POST /upload HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world");
  const seen: [Uint8Array, number, number][] = [];
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: (data, start, end) => void seen.push([data, start, end]),
    onMessageComplete: () => {},
  });
  assert.equal(parser.execute(input), input.length);
  assert.deepEqual(seen, [[input, input.length - 11, input.length]]);
  assert.deepEqual(runAllSplits(REQUEST, input), [
    ["head", head({ method: "POST", url: "/upload", rawHeaders: ["Content-Length", "11"] })],
    ["body", hexOf("hello world")],
    ["done", []],
  ]);
});

test("HTTPParser parses a chunked body with extensions and trailers", () => {
  const input = "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
    "5;name=value;flag\r\nhello\r\n" +
    '6;q="quoted \\"x\\""\r\n world\r\n' +
    "0\r\nX-Trailer:  yes \r\nChecksum: abc\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input), [
    [
      "head",
      head({ method: "POST", url: "/", rawHeaders: ["Transfer-Encoding", "gzip, chunked"] }),
    ],
    ["body", hexOf("hello world")],
    ["done", ["X-Trailer", "yes", "Checksum", "abc"]],
  ]);
});

test("HTTPParser parses two pipelined requests split at every boundary", () => {
  const input = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
    "GET /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input), [
    ["head", head({ method: "POST", url: "/a", rawHeaders: ["Content-Length", "3"] })],
    ["body", hexOf("abc")],
    ["done", []],
    ["head", head({ method: "GET", url: "/b", rawHeaders: ["Transfer-Encoding", "chunked"] })],
    ["body", hexOf("de")],
    ["done", []],
  ]);
});

test("HTTPParser skips empty lines between pipelined requests", () => {
  const events = runAllSplits(REQUEST, "\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  assert.deepEqual(events.map((e) => e[0]), ["head", "done", "head", "done"]);
});

test("HTTPParser applies HTTP/1.0 and HTTP/1.1 keep-alive rules", () => {
  const cases: [string, boolean][] = [
    ["GET / HTTP/1.1\r\n\r\n", true],
    ["GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false],
    ["GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false],
    ["GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", true],
    ["GET / HTTP/1.1\r\nConnection: close\t\r\n\r\n", false],
    ["GET / HTTP/1.0\r\n\r\n", false],
    ["GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true],
    ["GET / HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n", true],
    ["GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", true],
  ];
  for (const [input, keepAlive] of cases) {
    const events = run(REQUEST, input);
    assert.equal((events[0][1] as { shouldKeepAlive: boolean }).shouldKeepAlive, keepAlive, input);
  }
});

test("HTTPParser accepts HTTP/0.9 and HTTP/2.0 request lines as llhttp does", () => {
  assert.deepEqual(run(REQUEST, "GET /\r\n\r\n")[0], [
    "head",
    head({ versionMajor: 0, versionMinor: 9, method: "GET", url: "/", shouldKeepAlive: false }),
  ]);
  assert.deepEqual(run(REQUEST, "GET / HTTP/2.0\r\n\r\n")[0], [
    "head",
    head({ versionMajor: 2, versionMinor: 0, method: "GET", url: "/", shouldKeepAlive: false }),
  ]);
});

test("HTTPParser stops after an upgrade request head and returns the offset", () => {
  const head1 = "GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  const events = runAllSplits(REQUEST, head1 + "\x81\x05hello");
  assert.deepEqual(events, [
    [
      "head",
      head({
        method: "GET",
        url: "/chat",
        upgrade: true,
        rawHeaders: ["Upgrade", "websocket", "Connection", "Upgrade"],
      }),
    ],
    ["done", []],
    ["stop", head1.length],
  ]);
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const data = bytes(head1 + "raw");
  assert.equal(parser.execute(data), head1.length);
  assert.equal(parser.upgraded, true);
  assert.equal(parser.execute(data, head1.length), head1.length, "nothing more is parsed");
});

test("HTTPParser stops after a CONNECT request head", () => {
  const line = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, line + "TLS bytes"), [
    [
      "head",
      head({
        method: "CONNECT",
        url: "example.com:443",
        upgrade: true,
        rawHeaders: ["Host", "example.com:443"],
      }),
    ],
    ["done", []],
    ["stop", line.length],
  ]);
});

test("HTTPParser hands back the bytes after the body of an upgrade request with a body", () => {
  const msg = "POST / HTTP/1.1\r\nUpgrade: x\r\nConnection: upgrade\r\nContent-Length: 2\r\n\r\nab";
  const events = runAllSplits(REQUEST, msg + "new protocol");
  assert.deepEqual(events.slice(1), [["body", hexOf("ab")], ["done", []], ["stop", msg.length]]);
});

test("HTTPParser parses responses with Content-Length, chunked and EOF-delimited bodies", () => {
  assert.deepEqual(
    runAllSplits(RESPONSE, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
    [
      ["head", head({ statusCode: 200, statusMessage: "OK", rawHeaders: ["Content-Length", "2"] })],
      ["body", hexOf("hi")],
      ["done", []],
    ],
  );
  assert.deepEqual(
    runAllSplits(
      RESPONSE,
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ),
    [
      [
        "head",
        head({
          statusCode: 404,
          statusMessage: "Not Found",
          rawHeaders: ["Transfer-Encoding", "chunked"],
        }),
      ],
      ["body", hexOf("abc")],
      ["done", []],
    ],
  );
  assert.deepEqual(runAllSplits(RESPONSE, "HTTP/1.1 200 \r\nServer: x\r\n\r\nuntil the end"), [
    ["head", head({ statusCode: 200, shouldKeepAlive: false, rawHeaders: ["Server", "x"] })],
    ["body", hexOf("until the end")],
    ["done", []],
  ]);
});

test("HTTPParser parses a 100 Continue and then the final response", () => {
  const input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
  const answer = (info: { statusCode: number }) => info.statusCode < 200 ? 1 : 0;
  assert.deepEqual(runAllSplits(RESPONSE, input, { answer }), [
    ["head", head({ statusCode: 100, statusMessage: "Continue" })],
    ["done", []],
    ["head", head({ statusCode: 200, statusMessage: "OK", rawHeaders: ["Content-Length", "1"] })],
    ["body", hexOf("x")],
    ["done", []],
  ]);
});

test("HTTPParser skips the body of a response to HEAD when the handler returns 1", () => {
  const input = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  const events = runAllSplits(RESPONSE, input, { answer: () => 1 });
  assert.deepEqual(events.map((e) => e[0]), ["head", "done", "head", "done"]);
});

test("HTTPParser reads no body for 204 and 304 responses", () => {
  for (const status of ["204 No Content", "304 Not Modified"]) {
    const input =
      `HTTP/1.1 ${status}\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`;
    const events = runAllSplits(RESPONSE, input);
    assert.deepEqual(events.map((e) => e[0]), ["head", "done", "head", "done"], status);
  }
});

test("HTTPParser treats a response to CONNECT as an upgrade when the handler returns 2", () => {
  const msg = "HTTP/1.1 200 Connection Established\r\n\r\n";
  const events = runAllSplits(RESPONSE, msg + "tunnel", { answer: () => 2 });
  assert.deepEqual(events.slice(1), [["done", []], ["stop", msg.length]]);
});

test("HTTPParser stops after a 101 response with upgrade headers", () => {
  const msg =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n";
  const events = runAllSplits(RESPONSE, msg + "frames");
  assert.equal((events[0][1] as { upgrade: boolean }).upgrade, true);
  assert.deepEqual(events.slice(1), [["done", []], ["stop", msg.length]]);
});

test("HTTPParser enforces maxHeaderSize on the bytes Node counts", () => {
  // Counted: target "/abc" (4) + "Host" (4) + "example" (7) + "X" (1) + "0123456789" (10) = 26.
  const input = "GET /abc HTTP/1.1\r\nHost: example\r\nX: 0123456789\r\n\r\n";
  assert.equal(runAllSplits(REQUEST, input, { maxHeaderSize: 27 })[0][0], "head");
  for (const cuts of [[], [20], [30, 40]]) {
    const events = run(REQUEST, input, cuts, { maxHeaderSize: 26 });
    assert.deepEqual(events.at(-1)?.slice(0, 3), [
      "error",
      "HPE_HEADER_OVERFLOW",
      "Header overflow",
    ]);
  }
  assert.deepEqual(run(REQUEST, input, [], { maxHeaderSize: 26 }), [
    ["error", "HPE_HEADER_OVERFLOW", "Header overflow", 48],
  ]);
});

test("HTTPParser applies the default 16 KiB header limit per head and per trailer section", () => {
  const fits = "GET / HTTP/1.1\r\nX: " + "v".repeat(16384 - 3) + "\r\n\r\n";
  assert.equal(run(REQUEST, fits)[0][0], "head");
  const over = "GET / HTTP/1.1\r\nX: " + "v".repeat(16384 - 2) + "\r\n\r\n";
  assert.equal(run(REQUEST, over)[0][1], "HPE_HEADER_OVERFLOW");
  const trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " +
    "v".repeat(16384 - 1) + "\r\n\r\n";
  assert.equal(run(REQUEST, trailers).at(-1)?.[1], "HPE_HEADER_OVERFLOW");
});

test("HTTPParser limits chunk extensions to 16 KiB per chunk, as Node does", () => {
  const body = (n: number) =>
    "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + "e".repeat(n) +
    "\r\nx\r\n0\r\n\r\n";
  assert.equal(run(REQUEST, body(16384)).at(-1)?.[0], "done");
  assert.equal(run(REQUEST, body(16385)).at(-1)?.[1], "HPE_CHUNK_EXTENSIONS_OVERFLOW");
});

test("HTTPParser.finish() completes an EOF-delimited body and reports a cut message", () => {
  assert.deepEqual(run(RESPONSE, "HTTP/1.1 200 OK\r\n\r\nabc").at(-1), ["done", []]);
  assert.deepEqual(run(REQUEST, "GET / HTTP/1.1\r\nHost: a").at(-1), [
    "eof-error",
    "HPE_INVALID_EOF_STATE",
  ]);
  assert.deepEqual(run(REQUEST, "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nab").at(-1), [
    "eof-error",
    "HPE_INVALID_EOF_STATE",
  ]);
  assert.deepEqual(run(REQUEST, "GET / HTTP/1.1\r\n\r\n\r\n").at(-1), ["done", []]);
});

test("HTTPParser.pause() stops right after the current message and resume() continues", () => {
  const first = "GET /1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nab";
  const data = bytes(first + "GET /2 HTTP/1.1\r\n\r\n");
  const urls: string[] = [];
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete(info) {
      urls.push(info.url);
      parser.pause();
      return 0;
    },
    onBody: () => {},
    onMessageComplete: () => {},
  });
  assert.equal(parser.execute(data), first.length);
  assert.deepEqual(urls, ["/1"]);
  assert.equal(parser.execute(data, first.length), first.length, "nothing consumed while paused");
  parser.resume();
  assert.equal(parser.execute(data, first.length), data.length);
  assert.deepEqual(urls, ["/1", "/2"]);
});

test("HTTPParser.reset() makes a failed parser usable again", () => {
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: () => {},
    onMessageComplete: () => {},
  });
  assert.equal(parser.execute(bytes("BAD / HTTP/1.1\r\n\r\n")), -1);
  assert.equal(parser.execute(bytes("GET / HTTP/1.1\r\n\r\n")), -1, "errors are sticky");
  parser.reset();
  assert.equal(parser.error, null);
  const ok = bytes("GET / HTTP/1.1\r\n\r\n");
  assert.equal(parser.execute(ok), ok.length);
});

test("HTTPParser errors are shaped like Node's parse errors", () => {
  const parser = new HTTPParser(REQUEST, {
    onHeadersComplete: () => 0,
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const data = bytes("xxGET / HTTP/1.1\r\nHost : a\r\n\r\n");
  assert.equal(parser.execute(data, 2), -1);
  const err = parser.error;
  assert.ok(err instanceof Error);
  assert.equal(err.message, "Parse Error: Invalid header token");
  assert.equal(err.code, "HPE_INVALID_HEADER_TOKEN");
  assert.equal(err.reason, "Invalid header token");
  assert.equal(err.bytesParsed, 20, "counted from the start offset given to execute()");
});

test("HTTPParser rejects a CR not followed by LF after a status line (llhttp 9.4's rule)", () => {
  assert.deepEqual(run(RESPONSE, "HTTP/1.1 200 OK\r\rA: b\r\n\r\n"), [
    ["error", "HPE_STRICT", "Expected LF after CR", 16],
  ]);
});

test("HTTPParser continues after a 101 response without upgrade headers, as Node does", () => {
  const input = "HTTP/1.1 101 Switching\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  const events = runAllSplits(RESPONSE, input, { answer: () => 1 });
  assert.deepEqual(events.map((e) => e[0]), ["head", "done", "head", "done"]);
});

test("HTTPParser instances run inside each other's callbacks without mixing headers", () => {
  const seen: string[][] = [];
  const inner = new HTTPParser(RESPONSE, {
    onHeadersComplete(info) {
      seen.push(["inner", info.statusMessage, ...info.rawHeaders]);
      return 0;
    },
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const outer = new HTTPParser(REQUEST, {
    onHeadersComplete(info) {
      seen.push(["outer", info.url, ...info.rawHeaders]);
      // A handler that parses another message synchronously, mid-chunk.
      const reply = bytes("HTTP/1.1 200 Fine\r\nServer: inner \r\nContent-Length: 0\r\n\r\n");
      assert.equal(inner.execute(reply), reply.length);
      return 0;
    },
    onBody: () => {},
    onMessageComplete: () => {},
  });
  const two = bytes(
    "GET /one HTTP/1.1\r\nHost: a\r\nX-One: 1  \r\n\r\n" +
      "GET /two HTTP/1.1\r\nHost: b\r\nX-Two: 2\r\n\r\n",
  );
  assert.equal(outer.execute(two), two.length);
  assert.deepEqual(seen, [
    ["outer", "/one", "Host", "a", "X-One", "1"],
    ["inner", "Fine", "Server", "inner", "Content-Length", "0"],
    ["outer", "/two", "Host", "b", "X-Two", "2"],
    ["inner", "Fine", "Server", "inner", "Content-Length", "0"],
  ]);
});

// The parser takes usual request lines, header lines, `Transfer-Encoding:
// chunked`, short Content-Length values and chunk-size lines in one step
// when a call holds them whole, and leaves everything else to its state
// machine. runAllSplits checks that both ways agree byte for byte; these
// inputs sit on the edges of what the one-step paths accept.
test("HTTPParser's one-step paths agree with its state machine", () => {
  const inputs: string[] = [
    "GET /a?b?c#d?e#f HTTP/1.0\r\nA: 1\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    "GET  /two-spaces HTTP/1.1\r\n\r\n",
    "GET /x HTTP/1.2\r\n\r\n",
    "GET /x HTTP/1.1\n\r\n",
    "GET /x HTTP/1.1\r\nX-Tab:\tv\t\r\nX-Sp: a b  \r\nX-Fold: a\r\n b\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Ctl: a\x01b\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Obs: caf\xe9\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Lf: v\nY: w\r\n\r\n",
    "GET /x HTTP/1.1\r\nX-Cr: v\rY: w\r\n\r\n",
    "GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: ChUnKeD\r\n\r\n00a\r\n0123456789\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked \r\n\r\n1\r\nx\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunkedx\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST /a HTTP/1.1\r\nContent-Length: 000000000000003\r\n\r\nabc",
    "POST /a HTTP/1.1\r\nContent-Length: 0000000000000003\r\n\r\nabc",
    "POST /a HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
    "POST /a HTTP/1.1\r\nContent-Length: 3 \r\n\r\nabc",
    "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
    "POST /a HTTP/1.1\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\nx",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000001\r\nx\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nx",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b\r\nx\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n",
    "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: v \r\n\r\n",
  ];
  for (const input of inputs) {
    for (const lenient of [false, true]) runAllSplits(REQUEST, input, { lenient });
  }
  // And what the one-step paths produce, spelled out for two of them.
  assert.deepEqual(
    runAllSplits(
      REQUEST,
      "POST /up?x=1 HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nX-A: a \t\r\n\r\n" +
        "3\r\nabc\r\n0\r\n\r\n",
    ),
    [
      [
        "head",
        head({
          method: "POST",
          url: "/up?x=1",
          rawHeaders: ["Transfer-Encoding", "Chunked", "X-A", "a"],
        }),
      ],
      ["body", hexOf("abc")],
      ["done", []],
    ],
  );
  // Header overflow where Node checks: at the colon after a name, at the
  // CR after a value (where a split falls changes that, as in Node).
  const overflow = (input: string, maxHeaderSize: number) =>
    run(REQUEST, input, [], { maxHeaderSize })[0];
  const two = "GET /a HTTP/1.1\r\nName: value\r\nOther: x\r\n\r\n";
  assert.deepEqual(overflow(two, 15), ["error", "HPE_HEADER_OVERFLOW", "Header overflow", 36]);
  assert.deepEqual(overflow(two, 17), ["error", "HPE_HEADER_OVERFLOW", "Header overflow", 39]);
  assert.equal(overflow(two, 18)[0], "head");
  assert.deepEqual(
    overflow("GET /a-long-target HTTP/1.1\r\nName: value\r\n\r\n", 20),
    ["error", "HPE_HEADER_OVERFLOW", "Header overflow", 41],
  );
});
