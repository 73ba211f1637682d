/**
 * The Bun connection handle's own logic (held reads, the write queue, close
 * and error paths) driven through a scripted socket: the cases a real kernel
 * produces only by chance. No `Bun` global is touched, so these run on
 * every runtime.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BunConnection } from "../../_internal/transport/bun_conn.ts";
import type { BunError, BunSocket } from "../../_internal/transport/bun_api.ts";
import type { TransportError } from "../../_internal/transport/types.ts";

/** A socket whose kernel takes `room` more bytes, then nothing. */
class ScriptedSocket implements BunSocket<BunConnection> {
  data!: BunConnection;
  room = Infinity;
  taken: number[] = [];
  paused = false;
  shut = false;
  gone = false;
  terminated = false;
  localAddress = "127.0.0.1";
  localPort = 1111;
  localFamily = "IPv4";
  remoteAddress = "127.0.0.1";
  remotePort = 2222;
  remoteFamily = "IPv4";

  write(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): number {
    if (this.shut || this.gone) return -1;
    const n = Math.min(length, this.room);
    this.room -= n;
    for (let i = 0; i < n; i++) this.taken.push(bytes[offset + i]);
    return n;
  }
  shutdown(): void {
    this.shut = true;
  }
  close(): void {
    this.gone = true;
    BunConnection.events.close(this);
  }
  terminate(): void {
    this.terminated = true;
    this.close();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  ref(): void {}
  unref(): void {}
  setNoDelay(): boolean {
    return true;
  }
  setKeepAlive(): boolean {
    return true;
  }
  setTypeOfService(): number {
    return 0;
  }
  getTypeOfService(): number {
    return 0;
  }

  /** The kernel frees `room` bytes and Bun reports the socket writable. */
  drain(room: number): void {
    this.room = room;
    BunConnection.events.drain(this);
  }
  /** Bun closes the socket by itself, with or without a read error. */
  die(err?: BunError): void {
    this.gone = true;
    BunConnection.events.close(this, err);
  }
}

function open(): { socket: ScriptedSocket; conn: BunConnection } {
  const socket = new ScriptedSocket();
  const conn = BunConnection.adopt(socket, null);
  return { socket, conn };
}

function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** Collects `done` results by label, in call order. */
function recorder() {
  const log: string[] = [];
  const done = (label: string) => (err: TransportError | null) => {
    log.push(err === null ? label : `${label}:${err.syscall} ${err.code}`);
  };
  return { log, done };
}

/** Resolves after every microtask queued so far has run. */
function microtasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}

test("BunConnection starts paused and holds early chunks until readStart, in order", () => {
  const { socket, conn } = open();
  assert.equal(socket.paused, true);
  const seen: (string | null)[] = [];
  conn.onRead = (chunk) => {
    seen.push(chunk === null ? null : chunk.join(","));
    if (seen.length === 2) conn.readStop();
  };
  BunConnection.events.data(socket, bytes(1));
  BunConnection.events.data(socket, bytes(2));
  BunConnection.events.data(socket, bytes(3));
  BunConnection.events.end(socket);
  assert.deepEqual(seen, []);
  conn.readStart();
  assert.deepEqual(seen, ["1", "2"], "readStop inside onRead stops delivery at once");
  assert.equal(socket.paused, true);
  conn.readStart();
  assert.deepEqual(seen, ["1", "2", "3", null]);
  conn.readStart();
  assert.deepEqual(seen, ["1", "2", "3", null], "EOF is delivered once");
});

test("BunConnection queues partial writes and completes them in order on drain", () => {
  const { socket, conn } = open();
  const { log, done } = recorder();
  socket.room = 10;
  const a = new Uint8Array(25).fill(1);
  conn.write(a, done("a"));
  assert.equal(conn.bufferedBytes, 15);
  conn.write(bytes(2, 2, 2, 2, 2), done("b"));
  assert.equal(conn.bufferedBytes, 20);
  const big = [new Uint8Array(20_000).fill(3), new Uint8Array(5).fill(4)];
  conn.writev(big, done("c"));
  assert.equal(conn.bufferedBytes, 20_025);
  socket.drain(8);
  assert.equal(conn.bufferedBytes, 20_017);
  assert.deepEqual(log, []);
  socket.drain(7);
  assert.deepEqual(log, ["a"]);
  socket.drain(5);
  assert.deepEqual(log, ["a", "b"]);
  socket.drain(Infinity);
  assert.deepEqual(log, ["a", "b", "c"]);
  assert.equal(conn.bufferedBytes, 0);
  const expected = [...a, 2, 2, 2, 2, 2, ...big[0], ...big[1]];
  assert.deepEqual(socket.taken, expected);
  conn.write(bytes(9), done("fast"));
  assert.deepEqual(log.at(-1), "fast", "an empty queue and a willing kernel complete at once");
});

