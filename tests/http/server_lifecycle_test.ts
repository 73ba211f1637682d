import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "../../net.ts";
import { RawClient } from "../_util/wire.ts";
import { serve, stop, untilServerCloses } from "../_util/serve.ts";
import { untilTrue } from "../_util/net.ts";

test("http.Server shouldUpgradeCallback declining keeps parsing the connection as HTTP", async () => {
  const urls: string[] = [];
  const [server, port] = await serve((req, res) => {
    urls.push(req.url!);
    res.end(req.url);
  }, { shouldUpgradeCallback: () => false });
  server.on("upgrade", () => assert.fail("a declined upgrade reached 'upgrade'"));
  const client = new RawClient(port);
  try {
    // Both requests in one write: the second follows the declined upgrade in
    // the same chunk, where the parser had stopped.
    client.write(
      "GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n" +
        "GET /b HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const text = await client.untilResponses(2);
    assert.deepEqual(urls, ["/a", "/b"]);
    assert.match(text, /\r\n\r\n\/a/);
    assert.ok(text.endsWith("\r\n\r\n/b"));
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server 'clientError' fires again for each chunk while the listener keeps the socket", async () => {
  const [server, port] = await serve(() => assert.fail("a bad request reached 'request'"));
  const packets: string[] = [];
  const first = Promise.withResolvers<void>();
  const second = Promise.withResolvers<void>();
  server.on("clientError", (err: Error & { code?: string; rawPacket?: Uint8Array }) => {
    assert.equal(err.code, "HPE_INVALID_METHOD");
    packets.push(String(err.rawPacket));
    (packets.length === 1 ? first : second).resolve();
  });
  const client = new RawClient(port);
  try {
    client.write("*");
    await first.promise;
    client.write("#");
    await second.promise;
    assert.deepEqual(packets, ["*", "#"]);
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server.closeIdleConnections() closes a kept-alive connection once its response ended", async () => {
  const [server, port] = await serve((_req, res) => res.end("ok"));
  const accepted: Socket[] = [];
  server.on("connection", (socket: Socket) => accepted.push(socket));
  const idle = new RawClient(port);
  try {
    idle.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await idle.untilResponses(1);
  } catch (err) {
    idle.destroy();
    throw err;
  }
  const busy = new RawClient(port);
  try {
    // A head still arriving is not idle.
    busy.write("GET / HTTP/1.1\r\nHost:");
    await untilTrue(() => accepted.length === 2 && accepted[1].bytesRead > 0);
    server.closeIdleConnections();
    assert.equal(accepted[0].destroyed, true);
    assert.equal(accepted[1].destroyed, false);
    await idle.closed;
  } finally {
    idle.destroy();
    busy.destroy();
    await stop(server);
  }
});

test("http.Server headersTimeout runs from the accept for a client that sends nothing", async () => {
  const [server, port] = await serve(() => assert.fail("no request was sent"), {
    headersTimeout: 200,
    requestTimeout: 0,
    connectionsCheckingInterval: 50,
  });
  assert.equal(
    await untilServerCloses(server, port, ""),
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
  );
});

test("http.Server headersTimeout set after listen() applies, though both timeouts were off at listen", async () => {
  const [server, port] = await serve(() => assert.fail("no request was sent"), {
    headersTimeout: 0,
    requestTimeout: 0,
    connectionsCheckingInterval: 50,
  });
  server.headersTimeout = 200;
  assert.equal(
    await untilServerCloses(server, port, "GET / HTTP/1.1\r\nHost: x\r\n"),
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n",
  );
});

test("http.Server.setTimeout() applies again to a kept-alive connection's next request", async () => {
  let count = 0;
  const [server, port] = await serve((_req, res) => {
    // The second request is left unanswered: only the idle timeout can end it.
    if (++count === 1) res.end("first");
  });
  const timedOut = Promise.withResolvers<Socket>();
  server.setTimeout(100, (socket: Socket) => timedOut.resolve(socket));
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.untilResponses(1);
    client.write("GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    const socket = await timedOut.promise;
    assert.equal(count, 2);
    socket.destroy();
    await client.closed;
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server still sends the pipelined responses already ended when clients half-close", async () => {
  const [server, port] = await serve((req, res) => res.end(`body of ${req.url}`));
  // Each client sends its requests and its FIN in one write. Many at once,
  // as under load: on Deno a write completes a loop turn later, so the FIN
  // was read while responses already ended were still queued, and ending
  // the connection then cut them off (8 of 10 arrived).
  const urls = Array.from({ length: 10 }, (_, i) => `/r${i}`);
  const clients = Array.from({ length: 16 }, () => new RawClient(port));
  try {
    for (const client of clients) {
      client.write(urls.map((url) => `GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`).join(""));
      client.end();
    }
    await Promise.all(clients.map((client) => client.closed));
    for (const client of clients) {
      const bodies = client.text.split("\r\n\r\n").slice(1).map((part) => part.split("HTTP/")[0]);
      assert.deepEqual(bodies, urls.map((url) => `body of ${url}`));
    }
  } finally {
    for (const client of clients) client.destroy();
    await stop(server);
  }
});

test("http.Server drops a response not yet ended when the client half-closes, as Node", async () => {
  const pending = Promise.withResolvers<import("../../http.ts").ServerResponse>();
  const [server, port] = await serve((_req, res) => pending.resolve(res));
  const client = new RawClient(port);
  try {
    client.write("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    client.end();
    const res = await pending.promise;
    // Node ends the connection on the client's FIN (httpAllowHalfOpen is
    // off); a response still to come has nowhere to go.
    await client.closed;
    assert.equal(client.text, "");
    res.end("too late");
  } finally {
    client.destroy();
    await stop(server);
  }
});
