/**
 * Connecting through the transport contract, through `transport()`: handles
 * that exist before they are connected (as libuv's do), what is remembered
 * while a connect is pending, closing a pending connect, and the process
 * lifetime of unref'd handles.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildProcess, spawn } from "node:child_process";
import { transport } from "../../_internal/transport/select.ts";
import type {
  ConnectionHandle,
  NetAddress,
  TransportError,
} from "../../_internal/transport/types.ts";
import { runFixture, runtimeArgs } from "../_util/process.ts";
import {
  accept,
  closeListener,
  concat,
  connect,
  connectResult,
  handleFor,
  listen,
  pair,
  portOf,
  readBytes,
  readToEnd,
  settle,
  str,
  tempDir,
  text,
  type Where,
  write,
} from "./transport_util.ts";

const fixture = fileURLToPath(
  new URL("./fixtures/transport_unref_fixture.ts", import.meta.url),
);

const isDeno = transport().capabilities.runtime === "deno";

test("transport createTcp() and createPipe() give idle handles: no addresses, nothing queued", () => {
  for (const handle of [transport().createTcp(), transport().createPipe()]) {
    try {
      assert.equal(handle.localAddress(), null);
      assert.equal(handle.remoteAddress(), null);
      assert.equal(handle.bufferedBytes, 0);
      // Remembered for later, never an error on a handle without a socket.
      handle.ref();
      handle.unref();
      handle.setNoDelay(true);
      handle.setKeepAlive(true, 1);
      handle.readStart();
      handle.readStop();
    } finally {
      handle.close();
    }
  }
});

test("transport connect() calls done asynchronously, exactly once; addresses appear on open", async () => {
  const listener = listen({ host: "127.0.0.1" });
  const accepted = accept(listener);
  const [handle, target] = handleFor(listener, { host: "127.0.0.1" });
  let server: ConnectionHandle | null = null;
  try {
    let calls = 0;
    let sync = true;
    const opened = new Promise<unknown>((resolve) => {
      handle.connect(target, (err) => {
        calls++;
        resolve(err);
      });
    });
    sync = false;
    assert.equal(handle.localAddress(), null);
    assert.equal(handle.remoteAddress(), null);
    assert.equal(await opened, null);
    assert.equal(sync, false);
    server = await accepted;
    assert.deepEqual(handle.remoteAddress(), server.localAddress());
    assert.deepEqual(handle.localAddress(), server.remoteAddress());
    await settle();
    assert.equal(calls, 1);
  } finally {
    handle.close();
    server?.close();
    await closeListener(listener);
  }
});

test("transport connect() reports ECONNREFUSED asynchronously, once, for a closed port", async () => {
  const probe = listen({ host: "127.0.0.1" });
  const port = portOf(probe);
  await closeListener(probe);
  const handle = transport().createTcp();
  try {
    let sync = true;
    let calls = 0;
    const err = await new Promise<TransportError | null>((resolve) => {
      handle.connect({ host: "127.0.0.1", port }, (e) => {
        calls++;
        resolve(e);
      });
      sync = false;
    });
    assert.equal(sync, false);
    assert.deepEqual([err?.code, err?.syscall], ["ECONNREFUSED", "connect"]);
    await settle();
    assert.equal(calls, 1);
  } finally {
    handle.close();
  }
});

test("transport close() after a refused connect runs its done once; a second close() does nothing", async () => {
  // net.Socket emits 'close' from the first close's done, so a failed
  // connect still owes it one; a later close must not (as libuv's).
  const probe = listen({ host: "127.0.0.1" });
  const port = portOf(probe);
  await closeListener(probe);
  const handle = transport().createTcp();
  const calls: string[] = [];
  await new Promise<void>((resolve) =>
    handle.connect({ host: "127.0.0.1", port }, () => resolve())
  );
  await new Promise<void>((resolve) => {
    handle.close(() => {
      calls.push("first");
      resolve();
    });
    handle.close(() => calls.push("second"));
  });
  await settle();
  assert.deepEqual(calls, ["first"]);
});

test("transport connect() on a pipe reports ENOENT for a missing path", async () => {
  using tmp = tempDir();
  const handle = transport().createPipe();
  try {
    const err = await connectResult(handle, join(tmp.dir, "missing.sock"));
    assert.deepEqual([err?.code, err?.syscall], ["ENOENT", "connect"]);
  } finally {
    handle.close();
  }
});

test("transport readStart() before the connect opens starts reading on open", async () => {
  const listener = listen({ host: "127.0.0.1" });
  const accepted = accept(listener);
  const [handle, target] = handleFor(listener, { host: "127.0.0.1" });
  let server: ConnectionHandle | null = null;
  try {
    // Reading is asked for before connect() and never again.
    const got = readBytes(handle, 5);
    const opened = connectResult(handle, target);
    server = await accepted;
    await write(server, text("early"));
    assert.equal(await opened, null);
    assert.equal(str(await got), "early");
  } finally {
    handle.close();
    server?.close();
    await closeListener(listener);
  }
});

test("transport readStop() after readStart() before open leaves reading off on open", async () => {
  const listener = listen({ host: "127.0.0.1" });
  const accepted = accept(listener);
  const [handle, target] = handleFor(listener, { host: "127.0.0.1" });
  let server: ConnectionHandle | null = null;
  try {
    const got = readBytes(handle, 4);
    handle.readStop();
    let early = false;
    void got.then(() => early = true, () => {});
    const opened = connectResult(handle, target);
    server = await accepted;
    await write(server, text("late"));
    assert.equal(await opened, null);
    await settle();
    assert.equal(early, false, "data arrived although reading was stopped");
    handle.readStart();
    assert.equal(str(await got), "late");
  } finally {
    handle.close();
    server?.close();
    await closeListener(listener);
  }
});

/** Bun's client, as far as finding its socket class goes. */
interface BunConnect {
  connect(options: {
    hostname: string;
    port: number;
    socket: { data(): void };
  }): Promise<{ end(): void }>;
}

