import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import type { Socket } from "../../net.ts";
import { Agent } from "../../_internal/http/agent.ts";
import { type AnyOptions, closeAll, FakeRequest, serve, take } from "../_util/agent.ts";

test("http.Agent pools a socket on 'free' and the next request reuses that same socket", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true });
  try {
    const first = new FakeRequest();
    const socket = await take(agent, peer, first);
    const errorListeners = socket.listenerCount("error");
    socket.emit("free");
    assert.equal(agent.sockets[peer.name], undefined);
    assert.deepEqual(agent.freeSockets[peer.name], [socket]);
    assert.equal(agent.totalSocketCount, 1);
    assert.equal(socket._httpMessage, null);
    assert.equal(socket.listenerCount("error"), errorListeners + 1);
    const second = new FakeRequest();
    agent.addRequest(second, peer.options);
    assert.equal(await second.assigned, socket);
    assert.equal(second.reusedSocket, true);
    assert.equal(first.reusedSocket, false);
    assert.equal(agent.freeSockets[peer.name], undefined);
    assert.deepEqual(agent.sockets[peer.name], [socket]);
    assert.equal(agent.totalSocketCount, 1);
    assert.equal(socket.listenerCount("error"), errorListeners);
  } finally {
    await closeAll(agent, peer);
  }
});

async function reuseOrder(scheduling: "fifo" | "lifo"): Promise<[Socket, Socket, Socket]> {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, scheduling });
  try {
    const a = await take(agent, peer);
    const b = await take(agent, peer);
    a.emit("free");
    b.emit("free");
    assert.deepEqual(agent.freeSockets[peer.name], [a, b]);
    const req = new FakeRequest();
    agent.addRequest(req, peer.options);
    const next = await req.assigned;
    assert.ok(next);
    return [a, b, next];
  } finally {
    await closeAll(agent, peer);
  }
}

test("http.Agent scheduling 'lifo' reuses the most recently freed socket", async () => {
  const [, b, next] = await reuseOrder("lifo");
  assert.equal(next, b);
});

test("http.Agent scheduling 'fifo' reuses the least recently freed socket", async () => {
  const [a, , next] = await reuseOrder("fifo");
  assert.equal(next, a);
});

test("http.Agent maxSockets queues a third request until a socket is freed", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  try {
    const a = await take(agent, peer);
    await take(agent, peer);
    const third = new FakeRequest();
    agent.addRequest(third, peer.options);
    assert.equal(third.socket, null);
    assert.equal(agent.requests[peer.name].length, 1);
    assert.equal(agent.totalSocketCount, 2);
    a.emit("free");
    assert.equal(await third.assigned, a);
    // Node hands a queued request the socket without marking it reused.
    assert.equal(third.reusedSocket, false);
    assert.equal(agent.requests[peer.name], undefined);
    assert.equal(agent.freeSockets[peer.name], undefined);
    assert.equal(agent.totalSocketCount, 2);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent opens a new socket for a queued request when an active one closes", async () => {
  const peer = await serve();
  const agent = new Agent({ maxSockets: 1 });
  try {
    const a = await take(agent, peer);
    const waiting = new FakeRequest();
    agent.addRequest(waiting, peer.options);
    assert.equal(agent.requests[peer.name].length, 1);
    a.destroy();
    const b = await waiting.assigned;
    assert.ok(b);
    assert.notEqual(b, a);
    assert.equal(agent.requests[peer.name], undefined);
    assert.deepEqual(agent.sockets[peer.name], [b]);
    assert.equal(agent.totalSocketCount, 1);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent maxTotalSockets holds a request of another name until a socket closes", async () => {
  const peer = await serve();
  const agent = new Agent({ maxTotalSockets: 1 });
  try {
    const first = new FakeRequest();
    const a = await take(agent, peer, first);
    const other = new FakeRequest();
    const otherName = `${peer.name}:4`;
    agent.addRequest(other, { ...peer.options, family: 4 });
    assert.equal(other.socket, null);
    assert.equal(agent.requests[otherName].length, 1);
    // Without keepAlive the freed socket is destroyed; its close makes room.
    a.emit("free");
    assert.equal(a.destroyed, true);
    const b = await other.assigned;
    assert.ok(b);
    assert.notEqual(b, a);
    assert.equal(agent.totalSocketCount, 1);
    assert.deepEqual(agent.sockets[otherName], [b]);
    assert.equal(agent.requests[otherName], undefined);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent maxFreeSockets destroys the socket that would overflow the pool", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, maxFreeSockets: 1 });
  try {
    const a = await take(agent, peer);
    const b = await take(agent, peer);
    a.emit("free");
    const closed = once(b, "close");
    b.emit("free");
    assert.deepEqual(agent.freeSockets[peer.name], [a]);
    assert.equal(b.destroyed, true);
    await closed;
    assert.equal(agent.totalSocketCount, 1);
    assert.equal(agent.sockets[peer.name], undefined);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent destroys a freed socket when keep-alive does not apply", async () => {
  const peer = await serve();
  const plain = new Agent();
  const keepAlive = new Agent({ keepAlive: true });
  try {
    const a = await take(plain, peer);
    a.emit("free");
    assert.equal(a.destroyed, true);
    const noReuse = new FakeRequest();
    noReuse.shouldKeepAlive = false;
    const b = await take(keepAlive, peer, noReuse);
    b.emit("free");
    assert.equal(b.destroyed, true);
    const c = await take(keepAlive, peer);
    c.end();
    c.emit("free");
    assert.equal(c.destroyed, true);
    assert.equal(keepAlive.freeSockets[peer.name], undefined);
  } finally {
    plain.destroy();
    await closeAll(keepAlive, peer);
  }
});

test("http.Agent drops a free socket that errors", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true });
  try {
    const socket = await take(agent, peer);
    socket.emit("free");
    assert.deepEqual(agent.freeSockets[peer.name], [socket]);
    // events.once() would reject on the 'error': listen for 'close' alone.
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.destroy(new Error("boom"));
    await closed;
    assert.equal(agent.freeSockets[peer.name], undefined);
    assert.equal(agent.totalSocketCount, 0);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent drops a free socket the server closes", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true });
  try {
    const accepted = once(peer.server, "connection");
    const socket = await take(agent, peer);
    const [serverSide] = await accepted as [Socket];
    socket.emit("free");
    const closed = once(socket, "close");
    serverSide.end();
    await closed;
    assert.equal(agent.freeSockets[peer.name], undefined);
    assert.equal(agent.totalSocketCount, 0);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent destroys a free socket on its idle timeout", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, timeout: 30 });
  try {
    const socket = await take(agent, peer);
    socket.emit("free");
    assert.equal(socket.timeout, 30);
    await once(socket, "close");
    assert.equal(agent.freeSockets[peer.name], undefined);
    assert.equal(agent.totalSocketCount, 0);
  } finally {
    await closeAll(agent, peer);
  }
});

/** Frees a socket whose response carried `Keep-Alive: <hint>`; returns its timeout then. */
async function hintedTimeout(options: AnyOptions, hint: string): Promise<number | undefined> {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, ...options });
  try {
    const req = new FakeRequest();
    req.res = { headers: { "keep-alive": hint } };
    const socket = await take(agent, peer, req);
    socket.emit("free");
    assert.deepEqual(agent.freeSockets[peer.name], [socket]);
    return socket.timeout;
  } finally {
    await closeAll(agent, peer);
  }
}

