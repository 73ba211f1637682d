import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addHeaderLine,
  addHeaderLineDistinct,
  checkInvalidHeaderChar,
  checkIsHttpToken,
  headersDistinctFromRaw,
  headersFromRaw,
  type IncomingHttpHeaders,
  isSingletonHeader,
  validateHeaderName,
  validateHeaderValue,
} from "../../_internal/http/headers.ts";

test("checkIsHttpToken() accepts exactly the RFC 7230 tchar set", () => {
  const tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  assert.equal(checkIsHttpToken(tchar), true);
  for (let code = 0; code < 256; code++) {
    const ch = String.fromCharCode(code);
    assert.equal(checkIsHttpToken(ch), tchar.includes(ch), `char ${code}`);
  }
  assert.equal(checkIsHttpToken(""), false);
  assert.equal(checkIsHttpToken("X-Custom-Header"), true);
  assert.equal(checkIsHttpToken("bad header"), false);
  assert.equal(checkIsHttpToken("ä"), false);
});

test("checkInvalidHeaderChar() allows HTAB, SP to '~' and obs-text only", () => {
  for (let code = 0; code < 0x100; code++) {
    const allowed = code === 9 || (code >= 0x20 && code <= 0x7e) || code >= 0x80;
    assert.equal(
      checkInvalidHeaderChar(`a${String.fromCharCode(code)}b`),
      !allowed,
      `char ${code}`,
    );
  }
  assert.equal(checkInvalidHeaderChar("caf\u00e9"), false);
  assert.equal(checkInvalidHeaderChar("\u20ac"), true);
  assert.equal(checkInvalidHeaderChar(""), false);
});

test("http.validateHeaderName() throws ERR_INVALID_HTTP_TOKEN with Node's message", () => {
  validateHeaderName("Content-Type");
  assert.throws(() => validateHeaderName("bad name"), {
    name: "TypeError",
    code: "ERR_INVALID_HTTP_TOKEN",
    message: 'Header name must be a valid HTTP token ["bad name"]',
  });
  assert.throws(() => validateHeaderName(""), {
    message: 'Header name must be a valid HTTP token [""]',
  });
  assert.throws(() => validateHeaderName(undefined), {
    message: 'Header name must be a valid HTTP token ["undefined"]',
  });
  assert.throws(() => validateHeaderName(123), {
    message: 'Header name must be a valid HTTP token ["123"]',
  });
  assert.throws(() => validateHeaderName("x y", "Trailer name"), {
    message: 'Trailer name must be a valid HTTP token ["x y"]',
  });
});

test("http.validateHeaderValue() throws for undefined and forbidden characters", () => {
  validateHeaderValue("x-a", "ok\tvalue \u00ff");
  validateHeaderValue("x-a", 42);
  validateHeaderValue("x-a", ["a", "b"]);
  assert.throws(() => validateHeaderValue("x-a", undefined), {
    name: "TypeError",
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
    message: 'Invalid value "undefined" for header "x-a"',
  });
  assert.throws(() => validateHeaderValue("x-a", "a\r\nb"), {
    name: "TypeError",
    code: "ERR_INVALID_CHAR",
    message: 'Invalid character in header content ["x-a"]',
  });
  assert.throws(() => validateHeaderValue("x-a", ["ok", "b\n"]), {
    code: "ERR_INVALID_CHAR",
  });
});

test("IncomingMessage headers join duplicates with ', ' by default", () => {
  const headers = headersFromRaw(["Accept", "a", "ACCEPT", "b", "X-Thing", "1", "x-thing", "2"]);
  assert.deepEqual(headers, { accept: "a, b", "x-thing": "1, 2" });
});

test("IncomingMessage headers keep the first value of singleton headers", () => {
  const singletons = [
    "content-type",
    "content-length",
    "user-agent",
    "referer",
    "host",
    "authorization",
    "proxy-authorization",
    "if-modified-since",
    "if-unmodified-since",
    "from",
    "location",
    "max-forwards",
    "retry-after",
    "etag",
    "last-modified",
    "server",
    "age",
    "expires",
  ];
  for (const name of singletons) {
    assert.equal(isSingletonHeader(name), true, name);
    const headers = headersFromRaw([name.toUpperCase(), "first", name, "second"]);
    assert.deepEqual(headers, { [name]: "first" }, name);
  }
  assert.equal(isSingletonHeader("accept"), false);
  assert.equal(isSingletonHeader("set-cookie"), false);
});

test("IncomingMessage headers collect set-cookie and join cookie with '; '", () => {
  const headers = headersFromRaw([
    "Set-Cookie",
    "a=1",
    "Cookie",
    "x=1",
    "set-cookie",
    "b=2",
    "COOKIE",
    "y=2",
  ]);
  assert.deepEqual(headers, { "set-cookie": ["a=1", "b=2"], cookie: "x=1; y=2" });
});

test("IncomingMessage headers join singletons too when joinDuplicates is set", () => {
  const raw = ["Host", "a", "host", "b", "Set-Cookie", "c=1", "Cookie", "d=1", "cookie", "e=2"];
  assert.deepEqual(headersFromRaw(raw, true), {
    host: "a, b",
    "set-cookie": ["c=1"],
    cookie: "d=1; e=2",
  });
});

test("addHeaderLine() folds into an existing object under lowercase names", () => {
  const headers: IncomingHttpHeaders = {};
  addHeaderLine(headers, "Content-Length", "5");
  addHeaderLine(headers, "content-length", "6");
  addHeaderLine(headers, "Vary", "a");
  addHeaderLine(headers, "vary", "b");
  addHeaderLine(headers, "Authorization", "one", true);
  addHeaderLine(headers, "authorization", "two", true);
  assert.deepEqual(headers, { "content-length": "5", vary: "a, b", authorization: "one, two" });
});

test("addHeaderLine() treats Object.prototype names as ordinary headers", () => {
  const headers = headersFromRaw(["constructor", "a", "Constructor", "b", "toString", "c"]);
  assert.deepEqual(Object.entries(headers), [["constructor", "a, b"], ["tostring", "c"]]);
  const proto = headersFromRaw(["__proto__", "x"]);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.deepEqual(Object.keys(proto), []);
});

test("IncomingMessage headersDistinct keeps every value in an array", () => {
  const raw = ["Host", "a", "host", "b", "Set-Cookie", "c=1", "Accept", "x", "constructor", "k"];
  assert.deepEqual(headersDistinctFromRaw(raw), {
    host: ["a", "b"],
    "set-cookie": ["c=1"],
    accept: ["x"],
    constructor: ["k"],
  });
  const headers = {};
  addHeaderLineDistinct(headers, "__proto__", "x");
  assert.equal(Object.getPrototypeOf(headers), Object.prototype);
});

test("headersFromRaw() ignores a trailing name without a value", () => {
  assert.deepEqual(headersFromRaw(["A", "1", "B"]), { a: "1" });
  assert.deepEqual(headersDistinctFromRaw(["A", "1", "B"]), { a: ["1"] });
});