/**
 * The object on the prototype chain of the runtime's own TCP client sockets
 * that holds `method`, so a test can watch what reaches the native socket.
 */
async function nativeOwnerOf(port: number, method: string): Promise<Record<string, unknown>> {
  const runtime = globalThis as { Deno?: typeof Deno; Bun?: BunConnect };
  let socket: object;
  if (runtime.Deno !== undefined) {
    const conn = await runtime.Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    socket = conn;
  } else {
    socket = await runtime.Bun!.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    (socket as { end(): void }).end();
  }
  for (let o = Object.getPrototypeOf(socket); o !== null; o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, method)) return o;
  }
  throw new Error(`no ${method} on the native socket`);
}

/** Records every call of `owner[method]` until the returned restore runs. */
function watch(owner: Record<string, unknown>, method: string, calls: unknown[][]): () => void {
  const original = owner[method] as (...args: unknown[]) => unknown;
  owner[method] = function (this: unknown, ...args: unknown[]) {
    calls.push(args);
    return original.apply(this, args);
  };
  return () => {
    owner[method] = original;
  };
}

test("transport setNoDelay()/setKeepAlive() before open reach the socket on open, latest winning", async () => {
  const listener = listen({ host: "127.0.0.1" });
  listener.onconnection = (_err, conn) => conn?.close();
  const noDelay: unknown[][] = [];
  const keepAlive: unknown[][] = [];
  const restore: (() => void)[] = [];
  const handle = transport().createTcp();
  try {
    const port = portOf(listener);
    restore.push(watch(await nativeOwnerOf(port, "setNoDelay"), "setNoDelay", noDelay));
    restore.push(watch(await nativeOwnerOf(port, "setKeepAlive"), "setKeepAlive", keepAlive));
    handle.setNoDelay(false);
    handle.setNoDelay(true);
    handle.setKeepAlive(false, 0);
    handle.setKeepAlive(true, 5);
    const opened = connectResult(handle, { host: "127.0.0.1", port });
    assert.deepEqual([noDelay, keepAlive], [[], []], "applied before the socket existed");
    assert.equal(await opened, null);
    assert.deepEqual(noDelay.at(-1), [true]);
    assert.equal(keepAlive.at(-1)?.[0], true);
    // The contract takes seconds; a runtime that honours the delay is
    // handed whatever its own API wants (Bun: milliseconds).
    if (transport().capabilities.keepAliveDelay) assert.equal(keepAlive.at(-1)?.[1], 5000);
  } finally {
    for (const undo of restore) undo();
    handle.close();
    await closeListener(listener);
  }
});

/**
 * Closes a handle right after connect(), while the connect is pending (on
 * loopback the kernel may well have completed it already), and checks that
 * done never ran and that whatever reached the listener reads EOF.
 */
