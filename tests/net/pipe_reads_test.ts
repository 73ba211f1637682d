/**
 * Piped sockets read in bulk: while `pipe()` destinations are a socket's
 * only readers, its handle may hand on reads larger than 64 KiB (nothing
 * but the destination's write sizes can tell); any other reader brings
 * libuv's 64 KiB chunks back at once. Bytes and backpressure are unchanged.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { setImmediate } from "node:timers";
import net, { type Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

const k64 = 64 * 1024;

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Lets `n` turns of the event loop pass (not a timer: a count of turns). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A destination that records every write; `hold` keeps write callbacks back. */
class Sink extends Writable {
  parts: Buffer[] = [];
  sizes: number[] = [];
  held: (() => void)[] = [];
  hold = false;
  onChunk: ((size: number) => void) | null = null;

  constructor() {
    super({ highWaterMark: k64 });
  }

  override _write(chunk: Buffer, _encoding: string, cb: () => void): void {
    this.parts.push(Buffer.from(chunk));
    this.sizes.push(chunk.length);
    this.onChunk?.(chunk.length);
    if (this.hold) this.held.push(cb);
    else cb();
  }

  release(): void {
    this.hold = false;
    for (const cb of this.held.splice(0)) cb();
  }

  get bytes(): number {
    return this.sizes.reduce((a, b) => a + b, 0);
  }
}

/** A server whose accepted socket is handed to `onSocket`, and a connected client. */
async function pair(onSocket: (socket: Socket) => void) {
  const accepted = Promise.withResolvers<Socket>();
  const server = net.createServer((socket: Socket) => {
    onSocket(socket);
    accepted.resolve(socket);
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  await once(client, "connect");
  const socket = await accepted.promise;
  const close = async () => {
    client.destroy();
    socket.destroy();
    await closeServer(server);
  };
  return { client, socket, close };
}

test("net.Socket.pipe() delivers every byte intact, in reads over 64 KiB, and stops reading while the destination is full", async () => {
  const sink = new Sink();
  sink.hold = true;
  const data = randomBytes(24 * 1024 * 1024);
  let stops = 0;
  const { client, socket, close } = await pair((s) => {
    const handle = s._handle!;
    const readStop = handle.readStop.bind(handle);
    handle.readStop = () => {
      stops++;
      readStop();
    };
    s.pipe(sink);
  });
  try {
    const finished = once(sink, "finish");
    client.end(data);
    // The destination takes nothing: the socket must stop its handle and
    // read at most what one read already in flight brings after that.
    while (stops === 0) await turns(1);
    const atStop = socket.bytesRead;
    await turns(200);
    assert.ok(socket.bytesRead < data.length, "the socket stopped reading");
    assert.ok(socket.bytesRead - atStop <= 512 * 1024, "no reading after readStop");
    sink.release();
    await finished;
    assert.equal(sink.bytes, data.length);
    assert.equal(sha256(Buffer.concat(sink.parts)), sha256(data));
    // Once released, the kernel holds megabytes: reads fill large buffers.
    assert.ok(Math.max(...sink.sizes) > k64, `largest write ${Math.max(...sink.sizes)} B`);
  } finally {
    await close();
  }
});

test("net.Socket.pipe() goes back to 64 KiB chunks at once when a 'data' listener is added", async () => {
  const sink = new Sink();
  const data = randomBytes(16 * 1024 * 1024);
  const seen: number[] = [];
  const { client, socket, close } = await pair((s) => s.pipe(sink));
  try {
    const finished = once(sink, "finish");
    let before = -1;
    sink.onChunk = (size) => {
      // Added a turn after a bulk read, when the next read is usually
      // under way with a large buffer already: what it brings is cut too.
      if (size <= k64 || before >= 0) return;
      before = 0;
      setImmediate(() => {
        before = sink.bytes;
        socket.on("data", (chunk: Buffer) => seen.push(chunk.length));
      });
    };
    client.end(data);
    await finished;
    assert.ok(before > 0, "a write over 64 KiB came while only piped");
    assert.equal(sha256(Buffer.concat(sink.parts)), sha256(data));
    assert.ok(seen.length > 0);
    assert.ok(Math.max(...seen) <= k64, `largest 'data' chunk ${Math.max(...seen)} B`);
    assert.equal(seen.reduce((a, b) => a + b, 0), data.length - before);
  } finally {
    await close();
  }
});

test("net.Socket piped before it connects reads in bulk once connected", async () => {
  const data = randomBytes(8 * 1024 * 1024);
  const server = net.createServer((socket: Socket) => socket.end(data));
  const port = await listen(server, 0, "127.0.0.1");
  const sink = new Sink();
  // Piped before connect(): the handle made by connect() learns it then.
  const client = new net.Socket();
  try {
    const finished = once(sink, "finish");
    client.pipe(sink);
    client.connect(port, "127.0.0.1");
    await finished;
    assert.equal(sha256(Buffer.concat(sink.parts)), sha256(data));
    assert.ok(Math.max(...sink.sizes) > k64, `largest write ${Math.max(...sink.sizes)} B`);
  } finally {
    client.destroy();
    await closeServer(server);
  }
});

test("net.Socket tells its handle to read in bulk only while pipes are its only readers", async () => {
  const calls: boolean[] = [];
  const { socket, close } = await pair((s) => {
    const handle = s._handle!;
    const set = handle.setBulkReads?.bind(handle);
    handle.setBulkReads = (enable: boolean) => {
      calls.push(enable);
      set?.(enable);
    };
  });
  const last = () => calls[calls.length - 1];
  try {
    const a = new Sink();
    const b = new Sink();
    socket.pipe(a);
    assert.equal(last(), true, "piped");
    const listener = () => {};
    socket.on("data", listener);
    assert.equal(last(), false, "a 'data' listener of the user's");
    socket.off("data", listener);
    assert.equal(last(), true, "that listener removed");
    socket.once("readable", listener);
    assert.equal(last(), false, "a 'readable' listener");
    socket.removeAllListeners("readable");
    assert.equal(last(), true, "all 'readable' listeners removed");
    socket.pipe(b);
    assert.equal(last(), true, "two pipes");
    socket.unpipe(a);
    assert.equal(last(), true, "one pipe left");
    socket.unpipe(b);
    assert.equal(last(), false, "no pipe left");
  } finally {
    await close();
  }
});
