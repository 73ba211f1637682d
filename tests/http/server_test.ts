import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import http from "../../http.ts";
import type { AddressInfo } from "../../net.ts";
import { maskDate, RawClient } from "../_util/wire.ts";
import { serve, stop, untilServerCloses } from "../_util/serve.ts";

const HELLO = "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
  "Content-Length: 5\r\n\r\nhello";

test("http.Server answers with Node's exact bytes and keeps the connection alive", async () => {
  const [server, port] = await serve((_req, res) => res.end("hello"));
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(maskDate(await client.untilResponses(1)), HELLO);
    client.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    const both = await client.until((t) => t.endsWith("hello") && t.split("hello").length === 3);
    assert.equal(maskDate(both), HELLO + HELLO);
    assert.equal(client.isClosed, false);
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server keeps user header order before Date/Connection/Content-Length", async () => {
  const [server, port] = await serve((_req, res) => {
    res.setHeader("Content-Type", "text/plain");
    res.setHeader("X-Multi", ["a", "b"]);
    res.end("hi");
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("hi"));
    assert.equal(
      maskDate(text),
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Multi: a\r\nX-Multi: b\r\nDate: X\r\n" +
        "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nhi",
    );
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.ServerResponse streams chunked bodies when the length is unknown", async () => {
  const [server, port] = await serve((_req, res) => {
    res.write("a");
    res.end("bc");
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("0\r\n\r\n"));
    assert.equal(
      maskDate(text),
      "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
        "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n",
    );
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server answers pipelined requests in order, split at every byte boundary", async () => {
  const [server, port] = await serve((req, res) => res.end(req.url));
  const wire = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /bb HTTP/1.1\r\nHost: x\r\n\r\n";
  try {
    for (let cut = 1; cut < wire.length; cut++) {
      const client = new RawClient(port);
      try {
        client.write(wire.slice(0, cut));
        await new Promise((r) => setImmediate(r));
        client.write(wire.slice(cut));
        const text = await client.untilResponses(2).then(() =>
          client.until((t) => t.endsWith("/bb"))
        );
        const bodies = maskDate(text).split("\r\n\r\n").slice(1).map((s) => s.slice(0, 3));
        assert.deepEqual(bodies, ["/aH", "/bb"], `cut at ${cut}`);
      } finally {
        client.destroy();
      }
    }
  } finally {
    await stop(server);
  }
});

test("http.IncomingMessage reads a chunked upload with trailers", async () => {
  let got: { body: string; trailers: Record<string, unknown>; raw: string[] } | null = null;
  const [server, port] = await serve((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      got = { body: Buffer.concat(parts).toString(), trailers: req.trailers, raw: req.rawTrailers };
      res.end("ok");
    });
  });
  const client = new RawClient(port);
  try {
    client.write(
      "POST /u HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n",
    );
    await client.until((t) => t.endsWith("ok"));
    assert.deepEqual(got, {
      body: "hello world",
      trailers: { "x-sum": "42" },
      raw: ["X-Sum", "42"],
    });
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server sends 100 Continue for Expect: 100-continue, or lets checkContinue decide", async () => {
  const [server, port] = await serve((req, res) => {
    req.resume();
    req.on("end", () => res.end("done"));
  });
  const client = new RawClient(port);
  try {
    client.write("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    assert.equal(
      await client.until((t) => t.includes("\r\n\r\n")),
      "HTTP/1.1 100 Continue\r\n\r\n",
    );
    client.write("abc");
    const text = await client.until((t) => t.endsWith("done"));
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  } finally {
    client.destroy();
    await stop(server);
  }
  const gated = http.createServer();
  gated.on("checkContinue", (_req, res) => {
    res.writeHead(417);
    res.end();
  });
  gated.listen(0, "127.0.0.1");
  await once(gated, "listening");
  const c2 = new RawClient((gated.address() as AddressInfo).port);
  try {
    c2.write("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    const text = await c2.untilResponses(1);
    assert.match(text, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
    assert.equal(text.includes("100 Continue"), false);
  } finally {
    c2.destroy();
    await stop(gated);
  }
});

test("http.Server 'upgrade' hands over the socket with the bytes after the head", async () => {
  const server = http.createServer(() => assert.fail("upgrade reached 'request'"));
  server.on("upgrade", (req, socket, head: Buffer) => {
    assert.equal(req.headers.upgrade, "echo");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n",
    );
    socket.write(head);
    socket.pipe(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client = new RawClient((server.address() as AddressInfo).port);
  try {
    client.write(
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly-bytes",
    );
    await client.until((t) => t.endsWith("early-bytes"));
    client.write("|more");
    const text = await client.until((t) => t.endsWith("|more"));
    assert.equal(
      text,
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly-bytes|more",
    );
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server 'connect' gets CONNECT with the head bytes; without a listener the socket closes", async () => {
  const server = http.createServer();
  server.on("connect", (req, socket, head: Buffer) => {
    socket.end(`HTTP/1.1 200 Connection Established\r\n\r\n${req.url}|${head}`);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const client = new RawClient(port);
  try {
    client.write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nhello");
    await client.closed;
    assert.equal(client.text, "HTTP/1.1 200 Connection Established\r\n\r\nexample.com:443|hello");
    server.removeAllListeners("connect");
    const bare = new RawClient(port);
    bare.write("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    await bare.closed;
    assert.equal(bare.text, "");
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server answers HTTP/1.0 with Connection: close and a close-delimited body", async () => {
  const [server, port] = await serve((_req, res) => res.end("old"));
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.0\r\n\r\n");
    await client.closed;
    assert.equal(
      maskDate(client.text),
      "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n\r\nold",
    );
  } finally {
    await stop(server);
  }
});

test("http.Server sends no body for HEAD, 204 and 304", async () => {
  const [server, port] = await serve((req, res) => {
    if (req.url === "/204") res.writeHead(204);
    if (req.url === "/304") res.writeHead(304);
    res.end("must not appear");
  });
  const client = new RawClient(port);
  try {
    client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    client.write("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n");
    client.write("GET /304 HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = maskDate(await client.untilResponses(3));
    const ka = "Date: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n";
    assert.equal(
      text,
      `HTTP/1.1 200 OK\r\n${ka}HTTP/1.1 204 No Content\r\n${ka}HTTP/1.1 304 Not Modified\r\n${ka}`,
    );
  } finally {
    client.destroy();
    await stop(server);
  }
});

// [name, bytes, code, error in the head?]: a body error comes after 'request'.
const malformed: [string, string, string, boolean?][] = [
  ["bad method", "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", "HPE_INVALID_METHOD"],
  ["bad version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HPE_INVALID_VERSION"],
  ["space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", "HPE_INVALID_HEADER_TOKEN"],
  [
    "CL and TE",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "HPE_INVALID_TRANSFER_ENCODING",
  ],
  [
    "two Content-Length",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "HPE_UNEXPECTED_CONTENT_LENGTH",
  ],
  [
    "TE not ending in chunked",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    "HPE_INVALID_TRANSFER_ENCODING",
  ],
  [
    "bad chunk size",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "HPE_INVALID_CHUNK_SIZE",
    false,
  ],
  ["bare CR", "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", "HPE_LF_EXPECTED"],
];

for (const [name, wire, code, inHead = true] of malformed) {
  test(`http.Server answers 400 and emits clientError ${code} for ${name}`, async () => {
    const [server, port] = await serve(() => {
      if (inHead) assert.fail("malformed request reached 'request'");
    });
    const errors: (Error & { code?: string; bytesParsed?: number; rawPacket?: Buffer })[] = [];
    const client = new RawClient(port);
    try {
      client.write(wire);
      await client.closed;
      assert.equal(client.text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      // With a listener, the listener sees Node's error fields.
      server.on("clientError", (err, socket) => {
        errors.push(err);
        socket.destroy();
      });
      const second = new RawClient(port);
      second.write(wire);
      await second.closed;
      assert.equal(second.text, "");
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, code);
      assert.equal(typeof errors[0].bytesParsed, "number");
      assert.ok(Buffer.isBuffer(errors[0].rawPacket));
    } finally {
      client.destroy();
      await stop(server);
    }
  });
}

test("http.Server answers 431 when the head reaches maxHeaderSize, and accepts one byte less", async () => {
  const [server, port] = await serve((_req, res) => res.end("ok"), { maxHeaderSize: 1024 });
  // Node counts the URL and each header name and value: "/" + "Host" + "x" + "X" + value.
  const fits = "A".repeat(1024 - 1 - 4 - 1 - 1 - 1);
  try {
    const ok = new RawClient(port);
    ok.write(`GET / HTTP/1.1\r\nHost: x\r\nX: ${fits}\r\n\r\n`);
    assert.match(await ok.untilResponses(1), /^HTTP\/1\.1 200 OK/);
    ok.destroy();
    const big = new RawClient(port);
    big.write(`GET / HTTP/1.1\r\nHost: x\r\nX: ${fits}A\r\n\r\n`);
    await big.closed;
    assert.equal(
      big.text,
      "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n",
    );
  } finally {
    await stop(server);
  }
});

test("http.Server answers 408 to a client that is too slow with its headers", async () => {
  const [server, port] = await serve(() => assert.fail("slow request reached 'request'"), {
    headersTimeout: 200,
    requestTimeout: 400,
    connectionsCheckingInterval: 50,
  });
  assert.equal(
    await untilServerCloses(server, port, "GET / HTTP/1.1\r\nHost: x\r\n"),
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
  );
});

test("http.Server answers 408 when the whole request outlives requestTimeout", async () => {
  const [server, port] = await serve(() => {}, {
    headersTimeout: 200,
    requestTimeout: 300,
    connectionsCheckingInterval: 50,
  });
  assert.equal(
    await untilServerCloses(
      server,
      port,
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    ),
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
  );
});

// Only assignment after construction can make headersTimeout the larger (the
// constructor refuses it); Fastify does so for requestTimeout. Node then swaps
// the two: the smaller bounds the headers, the larger the whole request.
test("http.Server bounds a request by the larger timeout when headersTimeout > requestTimeout", async () => {
  let started = 0;
  const [server, port] = await serve(() => started = performance.now(), {
    connectionsCheckingInterval: 50,
  });
  server.requestTimeout = 200;
  server.headersTimeout = 1000;
  const slowHeaders = new RawClient(port);
  const slowBody = new RawClient(port);
  try {
    slowHeaders.write("GET / HTTP/1.1\r\nHost: x\r\n");
    slowBody.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    await slowHeaders.closed;
    assert.equal(slowHeaders.text, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    await slowBody.closed;
    assert.equal(slowBody.text, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    // Timers never fire early: this far past requestTimeout (200), the body had the larger one.
    assert.ok(performance.now() - started >= 900, `${performance.now() - started}ms`);
  } finally {
    slowHeaders.destroy();
    slowBody.destroy();
    await stop(server);
  }
});

test("http.Server guards a failed socket with its own 'error' listener, whatever others do", async () => {
  let closed: Promise<unknown> | undefined;
  let guarded: boolean | undefined;
  const [server, port] = await serve((req) => {
    const socket = req.socket!;
    // Someone else's 'error' listener is there when the parse error below
    // fails the connection, and gone before the socket emits it (Koa's
    // on-finished drops its own once the response fails to be written).
    const listener = () => {};
    socket.on("error", listener);
    const destroy = socket.destroy;
    socket.destroy = function (this: typeof socket, err?: Error) {
      socket.removeListener("error", listener);
      guarded = socket.listenerCount("error") > 0;
      return destroy.call(this, err);
    };
    // Not events.once(): it listens for 'error' itself.
    closed ??= new Promise((resolve) => socket.on("close", resolve));
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost : x\r\n\r\n");
    await client.closed;
    await closed;
    // Unguarded, the socket's HPE_INVALID_HEADER_TOKEN would be thrown as uncaught.
    assert.equal(guarded, true);
    assert.equal(client.text, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server requires Host on HTTP/1.1 requests", async () => {
  const [server, port] = await serve(() => assert.fail("no Host reached 'request'"));
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\n\r\n");
    await client.closed;
    assert.match(maskDate(client.text), /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
  } finally {
    await stop(server);
  }
});

test("http.Server's sockets refuse setEncoding() with ERR_HTTP_SOCKET_ENCODING", async () => {
  const [server, port] = await serve((req, res) => {
    assert.throws(() => req.socket!.setEncoding("utf8"), {
      name: "Error",
      code: "ERR_HTTP_SOCKET_ENCODING",
      message: "Changing the socket encoding is not allowed per RFC7230 Section 3.",
    });
    res.end("ok");
  });
  const seen = new Promise<unknown>((resolve) => {
    server.once("connection", (socket) => {
      try {
        socket.setEncoding("");
        resolve(null);
      } catch (err) {
        resolve(err);
      }
    });
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(await client.untilResponses(1), /\r\n\r\nok$/);
    assert.equal((await seen as { code?: string } | null)?.code, "ERR_HTTP_SOCKET_ENCODING");
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server answers fetch() with a streamed body both ways", async () => {
  const [server, port] = await serve((req, res) => {
    res.setHeader("Content-Type", "text/plain");
    req.on("data", (d: Buffer) => res.write(d.toString().toUpperCase()));
    req.on("end", () => res.end("!"));
  });
  try {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("stream"));
        controller.enqueue(new TextEncoder().encode("ing"));
        controller.close();
      },
    });
    const response = await fetch(`http://127.0.0.1:${port}/up`, {
      method: "POST",
      body,
      // deno-lint-ignore no-explicit-any
      duplex: "half" as any,
    } as RequestInit);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/plain");
    assert.equal(await response.text(), "STREAMING!");
  } finally {
    await stop(server);
  }
});
