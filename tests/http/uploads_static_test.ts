/**
 * multer 2 (busboy underneath), compression and serve-static under Express
 * 5, unchanged: fixtures/uploads_static_app.cjs is bundled by
 * scripts/bundle.mjs so that Express's own `require("http")` gets this
 * library, and runs on the current runtime; Node runs the same file with its
 * own http. Every response must match Node's byte for byte, Date aside:
 * multipart uploads (single, array, fields, none, any; memory and disk
 * storage; sized, chunked, large, after 100 Continue, kept alive), multer's
 * limits and errors (fileSize, files, fields, fieldSize, parts, unexpected
 * fields, malformed bodies), and static files (ranges, conditional GETs
 * answered 304 or 412, HEAD, directory redirects and indexes, dotfiles,
 * traversal, methods other than GET, pipelining, a 3 MiB file, a client gone
 * mid-file). Compressed bodies come from the runtime's own zlib, whose bytes
 * may differ from Node's: those are compared inflated, their heads and
 * framing byte for byte.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exchangeText, RawClient, sameBytesAsNode, splitChunked } from "../_util/wire.ts";
import { assertServedByUs, servedBesideNode } from "../_util/bundle.ts";

const app = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "uploads_static_app.cjs");

const served = servedBesideNode(app, {}, /listening \d+/);

/** Sends `wire` to both servers; ours must answer exactly as Node does. */
function sameAsNode(wire: string): Promise<string> {
  return sameBytesAsNode(served.ours.port, served.node.port, wire);
}

const close = "Host: localhost\r\nConnection: close\r\n";
const boundary = "----TestBoundary7MA4YWxkTrZu0gW";

/** A part of a multipart body: a field, or a file when it has a filename. */
interface Part {
  name: string;
  value: string;
  filename?: string;
  type?: string;
}

