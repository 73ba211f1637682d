/**
 * Regressions found by Node's own http tests (the conformance runner),
 * checked here with our own cases.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import process from "node:process";
import * as runtimeNet from "node:net";
import { fileURLToPath } from "node:url";
import net, { type Socket } from "../../net.ts";
import { BunConnection } from "../../_internal/transport/bun_conn.ts";
import type { BunSocket } from "../../_internal/transport/bun_api.ts";
import { runFixture } from "../_util/process.ts";
import { closeServer, listen } from "../_util/net.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test("net.Socket that has read EOF no longer holds the process, though never closed", async () => {
  const r = await runFixture(fixture("cr_eof_unread.ts"), 15_000);
  assert.equal(r.timedOut, false, `process did not exit: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /accepted/);
});

test("http.get() failing to parse a response lets the process exit once the server closes", async () => {
  const r = await runFixture(fixture("cr_parse_error_exit.ts"), 15_000);
  assert.equal(r.timedOut, false, `process did not exit: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /HPE_INVALID_TRANSFER_ENCODING/);
});

/** Our server; the peer is the runtime's own socket. Resolves with both ends. */
async function pairWithRuntimePeer(): Promise<{
  server: ReturnType<typeof net.createServer>;
  ours: Socket;
  peer: runtimeNet.Socket;
}> {
  const server = net.createServer({ pauseOnConnect: true });
  const port = await listen(server, 0, "127.0.0.1");
  const accepted = once(server, "connection");
  const peer = runtimeNet.connect(port, "127.0.0.1");
  peer.on("error", () => {});
  const [ours] = await accepted as [Socket];
  return { server, ours, peer };
}

test("net.Socket 'data' events carry at most 64 KiB, in order, as libuv's reads", async () => {
  const { server, ours, peer } = await pairWithRuntimePeer();
  try {
    const sent = Buffer.alloc(600 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    const sizes: number[] = [];
    const parts: Buffer[] = [];
    ours.on("data", (chunk: Buffer) => {
      sizes.push(chunk.length);
      parts.push(chunk);
    });
    const ended = once(ours, "end");
    peer.end(sent);
    ours.resume();
    await ended;
    assert.ok(Math.max(...sizes) <= 64 * 1024, `largest 'data' was ${Math.max(...sizes)} bytes`);
    assert.ok(Buffer.concat(parts).equals(sent), "bytes arrive whole and in order");
  } finally {
    peer.destroy();
    ours.destroy();
    await closeServer(server);
  }
});

test("net.Socket runs the process.nextTick work of one 'data' event before the next", async () => {
  const { server, ours, peer } = await pairWithRuntimePeer();
  try {
    let events = 0;
    const seenAtTick: number[] = [];
    ours.on("data", () => {
      events++;
      process.nextTick(() => seenAtTick.push(events));
    });
    const ended = once(ours, "end");
    // Everything is in the kernel before reading starts, so one read of a
    // runtime that reads big may hold many 64 KiB pieces.
    peer.end(Buffer.alloc(512 * 1024, 7));
    await once(peer, "finish");
    ours.resume();
    await ended;
    assert.ok(events > 1);
    assert.deepEqual(seenAtTick, seenAtTick.map((_, i) => i + 1));
  } finally {
    peer.destroy();
    ours.destroy();
    await closeServer(server);
  }
});

/** The parts of a Bun socket a BunConnection touches while reading. */
class FakeBunSocket {
  data!: BunConnection;
  calls: string[] = [];
  localAddress = "127.0.0.1";
  localPort = 1;
  localFamily = "IPv4";
  remoteAddress = "127.0.0.1";
  remotePort = 2;
  remoteFamily = "IPv4";
  write(): number {
    return -1;
  }
  pause(): void {
    this.calls.push("pause");
  }
  resume(): void {
    this.calls.push("resume");
  }
  ref(): void {
    this.calls.push("ref");
  }
  unref(): void {
    this.calls.push("unref");
  }
  close(): void {}
}

function adoptFake(): { socket: FakeBunSocket; conn: BunConnection } {
  const socket = new FakeBunSocket();
  const conn = BunConnection.adopt(socket as unknown as BunSocket<unknown>, null);
  return { socket, conn };
}

test("BunConnection hands a large read on in 64 KiB views, each after the ticks of the last, EOF last", async () => {
  const { socket, conn } = adoptFake();
  const events: string[] = [];
  const done = Promise.withResolvers<void>();
  conn.onRead = (chunk) => {
    if (chunk === null) {
      events.push("eof");
      done.resolve();
      return;
    }
    events.push(`${chunk.byteLength}@${chunk[0]}`);
    process.nextTick(() => events.push("tick"));
  };
  conn.readStart();
  const big = new Uint8Array(150 * 1024);
  big[0] = 1;
  big[64 * 1024] = 2;
  big[128 * 1024] = 3;
  const own = socket as unknown as BunSocket<BunConnection>;
  BunConnection.events.data(own, big);
  BunConnection.events.end(own);
  assert.deepEqual(events, ["65536@1"], "the rest waits for the work this slice queued");
  await done.promise;
  assert.deepEqual(events, ["65536@1", "tick", "65536@2", "tick", "22528@3", "eof"]);
});

test("BunConnection stops holding the process once EOF is read, though still reading", () => {
  const { socket, conn } = adoptFake();
  conn.onRead = () => {};
  conn.readStart();
  socket.calls.length = 0;
  BunConnection.events.end(socket as unknown as BunSocket<BunConnection>);
  assert.deepEqual(socket.calls, ["unref"]);
});

test("net.Socket.destroy() emits 'close' from the callback it gives _handle.close()", async () => {
  const { server, ours, peer } = await pairWithRuntimePeer();
  try {
    const handle = ours._handle!;
    const original = handle.close.bind(handle);
    const given: unknown[] = [];
    handle.close = (done?: () => void) => {
      given.push(done);
      original();
      done?.();
    };
    let closed = false;
    ours.on("close", () => closed = true);
    ours.destroy();
    assert.equal(given.length, 1);
    assert.equal(typeof given[0], "function");
    assert.equal(closed, true, "'close' came from the callback, synchronously here");
  } finally {
    peer.destroy();
    ours.destroy();
    await closeServer(server);
  }
});