async function closeWhilePending(where: Where): Promise<void> {
  await using p = await pair(where);
  const arrived: ConnectionHandle[] = [];
  p.listener.onconnection = (_err, conn) => conn !== null && void arrived.push(conn);
  try {
    let calls = 0;
    const [handle, target] = handleFor(p.listener, where);
    handle.connect(target, () => calls++);
    handle.close();
    handle.close();
    // A connect made after the closed one, as a clock: the listener sees
    // connections in the order they were made.
    const later = await connect(p.listener, where);
    later.close();
    await settle();
    assert.equal(calls, 0);
    assert.ok(arrived.length >= 1, "the clock connection never arrived");
    for (const conn of arrived) assert.equal((await readToEnd(conn)).length, 0);
  } finally {
    for (const conn of arrived) conn.close();
  }
}

test("transport close() on a pending TCP connect means no done and nothing left open", async () => {
  await closeWhilePending({ host: "127.0.0.1" });
});

test("transport close() on a pending pipe connect means no done and nothing left open", async () => {
  using tmp = tempDir();
  await closeWhilePending({ path: join(tmp.dir, "pending.sock") });
});

test("transport connect() after close() never calls done nor connects", async () => {
  await using p = await pair();
  let connections = 0;
  p.listener.onconnection = (_err, conn) => {
    connections++;
    conn?.close();
  };
  const handle = transport().createTcp();
  handle.close();
  let calls = 0;
  handle.connect({ host: "127.0.0.1", port: portOf(p.listener) }, () => calls++);
  const later = await connect(p.listener, { host: "127.0.0.1" });
  later.close();
  await settle();
  assert.equal(calls, 0);
  assert.equal(connections, 1);
});

test(
  "transport writes and shutdown() before open are queued and flushed on open",
  // The contract leaves writes on a handle that is not open to the runtime
  // (net never makes them); the Deno transport queues them.
  { skip: isDeno ? false : "the contract leaves writes before open undefined" },
  async () => {
    const listener = listen({ host: "127.0.0.1" });
    const accepted = accept(listener);
    const [handle, target] = handleFor(listener, { host: "127.0.0.1" });
    let server: ConnectionHandle | null = null;
    try {
      const order: string[] = [];
      handle.write(text("queued "), (err) => order.push(`write ${err?.code ?? "ok"}`));
      handle.writev(
        [text("before "), text("open")],
        (err) => order.push(`writev ${err?.code ?? "ok"}`),
      );
      handle.shutdown((err) => order.push(`shutdown ${err?.code ?? "ok"}`));
      assert.equal(handle.bufferedBytes, 18);
      assert.equal(await connectResult(handle, target), null);
      server = await accepted;
      assert.equal(str(concat(await readToEnd(server))), "queued before open");
      assert.deepEqual(order, ["write ok", "writev ok", "shutdown ok"]);
    } finally {
      handle.close();
      server?.close();
      await closeListener(listener);
    }
  },
);

/** The outcome of a connect to `listener` from the given local side. */
async function connectFrom(
  port: number,
  localAddress: string,
  localPort: number,
): Promise<[TransportError | null, NetAddress | null]> {
  const handle = transport().createTcp();
  try {
    const err = await connectResult(handle, { host: "127.0.0.1", port, localAddress, localPort });
    return [err, handle.localAddress() as NetAddress | null];
  } finally {
    handle.close();
  }
}

test("transport connect() from localAddress 127.0.0.1 to loopback opens from there", async () => {
  await using p = await pair();
  const [err, local] = await connectFrom(portOf(p.listener), "127.0.0.1", 0);
  assert.equal(err, null);
  assert.equal(local?.address, "127.0.0.1");
});

test("transport connect() from a local side it cannot honour binds it or fails bind EINVAL", async () => {
  await using p = await pair();
  // All of 127/8 is loopback on Linux, but the kernel's own choice for a
  // peer on 127.0.0.1 is 127.0.0.1: only a real bind yields 127.0.0.2.
  const [err, local] = await connectFrom(portOf(p.listener), "127.0.0.2", 0);
  if (transport().capabilities.localBind) {
    assert.equal(err, null);
    assert.equal(local?.address, "127.0.0.2");
  } else {
    assert.deepEqual([err?.code, err?.syscall], ["EINVAL", "bind"]);
  }
});