/** A multipart/form-data body of `parts`, as latin1 text. */
function multipart(parts: Part[], end = `--${boundary}--\r\n`): string {
  let body = "";
  for (const part of parts) {
    body += `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) body += `; filename="${part.filename}"`;
    body += "\r\n";
    if (part.type) body += `Content-Type: ${part.type}\r\n`;
    body += `\r\n${part.value}\r\n`;
  }
  return body + end;
}

/** A POST of `body` to `path` as multipart/form-data with a Content-Length. */
function post(path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\n${close}` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
}

/** The same POST, its body sent chunked in pieces of `size`. */
function postChunked(path: string, body: string, size: number): string {
  let chunks = "";
  for (let at = 0; at < body.length; at += size) {
    const piece = body.slice(at, at + size);
    chunks += `${piece.length.toString(16)}\r\n${piece}\r\n`;
  }
  return `POST ${path} HTTP/1.1\r\n${close}` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`;
}

const utf8 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("latin1");

test("the uploads and static bundle serves through this library's sockets", () =>
  assertServedByUs(served.ours.port));

test("multer: single, array, fields, none and any uploads, memory and disk, as on Node", async () => {
  assert.match(
    await sameAsNode(post(
      "/single",
      multipart([
        { name: "title", value: utf8("caf\u00e9") },
        { name: "file", value: binary, filename: "bytes.bin", type: "application/octet-stream" },
      ]),
    )),
    /^HTTP\/1\.1 200 OK\r\n[^]*"body":\{"title":"cafÃ©"\},"files":\[\{"fieldname":"file","originalname":"bytes\.bin","encoding":"7bit","mimetype":"application\/octet-stream","size":256,/,
  );
  assert.match(
    await sameAsNode(post(
      "/single-disk",
      multipart([
        { name: "file", value: "on disk\n", filename: "disk.txt", type: "text/plain" },
      ]),
    )),
    /"size":8,[^]*"stored":"uploads\/1-file","head":"on disk\\n"/,
  );
  assert.match(
    await sameAsNode(post(
      "/array",
      multipart([
        { name: "photos", value: "one", filename: "1.jpg", type: "image/jpeg" },
        { name: "photos", value: "two!", filename: "2.png", type: "image/png" },
        { name: "caption", value: "two photos" },
      ]),
    )),
    /"body":\{"caption":"two photos"\},[^]*"originalname":"1\.jpg"[^]*"stored":"uploads\/3-photos"/,
  );
  assert.match(
    await sameAsNode(post(
      "/fields",
      multipart([
        { name: "a", value: "A", filename: "a.txt" },
        { name: "b", value: "B1", filename: "b1.txt" },
        { name: "b", value: "B2", filename: "b2.txt" },
      ]),
    )),
    /"files":\[\{"fieldname":"a"[^]*"fieldname":"b"[^]*"fieldname":"b"/,
  );
  assert.match(
    await sameAsNode(post(
      "/none",
      multipart([
        { name: "x", value: "1" },
        { name: "list[]", value: "a" },
        { name: "list[]", value: "b" },
      ]),
    )),
    /\{"body":\{"x":"1","list":\["a","b"\]\},"files":\[\]\}$/,
  );
  assert.match(
    await sameAsNode(post(
      "/any",
      multipart([
        { name: "anything", value: "data", filename: utf8("r\u00e9sum\u00e9.txt") },
      ]),
    )),
    // busboy reads a plain filename parameter as latin1, as it does on Node:
    // the UTF-8 name comes back encoded twice.
    /"originalname":"rÃ\x83Â©sumÃ\x83Â©\.txt"/,
  );
});

test("multer: large and chunked uploads arrive whole, as on Node", async () => {
  const large = "0123456789abcdef".repeat(64 * 1024);
  const body = multipart([{ name: "file", value: large, filename: "large.txt" }]);
  assert.match(await sameAsNode(post("/single", body)), /"size":1048576,/);
  assert.match(await sameAsNode(postChunked("/single-disk", body, 50_000)), /"size":1048576,/);
  assert.match(
    await sameAsNode(postChunked(
      "/single",
      multipart([
        { name: "file", value: "tiny pieces", filename: "t.txt" },
      ]),
      7,
    )),
    /"size":11,/,
  );
});

test("multer: limits, unexpected fields and malformed bodies fail as on Node", async () => {
  const cases: [Part[], RegExp][] = [
    [[{ name: "f", value: "more than ten bytes", filename: "x" }], /"code":"LIMIT_FILE_SIZE"/],
    [
      [
        { name: "f", value: "1", filename: "1" },
        { name: "f", value: "2", filename: "2" },
        { name: "f", value: "3", filename: "3" },
      ],
      /"code":"LIMIT_FILE_COUNT"/,
    ],
    [
      ["a", "b", "c", "d"].map((name) => ({ name, value: "1" })),
      /"code":"LIMIT_FIELD_COUNT"/,
    ],
    [[{ name: "a", value: "a long value" }], /"code":"LIMIT_FIELD_VALUE","field":"a"/],
    [
      [
        ...["a", "b", "c"].map((name) => ({ name, value: "" })),
        ...["1", "2"].map((filename) => ({ name: "f", value: "", filename })),
      ],
      /"code":"LIMIT_PART_COUNT"/,
    ],
    [[{ name: "g", value: "x", filename: "x" }], /"code":"LIMIT_UNEXPECTED_FILE","field":"g"/],
  ];
  for (const [parts, expected] of cases) {
    assert.match(
      await sameAsNode(post("/limited", multipart(parts))),
      new RegExp(`^HTTP/1\\.1 413 Payload Too Large\\r\\n[^]*${expected.source}`),
    );
  }
  assert.match(
    await sameAsNode(
      post("/single", multipart([{ name: "file", value: "cut", filename: "c" }], "")),
    ),
    /^HTTP\/1\.1 [45]\d\d [^]*"message":"Unexpected end of form"/,
  );
  assert.match(
    await sameAsNode(
      `POST /single HTTP/1.1\r\n${close}Content-Type: multipart/form-data\r\n` +
        "Content-Length: 3\r\n\r\nabc",
    ),
    /"message":"Multipart: Boundary not found"/,
  );
  // Not multipart at all: multer passes the request on untouched.
  assert.match(
    await sameAsNode(
      `POST /single HTTP/1.1\r\n${close}Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi`,
    ),
    /\{"body":null,"files":\[\]\}$/,
  );
});

test("multer: a limit hit early in a large body, RFC 5987 filenames, keep-alive uploads", async () => {
  // multer drains the rest of the body before it answers the error.
  assert.match(
    await sameAsNode(post(
      "/limited",
      multipart([
        { name: "f", value: "z".repeat(512 * 1024), filename: "big" },
      ]),
    )),
    /^HTTP\/1\.1 413 [^]*"code":"LIMIT_FILE_SIZE","field":"f","message":"File too large"\}$/,
  );
  const encoded = `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
    `filename*=UTF-8''r%C3%A9sum%C3%A9.txt\r\n\r\ndata\r\n--${boundary}--\r\n`;
  assert.match(await sameAsNode(post("/single", encoded)), /"originalname":"rÃ©sumÃ©\.txt"/);
  // Two uploads on one connection, the second sent once the first is answered.
  const body = multipart([{ name: "file", value: "again", filename: "a.txt" }]);
  const keepAlive = post("/single", body).replace("Connection: close", "Connection: keep-alive");
  const [got, want] = await Promise.all([served.ours, served.node].map(async ({ port }) => {
    const client = new RawClient(port);
    try {
      client.write(keepAlive);
      await client.untilResponses(1);
      await client.until((t) => t.endsWith("]}"));
      client.write(post("/single", body));
      await client.closed;
      return client.text.replace(/\r\nDate: [^\r]+/g, "\r\nDate: X");
    } finally {
      client.destroy();
    }
  }));
  assert.equal(got, want);
  assert.equal((got.match(/"originalname":"a\.txt"/g) ?? []).length, 2);
});

