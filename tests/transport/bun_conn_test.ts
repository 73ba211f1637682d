/**
 * The Bun connection handle's own logic (held reads, the write queue, close
 * and error paths) driven through a scripted socket: the cases a real kernel
 * produces only by chance. No `Bun` global is touched, so these run on
 * every runtime.
 *
 * @module
 */
import { test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import { BunConnection } from "../../_internal/transport/bun_conn.ts";
import type { BunConnectOptions, BunError, BunSocket } from "../../_internal/transport/bun_api.ts";
import {
  isTransportError,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";

/** A socket whose kernel takes `room` more bytes, then nothing. */
class ScriptedSocket implements BunSocket<BunConnection> {
  data!: BunConnection;
  room = Infinity;
  taken: number[] = [];
  /** Calls of write(): Bun sends once per call. */
  writes = 0;
  paused = false;
  shut = false;
  gone = false;
  terminated = false;
  /** Option calls, in order: "unref", "noDelay true", "keepAlive true 7000", "tos 16". */
  calls: string[] = [];
  tos = 0;
  localAddress: string | undefined = "127.0.0.1";
  localPort: number | undefined = 1111;
  localFamily: string | undefined = "IPv4";
  remoteAddress: string | undefined = "127.0.0.1";
  remotePort: number | undefined = 2222;
  remoteFamily: string | undefined = "IPv4";

  write(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset): number {
    this.writes++;
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
  ref(): void {
    this.calls.push("ref");
  }
  unref(): void {
    this.calls.push("unref");
  }
  setNoDelay(enable: boolean): boolean {
    this.calls.push(`noDelay ${enable}`);
    return true;
  }
  setKeepAlive(enable: boolean, delayMs: number): boolean {
    this.calls.push(`keepAlive ${enable} ${delayMs}`);
    return true;
  }
  setTypeOfService(tos: number): number {
    this.calls.push(`tos ${tos}`);
    if (this.tos < 0) return this.tos;
    this.tos = tos;
    return 0;
  }
  getTypeOfService(): number {
    return this.tos;
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

/** Resolves from the loop's next check phase, after the immediates queued so far. */
function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test("BunConnection holds early chunks until readStart, in order, pausing Bun at the first", () => {
  const { socket, conn } = open();
  assert.equal(socket.paused, false, "nothing to hold yet: Bun is not paused");
  const seen: (string | null)[] = [];
  conn.onRead = (chunk) => {
    seen.push(chunk === null ? null : chunk.join(","));
    if (seen.length === 2) conn.readStop();
  };
  BunConnection.events.data(socket, bytes(1));
  assert.equal(socket.paused, true);
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

test("BunConnection writev sends a head and a large body in one write; what the kernel leaves stays intact", () => {
  const first = open();
  const second = open();
  const { log, done } = recorder();
  first.socket.room = 1000;
  const head = new Uint8Array(100).fill(1);
  const body = new Uint8Array(30_000).fill(2);
  first.conn.writev([head, body], done("first"));
  assert.equal(first.socket.writes, 1, "one send for the whole batch");
  assert.equal(first.conn.bufferedBytes, 29_100);
  // Another connection's batch goes through the same join buffer meanwhile.
  second.conn.writev([new Uint8Array(50).fill(3), new Uint8Array(20_000).fill(4)], done("second"));
  assert.equal(second.socket.writes, 1);
  assert.deepEqual(log, ["second"]);
  first.socket.drain(Infinity);
  assert.deepEqual(log, ["second", "first"]);
  const taken = first.socket.taken;
  assert.equal(taken.length, 30_100);
  assert.ok(taken.slice(0, 100).every((b) => b === 1));
  assert.ok(
    taken.slice(100).every((b) => b === 2),
    "the leftover was kept apart from the join buffer",
  );
});

test("BunConnection holds Bun's ref only while reading, writing or shutting down, unless unref'd", async () => {
  const { socket, conn } = open();
  assert.deepEqual(socket.calls, ["unref"], "an accepted socket not yet reading is inactive");
  conn.readStart();
  conn.readStart();
  assert.deepEqual(socket.calls, ["unref", "ref"]);
  conn.readStop();
  assert.deepEqual(socket.calls, ["unref", "ref", "unref"]);
  const { log, done } = recorder();
  socket.room = 1;
  conn.write(bytes(1, 2, 3), done("a"));
  assert.deepEqual(socket.calls.at(-1), "ref", "a queued write makes the socket active");
  socket.drain(Infinity);
  assert.deepEqual(log, ["a"]);
  assert.deepEqual(socket.calls.at(-1), "unref", "an emptied queue makes it inactive again");
  conn.unref();
  conn.readStart();
  socket.room = 0;
  conn.write(bytes(4), done("b"));
  assert.deepEqual(socket.calls, ["unref", "ref", "unref", "ref", "unref"], "unref() wins");
  conn.ref();
  assert.deepEqual(socket.calls.at(-1), "ref");
  socket.drain(Infinity);
  assert.deepEqual(log, ["a", "b"]);
  BunConnection.events.end(socket);
  assert.deepEqual(socket.calls.at(-1), "unref", "reading ends at EOF");
  conn.shutdown(done("shutdown"));
  await microtasks();
  assert.deepEqual(log, ["a", "b", "shutdown"]);
  conn.close();
});

test("BunConnection queues again after its queue has drained, and counts only queued bytes", () => {
  const { socket, conn } = open();
  const { log, done } = recorder();
  assert.equal(conn.bufferedBytes, 0);
  for (const round of [1, 2, 3]) {
    socket.room = 2;
    conn.write(bytes(round, round, round, round), done(`w${round}`));
    conn.write(bytes(round), done(`x${round}`));
    assert.equal(conn.bufferedBytes, 3, `round ${round}`);
    socket.drain(Infinity);
    assert.equal(conn.bufferedBytes, 0);
  }
  assert.deepEqual(log, ["w1", "x1", "w2", "x2", "w3", "x3"]);
  assert.deepEqual(socket.taken, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
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
  // A shutdown made before the peer's EOF completes from the loop, as
  // libuv's does, not in the promise jobs of the turn that asked for it.
  assert.deepEqual(log, ["a", "after:write EPIPE"]);
  await loopTurn();
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

test("BunConnection close() drops the queue and silences every callback but a new write's EBADF", async () => {
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
  assert.deepEqual(log, ["b:write EBADF"]);
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

type Options = Omit<BunConnectOptions<BunConnection>, "socket">;

/**
 * A `Bun.connect` stand-in: records each call and lets the test decide when
 * (and whether, inside the call) the socket opens or fails.
 */
class ScriptedConnector {
  calls: Options[] = [];
  #conns: BunConnection[] = [];
  /** Runs inside connect(), as Bun does for an fd or a Unix ENOENT. */
  inCall: ((conn: BunConnection) => void) | null = null;

  connect(options: BunConnectOptions<BunConnection>): Promise<unknown> {
    const { socket: _handlers, ...rest } = options;
    this.calls.push(rest);
    this.#conns.push(options.data!);
    this.inCall?.(options.data!);
    return Promise.resolve();
  }

  /** Bun opens the latest connect's socket. */
  open(socket = new ScriptedSocket()): ScriptedSocket {
    socket.data = this.#conns.at(-1)!;
    BunConnection.clientEvents.open!(socket);
    return socket;
  }

  /** Bun fails the latest connect. */
  fail(err: BunError): void {
    const socket = new ScriptedSocket();
    socket.data = this.#conns.at(-1)!;
    BunConnection.clientEvents.connectError!(socket, err);
  }
}

function opens(conn: BunConnection, socket = new ScriptedSocket()): ScriptedSocket {
  socket.data = conn;
  BunConnection.clientEvents.open!(socket);
  return socket;
}

test("BunConnection.create() remembers options and reads until open, then applies the latest", async () => {
  const bun = new ScriptedConnector();
  const conn = BunConnection.create(false, bun);
  conn.unref();
  conn.setNoDelay(false);
  conn.setNoDelay(true);
  conn.setKeepAlive(true, 3);
  conn.setKeepAlive(true, 7);
  assert.equal(conn.setTypeOfService(0x10), true);
  assert.equal(conn.getTypeOfService(), 0x10);
  conn.readStart();
  assert.equal(conn.localAddress(), null);
  assert.equal(conn.remoteAddress(), null);
  const seen: string[] = [];
  conn.onRead = (chunk) => seen.push(chunk === null ? "EOF" : chunk.join(","));
  conn.connect({ host: "10.0.0.1", port: 80 }, (err) => seen.push(`done ${err}`));
  assert.deepEqual(bun.calls.map((c) => [c.hostname, c.port, c.allowHalfOpen]), [
    ["10.0.0.1", 80, true],
  ]);
  const socket = bun.open();
  assert.deepEqual(socket.calls, ["unref", "noDelay true", "keepAlive true 7000", "tos 16"]);
  assert.equal(socket.paused, false, "readStart() before open keeps the socket reading");
  assert.deepEqual(seen, ["done null"], "done runs from Bun's open event");
  BunConnection.events.data(socket, bytes(1));
  assert.deepEqual(seen, ["done null", "1"]);
  assert.deepEqual((conn.localAddress() as NetAddress).port, 1111);
  await microtasks();
});

test("BunConnection connect() without readStart() delivers nothing; only the first connect() counts", () => {
  const bun = new ScriptedConnector();
  const conn = BunConnection.create(false, bun);
  let calls = 0;
  conn.connect({ host: "127.0.0.1", port: 1 }, () => calls++);
  conn.connect({ host: "127.0.0.1", port: 2 }, () => calls++);
  assert.equal(bun.calls.length, 1);
  const socket = bun.open();
  const seen: number[] = [];
  conn.onRead = (chunk) => seen.push(chunk === null ? -1 : chunk.length);
  BunConnection.events.data(socket, bytes(1));
  assert.deepEqual(seen, []);
  assert.equal(socket.paused, true);
  // Options never set are left to Bun's defaults; a paused socket with
  // nothing to write is inactive, so (libuv's rule) it stops holding the process.
  assert.deepEqual(socket.calls, ["unref"]);
  assert.equal(calls, 1);
});

test("BunConnection once connected takes options directly; a later connect() does nothing", async () => {
  const bun = new ScriptedConnector();
  const conn = BunConnection.create(false, bun);
  const { log, done } = recorder();
  conn.connect({ host: "127.0.0.1", port: 1 }, done("connect"));
  const socket = bun.open();
  assert.deepEqual(log, ["connect"]);
  conn.connect({ host: "127.0.0.1", port: 2 }, done("again"));
  assert.equal(bun.calls.length, 1);
  conn.setNoDelay(true);
  conn.setKeepAlive(true, 2);
  assert.equal(conn.setTypeOfService(8), true);
  assert.equal(conn.getTypeOfService(), 8);
  conn.unref();
  conn.readStart();
  conn.ref();
  assert.deepEqual(socket.calls, [
    "unref",
    "noDelay true",
    "keepAlive true 2000",
    "tos 8",
    "ref",
  ]);
  conn.write(bytes(7), done("w"));
  assert.deepEqual(socket.taken, [7]);
  await microtasks();
  assert.deepEqual(log, ["connect", "w"]);
});

test("BunConnection writes and shutdown() before open wait for it, then flush after done", async () => {
  const bun = new ScriptedConnector();
  const conn = BunConnection.create(false, bun);
  const { log, done } = recorder();
  conn.write(bytes(1, 2), done("a"));
  conn.writev([new Uint8Array(20_000).fill(3), bytes(4)], done("b"));
  conn.shutdown(done("shutdown"));
  assert.equal(conn.bufferedBytes, 20_003);
  conn.connect({ host: "127.0.0.1", port: 1 }, done("connect"));
  const socket = bun.open();
  await loopTurn();
  assert.deepEqual(log, ["connect", "a", "b", "shutdown"]);
  assert.equal(socket.shut, true);
  assert.equal(socket.taken.length, 20_003);
  assert.equal(conn.bufferedBytes, 0);
});

test("BunConnection close() before open: done never runs and the late socket is closed", async () => {
  const bun = new ScriptedConnector();
  const conn = BunConnection.create(false, bun);
  const { log, done } = recorder();
  conn.write(bytes(1), done("write"));
  conn.connect({ host: "127.0.0.1", port: 1 }, done("connect"));
  conn.close();
  const socket = bun.open();
  assert.equal(socket.gone, true);
  assert.deepEqual(socket.taken, []);
  const failed = BunConnection.create(false, bun);
  failed.connect({ host: "127.0.0.1", port: 1 }, done("failed"));
  failed.close();
  bun.fail({ code: "ECONNREFUSED" });
  await microtasks();
  assert.deepEqual(log, []);
  assert.equal(conn.bufferedBytes, 0);
});

test("BunConnection connect failures: done once, deferred, bind named for the local address", async () => {
  const bun = new ScriptedConnector();
  const { log, done } = recorder();
  const refused = BunConnection.create(false, bun);
  refused.write(bytes(1), done("write"));
  refused.connect({ host: "127.0.0.1", port: 1 }, done("refused"));
  bun.fail({ code: "ECONNREFUSED", message: "Failed to connect" });
  const bound = BunConnection.create(false, bun);
  bound.connect({ host: "127.0.0.1", port: 1, localPort: 5 }, done("bound"));
  assert.deepEqual([bun.calls[1].localAddress, bun.calls[1].localPort], ["0.0.0.0", 5]);
  bun.fail({ code: "EADDRINUSE" });
  bun.inCall = (conn) => {
    const socket = new ScriptedSocket();
    socket.data = conn;
    BunConnection.clientEvents.connectError!(socket, { code: "ENOENT" });
  };
  const pipe = BunConnection.create(true, bun);
  assert.equal(pipe.setTypeOfService(0x10), false, "no IP_TOS on a Unix socket");
  pipe.connect("unix:///x.sock", done("pipe"));
  assert.equal(bun.calls[2].unix, "./unix:///x.sock");
  assert.deepEqual(log, [], "never synchronously");
  await microtasks();
  assert.deepEqual(log, [
    "refused:connect ECONNREFUSED",
    "write:write ECONNREFUSED",
    "bound:bind EADDRINUSE",
    "pipe:connect ENOENT",
  ]);
  assert.equal(pipe.remoteAddress(), null);
});

/** Bun opens an fd inside connect(): the scripted connector does the same. */
function adopt(socket: ScriptedSocket | BunError) {
  const bun = new ScriptedConnector();
  bun.inCall = (conn) => {
    if (socket instanceof ScriptedSocket) opens(conn, socket);
    else {
      const failed = new ScriptedSocket();
      failed.data = conn;
      BunConnection.clientEvents.connectError!(failed, socket);
    }
  };
  const { log, done } = recorder();
  const result = BunConnection.adoptFd(7, done("done"), bun);
  assert.deepEqual(bun.calls.map((c) => c.fd), [7]);
  return { result, log };
}

test("BunConnection.adoptFd() refuses what cannot stream, synchronously, closing what Bun took", async () => {
  const pipe = new ScriptedSocket();
  pipe.localAddress = pipe.remoteAddress = undefined;
  pipe.tos = -(process.platform === "linux" ? 88 : 38);
  const listening = new ScriptedSocket();
  listening.remoteAddress = undefined;
  const cases = [adopt(pipe), adopt(listening), adopt({ code: "ECONNREFUSED" })];
  const codes = cases.map(({ result }) => isTransportError(result) ? result.code : "handle");
  assert.deepEqual(codes, ["ENOTSOCK", "ENOTCONN", "ENOTSOCK"]);
  assert.equal(pipe.gone, true);
  assert.equal(listening.gone, true);
  await microtasks();
  assert.deepEqual(cases.flatMap(({ log }) => log), [], "done never runs after a refusal");
});

test("BunConnection.adoptFd() opens a Unix or TCP socket at once; done follows, deferred", async () => {
  const pair = new ScriptedSocket();
  pair.localAddress = pair.remoteAddress = undefined;
  pair.tos = -22;
  const unix = adopt(pair);
  const tcp = adopt(new ScriptedSocket());
  assert.ok(!isTransportError(unix.result) && !isTransportError(tcp.result));
  assert.equal(unix.result.localAddress(), "");
  assert.equal(unix.result.remoteAddress(), "");
  assert.equal(unix.result.setTypeOfService(0x10), false);
  assert.deepEqual(tcp.result.remoteAddress(), {
    address: "127.0.0.1",
    port: 2222,
    family: "IPv4",
  });
  BunConnection.events.data(pair, bytes(1));
  assert.equal(pair.paused, true, "reading waits for readStart()");
  assert.deepEqual([...unix.log, ...tcp.log], []);
  await microtasks();
  assert.deepEqual([...unix.log, ...tcp.log], ["done", "done"]);
});
