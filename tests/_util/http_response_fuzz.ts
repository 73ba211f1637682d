/**
 * Deterministic malformed and edge-case HTTP responses for client robustness
 * tests: a fixed hand-written list (framing conflicts, bad status lines, 1xx,
 * bodies where none may be, header limits, odd bytes) followed by seeded
 * mutations of a few valid responses. The list is the same on every runtime,
 * so an outcome table recorded once with Node's own client stays valid.
 *
 * @module
 */
import { basicMutation, mutatedBase, pick, prng } from "./http_fuzz.ts";

/** One response to serve: its bytes (latin1) and how the request is made. */
export interface ResponseCase {
  index: number;
  label: string;
  wire: string;
  /** The request's method; GET unless said. */
  method?: "HEAD";
  /** The request asks for an upgrade and listens for 'upgrade'. */
  upgrade?: boolean;
  /** The request's `maxHeaderSize`. */
  maxHeaderSize?: number;
  /** The server answers on accepting, before the request has arrived. */
  early?: boolean;
  /** The request's `insecureHTTPParser`. */
  insecure?: boolean;
  /**
   * The server never closes: the request's idle timeout (`hold` ms) fires
   * instead, and its 'timeout' listener destroys the request.
   */
  hold?: number;
  /** The response is read only once the request has closed. */
  paused?: boolean;
  /** A POST with this body (sent with Content-Length). */
  body?: string;
  /** The POST asks `Expect: 100-continue` and sends its body on 'continue'. */
  expect?: boolean;
  /** The request's `joinDuplicateHeaders`. */
  join?: boolean;
}

type Spec = Omit<ResponseCase, "index">;

const OK5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
const CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

const BASES: readonly string[] = [
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello",
  `${CHUNKED}5\r\nhello\r\n0\r\n\r\n`,
  "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n" +
  "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nno!",
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
  "3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
  "HTTP/1.0 200 OK\r\nServer: s\r\n\r\nclose-delimited body",
  "HTTP/1.1 204 No Content\r\nX-B: 2\r\n\r\n",
  "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
];

function head(status: string, ...lines: string[]): string {
  return `${status}\r\n${lines.map((l) => l + "\r\n").join("")}\r\n`;
}

