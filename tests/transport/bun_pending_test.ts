/**
 * The pending handle of `Transport.createTcp()`/`createPipe()` (Node reads
 * and patches `socket._handle` before the connect opens) and the listener's
 * `onconnection` method, asserted through `transport()` on every runtime.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { transport } from "../../_internal/transport/select.ts";
import type { ConnectionHandle, TransportError } from "../../_internal/transport/types.ts";
import { runFixture, runtimeArgs } from "../_util/process.ts";
import {
  accept,
  connectHandle,
  connectTcp,
  endOf,
  listenLocal,
  portOf,
  readToEnd,
  roundTrips,
  shutdown,
  write,
} from "./fixtures/handles.ts";

const fixture = fileURLToPath(new URL("./fixtures/unref_fixture.ts", import.meta.url));

test("transport createTcp() handle: null addresses until open, then the same object connected", async () => {
  const listener = listenLocal();
  const handle = transport().createTcp();
  try {
    const accepted = accept(listener);
    assert.equal(handle.localAddress(), null);
    assert.equal(handle.remoteAddress(), null);
    assert.equal(handle.bufferedBytes, 0);
    let calls = 0;
    let sync = true;
    const opened = new Promise<TransportError | null>((resolve) => {
      handle.connect({ host: "127.0.0.1", port: portOf(listener) }, (err) => {
        calls++;
        resolve(err);
      });
    });
    // A second connect() on the same handle is ignored.
    handle.connect({ host: "127.0.0.1", port: portOf(listener) }, () => calls++);
    assert.equal(handle.remoteAddress(), null, "still pending right after connect()");
    sync = false;
    assert.equal(await opened, null);
    assert.equal(sync, false);
    const server = await accepted;
    try {
      assert.deepEqual(handle.remoteAddress(), listener.address());
      assert.deepEqual(server.remoteAddress(), handle.localAddress());
      const got = readToEnd(server);
      await write(handle, new TextEncoder().encode("same handle"));
      await shutdown(handle);
      assert.equal(new TextDecoder().decode(Buffer.concat(await got)), "same handle");
      await roundTrips(3);
      assert.equal(calls, 1);
    } finally {
      server.close();
    }
  } finally {
    handle.close();
    listener.close();
  }
});

test("transport close() while connecting: done never runs and the server sees EOF", async () => {
  const listener = listenLocal();
  try {
    const accepted = accept(listener);
    let calls = 0;
    const handle = transport().createTcp();
    handle.onRead = () => calls++;
    handle.onError = () => calls++;
    handle.readStart();
    handle.connect({ host: "127.0.0.1", port: portOf(listener) }, () => calls++);
    handle.close();
    handle.close();
    // Neither runtime can abort a connect in flight: on loopback it always
    // reaches the server, and the closed handle must then hang up.
    const server = await accepted;
    try {
      server.write(new Uint8Array(16), () => {});
      const end = await endOf(server);
      assert.ok(end === "EOF" || end === "ECONNRESET", end);
      await roundTrips(3);
      assert.equal(calls, 0);
      assert.equal(handle.remoteAddress(), null);
    } finally {
      server.close();
    }
  } finally {
    listener.close();
  }
});

test("transport close() before connect(): connect() does nothing", async () => {
  const listener = listenLocal();
  try {
    let accepted = 0;
    listener.onconnection = (_err, conn) => {
      accepted++;
      conn?.close();
    };
    let calls = 0;
    const handle = transport().createTcp();
    handle.close();
    handle.connect({ host: "127.0.0.1", port: portOf(listener) }, () => calls++);
    await roundTrips(3);
    assert.equal(calls, 0);
    assert.equal(accepted, 0);
  } finally {
    listener.close();
  }
});

test("transport readStart() before connect() reads from open; readStop() keeps it stopped", async () => {
  const listener = listenLocal();
  const reading = transport().createTcp();
  const stopped = transport().createTcp();
  const servers: ConnectionHandle[] = [];
  try {
    listener.onconnection = (_err, conn) => {
      if (conn === null) return;
      servers.push(conn);
      conn.write(new TextEncoder().encode("hello"), () => {});
    };
    const got = new Promise<string>((resolve) => {
      reading.onRead = (chunk) => chunk !== null && resolve(new TextDecoder().decode(chunk));
    });
    reading.readStart();
    let stoppedReads = 0;
    stopped.onRead = () => stoppedReads++;
    stopped.readStart();
    stopped.readStop();
    const port = portOf(listener);
    assert.equal(await connectHandle(reading, { host: "127.0.0.1", port }), null);
    assert.equal(await connectHandle(stopped, { host: "127.0.0.1", port }), null);
    assert.equal(await got, "hello");
    await roundTrips(5);
    assert.equal(stoppedReads, 0, "readStop() before open must hold the data back");
    const late = new Promise<number>((resolve) => stopped.onRead = (c) => resolve(c!.byteLength));
    stopped.readStart();
    assert.equal(await late, 5);
  } finally {
    for (const server of servers) server.close();
    reading.close();
    stopped.close();
    listener.close();
  }
});

test("transport setTypeOfService() before open is applied on open", async (t) => {
  const listener = listenLocal();
  const handle = transport().createTcp();
  try {
    listener.onconnection = (_err, conn) => conn?.close();
    if (handle.setTypeOfService === undefined) {
      t.skip("the runtime exposes no IP_TOS");
      return;
    }
    assert.equal(handle.setTypeOfService(0x20), true);
    assert.equal(handle.setTypeOfService(0x10), true, "the latest value wins");
    assert.equal(await connectHandle(handle, { host: "127.0.0.1", port: portOf(listener) }), null);
    assert.equal(handle.getTypeOfService!(), 0x10);
  } finally {
    handle.close();
    listener.close();
  }
});

test("transport listener calls onconnection as a method looked up at each accept", async () => {
  const listener = listenLocal();
  const clients: ConnectionHandle[] = [];
  try {
    const seen: unknown[] = [];
    const second = new Promise<void>((resolve) => {
      listener.onconnection = function (this: unknown, err, conn) {
        seen.push("first", this, err);
        conn?.close();
        // Replaced between accepts, as Node's tests patch server._handle.onconnection.
        listener.onconnection = function (this: unknown, err, conn) {
          seen.push("second", this, err);
          conn?.close();
          resolve();
        };
      };
    });
    clients.push(await connectTcp("127.0.0.1", portOf(listener)));
    await roundTrips(2);
    clients.push(await connectTcp("127.0.0.1", portOf(listener)));
    await second;
    assert.deepEqual(seen, ["first", listener, null, "second", listener, null]);
  } finally {
    for (const client of clients) client.close();
    listener.close();
  }
});

test("transport unref() before the connect opens lets the process exit", async () => {
  const listener = listenLocal();
  const servers: ConnectionHandle[] = [];
  try {
    listener.onconnection = (_err, conn) => conn && servers.push(conn);
    const result = await runFixture(fixture, 10_000, ["pending-unref", String(portOf(listener))]);
    assert.equal(result.timedOut, false, "an unref'd handle must not hold the process once open");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /open/);
  } finally {
    for (const server of servers) server.close();
    listener.close();
  }
});

test("transport ref() after unref() before the connect opens holds the process", async () => {
  const listener = listenLocal();
  let server: ConnectionHandle | null = null;
  const [cmd, args] = runtimeArgs(fixture);
  const child = spawn(cmd, [...args, "pending-reref", String(portOf(listener))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (d) => stdout += d);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    server = await accept(listener);
    // The child is still there to read this only if ref() took effect.
    await roundTrips(5);
    await write(server, new TextEncoder().encode("x"));
    assert.equal(await exited, 0);
    assert.match(stdout, /open\s+got/);
  } finally {
    child.kill();
    server?.close();
    listener.close();
  }
});
