// socket.setKeepAlive() with Node 26.4's interval and count, positional or as
// an options object. The calls reach `_handle.setKeepAlive` in whole seconds,
// as in Node; the runtimes cannot apply interval and count themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import net, { Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

type Call = unknown[];

/** Connects a client and records every `_handle.setKeepAlive` call after 'connect'. */
async function connected(t: { after(fn: () => unknown): void }) {
  const server = net.createServer((s) => s.resume());
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  t.after(() => {
    client.destroy();
    return closeServer(server);
  });
  await once(client, "connect");
  const calls: Call[] = [];
  const handle = client._handle as unknown as Record<string, unknown>;
  const real = handle.setKeepAlive as (...args: unknown[]) => void;
  handle.setKeepAlive = (...args: unknown[]) => {
    calls.push(args);
    real.apply(handle, args);
  };
  return { client, calls };
}

test("net.Socket.setKeepAlive(enable, initialDelay, interval, count) passes seconds and count", async (t) => {
  const { client, calls } = await connected(t);
  assert.equal(client.setKeepAlive(true, 5000, 10_000, 9), client);
  assert.deepEqual(calls, [[true, 5, 10, 9]]);
  // Sub-second parts are dropped, as Node divides and truncates.
  client.setKeepAlive(true, 5000, 2500, 3);
  assert.deepEqual(calls.at(-1), [true, 5, 2, 3]);
});

test("net.Socket.setKeepAlive(enable, initialDelay) makes Node 25's two-argument call", async (t) => {
  const { client, calls } = await connected(t);
  client.setKeepAlive(true, 5000);
  assert.deepEqual(calls, [[true, 5]]);
  client.setKeepAlive(false);
  assert.deepEqual(calls.at(-1), [false, 0]);
});

test("net.Socket.setKeepAlive({ enable, initialDelay, interval, count }) equals the positional form", async (t) => {
  const { client, calls } = await connected(t);
  assert.equal(
    client.setKeepAlive({ enable: true, initialDelay: 5000, interval: 10_000, count: 9 }),
    client,
  );
  assert.deepEqual(calls, [[true, 5, 10, 9]]);
  client.setKeepAlive({ enable: true, initialDelay: 7000 });
  assert.deepEqual(calls.at(-1), [true, 7]);
  client.setKeepAlive({});
  assert.deepEqual(calls.at(-1), [false, 0]);
});

test("net.Socket.setKeepAlive() skips the handle when nothing changes", async (t) => {
  const { client, calls } = await connected(t);
  client.setKeepAlive(true, 5000, 10_000, 9);
  client.setKeepAlive({ enable: true, initialDelay: 5000, interval: 10_000, count: 9 });
  assert.equal(calls.length, 1);
  client.setKeepAlive(true, 5000, 10_000, 8);
  assert.equal(calls.length, 2);
  client.setKeepAlive(false, 1000, 1000, 1);
  client.setKeepAlive(false);
  assert.equal(calls.length, 3);
});

test("net.Socket.setKeepAlive() before connect applies interval and count once connected", async (t) => {
  const server = net.createServer((s) => s.resume());
  const port = await listen(server, 0, "127.0.0.1");
  const client = new Socket();
  t.after(() => {
    client.destroy();
    return closeServer(server);
  });
  client.setKeepAlive({ enable: true, initialDelay: 3000, interval: 4000, count: 5 });
  client.connect(port, "127.0.0.1");
  const calls: Call[] = [];
  const handle = client._handle as unknown as Record<string, unknown> | null;
  assert.ok(handle, "connect() creates the handle at once, as in Node");
  const real = handle.setKeepAlive as (...args: unknown[]) => void;
  handle.setKeepAlive = (...args: unknown[]) => {
    calls.push(args);
    real.apply(handle, args);
  };
  await once(client, "connect");
  assert.deepEqual(calls, [[true, 3, 4, 5]]);
});

test("net.Socket.setKeepAlive() with interval and count leaves the connection usable", async (t) => {
  const server = net.createServer((s) => s.pipe(s));
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  t.after(() => {
    client.destroy();
    return closeServer(server);
  });
  await once(client, "connect");
  client.setKeepAlive({ enable: true, initialDelay: 2000, interval: 3000, count: 4 });
  const echoed = once(client, "data");
  client.write("ping");
  assert.equal(String((await echoed)[0]), "ping");
});