test("http.Agent lowers the idle timeout to the server's Keep-Alive hint minus 1 s", async () => {
  assert.equal(await hintedTimeout({ timeout: 5000 }, "timeout=3"), 2000);
  assert.equal(
    await hintedTimeout({ timeout: 5000, agentKeepAliveTimeoutBuffer: 500 }, "timeout=3, max=9"),
    2500,
  );
  assert.equal(await hintedTimeout({ timeout: 1500 }, "timeout=10"), 1500);
});

test("http.Agent ignores the Keep-Alive hint when the agent has no timeout", async () => {
  assert.equal(await hintedTimeout({}, "timeout=3"), 0);
  assert.equal(await hintedTimeout({ timeout: 5000 }, "max=5, timeout=1"), 5000);
});

test("http.Agent does not pool a socket whose Keep-Alive hint leaves no time", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, timeout: 5000 });
  try {
    const req = new FakeRequest();
    req.res = { headers: { "keep-alive": "timeout=1" } };
    const socket = await take(agent, peer, req);
    socket.emit("free");
    assert.equal(socket.destroyed, true);
    assert.equal(agent.freeSockets[peer.name], undefined);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent applies a request timeout that differs from the agent's", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, timeout: 4000 });
  try {
    const socket = await take(agent, peer, new FakeRequest(1234));
    assert.equal(socket.timeout, 1234);
    socket.emit("free");
    assert.equal(socket.timeout, 4000);
    assert.equal(await take(agent, peer, new FakeRequest(999)), socket);
    assert.equal(socket.timeout, 999);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent 'agentRemove' takes a socket out of the agent without closing it", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true });
  let socket: Socket | undefined;
  try {
    socket = await take(agent, peer);
    socket.emit("agentRemove");
    assert.equal(agent.sockets[peer.name], undefined);
    assert.equal(agent.totalSocketCount, 0);
    assert.equal(socket.listenerCount("free"), 0);
    socket.emit("free");
    assert.equal(socket.destroyed, false);
    assert.equal(agent.freeSockets[peer.name], undefined);
  } finally {
    socket?.destroy();
    await closeAll(agent, peer);
  }
});

test("http.Agent.destroy() closes idle and active sockets", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true });
  try {
    const idle = await take(agent, peer);
    const active = await take(agent, peer);
    idle.emit("free");
    const closed = Promise.all([once(idle, "close"), once(active, "close")]);
    agent.destroy();
    await closed;
    assert.equal(agent.totalSocketCount, 0);
    assert.deepEqual(Object.keys(agent.sockets), []);
    assert.deepEqual(Object.keys(agent.freeSockets), []);
  } finally {
    await closeAll(agent, peer);
  }
});