function framing(): Spec[] {
  const h = (lines: string[], body: string, label: string): Spec => ({
    label,
    wire: head("HTTP/1.1 200 OK", ...lines) + body,
  });
  return [
    h(["Content-Length: 5", "Transfer-Encoding: chunked"], "5\r\nhello\r\n0\r\n\r\n", "CL then TE"),
    h(["Transfer-Encoding: chunked", "Content-Length: 5"], "5\r\nhello\r\n0\r\n\r\n", "TE then CL"),
    h(
      ["Transfer-Encoding: chunked", "Content-Length: 30"],
      "5\r\nhello\r\n0\r\n\r\n",
      "TE, long CL",
    ),
    h(["Content-Length: 5", "Content-Length: 5"], "hello", "duplicate equal CL"),
    h(["Content-Length: 5", "Content-Length: 3"], "hello", "duplicate differing CL"),
    h(["Content-Length: 5, 5"], "hello", "CL list equal"),
    h(["Content-Length: 5, 3"], "hello", "CL list differing"),
    h(["Content-Length:  5 "], "hello", "CL padded"),
    h(["Content-Length: -1"], "hello", "CL negative"),
    h(["Content-Length: +5"], "hello", "CL plus sign"),
    h(["Content-Length: abc"], "hello", "CL not a number"),
    h(["Content-Length: 0x5"], "hello", "CL hex"),
    h(["Content-Length: 99999999999999999999"], "hello", "CL overflow"),
    h(["Content-Length: 9007199254740993"], "hello", "CL beyond 2^53"),
    h(["Content-Length: "], "hello", "CL empty"),
    h(["Content-Length: 5 5"], "hello", "CL two numbers"),
    h(["Content-Length: 10"], "hello", "CL longer than body, then FIN"),
    h(["Content-Length: 3"], "hello", "CL shorter than body"),
    h(["Content-Length: 0"], "", "CL zero"),
    h(["Transfer-Encoding: identity"], "hello", "TE identity"),
    h(["Transfer-Encoding: gzip"], "hello", "TE gzip (close-delimited)"),
    h(["Transfer-Encoding: chunked, gzip"], "5\r\nhello\r\n0\r\n\r\n", "TE chunked not last"),
    h(["Transfer-Encoding: gzip, chunked"], "5\r\nhello\r\n0\r\n\r\n", "TE gzip, chunked"),
    h(["Transfer-Encoding: chunked, identity"], "5\r\nhello\r\n0\r\n\r\n", "TE chunked, identity"),
    h(["Transfer-Encoding: xchunked"], "5\r\nhello\r\n0\r\n\r\n", "TE xchunked"),
    h(["Transfer-Encoding: chunkedx"], "5\r\nhello\r\n0\r\n\r\n", "TE chunkedx"),
    h(["Transfer-Encoding: CHUNKED"], "5\r\nhello\r\n0\r\n\r\n", "TE upper case"),
    h(
      ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
      "5\r\nhello\r\n0\r\n\r\n",
      "TE twice",
    ),
    h(["Transfer-Encoding: chunked", "Transfer-Encoding: gzip"], "hello", "TE chunked then gzip"),
    h(["Transfer-Encoding:\tchunked"], "5\r\nhello\r\n0\r\n\r\n", "TE tab"),
    h(["Transfer-Encoding: chunked "], "5\r\nhello\r\n0\r\n\r\n", "TE trailing space"),
    {
      label: "TE on HTTP/1.0",
      wire: head("HTTP/1.0 200 OK", "Transfer-Encoding: chunked") + "5\r\nhello\r\n0\r\n\r\n",
    },
    {
      label: "HTTP/1.0 keep-alive without length",
      wire: head("HTTP/1.0 200 OK", "Connection: keep-alive") + "body to the end",
    },
    {
      label: "HTTP/1.1 without length",
      wire: head("HTTP/1.1 200 OK", "X: y") + "body to the end",
    },
    {
      label: "HTTP/1.1 close without length",
      wire: head("HTTP/1.1 200 OK", "Connection: close") + "body to the end",
    },
    { label: "empty close-delimited", wire: head("HTTP/1.1 200 OK", "Connection: close") },
  ];
}