test("serve-static: files, HEAD, caching headers and 304s, as on Node", async () => {
  const full = await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}\r\n`);
  assert.match(
    full,
    /^HTTP\/1\.1 200 OK\r\n[^]*Accept-Ranges: bytes\r\nCache-Control: public, max-age=3600\r\nLast-Modified: Tue, 02 Jan 2024 03:04:05 GMT\r\nETag: W\/"13-[0-9a-f]+"\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Length: 19\r\n[^]*\r\n\r\nhello static world\n$/,
  );
  const etag = /ETag: (W\/"[^"]+")/.exec(full)![1];
  assert.match(
    await sameAsNode(`HEAD /static/hello.txt HTTP/1.1\r\n${close}\r\n`),
    /Content-Length: 19\r\n[^]*\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}If-None-Match: ${etag}\r\n\r\n`),
    /^HTTP\/1\.1 304 Not Modified\r\n[^]*\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(
      `GET /static/hello.txt HTTP/1.1\r\n${close}` +
        "If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n\r\n",
    ),
    /^HTTP\/1\.1 304 Not Modified\r\n/,
  );
  assert.match(
    await sameAsNode(
      `GET /static/hello.txt HTTP/1.1\r\n${close}` +
        "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n",
    ),
    /^HTTP\/1\.1 200 OK\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}If-Match: "other"\r\n\r\n`),
    /^HTTP\/1\.1 412 Precondition Failed\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /static/data.json HTTP/1.1\r\n${close}\r\n`),
    /Content-Type: application\/json; charset=utf-8\r\n[^]*\{"static":true\}\n$/,
  );
  assert.match(
    await sameAsNode(`GET /plain/hello.txt HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 200 OK\r\n(?![^]*ETag)(?![^]*Last-Modified)[^]*hello static world\n$/,
  );
});

test("serve-static: ranges, as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=0-4\r\n\r\n`),
    /^HTTP\/1\.1 206 Partial Content\r\n[^]*Content-Range: bytes 0-4\/19\r\n[^]*Content-Length: 5\r\n[^]*\r\n\r\nhello$/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=-6\r\n\r\n`),
    /Content-Range: bytes 13-18\/19\r\n[^]*\r\n\r\nworld\n$/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=6-\r\n\r\n`),
    /\r\n\r\nstatic world\n$/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=50-60\r\n\r\n`),
    /^HTTP\/1\.1 416 Range Not Satisfiable\r\n[^]*Content-Range: bytes \*\/19\r\n/,
  );
  // Several ranges are not combined: send answers the whole file.
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=0-1,4-5\r\n\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello static world\n$/,
  );
  assert.match(
    await sameAsNode(
      `GET /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=0-4\r\nIf-Range: "stale"\r\n\r\n`,
    ),
    /^HTTP\/1\.1 200 OK\r\n/,
  );
  assert.match(
    await sameAsNode(`HEAD /static/hello.txt HTTP/1.1\r\n${close}Range: bytes=0-4\r\n\r\n`),
    /^HTTP\/1\.1 206 [^]*Content-Length: 5\r\n[^]*\r\n\r\n$/,
  );
});

test("serve-static: directories, dotfiles, traversal, other methods, keep-alive, as on Node", async () => {
  assert.match(
    await sameAsNode(`GET /static/sub HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 301 Moved Permanently\r\n[^]*Location: \/static\/sub\/\r\n[^]*Redirecting to \/static\/sub\/<\/pre>/,
  );
  assert.match(
    await sameAsNode(`GET /static/sub?x=1 HTTP/1.1\r\n${close}\r\n`),
    /Location: \/static\/sub\/\?x=1\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /static/sub/ HTTP/1.1\r\n${close}\r\n`),
    /Content-Type: text\/html; charset=utf-8\r\n[^]*<p>index of sub<\/p>\n$/,
  );
  assert.match(
    await sameAsNode(`GET /static/.hidden HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 404 /,
  );
  assert.match(
    await sameAsNode(`GET /static/missing.txt HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 404 [^]*Cannot GET \/static\/missing\.txt/,
  );
  assert.match(
    await sameAsNode(`GET /plain/missing.txt HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 404 /,
  );
  assert.match(
    await sameAsNode(`GET /static/..%2f..%2fetc%2fpasswd HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 (403|404) /,
  );
  assert.match(
    await sameAsNode(`GET /plain/sub/..%2f..%2f.. HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 403 Forbidden\r\n/,
  );
  assert.match(
    await sameAsNode(`POST /static/hello.txt HTTP/1.1\r\n${close}Content-Length: 0\r\n\r\n`),
    /^HTTP\/1\.1 404 /,
  );
  assert.match(
    await sameAsNode(`OPTIONS /plain/hello.txt HTTP/1.1\r\n${close}\r\n`),
    /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*Allow: GET, HEAD\r\nContent-Length: 0\r\n/,
  );
  // Pipelined on one connection: a file, a range, a 304 and a redirect.
  const pipelined = "GET /static/hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n" +
    "GET /static/hello.txt HTTP/1.1\r\nHost: localhost\r\nRange: bytes=0-4\r\n\r\n" +
    "GET /static/data.json HTTP/1.1\r\nHost: localhost\r\n" +
    "If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n\r\n" +
    `GET /static/sub HTTP/1.1\r\n${close}\r\n`;
  const all = await sameAsNode(pipelined);
  assert.deepEqual(all.match(/HTTP\/1\.1 \d{3}/g), [
    "HTTP/1.1 200",
    "HTTP/1.1 206",
    "HTTP/1.1 304",
    "HTTP/1.1 301",
  ]);
});