test("BunConnection fails queued writes and a waiting shutdown with the read error", async () => {
  const { socket, conn } = open();
  const { log, done } = recorder();
  const errors: string[] = [];
  conn.onError = (err) => errors.push(`${err.syscall} ${err.code}`);
  socket.room = 1;
  conn.write(bytes(1, 2), done("a"));
  conn.writev([bytes(3), bytes(4)], done("b"));
  conn.shutdown(done("shutdown"));
  socket.die({ code: "ECONNRESET", syscall: "read", message: "reset" });
  assert.deepEqual(errors, ["read ECONNRESET"]);
  assert.deepEqual(log, [
    "a:write ECONNRESET",
    "b:write ECONNRESET",
    "shutdown:shutdown ECONNRESET",
  ]);
  assert.equal(conn.bufferedBytes, 0);
  conn.write(bytes(5), done("late"));
  assert.equal(log.length, 3, "a failed write is reported asynchronously");
  await microtasks();
  assert.deepEqual(log.at(-1), "late:write ECONNRESET");
});

test("BunConnection shutdown waits for the queue, then half-closes", async () => {
  const { socket, conn } = open();
  const { log, done } = recorder();
  socket.room = 0;
  conn.write(bytes(1, 2, 3), done("a"));
  conn.shutdown(done("shutdown"));
  conn.write(bytes(4), done("after"));
  assert.equal(socket.shut, false);
  socket.drain(Infinity);
  assert.equal(socket.shut, true);
  await microtasks();
  assert.deepEqual(log, ["a", "after:write EPIPE", "shutdown"]);
  assert.deepEqual(socket.taken, [1, 2, 3]);
});

test("BunConnection treats Bun's clean close after our shutdown as the peer's EOF", async () => {
  const { socket, conn } = open();
  const seen: (string | null)[] = [];
  conn.onRead = (chunk) => seen.push(chunk === null ? null : chunk.join(","));
  conn.onError = () => seen.push("error");
  conn.shutdown(() => {});
  BunConnection.events.data(socket, bytes(7));
  socket.die();
  assert.deepEqual(seen, [], "nothing is delivered before readStart");
  conn.readStart();
  assert.deepEqual(seen, ["7", null]);
  const { log, done } = recorder();
  conn.write(bytes(1), done("w"));
  await microtasks();
  assert.deepEqual(log, ["w:write EPIPE"]);
});

test("BunConnection close() drops the queue and silences every callback", async () => {
  const { socket, conn } = open();
  const { log, done } = recorder();
  const seen: string[] = [];
  conn.onRead = () => seen.push("read");
  conn.onError = () => seen.push("error");
  conn.readStart();
  socket.room = 0;
  conn.write(bytes(1), done("a"));
  conn.shutdown(done("shutdown"));
  conn.close();
  conn.close();
  assert.equal(socket.gone, true);
  assert.equal(conn.bufferedBytes, 0);
  BunConnection.events.data(socket, bytes(1));
  BunConnection.events.end(socket);
  socket.die({ code: "ECONNRESET" });
  conn.write(bytes(2), done("b"));
  conn.reset();
  await microtasks();
  assert.deepEqual(seen, []);
  assert.deepEqual(log, []);
  assert.equal(socket.terminated, false, "reset() after close() does nothing");
});

test("BunConnection reports addresses from the socket and keeps them after close", () => {
  const { conn } = open();
  const local = { address: "127.0.0.1", port: 1111, family: "IPv4" };
  assert.deepEqual(conn.localAddress(), local);
  assert.deepEqual(conn.remoteAddress(), { address: "127.0.0.1", port: 2222, family: "IPv4" });
  conn.close();
  assert.deepEqual(conn.localAddress(), local);
  const unix = BunConnection.adopt(new ScriptedSocket(), { local: "/tmp/s.sock", remote: "" });
  assert.equal(unix.localAddress(), "/tmp/s.sock");
  assert.equal(unix.remoteAddress(), "");
  assert.equal(unix.setTypeOfService(0x10), false);
  assert.equal(unix.getTypeOfService(), undefined);
});
