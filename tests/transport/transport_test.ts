/**
 * The transport contract on real loopback sockets, through `transport()`, so
 * that the same cases run against whichever runtime executes the suite.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { transport } from "../../_internal/transport/select.ts";
import {
  type ConnectionHandle,
  isTransportError,
  type ListenerHandle,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";
import { runFixture, runtimeArgs } from "../_util/process.ts";

const fixture = fileURLToPath(
  new URL("./fixtures/transport_unref_fixture.ts", import.meta.url),
);

type Where = { host: string } | { path: string };

function listen(where: Where): ListenerHandle {
  const result = "path" in where ? transport().listenUnix(where.path, 511) : transport().listenTcp({
    host: where.host,
    port: 0,
    backlog: 511,
    reusePort: false,
    ipv6Only: false,
    exclusive: false,
  });
  if (isTransportError(result)) throw new Error(`listen ${result.code}`);
  return result;
}

function portOf(listener: ListenerHandle): number {
  return (listener.address() as NetAddress).port;
}

/** Closes a listener and resolves once its address can be bound again. */
function closeListener(listener: ListenerHandle): Promise<void> {
  return new Promise((resolve) => listener.close(resolve));
}

/** The next accepted connection; later ones are closed. */
function accept(listener: ListenerHandle): Promise<ConnectionHandle> {
  return new Promise((resolve) => {
    listener.onConnection = (conn) => {
      listener.onConnection = (extra) => extra.close();
      resolve(conn);
    };
  });
}

function connect(listener: ListenerHandle, where: Where): Promise<ConnectionHandle> {
  return new Promise((resolve, reject) => {
    const done = (err: TransportError | null, conn: ConnectionHandle | null) => {
      if (err !== null || conn === null) reject(new Error(`connect ${err?.code}`));
      else resolve(conn);
    };
    if ("path" in where) transport().connectUnix(where.path, done);
    else transport().connectTcp({ host: where.host, port: portOf(listener) }, done);
  });
}

interface Pair {
  listener: ListenerHandle;
  client: ConnectionHandle;
  server: ConnectionHandle;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A connected pair; disposing closes both ends and the listener. */
async function pair(where: Where = { host: "127.0.0.1" }): Promise<Pair> {
  const listener = listen(where);
  const accepted = accept(listener);
  let client: ConnectionHandle | null = null;
  let server: ConnectionHandle | null = null;
  const dispose = () => {
    client?.close();
    server?.close();
    return closeListener(listener);
  };
  try {
    client = await connect(listener, where);
    server = await accepted;
    return { listener, client, server, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** A fresh directory for Unix sockets, and its removal. */
function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "transport-test-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

function write(conn: ConnectionHandle, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.write(bytes, (err) => err === null ? resolve() : reject(new Error(err.code)));
  });
}

function shutdown(conn: ConnectionHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.shutdown((err) => err === null ? resolve() : reject(new Error(err.code)));
  });
}

/** Every chunk until EOF, as handed over (never copied here). */
function readToEnd(conn: ConnectionHandle): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    conn.onRead = (chunk) => chunk === null ? resolve(chunks) : void chunks.push(chunk);
    conn.onError = (err) => reject(new Error(`read ${err.code}`));
    conn.readStart();
  });
}

