import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { setImmediate } from "node:timers";
import net, { type Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

/** `n` client sockets connected to one server, and a cleanup for all. */
async function clients(n: number): Promise<{ sockets: Socket[]; done: () => Promise<void> }> {
  // The server reads what it gets, so it sees each client's FIN.
  const server = net.createServer((peer) => peer.resume());
  const port = await listen(server, 0, "127.0.0.1");
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => {});
    await once(s, "connect");
    sockets.push(s);
  }
  return {
    sockets,
    done: async () => {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    },
  };
}

test("net.Socket timeouts of several sockets fire in due order, each once, and only for idle sockets", async () => {
  const { sockets: [a, b, c, d], done } = await clients(4);
  const fired: string[] = [];
  try {
    a.on("timeout", () => fired.push("a"));
    b.on("timeout", () => fired.push("b"));
    c.on("timeout", () => fired.push("c"));
    d.on("timeout", () => fired.push("d"));
    // b and c share a's timeout; d has a longer one; c turns its own off.
    a.setTimeout(30);
    b.setTimeout(30);
    c.setTimeout(30);
    d.setTimeout(90);
    c.setTimeout(0);
    // b is destroyed while waiting in the same list as a: a still fires.
    b.destroy();
    await once(d, "timeout");
    assert.deepEqual(fired, ["a", "d"]);
    // Nothing fires again without activity: a's and d's timers are spent.
    a.setTimeout(40);
    await once(a, "timeout");
    assert.deepEqual(fired, ["a", "d", "a"]);
  } finally {
    await done();
  }
});

test("net.Socket activity on one socket of a shared timeout delays only that socket", async () => {
  const { sockets: [quiet, busy], done } = await clients(2);
  const fired: string[] = [];
  try {
    quiet.on("timeout", () => fired.push("quiet"));
    busy.on("timeout", () => fired.push("busy"));
    quiet.setTimeout(60);
    busy.setTimeout(60);
    // A write every turn until 'quiet' times out keeps 'busy' active.
    let writes = 0;
    while (fired.length === 0) {
      busy.write("x");
      writes++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(fired, ["quiet"]);
    assert.ok(writes > 1);
    await once(busy, "timeout");
    assert.deepEqual(fired, ["quiet", "busy"]);
  } finally {
    await done();
  }
});

test("net.Socket idle timer calls _onTimeout(), which code may replace per socket", async () => {
  const { sockets: [socket], done } = await clients(1);
  try {
    const emitted: string[] = [];
    socket.on("timeout", () => emitted.push("timeout"));
    const called = new Promise<void>((resolve) => {
      socket._onTimeout = () => resolve();
    });
    socket.setTimeout(20);
    await called;
    // The replacement did not pass it on, so no 'timeout' was emitted.
    assert.deepEqual(emitted, []);
  } finally {
    await done();
  }
});

test("net.Socket._onTimeout() emits 'timeout' only when no write is still queued", async () => {
  // The server never reads, so a large write stays queued on the client.
  const peers: Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (peer) => peers.push(peer));
  const port = await listen(server, 0, "127.0.0.1");
  const accepted = once(server, "connection");
  const socket = net.connect(port, "127.0.0.1");
  socket.on("error", () => {});
  try {
    await Promise.all([once(socket, "connect"), accepted]);
    const emitted: string[] = [];
    socket.on("timeout", () => emitted.push("timeout"));
    socket._onTimeout();
    assert.deepEqual(emitted, ["timeout"]);
    socket.write(new Uint8Array(16 * 1024 * 1024));
    const handle = socket._handle!;
    assert.ok(handle.writeQueueSize > 0);
    assert.equal(handle.writeQueueSize, handle.bufferedBytes);
    socket._onTimeout();
    assert.deepEqual(emitted, ["timeout"]);
  } finally {
    socket.destroy();
    for (const peer of peers) peer.destroy();
    await closeServer(server);
  }
});
