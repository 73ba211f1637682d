import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import process from "node:process";
import * as runtimeNet from "node:net";
import http, { Agent, ClientRequest, type RequestOptions } from "../../http.ts";
import { Socket } from "../../net.ts";

/**
 * A server on the runtime's own sockets that records each request head and
 * answers it with an empty 200 that closes the connection.
 */
async function headServer(): Promise<{ port: number; heads: string[]; close(): Promise<void> }> {
  const heads: string[] = [];
  const sockets = new Set<runtimeNet.Socket>();
  const server = runtimeNet.createServer((conn) => {
    sockets.add(conn);
    let buffer = "";
    conn.on("data", (d: Buffer) => {
      buffer += d.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      heads.push(buffer.slice(0, end + 4));
      buffer = "";
      conn.end("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    });
    conn.on("error", () => {});
    conn.on("close", () => sockets.delete(conn));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as runtimeNet.AddressInfo).port,
    heads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The head a bodiless POST with `options` sends to a `headServer()`, and that server's port. */
async function headSent(options: RequestOptions): Promise<{ head: string; port: number }> {
  const server = await headServer();
  try {
    const req = http.request({
      method: "POST",
      host: "127.0.0.1",
      port: server.port,
      agent: false,
      ...options,
    });
    req.end();
    const [res] = await once(req, "response");
    res.resume();
    await once(res, "end");
    return { head: server.heads[0], port: server.port };
  } finally {
    await server.close();
  }
}

test("http.request() with setDefaultHeaders: false sends only the caller's headers", async () => {
  const { head } = await headSent({
    setDefaultHeaders: false,
    headers: ["foo", "bar", "foo", "baz"],
  });
  assert.equal(head, "POST / HTTP/1.1\r\nfoo: bar\r\nfoo: baz\r\n\r\n");
});

test("http.request() with setDefaultHeaders: false and setHost: true sends Host alone", async () => {
  const { head, port } = await headSent({ setDefaultHeaders: false, setHost: true });
  assert.equal(head, `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
});

test("http.request() joins the uniqueHeaders option's array values into one line", async () => {
  const server = await headServer();
  try {
    const req = http.request({
      host: "127.0.0.1",
      port: server.port,
      agent: false,
      uniqueHeaders: ["x-one"],
      headers: { "X-One": ["a", "b"], "X-Many": ["c", "d"] },
    });
    req.end();
    const [res] = await once(req, "response");
    res.resume();
    await once(res, "end");
    const head = server.heads[0];
    assert.match(head, /\r\nX-One: a; b\r\n/);
    assert.match(head, /\r\nX-Many: c\r\nX-Many: d\r\n/);
  } finally {
    await server.close();
  }
});

test("http.ClientRequest.path rejects an assignment with control characters", () => {
  // createConnection returns nothing: the request never gets a socket.
  const req = new ClientRequest({ host: "127.0.0.1", port: 1, path: "/a", createConnection() {} });
  try {
    for (const bad of ["/x\r\nInjected: 1", "/x\ry", "/x\ny", "/x\0y"]) {
      assert.throws(() => {
        req.path = bad;
      }, { code: "ERR_UNESCAPED_CHARACTERS", name: "TypeError" });
      assert.equal(req.path, "/a");
    }
    req.path = "/b?c=1";
    assert.equal(req.path, "/b?c=1");
  } finally {
    req.destroy();
  }
});

test("http.request() and http.get() throw ERR_INVALID_URL for a string that is no URL", () => {
  let called = 0;
  const cb = () => called++;
  for (const input of ["www.example.com", "localhost", "127.0.0.1", "http://:80/"]) {
    for (const fn of [http.request, http.get]) {
      assert.throws(() => fn(input, cb), {
        name: "TypeError",
        code: "ERR_INVALID_URL",
        message: "Invalid URL",
        input,
      });
    }
  }
  assert.equal(called, 0);
});

test("http.ClientRequest reuses one response parser across requests on a kept-alive socket", async () => {
  const server = http.createServer((_req, res) => res.end("ok"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const port = (server.address() as runtimeNet.AddressInfo).port;
    const parsers: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      // The parser is freed once the message is parsed: read it in the callback.
      const req = http.get({ host: "127.0.0.1", port, agent }, (res) => {
        parsers.push(req.parser);
        res.resume();
      });
      await once(req, "close");
    }
    assert.ok(parsers[0]);
    assert.equal(parsers[1], parsers[0]);
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("http.ClientRequest reads the next response on a kept-alive socket that a whole body left paused", async () => {
  // The body comes in the same chunk as its head, larger than any
  // response's high-water mark, before anyone reads: the socket is paused
  // for it while the message completes. Node then reads on for the next
  // message; a socket left paused holds the next request's response unread
  // (got's retry after a large download hung so on Bun).
  const body = "x".repeat(256 * 1024);
  const streams: Duplex[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agent.createConnection = () => {
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        if (chunk.includes("\r\n\r\n")) {
          this.push(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
        }
        done();
      },
    });
    // What the agent calls on a socket it keeps.
    Object.assign(stream, {
      setKeepAlive() {},
      setNoDelay() {},
      setTimeout() {},
      ref() {},
      unref() {},
    });
    streams.push(stream);
    return stream as unknown as Socket;
  };
  let hung: ReturnType<typeof setTimeout> | undefined;
  try {
    const lengths: number[] = [];
    for (let i = 0; i < 2; i++) {
      const req = http.get({ host: "x.test", path: `/${i}`, agent });
      // Awaited, the response is seen after its whole body was pushed.
      const [res] = await Promise.race([
        once(req, "response"),
        new Promise<never>((_, reject) => {
          hung = setTimeout(() => reject(new Error(`response ${i} was never read`)), 5000);
        }),
      ]);
      clearTimeout(hung);
      let length = 0;
      res.on("data", (chunk: Buffer) => length += chunk.length);
      await once(res, "end");
      lengths.push(length);
      assert.equal(streams[0].isPaused(), false, `after response ${i}`);
    }
    assert.deepEqual(lengths, [body.length, body.length]);
    assert.equal(streams.length, 1);
  } finally {
    clearTimeout(hung);
    agent.destroy();
  }
});

test("http.ClientRequest.abort() reports the error its socket was destroyed with", async () => {
  const req = http.get({
    createConnection() {
      const socket = new Socket();
      process.nextTick(() => socket.destroy(new Error("Oops")));
      return socket;
    },
  });
  const error = once(req, "error");
  req.abort();
  const [err] = await error;
  assert.equal(err.message, "Oops");
});

test("http.ClientRequest parses bytes its Duplex pushes from inside an 'information' listener", async () => {
  // The stream answers the request head with a 103, then, from the listener
  // of that 1xx, pushes the final response while the first is being parsed.
  let stream: Duplex | null = null;
  const req = http.request({
    host: "127.0.0.1",
    createConnection() {
      stream = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, done) {
          if (chunk.includes("\r\n\r\n")) this.push("HTTP/1.1 103 Early Hints\r\n\r\n");
          done();
        },
      });
      return stream;
    },
  });
  const seen: string[] = [];
  req.on("information", (info) => {
    seen.push(`information ${info.statusCode}`);
    stream!.push("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    stream!.push(null);
  });
  const response = once(req, "response");
  req.on("error", (err) => seen.push(`error ${err.message}`));
  req.end();
  const [res] = await response;
  seen.push(`response ${res.statusCode}`);
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (text: string) => body += text);
  await once(res, "end");
  assert.deepEqual(seen, ["information 103", "response 200"]);
  assert.equal(body, "ok");
});