/** Resolves once `count` bytes have arrived, leaving reading on. */
function readBytes(conn: ConnectionHandle, count: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const out = new Uint8Array(count);
    let at = 0;
    conn.onRead = (chunk) => {
      if (chunk === null) return reject(new Error(`EOF after ${at} of ${count} bytes`));
      out.set(chunk.subarray(0, count - at), at);
      at += chunk.length;
      if (at >= count) resolve(out);
    };
    conn.onError = (err) => reject(new Error(`read ${err.code}`));
    conn.readStart();
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function sha256(chunks: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

/** Byte `i` of the test stream: a period (251) that no power of two divides. */
function pattern(start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (start + i) % 251;
  return out;
}

/** A few turns of the event loop: time for a stray callback to show up. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function echoRoundTrip(where: Where): Promise<void> {
  await using p = await pair(where);
  p.server.onRead = (chunk) => {
    if (chunk === null) p.server.shutdown(() => {});
    else p.server.write(chunk, () => {});
  };
  p.server.readStart();
  const reply = readToEnd(p.client);
  await write(p.client, text("hello, "));
  await write(p.client, text("echo"));
  await shutdown(p.client);
  assert.equal(str(concat(await reply)), "hello, echo");
}

test("transport echo round trip over 127.0.0.1 with IPv4 addresses", async () => {
  await using p = await pair({ host: "127.0.0.1" });
  const local = p.client.localAddress() as NetAddress;
  const remote = p.client.remoteAddress() as NetAddress;
  assert.deepEqual(remote, { address: "127.0.0.1", port: portOf(p.listener), family: "IPv4" });
  assert.deepEqual(p.server.remoteAddress(), local);
  assert.deepEqual(p.server.localAddress(), remote);
  assert.deepEqual(p.listener.address(), remote);
  await echoRoundTrip({ host: "127.0.0.1" });
});

test("transport echo round trip over ::1 with IPv6 addresses", async () => {
  await using p = await pair({ host: "::1" });
  const remote = p.client.remoteAddress() as NetAddress;
  assert.deepEqual(remote, { address: "::1", port: portOf(p.listener), family: "IPv6" });
  assert.deepEqual(p.server.remoteAddress(), p.client.localAddress());
  assert.equal((p.listener.address() as NetAddress).family, "IPv6");
  await echoRoundTrip({ host: "::1" });
});

test("transport echo round trip over a Unix socket; the peer's path is ''", async () => {
  using tmp = tempDir();
  const path = join(tmp.dir, "echo.sock");
  {
    await using p = await pair({ path });
    assert.equal(p.listener.address(), path);
    assert.equal(p.server.localAddress(), path);
    assert.equal(p.server.remoteAddress(), "");
    assert.equal(p.client.remoteAddress(), path);
  }
  // Closing the first listener unlinked the path, so it can be reused.
  await echoRoundTrip({ path });
});

test("transport listenTcp on :: also accepts IPv4 peers, as ::ffff: addresses", async () => {
  const listener = listen({ host: "::" });
  const accepted = accept(listener);
  let client: ConnectionHandle | null = null;
  try {
    client = await connect(listener, { host: "127.0.0.1" });
    const server = await accepted;
    try {
      const remote = server.remoteAddress() as NetAddress;
      assert.equal(remote.address, "::ffff:127.0.0.1");
      assert.equal(remote.family, "IPv6");
    } finally {
      server.close();
    }
  } finally {
    client?.close();
    await closeListener(listener);
  }
});

test("transport onRead(null) arrives once at EOF, and readStart after it is a no-op", async () => {
  await using p = await pair();
  let eofs = 0;
  let data = 0;
  const eof = new Promise<void>((resolve) => {
    p.server.onRead = (chunk) => {
      if (chunk !== null) return void (data += chunk.length);
      eofs++;
      resolve();
    };
  });
  p.server.readStart();
  await write(p.client, text("bye"));
  p.client.close();
  await eof;
  p.server.readStart();
  p.server.readStop();
  p.server.readStart();
  await settle();
  assert.equal(eofs, 1);
  assert.equal(data, 3);
});

test("transport shutdown() half-closes: the peer sees EOF and can still answer", async () => {
  await using p = await pair();
  const request = readToEnd(p.server);
  await write(p.client, text("question"));
  await shutdown(p.client);
  assert.equal(str(concat(await request)), "question");
  const answer = readToEnd(p.client);
  await write(p.server, text("answer after EOF"));
  await shutdown(p.server);
  assert.equal(str(concat(await answer)), "answer after EOF");
});

test("transport shutdown() on the accepting side leaves the connector sending", async () => {
  await using p = await pair();
  const eof = readToEnd(p.client);
  await shutdown(p.server);
  assert.equal((await eof).length, 0);
  const upload = readBytes(p.server, 100_000);
  await write(p.client, pattern(0, 100_000));
  assert.deepEqual(await upload, pattern(0, 100_000));
});

test("transport shutdown() waits for queued writes to be flushed first", async () => {
  await using p = await pair();
  const received = readToEnd(p.server);
  const order: string[] = [];
  const big = pattern(0, 4 << 20);
  p.client.write(big, (err) => order.push(`write ${err?.code ?? "ok"}`));
  p.client.shutdown((err) => order.push(`shutdown ${err?.code ?? "ok"}`));
  const chunks = await received;
  assert.deepEqual(order, ["write ok", "shutdown ok"]);
  assert.deepEqual(concat(chunks), big);
});

test("transport readStop() backpressures the writer until readStart()", async () => {
  await using p = await pair();
  let received = 0;
  p.server.onRead = (chunk) => {
    if (chunk !== null) received += chunk.length;
  };
  // Reading has not started on the accepted side: the kernel's buffers are
  // all the writer can fill before bytes queue up in bufferedBytes.
  const chunk = 256 << 10;
  let sent = 0;
  while (p.client.bufferedBytes < 4 << 20) {
    assert.ok(sent < 256 << 20, "the writer never felt backpressure");
    p.client.write(pattern(sent, chunk), () => {});
    sent += chunk;
    if (p.client.bufferedBytes < 4 << 20) await settle();
  }
  assert.equal(received, 0);
  const all = readBytes(p.server, sent);
  assert.deepEqual(await all, pattern(0, sent));
  assert.equal(p.client.bufferedBytes, 0);
});

test("transport readStop() mid-stream stops delivery after at most the pending read", async () => {
  await using p = await pair();
  const first = await (async () => {
    const got = readBytes(p.server, 1000);
    await write(p.client, pattern(0, 1000));
    return got;
  })();
  assert.deepEqual(first, pattern(0, 1000));
  p.server.readStop();
  let late = 0;
  p.server.onRead = (chunk) => {
    if (chunk !== null) late += chunk.length;
  };
  let sent = 1000;
  while (p.client.bufferedBytes < 4 << 20) {
    assert.ok(sent < 256 << 20, "readStop() did not stop reading");
    p.client.write(pattern(sent, 256 << 10), () => {});
    sent += 256 << 10;
    if (p.client.bufferedBytes < 4 << 20) await settle();
  }
  // A read already handed to the runtime may still complete, but only one.
  assert.ok(late <= 64 << 10, `${late} bytes arrived after readStop()`);
  const rest = readBytes(p.server, sent - 1000 - late);
  assert.deepEqual(await rest, pattern(1000 + late, sent - 1000 - late));
});

test("transport write queue survives partial writes: 32 MiB echoed, sha256 equal", async () => {
  await using p = await pair();
  const payload = randomBytes(32 << 20);
  // The server echoes the very chunks it was handed: reused read memory
  // would corrupt the echo.
  const serverHash = createHash("sha256");
  p.server.onRead = (chunk) => {
    if (chunk === null) return p.server.shutdown(() => {});
    serverHash.update(chunk);
    p.server.write(chunk, () => {});
  };
  p.server.readStart();
  const echoed = readToEnd(p.client);
  // One huge write, then many small ones that the queue may coalesce.
  const half = 16 << 20;
  const writes: Promise<void>[] = [write(p.client, payload.subarray(0, half))];
  for (let at = half; at < payload.length; at += 1000) {
    writes.push(write(p.client, payload.subarray(at, Math.min(at + 1000, payload.length))));
  }
  await Promise.all(writes);
  await shutdown(p.client);
  const expected = sha256([payload]);
  assert.equal(sha256(await echoed), expected);
  assert.equal(serverHash.digest("hex"), expected);
});

test("transport write queue keeps order across mixed sizes while the reader stalls", async () => {
  await using p = await pair();
  // Sizes around every threshold an implementation may have for joining or
  // splitting writes, in a fixed but irregular order.
  const sizes = [1, 70_000, 3, 16_383, 16_384, 16_385, 0, 65_536, 200, 1 << 20, 7, 4095];
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let round = 0; round < 8; round++) {
    for (const size of sizes) {
      chunks.push(pattern(total, size));
      total += size;
    }
  }
  const got = new Uint8Array(total);
  let at = 0;
  const all = new Promise<void>((resolve) => {
    p.server.onRead = (chunk) => {
      if (chunk === null) return;
      got.set(chunk, at);
      at += chunk.length;
      if (at === total) return resolve();
      // Pause after every chunk and resume on a later turn, so the writer
      // keeps meeting a full kernel buffer and partial writes.
      p.server.readStop();
      setTimeout(() => p.server.readStart(), 0);
    };
  });
  p.server.readStart();
  let completed = 0;
  let calls = 0;
  for (let i = 0; i < chunks.length; i += 3) {
    const group = chunks.slice(i, i + 3);
    if (i % 2 === 0) {
      p.client.writev(group, () => completed++);
      calls++;
    } else {
      for (const c of group) p.client.write(c, () => completed++);
      calls += group.length;
    }
  }
  await all;
  assert.deepEqual(got, pattern(0, total));
  assert.equal(p.client.bufferedBytes, 0);
  await settle();
  assert.equal(completed, calls);
});

test("transport bufferedBytes counts bytes not yet taken by the kernel exactly", async () => {
  await using p = await pair();
  assert.equal(p.client.bufferedBytes, 0);
  // Saturate: the peer does not read, so after 64 MiB the kernel is full and
  // every further byte has to wait in the queue.
  const sizes: number[] = [];
  const doneAt: number[] = [];
  const all: Promise<void>[] = [];
  const add = (size: number) => {
    const index = sizes.length;
    sizes.push(size);
    all.push(
      new Promise((resolve, reject) => {
        p.client.write(pattern(0, size), (err) => {
          if (err !== null) return reject(new Error(err.code));
          doneAt[index] = p.client.bufferedBytes;
          resolve();
        });
      }),
    );
  };
  for (let i = 0; i < 64; i++) add(1 << 20);
  const before = p.client.bufferedBytes;
  assert.ok(before > 32 << 20, `only ${before} bytes queued`);
  for (const size of [1, 10, 1000, 70_000]) {
    const was: number = p.client.bufferedBytes;
    add(size);
    assert.equal(p.client.bufferedBytes, was + size);
  }
  const chunks: Uint8Array[] = [];
  p.server.onRead = (chunk) => void (chunk !== null && chunks.push(chunk));
  p.server.readStart();
  await Promise.all(all);
  assert.equal(p.client.bufferedBytes, 0);
  // When write i completes, nothing of it or before it is still queued.
  let after = sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes.length; i++) {
    after -= sizes[i];
    assert.ok(doneAt[i] <= after, `write ${i}: ${doneAt[i]} > ${after}`);
  }
});

test("transport writev sends its chunks in order and calls done once", async () => {
  await using p = await pair();
  const got = readBytes(p.server, 11);
  let calls = 0;
  await new Promise<void>((resolve, reject) => {
    p.client.writev([text("he"), text(""), text("llo"), text(" world")], (err) => {
      calls++;
      if (err === null) resolve();
      else reject(new Error(err.code));
    });
  });
  await new Promise<void>((resolve) => p.client.writev([], () => resolve()));
  assert.equal(str(await got), "hello world");
  await settle();
  assert.equal(calls, 1);
});

test("transport write to a closed peer fails with EPIPE or ECONNRESET, queued writes too", async () => {
  await using p = await pair();
  p.server.close();
  const errors: (string | null)[] = [];
  const big = new Uint8Array(1 << 20);
  // Writes keep failing once the peer's RST has come back.
  for (let i = 0; i < 256 && !errors.some((e) => e !== null); i++) {
    errors.push(
      await new Promise((resolve) => p.client.write(big, (e) => resolve(e?.code ?? null))),
    );
  }
  const failed = errors.find((e) => e !== null);
  assert.ok(failed === "EPIPE" || failed === "ECONNRESET", `got ${failed}`);
  const next = await new Promise<TransportError | null>((resolve) => p.client.write(big, resolve));
  assert.ok(next !== null);
});

test("transport close() is idempotent and silences every callback", async () => {
  await using p = await pair();
  let events = 0;
  p.client.onRead = () => events++;
  p.client.onError = () => events++;
  p.client.readStart();
  p.client.close();
  p.client.close();
  p.client.reset();
  p.client.ref();
  p.client.unref();
  p.client.setNoDelay(true);
  p.client.setKeepAlive(true, 1000);
  p.client.readStart();
  await write(p.server, text("late data")).catch(() => {});
  await settle();
  assert.equal(events, 0);
});

test("transport listenTcp returns EADDRINUSE for a port in use", async () => {
  const listener = listen({ host: "127.0.0.1" });
  try {
    const again = transport().listenTcp({
      host: "127.0.0.1",
      port: portOf(listener),
      backlog: 511,
      reusePort: false,
      ipv6Only: false,
      exclusive: false,
    });
    assert.ok(isTransportError(again));
    assert.deepEqual([again.code, again.syscall], ["EADDRINUSE", "listen"]);
  } finally {
    await closeListener(listener);
  }
});

test("transport ListenerHandle.close() frees the port for a new listen", async () => {
  const first = listen({ host: "127.0.0.1" });
  const port = portOf(first);
  await closeListener(first);
  const second = transport().listenTcp({
    host: "127.0.0.1",
    port,
    backlog: 511,
    reusePort: false,
    ipv6Only: false,
    exclusive: false,
  });
  assert.ok(!isTransportError(second), `relisten failed: ${JSON.stringify(second)}`);
  await closeListener(second);
});

test("transport ListenerHandle.close() keeps accepted connections open", async () => {
  await using p = await pair();
  await closeListener(p.listener);
  const got = readBytes(p.server, 5);
  await write(p.client, text("still"));
  assert.equal(str(await got), "still");
});

test("transport connectTcp reports ECONNREFUSED asynchronously for a closed port", async () => {
  const probe = listen({ host: "127.0.0.1" });
  const port = portOf(probe);
  await closeListener(probe);
  let sync = true;
  const err = await new Promise<TransportError | null>((resolve) => {
    transport().connectTcp({ host: "127.0.0.1", port }, (e) => resolve(e));
    sync = false;
  });
  assert.equal(sync, false);
  assert.deepEqual([err?.code, err?.syscall], ["ECONNREFUSED", "connect"]);
});

test("transport connectUnix reports ENOENT for a missing path", async () => {
  using tmp = tempDir();
  const err = await new Promise<TransportError | null>((resolve) => {
    transport().connectUnix(join(tmp.dir, "missing.sock"), (e) => resolve(e));
  });
  assert.deepEqual([err?.code, err?.syscall], ["ENOENT", "connect"]);
});

test("transport connectTcp cancelled before completion never calls done", async () => {
  await using p = await pair();
  const clients = new Map<number, ConnectionHandle>();
  p.listener.onConnection = (conn) => clients.set((conn.remoteAddress() as NetAddress).port, conn);
  let calls = 0;
  const cancel = transport().connectTcp({ host: "127.0.0.1", port: portOf(p.listener) }, () => {
    calls++;
  });
  cancel();
  cancel();
  // A connect made after the cancelled one, as a clock.
  const later = await connect(p.listener, { host: "127.0.0.1" });
  try {
    await settle();
    assert.equal(calls, 0);
    // If the cancelled attempt reached the listener, it was closed unseen.
    const laterPort = (later.localAddress() as NetAddress).port;
    for (const [port, conn] of clients) {
      if (port === laterPort) continue;
      assert.equal((await readToEnd(conn)).length, 0);
    }
  } finally {
    later.close();
    for (const conn of clients.values()) conn.close();
  }
});

test("transport connectTcp with a local address binds it or reports bind EINVAL", async () => {
  await using p = await pair();
  const result = await new Promise<[TransportError | null, ConnectionHandle | null]>((resolve) => {
    transport().connectTcp(
      { host: "127.0.0.1", port: portOf(p.listener), localAddress: "127.0.0.1", localPort: 0 },
      (err, conn) => resolve([err, conn]),
    );
  });
  result[1]?.close();
  if (transport().capabilities.localBind) {
    assert.equal(result[0], null);
  } else {
    assert.deepEqual([result[0]?.code, result[0]?.syscall], ["EINVAL", "bind"]);
  }
});

test("transport unref() on a listener and idle reading connections lets the process exit", async () => {
  const result = await runFixture(fixture, 10_000, ["idle"]);
  assert.equal(result.timedOut, false, "the process stayed alive");
  assert.equal(result.stdout.trim(), "idle", result.stderr);
  assert.equal(result.code, 0, result.stderr);
});

test("transport ref() after unref() keeps the process alive for its listener", async () => {
  const [cmd, args] = runtimeArgs(fixture);
  const child = spawn(cmd, [...args, "reref"], { stdio: ["ignore", "pipe", "inherit"] });
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    let out = "";
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /port (\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("close", () => reject(new Error(`exited early: ${out}`)));
    });
    // "close" comes after stdout has been read to its end.
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const conn = await new Promise<ConnectionHandle>((resolve, reject) => {
      transport().connectTcp({ host: "127.0.0.1", port }, (err, c) => {
        if (c !== null) resolve(c);
        else reject(new Error(`connect ${err?.code}`));
      });
    });
    try {
      await write(conn, text("x"));
      assert.equal(await exited, 0);
      assert.match(out, /got/);
    } finally {
      conn.close();
    }
  } finally {
    clearTimeout(killer);
    child.kill();
  }
});
