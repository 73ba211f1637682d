/**
 * The transport contract on real loopback sockets, through `transport()`, so
 * that the same cases run against whichever runtime executes the suite: the
 * data path, half-close, backpressure, the write queue and listeners.
 * Connecting, and handles before they are open, are in
 * transport_connect_test.ts.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { transport } from "../../_internal/transport/select.ts";
import {
  type ConnectionHandle,
  isTransportError,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";
import {
  accept,
  closeListener,
  concat,
  connect,
  listen,
  pair,
  pattern,
  portOf,
  readBytes,
  readToEnd,
  settle,
  sha256,
  shutdown,
  str,
  tempDir,
  text,
  type Where,
  write,
} from "./transport_util.ts";

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

test("transport close() right after write() still sends what the kernel takes, cancelling the callbacks", async () => {
  await using p = await pair();
  const received = readToEnd(p.server);
  const seen: (string | null)[] = [];
  p.client.write(text("written "), (err) => seen.push(err?.code ?? null));
  p.client.writev([text("just before "), text("the close")], (err) => seen.push(err?.code ?? null));
  p.client.close();
  assert.equal(str(concat(await received)), "written just before the close");
  await settle();
  // Bun's kernel took the bytes at once (done: ok); Deno's ops run later (ECANCELED, as libuv's).
  assert.ok(seen.every((code) => code === null || code === "ECANCELED"), `${seen}`);
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
  p.client.setKeepAlive(true, 1);
  p.client.readStart();
  await write(p.server, text("late data")).catch(() => {});
  await settle();
  assert.equal(events, 0);
});

test("transport close() runs only the first close's done: a second close() or reset() is a no-op, as libuv's", async () => {
  await using p = await pair();
  const calls: string[] = [];
  await new Promise<void>((resolve) => {
    p.client.close(() => {
      calls.push("first");
      resolve();
    });
    p.client.close(() => calls.push("second"));
    p.client.reset(() => calls.push("reset"));
  });
  await settle();
  assert.deepEqual(calls, ["first"]);
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

test("transport ListenerHandle.onconnection is looked up at each connection", async () => {
  await using p = await pair();
  // Node's own tests wrap `server._handle.onconnection` after listen().
  const seen: string[] = [];
  const original = p.listener.onconnection;
  p.listener.onconnection = function (err, conn) {
    seen.push(err === null ? "conn" : `err ${err.code}`);
    original?.call(this, err, conn);
  };
  const extra = await connect(p.listener, { host: "127.0.0.1" });
  try {
    await settle();
    assert.deepEqual(seen, ["conn"]);
    // A replacement without the original takes over completely.
    const accepted = accept(p.listener);
    const third = await connect(p.listener, { host: "127.0.0.1" });
    try {
      const conn = await accepted;
      assert.deepEqual(conn.remoteAddress(), third.localAddress());
      conn.close();
    } finally {
      third.close();
    }
    assert.deepEqual(seen, ["conn"]);
  } finally {
    extra.close();
  }
});