function chunks(): Spec[] {
  const c = (body: string, label: string, extra = ""): Spec => ({
    label: `chunked: ${label}`,
    wire: CHUNKED.slice(0, -2) + extra + "\r\n" + body,
  });
  return [
    c("zz\r\nhello\r\n0\r\n\r\n", "bad size"),
    c("ffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "size overflow"),
    c("7fffffffffffffff\r\nhello", "huge size then FIN"),
    c("-5\r\nhello\r\n0\r\n\r\n", "negative size"),
    c("0x5\r\nhello\r\n0\r\n\r\n", "hex prefix"),
    c(" 5\r\nhello\r\n0\r\n\r\n", "leading space"),
    c("5 \r\nhello\r\n0\r\n\r\n", "trailing space"),
    c("5\t\r\nhello\r\n0\r\n\r\n", "trailing tab"),
    c("5;a=b\r\nhello\r\n0\r\n\r\n", "extension"),
    c('5;a="q;\\"x"\r\nhello\r\n0\r\n\r\n', "quoted extension"),
    c("5;a\r\nhello\r\n0;b\r\n\r\n", "bare extensions"),
    c("5 ;a\r\nhello\r\n0\r\n\r\n", "space before extension"),
    c("5;a =b\r\nhello\r\n0\r\n\r\n", "space in extension"),
    c("5;a=\x01\r\nhello\r\n0\r\n\r\n", "control byte in extension"),
    c(`5;${"e".repeat(20000)}\r\nhello\r\n0\r\n\r\n`, "long extension"),
    c("5\nhello\n0\n\n", "LF only"),
    c("5\r\nhello\n0\r\n\r\n", "LF after data"),
    c("5\r\nhelloXY0\r\n\r\n", "no CRLF after data"),
    c("5\rhello\r\n0\r\n\r\n", "bare CR after size"),
    c("5\r\nhel", "truncated data, FIN"),
    c("5\r\nhello\r\n", "no last chunk, FIN"),
    c("5\r\nhello\r\n0\r\n", "no final CRLF, FIN"),
    c("", "no chunk at all, FIN"),
    c("5\r\nhello\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", "trailers"),
    c("0\r\nX-T: 1\r\n\r\n", "trailer, empty body"),
    c("5\r\nhello\r\n0\r\nContent-Length: 9\r\n\r\n", "Content-Length trailer"),
    c("5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n", "folded trailer"),
    c("5\r\nhello\r\n0\r\nbad trailer\r\n\r\n", "trailer without colon"),
    c("5\r\nhello\r\n0\r\nX-T: \x00\r\n\r\n", "NUL in trailer"),
    c("5\r\nhello\r\n0\r\nX-T: 1\r\n", "trailer then FIN"),
    c("5\r\nhello\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", "extra response after"),
    c("5\r\nhello\r\n0\r\n\r\n\r\n", "CRLF after"),
    c("2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n", "two chunks"),
    c("5\r\nhello\r\n0\r\n\r\n", "Trailer announced", "\r\nTrailer: X-T"),
  ];
}

function statusLines(): Spec[] {
  const s = (line: string, label = `status ${JSON.stringify(line)}`): Spec => ({
    label,
    wire: `${line}\r\nContent-Length: 2\r\n\r\nok`,
  });
  return [
    s("HTTP/1.1 99 Low"),
    s("HTTP/1.1 1000 Big"),
    s("HTTP/1.1 200"),
    s("HTTP/1.1 200 "),
    s("HTTP/1.1 2OO OK"),
    s("HTTP/1.1 20 OK"),
    s("HTTP/1.1 000 Zero"),
    s("HTTP/1.1 600 Six"),
    s("HTTP/1.1 999 Max"),
    s("HTTP/1.1  200 OK"),
    s("HTTP/1.1 200  OK"),
    s("HTTP/1.1\t200 OK"),
    s("HTTP/2.0 200 OK"),
    s("HTTP/1.2 200 OK"),
    s("HTTP/0.9 200 OK"),
    s("HTTP/3.1 200 OK"),
    s("HTTP/1 200 OK"),
    s("HTTP/1.10 200 OK"),
    s("http/1.1 200 OK"),
    s("HTTP/1.1 200 OK\x00"),
    s("HTTP/1.1 200 O\x00K"),
    s("HTTP/1.1 200 \xe9t\xe9"),
    s("HTTP/1.1 200 \x80\xff"),
    s("HTTP/1.1 200 a\x01b"),
    s("HTTP/1.1 200 a\x7fb"),
    s("HTTP/1.1 200 tab\there"),
    s("RTSP/1.0 200 OK"),
    s("ICE/1.0 200 OK"),
    s("HTTP/1.1 200 OK\r"),
    s("HTTPS/1.1 200 OK"),
    s("HTTP/1.1 200 OK\rX: y"),
    { label: "status line only, FIN", wire: "HTTP/1.1 200 OK" },
    { label: "half a status line, FIN", wire: "HTTP/1.1 2" },
    { label: "nothing, FIN", wire: "" },
    { label: "garbage", wire: "hello world\r\n\r\n" },
    { label: "leading CRLF", wire: `\r\n${OK5}` },
    { label: "leading LF", wire: `\n${OK5}` },
    { label: "all LF", wire: "HTTP/1.1 200 OK\nContent-Length: 5\nX: y\n\nhello" },
    { label: "LF ending the status line", wire: OK5.replace("OK\r\n", "OK\n") },
    { label: "head without end, FIN", wire: "HTTP/1.1 200 OK\r\nX: y\r\n" },
  ];
}

function informational(): Spec[] {
  const i = (pre: string, label: string, extra: Partial<Spec> = {}): Spec => ({
    label,
    wire: pre + OK5,
    ...extra,
  });
  return [
    i("HTTP/1.1 100 Continue\r\n\r\n", "100 then 200"),
    i("HTTP/1.1 102 Processing\r\n\r\n", "102 then 200"),
    i("HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\nLink: </b>\r\n\r\n", "103 then 200"),
    i(
      "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n",
      "103 twice",
    ),
    i("HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n", "100 with a Content-Length"),
    i("HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n", "100 with chunked"),
    i("HTTP/1.1 199 Odd\r\n\r\n", "199 then 200"),
    i("HTTP/1.1 100 Continue\r\n\r\n", "100 then HEAD answer", { method: "HEAD" }),
    { label: "100 then FIN", wire: "HTTP/1.1 100 Continue\r\n\r\n" },
    { label: "100 then garbage", wire: "HTTP/1.1 100 Continue\r\n\r\nxyz\r\n\r\n" },
    { label: "101 without upgrade request", wire: head("HTTP/1.1 101 Switching", "Upgrade: x") },
    {
      label: "101 with data, no upgrade request",
      wire: head("HTTP/1.1 101 Switching", "Connection: Upgrade", "Upgrade: x") + "raw",
    },
    {
      label: "101 to an upgrade request",
      wire: head("HTTP/1.1 101 Switching", "Connection: Upgrade", "Upgrade: x") + "raw",
      upgrade: true,
    },
    { label: "200 to an upgrade request", wire: OK5, upgrade: true },
    {
      label: "200 with Upgrade to an upgrade request",
      wire: head("HTTP/1.1 200 OK", "Connection: Upgrade", "Upgrade: x", "Content-Length: 2") +
        "ok",
      upgrade: true,
    },
  ];
}

function noBody(): Spec[] {
  return [
    { label: "HEAD with CL", wire: OK5, method: "HEAD" },
    { label: "HEAD with chunked", wire: `${CHUNKED}5\r\nhello\r\n0\r\n\r\n`, method: "HEAD" },
    { label: "HEAD, close-delimited", wire: "HTTP/1.1 200 OK\r\n\r\nbody", method: "HEAD" },
    { label: "HEAD, 1.0", wire: "HTTP/1.0 200 OK\r\n\r\n", method: "HEAD" },
    { label: "204 with body", wire: "HTTP/1.1 204 No Content\r\n\r\nbody" },
    { label: "204 with CL", wire: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello" },
    {
      label: "204 with chunked",
      wire: "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    },
    { label: "304 with body", wire: "HTTP/1.1 304 Not Modified\r\n\r\nbody" },
    { label: "304 with CL", wire: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello" },
    {
      label: "304 with chunked",
      wire:
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    },
    { label: "205 with CL", wire: "HTTP/1.1 205 Reset\r\nContent-Length: 5\r\n\r\nhello" },
  ];
}

function headerLines(): Spec[] {
  const x = (line: string, label = `header ${JSON.stringify(line)}`): Spec => ({
    label,
    wire: `HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 2\r\n\r\nok`,
  });
  return [
    x("X-F: a\r\n b"),
    x("X-F: a\r\n\tb"),
    x(" X-F: a"),
    x("X-A : 1"),
    x("X-A\t: 1"),
    x("Content-Length : 2"),
    x(": empty-name"),
    x("X Y: 1"),
    x("X@Y: 1"),
    x("X\xffY: 1"),
    x("X-N: a\x00b"),
    x("X-N: \x00"),
    x("X-C: a\x01b"),
    x("X-C: a\x7fb"),
    x("X-C: a\x1fb"),
    x("X-U: \xe9t\xe9 \x80\xff"),
    x("X-R: a\rb"),
    x("X-R: a\nb"),
    x("X-Empty:"),
    x("X-Sp:    "),
    x("No-Colon"),
    x("X-Dup: 1\r\nX-Dup: 2"),
    x("Set-Cookie: a\r\nset-cookie: b"),
    x("Content-Type: a\r\nContent-Type: b"),
    x("Connection: keep-alive"),
    x("Connection: close, upgrade"),
    x("X-Long: " + "v".repeat(8000)),
  ];
}

/** A head with `n` header bytes in all (status line included), body "ok". */
function sized(n: number): string {
  const status = "HTTP/1.1 200 OK\r\n";
  const fixed = status + "Content-Length: 2\r\n" + "X-Pad: \r\n" + "\r\n";
  return status + "Content-Length: 2\r\nX-Pad: " + "p".repeat(Math.max(0, n - fixed.length)) +
    "\r\n\r\nok";
}

function limits(): Spec[] {
  const out: Spec[] = [];
  for (const n of [1000, 1020, 1023, 1024, 1025, 1030, 1100]) {
    out.push({
      label: `head of ${n} bytes, maxHeaderSize 1024`,
      wire: sized(n),
      maxHeaderSize: 1024,
    });
  }
  for (const n of [16300, 16384, 16385, 16500]) {
    out.push({ label: `head of ${n} bytes, default limit`, wire: sized(n) });
  }
  const many = Array.from({ length: 200 }, (_, i) => `X-H${i}: ${i}`);
  out.push({
    label: "200 header lines",
    wire: head("HTTP/1.1 200 OK", ...many, "Content-Length: 0"),
  });
  out.push({
    label: "big trailer, maxHeaderSize 1024",
    wire: `${CHUNKED}1\r\na\r\n0\r\nX-T: ${"t".repeat(1100)}\r\n\r\n`,
    maxHeaderSize: 1024,
  });
  return out;
}

function unsolicited(): Spec[] {
  return [
    { label: "answer before the request", wire: OK5, early: true },
    { label: "chunked answer before the request", wire: BASES[1], early: true },
    { label: "two responses", wire: OK5 + OK5 },
    { label: "response then garbage", wire: OK5 + "garbage\r\n\r\n" },
    { label: "response then CRLF", wire: OK5 + "\r\n" },
    {
      label: "keep-alive response then another",
      wire: head("HTTP/1.1 200 OK", "Connection: keep-alive", "Content-Length: 5") + "hello" + OK5,
    },
    {
      label: "1.0 response then another",
      wire: "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello" + OK5,
    },
  ];
}

const INSERTS: readonly string[] = ["\r", "\n", "\0", " ", ":", "\t", "\r\n", "\x7f", "\xff", ";"];

const HEADER_ADDS: readonly string[] = [
  "Content-Length: 5\r\n",
  "Content-Length: 0\r\n",
  "Content-Length: 7\r\n",
  "Content-Length: 1e3\r\n",
  "Transfer-Encoding: chunked\r\n",
  "Transfer-Encoding: identity\r\n",
  "Connection: close\r\n",
  "Connection: keep-alive\r\n",
  "Connection: upgrade\r\nUpgrade: h2c\r\n",
  "X-Folded: a\r\n b\r\n",
  "X-Ok: \x01ctl\r\n",
  "Set-Cookie: c=3\r\n",
  "Trailer: X-Z\r\n",
  "Keep-Alive: timeout=1\r\n",
];

function mutate(rand: () => number, wire: string): [string, string] {
  const kind = Math.floor(rand() * 7);
  const basic = basicMutation(rand, kind, wire, INSERTS, HEADER_ADDS);
  if (basic !== null) return basic;
  switch (kind) {
    default: {
      const other = pick(rand, BASES);
      return ["then another", wire + other];
    }
  }
}

function seeded(seed: number, count: number): Spec[] {
  const rand = prng(seed);
  const out: Spec[] = [];
  for (let n = 0; n < count; n++) {
    const [label, wire] = mutatedBase(rand, BASES, mutate);
    const head = rand() < 0.12;
    out.push({
      label: label + (head ? " (HEAD)" : ""),
      wire,
      ...(head ? { method: "HEAD" } : {}),
    });
  }
  return out;
}

/** The fixed list: hand-written kinds first, then `count` seeded mutations. */
export function responseCases(seed: number, count: number): ResponseCase[] {
  const specs = [
    ...framing(),
    ...chunks(),
    ...statusLines(),
    ...informational(),
    ...noBody(),
    ...headerLines(),
    ...limits(),
    ...unsolicited(),
    ...seeded(seed, count),
  ];
  return specs.map((spec, index) => ({ index, ...spec }));
}
