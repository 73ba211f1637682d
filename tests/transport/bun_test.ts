/**
 * Behaviour the Bun transport had to be built around (pause, fresh data
 * buffers, partial writes, half-close, RST, TOS, ref/unref), asserted through
 * `transport()` so that the same cases hold for the Deno transport too.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { transport } from "../../_internal/transport/select.ts";
import {
  type ConnectionHandle,
  isTransportError,
  type ListenerHandle,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";
import { runFixture, runtimeArgs } from "../_util/process.ts";
import {
  accept,
  connectHandle,
  connectTcp,
  freedPort,
  listenLocal,
  portOf,
  readToEnd,
  roundTrips,
  sha256,
  shutdown,
  tcpPair,
  totalLength,
  write,
} from "./fixtures/handles.ts";

const fixture = fileURLToPath(new URL("./fixtures/unref_fixture.ts", import.meta.url));

test("transport readStop at accept backpressures the peer; readStart resumes intact", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    let reads = 0;
    const received: Uint8Array[] = [];
    let ended!: () => void;
    const eof = new Promise<void>((resolve) => ended = resolve);
    server.onRead = (chunk) => {
      reads++;
      if (chunk === null) ended();
      else received.push(chunk);
    };
    const data = randomBytes(24 << 20);
    let written = false;
    client.write(data, (err) => {
      assert.equal(err, null);
      written = true;
    });
    await roundTrips(20);
    assert.equal(reads, 0, "a connection never started must not read");
    assert.equal(written, false, "the kernel cannot have taken it all");
    assert.ok(client.bufferedBytes > 0, "the writer's queue must hold the rest");
    const shut = shutdown(client);
    server.readStart();
    await eof;
    await shut;
    assert.equal(written, true);
    assert.equal(client.bufferedBytes, 0);
    assert.equal(totalLength(received), data.byteLength);
    assert.equal(sha256(received), sha256([data]));
  } finally {
    cleanup();
  }
});

test("transport onRead chunks are never changed after delivery", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    const kept: Uint8Array[] = [];
    const snapshots: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      server.onError = (err) => reject(new Error(err.code));
      server.onRead = (chunk) => {
        if (chunk === null) return resolve();
        kept.push(chunk);
        snapshots.push(sha256([chunk]));
        // Stop and restart now and then, so chunks also cross a pause.
        if (kept.length % 7 === 0) {
          server.readStop();
          queueMicrotask(() => server.readStart());
        }
      };
    });
    server.readStart();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) {
      const block = new Uint8Array(128 * 1024 + i * 37).fill(i);
      sent.push(block);
      client.write(block, () => {});
    }
    await shutdown(client);
    await done;
    assert.ok(kept.length > 1);
    assert.deepEqual(kept.map((c) => sha256([c])), snapshots);
    assert.equal(sha256(kept), sha256(sent));
  } finally {
    cleanup();
  }
});

test("transport write queue survives partial writes: 64 MiB echoed, sha256 equal", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    // The echo side stops reading while its own queue is long: backpressure
    // through readStop/readStart, as net.Socket does it.
    server.onRead = (chunk) => {
      if (chunk === null) return server.shutdown(() => {});
      server.write(chunk, () => {
        if (server.bufferedBytes < 1 << 20) server.readStart();
      });
      if (server.bufferedBytes >= 1 << 20) server.readStop();
    };
    server.readStart();
    const echoed = readToEnd(client);
    const block = randomBytes(3 << 20);
    const sent = createHash("sha256");
    const order: number[] = [];
    let total = 0;
    let maxBuffered = 0;
    for (let i = 0; total < 64 << 20; i++) {
      const size = Math.min(1 + ((i * 524_287) % (3 << 20)), (64 << 20) - total);
      const start = (i * 7919) % (block.byteLength - size + 1);
      const chunk = block.subarray(start, start + size);
      sent.update(chunk);
      total += size;
      const index = i;
      const done = (err: TransportError | null) => {
        assert.equal(err, null);
        order.push(index);
      };
      if (i % 3 === 2) {
        const half = chunk.byteLength >> 1;
        client.writev([chunk.subarray(0, half), chunk.subarray(half)], done);
      } else {
        client.write(chunk, done);
      }
      maxBuffered = Math.max(maxBuffered, client.bufferedBytes);
    }
    assert.ok(maxBuffered > 0, "a 64 MiB burst must outrun the kernel");
    await shutdown(client);
    const received = await echoed;
    assert.equal(client.bufferedBytes, 0);
    assert.deepEqual(order, order.toSorted((a, b) => a - b), "done callbacks run in order");
    assert.equal(totalLength(received), 64 << 20);
    assert.equal(sha256(received), sent.digest("hex"));
  } finally {
    cleanup();
  }
});

test("transport shutdown() half-closes: the peer gets EOF and can still send", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    const serverEof = readToEnd(server);
    await write(client, new TextEncoder().encode("request"));
    await shutdown(client);
    const fromClient = await serverEof;
    assert.equal(new TextDecoder().decode(Buffer.concat(fromClient)), "request");

    const clientEof = readToEnd(client);
    await write(server, new TextEncoder().encode("reply after FIN"));
    await shutdown(server);
    const fromServer = await clientEof;
    assert.equal(new TextDecoder().decode(Buffer.concat(fromServer)), "reply after FIN");
  } finally {
    cleanup();
  }
});

test("transport write after shutdown() fails with EPIPE, asynchronously", async () => {
  const { client, cleanup } = await tcpPair();
  try {
    await shutdown(client);
    let sync = true;
    const err = await new Promise<TransportError | null>((resolve) => {
      client.write(new Uint8Array(4), resolve);
      sync = false;
    });
    assert.equal(sync, false);
    assert.deepEqual({ code: err?.code, syscall: err?.syscall }, {
      code: "EPIPE",
      syscall: "write",
    });
  } finally {
    cleanup();
  }
});

test("transport reset() sends RST where the runtime can, a plain close otherwise", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    const outcome = new Promise<string>((resolve) => {
      server.onRead = (chunk) => chunk === null && resolve("EOF");
      server.onError = (err) => resolve(`${err.syscall} ${err.code}`);
    });
    server.readStart();
    client.reset();
    client.reset();
    const expected = transport().capabilities.reset ? "read ECONNRESET" : "EOF";
    assert.equal(await outcome, expected);
  } finally {
    cleanup();
  }
});

test("transport close() is idempotent and silences every callback", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    let clientCalls = 0;
    client.onRead = () => {
      clientCalls++;
      client.close();
      client.close();
    };
    client.onError = () => clientCalls++;
    client.readStart();
    const serverSide = new Promise<void>((resolve) => {
      server.onRead = (chunk) => chunk === null && resolve();
      server.onError = () => resolve();
    });
    server.readStart();
    server.write(new Uint8Array(1024), () => {});
    await serverSide;
    // Whatever the server sends now must not reach the closed handle.
    await new Promise<void>((resolve) => server.write(new Uint8Array(1024), () => resolve()));
    await roundTrips(5);
    assert.equal(clientCalls, 1);
    assert.equal(client.bufferedBytes, 0);
  } finally {
    cleanup();
  }
});

test("transport setTypeOfService round-trips IP_TOS where the runtime has it", async () => {
  const { client, cleanup } = await tcpPair();
  try {
    if (client.setTypeOfService === undefined) {
      // The runtime exposes no IP_TOS: both methods must be absent together.
      assert.equal(client.getTypeOfService, undefined);
      return;
    }
    assert.equal(client.setTypeOfService(0x10), true);
    assert.equal(client.getTypeOfService!(), 0x10);
    assert.equal(client.setTypeOfService(0), true);
    assert.equal(client.getTypeOfService!(), 0);
  } finally {
    cleanup();
  }
});

test("transport setNoDelay/setKeepAlive accept any delay and never throw", async () => {
  const { client, server, cleanup } = await tcpPair();
  try {
    client.setNoDelay(true);
    client.setNoDelay(false);
    client.setKeepAlive(true, 30);
    client.setKeepAlive(true, 1e12);
    client.setKeepAlive(true, -5);
    client.setKeepAlive(true, Number.NaN);
    client.setKeepAlive(false, 0);
    server.close();
    server.setKeepAlive(true, 1);
    server.setNoDelay(true);
  } finally {
    cleanup();
  }
});

test("transport IPv6 addresses carry family IPv6 on both ends", async () => {
  const { listener, client, server, cleanup } = await tcpPair("::1");
  try {
    assert.deepEqual(listener.address(), {
      address: "::1",
      port: portOf(listener),
      family: "IPv6",
    });
    const local = client.localAddress() as NetAddress;
    assert.deepEqual(server.remoteAddress(), local);
    assert.equal(local.family, "IPv6");
    assert.deepEqual(client.remoteAddress(), server.localAddress());
    assert.deepEqual(server.localAddress(), listener.address());
  } finally {
    cleanup();
  }
});

test("transport Unix sockets name the path on the bound side and '' on the other", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transport-bun-test-"));
  const path = join(dir, "s.sock");
  let listener: ListenerHandle | null = null;
  let client: ConnectionHandle | null = null;
  let server: ConnectionHandle | null = null;
  try {
    const made = transport().listenUnix(path, 511);
    if (isTransportError(made)) throw new Error(`listen failed: ${made.code}`);
    listener = made;
    assert.equal(listener.address(), path);
    const accepted = accept(listener);
    const pipe = transport().createPipe();
    client = pipe;
    assert.equal(await connectHandle(pipe, path), null);
    server = await accepted;
    assert.equal(client.remoteAddress(), path);
    assert.equal(client.localAddress(), "");
    assert.equal(server.localAddress(), path);
    assert.equal(server.remoteAddress(), "");
    const got = readToEnd(server);
    await write(client, new TextEncoder().encode("over unix"));
    await shutdown(client);
    assert.equal(new TextDecoder().decode(Buffer.concat(await got)), "over unix");
    const again = transport().listenUnix(path, 511);
    assert.ok(isTransportError(again));
    assert.equal(again.code, "EADDRINUSE");
  } finally {
    server?.close();
    client?.close();
    listener?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("transport connect() binds localAddress/localPort, or says bind EINVAL", async () => {
  const listener = listenLocal();
  const freePort = await freedPort();
  const client = transport().createTcp();
  try {
    const accepted = accept(listener);
    const err = await connectHandle(client, {
      host: "127.0.0.1",
      port: portOf(listener),
      localAddress: "127.0.0.1",
      localPort: freePort,
    });
    if (!transport().capabilities.localBind) {
      assert.deepEqual([err?.code, err?.syscall], ["EINVAL", "bind"]);
      return;
    }
    assert.equal(err, null);
    const server = await accepted;
    try {
      assert.deepEqual(client.localAddress(), {
        address: "127.0.0.1",
        port: freePort,
        family: "IPv4",
      });
      assert.deepEqual(server.remoteAddress(), client.localAddress());
    } finally {
      server.close();
    }
  } finally {
    client.close();
    listener.close();
  }
});

test("transport connect failures arrive asynchronously, once, on the same handle", async () => {
  const closedPort = await freedPort();
  const dir = mkdtempSync(join(tmpdir(), "transport-bun-test-"));
  try {
    const tcp = transport().createTcp();
    const pipe = transport().createPipe();
    const calls: string[] = [];
    let sync = true;
    const refused = new Promise<TransportError | null>((resolve) => {
      tcp.connect({ host: "127.0.0.1", port: closedPort }, (err) => {
        calls.push(`tcp ${err?.code}`);
        resolve(err);
      });
    });
    const missing = new Promise<TransportError | null>((resolve) => {
      pipe.connect(join(dir, "missing.sock"), (err) => {
        calls.push(`pipe ${err?.code}`);
        resolve(err);
      });
    });
    sync = false;
    const [a, b] = await Promise.all([refused, missing]);
    assert.equal(sync, false);
    assert.deepEqual([a?.code, a?.syscall], ["ECONNREFUSED", "connect"]);
    assert.deepEqual([b?.code, b?.syscall], ["ENOENT", "connect"]);
    await roundTrips(3);
    assert.equal(calls.length, 2, calls.join());
    assert.equal(tcp.localAddress(), null);
    assert.equal(pipe.remoteAddress(), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("transport listenTcp returns EADDRINUSE synchronously for a taken port", () => {
  const listener = listenLocal();
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
    listener.close();
  }
});

test("transport listener.unref() lets the process exit", async () => {
  const result = await runFixture(fixture, 10_000, ["listener"]);
  assert.equal(result.timedOut, false, "an unref'd listener must not hold the process");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /ready/);
});

test("transport connection unref() lets the process exit with both ends open", async () => {
  const result = await runFixture(fixture, 10_000, ["connections"]);
  assert.equal(result.timedOut, false, "unref'd connections must not hold the process");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /accepted/);
  assert.match(result.stdout, /connected/);
});

test("transport listener.ref() after unref() holds the process again", async () => {
  const [cmd, args] = runtimeArgs(fixture);
  const child = spawn(cmd, [...args, "reref"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
        const m = /port (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("close", () => reject(new Error(`fixture exited early: ${out}`)));
    });
    // The child is still there to accept only if ref() took effect.
    const conn = await connectTcp("127.0.0.1", port);
    await shutdown(conn);
    conn.close();
    assert.equal(await exited, 0);
  } finally {
    child.kill();
  }
});