test("transport connect() from a local port in use fails bind EADDRINUSE", async () => {
  await using p = await pair();
  const [err] = await connectFrom(portOf(p.listener), "127.0.0.1", portOf(p.listener));
  assert.deepEqual([err?.code, err?.syscall], ["EADDRINUSE", "bind"]);
});

test("transport unref() on a listener and idle reading connections lets the process exit", async () => {
  const result = await runFixture(fixture, 10_000, ["idle"]);
  assert.equal(result.timedOut, false, "the process stayed alive");
  assert.equal(result.stdout.trim(), "idle", result.stderr);
  assert.equal(result.code, 0, result.stderr);
});

/** A running fixture whose stdout can be awaited line by line. */
interface Child {
  child: ChildProcess;
  /** Resolves once stdout matches; rejects if the process ends first. */
  output(pattern: RegExp): Promise<RegExpExecArray>;
  /** The exit code, once stdout is read to its end and the process is gone. */
  exited: Promise<number | null>;
  [Symbol.dispose](): void;
}

function startFixture(args: string[]): Child {
  const [cmd, base] = runtimeArgs(fixture);
  const child = spawn(cmd, [...base, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  let out = "";
  child.stdout!.on("data", (d) => out += d);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    child,
    exited,
    output: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) resolve(m);
          return m !== null;
        };
        if (check()) return;
        child.stdout!.on("data", check);
        void exited.then(() => check() || reject(new Error(`exited without ${pattern}: ${out}`)));
      }),
    [Symbol.dispose]() {
      clearTimeout(killer);
      child.kill();
    },
  };
}

test("transport ref() after unref() keeps the process alive for its listener", async () => {
  using fx = startFixture(["reref"]);
  const port = Number((await fx.output(/port (\d+)\n/))[1]);
  const conn = await connectTo(port);
  try {
    await write(conn, text("x"));
    await fx.output(/got/);
    assert.equal(await fx.exited, 0);
  } finally {
    conn.close();
  }
});

/** A plain connection to a loopback port. */
function connectTo(port: number): Promise<ConnectionHandle> {
  const handle = transport().createTcp();
  return connectResult(handle, { host: "127.0.0.1", port }).then((err) => {
    if (err === null) return handle;
    handle.close();
    throw new Error(`connect ${err.code}`);
  });
}

test("transport unref() while connecting is applied on open: the process exits", async () => {
  const listener = listen({ host: "127.0.0.1" });
  const accepted = accept(listener);
  using fx = startFixture(["pending-unref", String(portOf(listener))]);
  let server: ConnectionHandle | null = null;
  try {
    server = await accepted;
    await fx.output(/open/);
    // The child leaves with its connection still open: the kernel closes it.
    assert.equal(await fx.exited, 0);
    assert.equal((await readToEnd(server)).length, 0);
  } finally {
    server?.close();
    await closeListener(listener);
  }
});

test("transport ref() after unref() while connecting keeps the process alive on open", async () => {
  const listener = listen({ host: "127.0.0.1" });
  const accepted = accept(listener);
  using fx = startFixture(["pending-reref", String(portOf(listener))]);
  let server: ConnectionHandle | null = null;
  try {
    server = await accepted;
    await fx.output(/open/);
    // Still alive to read this, unless the unref() won.
    await write(server, text("x"));
    await fx.output(/got/);
    assert.equal(await fx.exited, 0);
  } finally {
    server?.close();
    await closeListener(listener);
  }
});

test(
  "transport unref() while connecting lets the process exit though the connect never ends",
  {
    skip: transport().capabilities.unrefPendingConnect
      ? false
      : "this runtime's pending connect op holds the process until it settles (no public API to unref it)",
  },
  async () => {
    const result = await runFixture(fixture, 4_000, ["stuck-unref"]);
    assert.equal(result.timedOut, false, "the pending connect held the process");
    assert.equal(result.stdout.trim(), "pending", result.stderr);
    assert.equal(result.code, 0, result.stderr);
  },
);

test("transport close() while connecting releases the process though the connect never ends", {
  skip: transport().capabilities.cancelPendingConnect
    ? false
    : "this runtime cannot abort a connect in flight (Bun.connect takes no signal)",
}, async () => {
  const result = await runFixture(fixture, 4_000, ["stuck-close"]);
  assert.equal(result.timedOut, false, "the closed connect held the process");
  assert.equal(result.stdout.trim(), "pending", result.stderr);
  assert.equal(result.code, 0, result.stderr);
});