const big = Array.from({ length: 2000 }, (_, i) => `line ${i} of a big file\n`).join("");
const inflaters: Record<string, (bytes: Buffer) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

test("compression: gzip, deflate and br negotiated for static files, as on Node", async () => {
  // The runtime's own zlib compresses, and Deno's and Bun's write other
  // bytes than Node's at the same level: the body is compared once
  // inflated; the head and the chunked framing must be Node's.
  for (
    const [accept, encoding] of [
      ["gzip", "gzip"],
      ["deflate", "deflate"],
      ["br", "br"],
      ["gzip, deflate, br", "br"],
      ["gzip;q=1, br;q=0.5", "gzip"],
    ]
  ) {
    const wire = `GET /static/big.txt HTTP/1.1\r\n${close}Accept-Encoding: ${accept}\r\n\r\n`;
    const [got, want] = await Promise.all([
      exchangeText(served.ours.port, wire),
      exchangeText(served.node.port, wire),
    ]);
    const [gotHead, gotBody] = splitChunked(got);
    const [wantHead, wantBody] = splitChunked(want);
    assert.equal(gotHead, wantHead);
    assert.match(
      gotHead,
      new RegExp(
        `Vary: Accept-Encoding\\r\\nContent-Encoding: ${encoding}\\r\\n[^]*` +
          "Transfer-Encoding: chunked\\r\\n\\r\\n$",
      ),
    );
    assert.doesNotMatch(gotHead, /Content-Length/);
    const inflate = inflaters[encoding];
    assert.equal(inflate(gotBody).toString(), inflate(wantBody).toString());
    assert.equal(inflate(gotBody).toString(), big);
  }
  // No compression: identity wanted, a body under the threshold, HEAD, a range, a 304.
  assert.match(
    await sameAsNode(`GET /static/big.txt HTTP/1.1\r\n${close}Accept-Encoding: identity\r\n\r\n`),
    /Content-Length: 46890\r\nVary: Accept-Encoding\r\n/,
  );
  assert.match(
    await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\n\r\n`),
    /Content-Length: 19\r\n[^]*hello static world\n$/,
  );
  assert.match(
    await sameAsNode(`HEAD /static/big.txt HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\n\r\n`),
    /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/,
  );
  assert.match(
    await sameAsNode(
      `GET /static/big.txt HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\nRange: bytes=0-9\r\n\r\n`,
    ),
    /^HTTP\/1\.1 206 [^]*\r\n\r\nline 0 of $/,
  );
  assert.match(
    await sameAsNode(
      `GET /static/big.txt HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\n` +
        "If-Modified-Since: Tue, 02 Jan 2024 03:04:05 GMT\r\n\r\n",
    ),
    /^HTTP\/1\.1 304 Not Modified\r\n/,
  );
});

test("compression: flushed pieces and JSON bodies, as on Node", async () => {
  for (const path of ["/flushed", "/json-large"]) {
    const wire = `GET ${path} HTTP/1.1\r\n${close}Accept-Encoding: gzip\r\n\r\n`;
    const [got, want] = await Promise.all([
      exchangeText(served.ours.port, wire),
      exchangeText(served.node.port, wire),
    ]);
    const [gotHead, gotBody] = splitChunked(got);
    const [wantHead, wantBody] = splitChunked(want);
    assert.equal(gotHead, wantHead);
    assert.match(gotHead, /Content-Encoding: gzip\r\n/);
    assert.equal(gunzipSync(gotBody).toString(), gunzipSync(wantBody).toString());
  }
  assert.match(
    await sameAsNode(`GET /flushed HTTP/1.1\r\n${close}\r\n`),
    /Transfer-Encoding: chunked\r\n[^]*done after 5\n\r\n0\r\n\r\n$/,
  );
});

test("serve-static: a 3 MiB file whole, ranged, and cut off by the client, as on Node", async () => {
  const whole = await sameAsNode(`GET /static/large.bin HTTP/1.1\r\n${close}\r\n`);
  const body = whole.slice(whole.indexOf("\r\n\r\n") + 4);
  assert.equal(body.length, 3 * 1024 * 1024);
  assert.equal(body.charCodeAt(1000), (1000 * 7) % 251);
  assert.match(
    await sameAsNode(
      `GET /static/large.bin HTTP/1.1\r\n${close}Range: bytes=1048576-1048580\r\n\r\n`,
    ),
    /Content-Range: bytes 1048576-1048580\/3145728\r\n/,
  );
  // A client that goes away mid-file; the server serves the next one.
  for (const { port } of [served.ours, served.node]) {
    const client = new RawClient(port);
    try {
      client.write(`GET /static/large.bin HTTP/1.1\r\n${close}\r\n`);
      await client.until((t) => t.length > 100_000);
    } finally {
      client.destroy();
    }
  }
  await sameAsNode(`GET /static/hello.txt HTTP/1.1\r\n${close}\r\n`);
});

test("multer: an upload sent after 100 Continue, as on Node", async () => {
  const body = multipart([{ name: "file", value: "continued", filename: "c.txt" }]);
  const head = `POST /single HTTP/1.1\r\n${close}Expect: 100-continue\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
    `Content-Length: ${body.length}\r\n\r\n`;
  const [got, want] = await Promise.all([served.ours, served.node].map(async ({ port }) => {
    const client = new RawClient(port);
    try {
      client.write(head);
      await client.until((t) => t.includes("\r\n\r\n"));
      client.write(body);
      await client.closed;
      return client.text.replace(/\r\nDate: [^\r]+/g, "\r\nDate: X");
    } finally {
      client.destroy();
    }
  }));
  assert.equal(got, want);
  assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*"size":9,/);
});

test("multer: an upload the client abandons mid-file fails and leaves no file, as on Node", async () => {
  const start = `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
    `filename="half.bin"\r\n\r\n${"h".repeat(20_000)}`;
  const head = `POST /abortable HTTP/1.1\r\nHost: localhost\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 100000\r\n\r\n`;
  const [got, want] = await Promise.all([served.ours, served.node].map(async ({ port }) => {
    const client = new RawClient(port);
    client.write(head + start);
    client.end();
    await client.closed;
    return await exchangeText(port, `GET /abandoned HTTP/1.1\r\n${close}\r\n`);
  }));
  assert.equal(got, want);
  assert.match(
    got,
    /\{"errors":\[\{"name":"Error","code":null,"message":"Request aborted"\}\],"left":\[\]\}$/,
  );
});
