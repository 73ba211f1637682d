/**
 * The Bun transport's `openFd`/`listenFd` (Node's `new net.Socket({ fd })`
 * and `server.listen({ fd })`) over descriptors made straight from libc, so
 * that no socket API of ours produced them. Both methods exist only on Bun:
 * elsewhere, and off Linux (where the libc helper has no constants), each
 * case is skipped and says so.
 *
 * @module
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transport } from "../../_internal/transport/select.ts";
import type { BunTransport } from "../../_internal/transport/bun.ts";
import {
  type ConnectionHandle,
  isTransportError,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";
import { type LibcFds, libcFds } from "./fixtures/libc_fds.ts";
import {
  accept,
  connectTcp,
  endOf,
  listenLocal,
  portOf,
  readToEnd,
  roundTrips,
  shutdown,
  write,
} from "./fixtures/handles.ts";

type FdTransport = Pick<BunTransport, "openFd" | "listenFd">;

/** The fd methods and libc, or null after skipping `t` with the reason. */
async function setup(t: TestContext): Promise<{ fds: FdTransport; libc: LibcFds } | null> {
  const fds = transport() as Partial<FdTransport>;
  if (fds.openFd === undefined || fds.listenFd === undefined) {
    t.skip(`the ${transport().capabilities.runtime} transport cannot adopt descriptors`);
    return null;
  }
  const libc = await libcFds();
  if (libc === null) {
    t.skip("raw descriptors come from libc through Bun's FFI, on Linux only");
    return null;
  }
  return { fds: fds as FdTransport, libc };
}

/** `openFd` that must succeed, with its `done` outcomes collected. */
function open(fds: FdTransport, fd: number) {
  const outcomes: (TransportError | null)[] = [];
  let opened!: () => void;
  const done = new Promise<void>((resolve) => opened = resolve);
  const handle = fds.openFd(fd, (err) => {
    outcomes.push(err);
    opened();
  });
  if (isTransportError(handle)) throw new Error(`openFd refused: ${handle.code}`);
  return { handle, opened: done, outcomes };
}

test("transport openFd adopts a connected TCP socket: addresses, data both ways", async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const listener = listenLocal();
  const accepted = accept(listener);
  const fd = env.libc.connectedTcp(portOf(listener));
  const { handle, opened, outcomes } = open(env.fds, fd);
  let server: ConnectionHandle | null = null;
  try {
    assert.deepEqual(outcomes, [], "done never runs synchronously");
    server = await accepted;
    assert.deepEqual(handle.remoteAddress(), listener.address());
    assert.deepEqual(
      (handle.localAddress() as NetAddress).port,
      (server.remoteAddress() as NetAddress).port,
    );
    await opened;
    const fromClient = readToEnd(server);
    await write(handle, new TextEncoder().encode("from the fd"));
    await shutdown(handle);
    assert.equal(Buffer.concat(await fromClient).toString(), "from the fd");
    const fromServer = readToEnd(handle);
    await write(server, new TextEncoder().encode("to the fd"));
    await shutdown(server);
    assert.equal(Buffer.concat(await fromServer).toString(), "to the fd");
    await roundTrips(2);
    assert.deepEqual(outcomes, [null]);
  } finally {
    handle.close();
    server?.close();
    listener.close();
  }
  assert.equal(env.libc.isOpen(fd), false, "closing the handle closes the fd");
});

test("transport openFd adopts both ends of a Unix socketpair", async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const [a, b] = env.libc.socketPair();
  const left = open(env.fds, a);
  const right = open(env.fds, b);
  try {
    await Promise.all([left.opened, right.opened]);
    assert.equal(left.handle.localAddress(), "");
    assert.equal(left.handle.remoteAddress(), "");
    assert.equal(left.handle.setTypeOfService?.(0x10), false);
    const got = readToEnd(right.handle);
    await write(left.handle, new TextEncoder().encode("across the pair"));
    await shutdown(left.handle);
    assert.equal(Buffer.concat(await got).toString(), "across the pair");
  } finally {
    left.handle.close();
    right.handle.close();
  }
});

test("transport openFd refuses what cannot stream, synchronously, and never calls done", async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const { fds, libc } = env;
  const dir = mkdtempSync(join(tmpdir(), "transport-bun-fd-"));
  const [readEnd, writeEnd] = libc.pipe();
  const bound = libc.boundTcp(true);
  const file = openSync(join(dir, "f"), "w+");
  const closedFd = openSync(join(dir, "g"), "w+");
  closeSync(closedFd);
  let calls = 0;
  try {
    const codes = [readEnd, bound.fd, file, closedFd].map((fd) => {
      const result = fds.openFd(fd, () => calls++);
      return isTransportError(result) ? `${result.syscall} ${result.code}` : "handle";
    });
    assert.deepEqual(codes, ["open ENOTSOCK", "open ENOTCONN", "open ENOTSOCK", "open ENOTSOCK"]);
    // Bun had taken the pipe and the listening socket: refusing them closes
    // them. It never took the file.
    assert.deepEqual([readEnd, bound.fd, file].map((fd) => libc.isOpen(fd)), [false, false, true]);
    await roundTrips(2);
    assert.equal(calls, 0);
  } finally {
    for (const fd of [readEnd, writeEnd, bound.fd]) libc.close(fd);
    closeSync(file);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("transport listenFd listens on a bound TCP socket and accepts on it", async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const bound = env.libc.boundTcp(false);
  const listener = env.fds.listenFd(bound.fd, 511);
  if (isTransportError(listener)) {
    env.libc.close(bound.fd);
    throw new Error(`listenFd refused: ${listener.code}`);
  }
  let client: ConnectionHandle | null = null;
  let server: ConnectionHandle | null = null;
  try {
    assert.deepEqual(listener.address(), {
      address: "127.0.0.1",
      port: bound.port,
      family: "IPv4",
    });
    const accepted = accept(listener);
    client = await connectTcp("127.0.0.1", bound.port);
    server = await accepted;
    assert.deepEqual(server.localAddress(), listener.address());
    server.write(new Uint8Array(1), () => {});
    server.close();
    assert.equal(await endOf(client), "EOF");
  } finally {
    client?.close();
    server?.close();
    await new Promise<void>((resolve) => listener.close(resolve));
  }
  assert.equal(env.libc.isOpen(bound.fd), false, "closing the listener closes the fd");
});

test("transport listenFd refuses a connected socket or a file with listen EINVAL", async (t) => {
  const env = await setup(t);
  if (env === null) return;
  const dir = mkdtempSync(join(tmpdir(), "transport-bun-fd-"));
  const [a, b] = env.libc.socketPair();
  const file = openSync(join(dir, "f"), "w+");
  try {
    const codes = [a, file].map((fd) => {
      const result = env.fds.listenFd(fd, 511);
      if (!isTransportError(result)) {
        result.close();
        return "listener";
      }
      return `${result.syscall} ${result.code}`;
    });
    assert.deepEqual(codes, ["listen EINVAL", "listen EINVAL"]);
  } finally {
    env.libc.close(a);
    env.libc.close(b);
    closeSync(file);
    rmSync(dir, { recursive: true, force: true });
  }
});
