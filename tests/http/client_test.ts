import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import * as runtimeNet from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import http, { Agent, type IncomingMessage } from "../../http.ts";
import type { AddressInfo } from "../../net.ts";
import { tempDir } from "../_util/net.ts";
import { runFixture } from "../_util/process.ts";

/**
 * A raw server on the runtime's own sockets: records each connection's
 * bytes and answers every request head with `reply(head)`.
 */
async function rawServer(
  reply: (head: string, conn: runtimeNet.Socket) => string | null,
): Promise<{ port: number; received: string[]; connections: number; close(): Promise<void> }> {
  const received: string[] = [];
  const sockets = new Set<runtimeNet.Socket>();
  const state = { connections: 0 };
  const server = runtimeNet.createServer((conn) => {
    state.connections++;
    sockets.add(conn);
    let buffer = "";
    conn.on("data", (d: Buffer) => {
      buffer += d.toString("latin1");
      let end: number;
      while ((end = buffer.indexOf("\r\n\r\n")) !== -1) {
        const headEnd = end + 4;
        const length = Number(/content-length: *(\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
        if (buffer.length < headEnd + length) return;
        const message = buffer.slice(0, headEnd + length);
        buffer = buffer.slice(headEnd + length);
        received.push(message);
        const answer = reply(message, conn);
        if (answer !== null) conn.write(answer);
      }
    });
    conn.on("error", () => {});
    conn.on("close", () => sockets.delete(conn));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    received,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function body(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (d: string) => text += d);
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok";

test("http.request() sends Node's exact request bytes", async () => {
  const server = await rawServer(() => OK);
  const agent = new Agent({ keepAlive: true });
  try {
    const req = http.request({ port: server.port, host: "127.0.0.1", path: "/x?y=1", agent });
    req.setHeader("X-Test", "1");
    req.end();
    const [res] = await once(req, "response");
    assert.equal(res.statusCode, 200);
    assert.equal(await body(res), "ok");
    assert.equal(
      server.received[0],
      // Host is set when the request is made, so it precedes later setHeader() calls.
      `GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Test: 1\r\nConnection: keep-alive\r\n\r\n`,
    );
    const post = http.request({ port: server.port, host: "127.0.0.1", method: "POST", agent });
    post.end("data");
    await body((await once(post, "response"))[0]);
    assert.equal(
      server.received[1],
      `POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n` +
        "Content-Length: 4\r\n\r\ndata",
    );
  } finally {
    agent.destroy();
    await server.close();
  }
});

test("http.request() streams a chunked body when the length is unknown", async () => {
  const server = await rawServer((head) => head.endsWith("0\r\n\r\n") ? OK : null);
  const agent = new Agent({ keepAlive: true });
  try {
    const req = http.request({ port: server.port, host: "127.0.0.1", method: "PUT", agent });
    req.write("ab");
    req.end("c");
    await body((await once(req, "response"))[0]);
    assert.equal(
      server.received.join(""),
      `PUT / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: keep-alive\r\n` +
        "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
    );
  } finally {
    agent.destroy();
    await server.close();
  }
});

test("http.Agent keepAlive reuses one socket for sequential requests", async () => {
  const server = http.createServer((req, res) => res.end(req.url));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true });
  const peers = new Set<number>();
  try {
    for (let i = 0; i < 5; i++) {
      const req = http.get({ port, host: "127.0.0.1", path: `/${i}`, agent });
      const closed = new Promise((resolve) => req.once("close", resolve));
      const [res] = await once(req, "response");
      peers.add(req.socket!.localPort!);
      assert.equal(await body(res), `/${i}`);
      assert.equal(req.reusedSocket, i > 0);
      await closed;
    }
    assert.equal(peers.size, 1);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test("http.Agent maxSockets queues requests beyond the limit", async () => {
  let active = 0;
  let peak = 0;
  const server = http.createServer((_req, res) => {
    active++;
    peak = Math.max(peak, active);
    setImmediate(() => {
      active--;
      res.end("x");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    const all = Array.from({ length: 6 }, () =>
      new Promise<string>((resolve, reject) => {
        http.get({ port, host: "127.0.0.1", agent }, (res) => body(res).then(resolve, reject))
          .on("error", reject);
      }));
    assert.deepEqual(await Promise.all(all), ["x", "x", "x", "x", "x", "x"]);
    assert.ok(peak <= 2, `peak ${peak}`);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test("http.request({ agent: false }) uses a one-off connection with Connection: close", async () => {
  const server = await rawServer(() => "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz");
  try {
    const req = http.request({ port: server.port, host: "127.0.0.1", agent: false });
    req.end();
    assert.equal(await body((await once(req, "response"))[0]), "z");
    assert.equal(
      server.received[0],
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`,
    );
  } finally {
    await server.close();
  }
});

test("http.request() over a Unix socketPath", async () => {
  const { dir, cleanup } = tempDir();
  const socketPath = join(dir, "h.sock");
  const server = http.createServer((req, res) => res.end(`unix ${req.url}`));
  server.listen(socketPath);
  await once(server, "listening");
  try {
    const req = http.get({ socketPath, path: "/p", agent: false });
    assert.equal(await body((await once(req, "response"))[0]), "unix /p");
  } finally {
    server.close();
    cleanup();
  }
});

test("http.ClientRequest emits 'socket hang up' when the server closes without answering", async () => {
  const server = await rawServer((_head, conn) => {
    conn.destroy();
    return null;
  });
  try {
    const req = http.get({ port: server.port, host: "127.0.0.1", agent: false });
    const [err] = await once(req, "error");
    assert.equal(err.code, "ECONNRESET");
    assert.equal(err.message, "socket hang up");
  } finally {
    await server.close();
  }
});

test("http.IncomingMessage emits 'aborted' when the body is cut short", async () => {
  const server = await rawServer((_head, conn) => {
    conn.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    return null;
  });
  try {
    const req = http.get({ port: server.port, host: "127.0.0.1", agent: false });
    const [res] = await once(req, "response");
    const aborted = once(res, "aborted");
    res.resume();
    await aborted;
    assert.equal(res.complete, false);
  } finally {
    await server.close();
  }
});

test("http.IncomingMessage.destroy() mid-body emits the response's 'close' before the request's, as Node", async () => {
  // The response waits for its socket's stream to be closed (at once), not
  // for the socket's 'close' event (when the handle is): on Node the order is
  // aborted, the response's close, then the request's.
  const server = await rawServer((_head, conn) => {
    conn.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    return null;
  });
  try {
    const events: string[] = [];
    const req = http.get({ port: server.port, host: "127.0.0.1", agent: false }, (res) => {
      res.once("data", () => res.destroy());
      res.on("aborted", () => events.push("res aborted"));
      res.on("close", () => events.push("res close"));
    });
    req.on("error", (err) => events.push(`req error ${err.message}`));
    req.on("close", () => events.push("req close"));
    await once(req, "close");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ["res aborted", "res close", "req close"]);
  } finally {
    await server.close();
  }
});

test("http.ClientRequest sends the head at once for Expect: 100-continue and waits for 'continue'", async () => {
  const server = http.createServer((req, res) => {
    req.setEncoding("utf8");
    let text = "";
    req.on("data", (d: string) => text += d);
    req.on("end", () => res.end(`got ${text}`));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  try {
    const req = http.request({
      port,
      host: "127.0.0.1",
      method: "POST",
      headers: { Expect: "100-continue", "Content-Length": 5 },
      agent: false,
    });
    await once(req, "continue");
    req.end("hello");
    assert.equal(await body((await once(req, "response"))[0]), "got hello");
  } finally {
    server.close();
  }
});

test("http.ClientRequest 'information' reports 1xx responses", async () => {
  const server = await rawServer(() =>
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
  );
  try {
    const req = http.get({ port: server.port, host: "127.0.0.1", agent: false });
    // Both arrive in one packet, so listen for both before awaiting either.
    const response = once(req, "response");
    const [info] = await once(req, "information");
    assert.equal(info.statusCode, 103);
    assert.equal(info.headers.link, "</a.css>");
    const [res] = await response;
    assert.equal(res.statusCode, 200);
    res.resume();
  } finally {
    await server.close();
  }
});

test("http.ClientRequest 'upgrade' hands over the socket with the bytes after the head", async () => {
  const server = await rawServer(() =>
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nafter"
  );
  try {
    const req = http.request({
      port: server.port,
      host: "127.0.0.1",
      headers: { Connection: "Upgrade", Upgrade: "x" },
    });
    req.end();
    const [res, socket, head] = await once(req, "upgrade");
    assert.equal(res.statusCode, 101);
    assert.equal(String(head), "after");
    socket.destroy();
  } finally {
    await server.close();
  }
});

test("http.ClientRequest 'connect' tunnels CONNECT", async () => {
  const server = await rawServer(() => "HTTP/1.1 200 Connection Established\r\n\r\ntunnel");
  try {
    const req = http.request({
      port: server.port,
      host: "127.0.0.1",
      method: "CONNECT",
      path: "example.com:443",
    });
    req.end();
    const [res, socket, head] = await once(req, "connect");
    assert.equal(res.statusCode, 200);
    assert.equal(String(head), "tunnel");
    assert.equal(server.received[0].startsWith("CONNECT example.com:443 HTTP/1.1\r\n"), true);
    socket.destroy();
  } finally {
    await server.close();
  }
});

test("http.ClientRequest timeout option emits 'timeout'; destroy() then fails the request", async () => {
  const server = await rawServer(() => null);
  try {
    const req = http.get({ port: server.port, host: "127.0.0.1", timeout: 100, agent: false });
    await once(req, "timeout");
    req.destroy();
    const [err] = await once(req, "error");
    assert.equal(err.message, "socket hang up");
  } finally {
    await server.close();
  }
});

test("http.ClientRequest signal aborts with an AbortError", async () => {
  const server = await rawServer(() => null);
  try {
    const controller = new AbortController();
    const req = http.get({
      port: server.port,
      host: "127.0.0.1",
      signal: controller.signal,
      agent: false,
    });
    await once(req, "socket");
    controller.abort();
    const [err] = await once(req, "error");
    assert.equal(err.name, "AbortError");
    await once(req, "close");
  } finally {
    await server.close();
  }
});

test("http.request() with an aborted signal is destroyed at once, 'error' later", async () => {
  const server = await rawServer(() => OK);
  try {
    const controller = new AbortController();
    controller.abort();
    for (const agent of [false, new Agent()] as const) {
      const req = http.get({
        port: server.port,
        host: "127.0.0.1",
        signal: controller.signal,
        agent,
      });
      req.on("response", () => assert.fail("response after abort"));
      const errored = once(req, "error");
      const closed = new Promise((resolve) => req.once("close", resolve));
      assert.equal(req.destroyed, true);
      assert.equal(req.aborted, false);
      const [err] = await errored;
      assert.equal(err.name, "AbortError");
      assert.equal(err.code, "ABORT_ERR");
      await closed;
      if (agent) agent.destroy();
    }
  } finally {
    await server.close();
  }
});

test("http.ClientRequest abort() before a socket emits 'abort' and 'close', no 'response'", async () => {
  const server = await rawServer(() => OK);
  try {
    const req = http.get({ port: server.port, host: "127.0.0.1", agent: false });
    req.on("response", () => assert.fail("response after abort"));
    const events = Promise.all([
      new Promise((resolve) => req.once("abort", resolve)),
      new Promise((resolve) => req.once("close", resolve)),
    ]);
    req.abort();
    await events;
    assert.equal(req.aborted, true);
    assert.equal(req.destroyed, true);
  } finally {
    await server.close();
  }
});

test("http.request() rejects invalid input with Node's errors", () => {
  assert.throws(() => http.request({ path: "/a b" }), { code: "ERR_UNESCAPED_CHARACTERS" });
  assert.throws(() => http.request({ method: "G E T" }), { code: "ERR_INVALID_HTTP_TOKEN" });
  assert.throws(() => http.request("https://example.com/"), { code: "ERR_INVALID_PROTOCOL" });
  assert.throws(() => http.request({ agent: {} as Agent }), { code: "ERR_INVALID_ARG_TYPE" });
});

test("http.createClient() (Node 0.x API) still makes requests", async () => {
  const server = http.createServer((req, res) => res.end(`${req.method} ${req.url}`));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  try {
    const client = http.createClient(port, "127.0.0.1");
    const req = client.request("GET", "/old", { host: "127.0.0.1" });
    req.end();
    assert.equal(await body((await once(req, "response"))[0]), "GET /old");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("http.globalAgent's idle pooled sockets do not keep the process alive", async () => {
  const fixture = fileURLToPath(new URL("./fixtures/idle_agent.ts", import.meta.url));
  const result = await runFixture(fixture, 15_000);
  assert.equal(result.timedOut, false, `the process did not exit: ${result.stderr}`);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /got pong/);
});
