/**
 * The load generator over `Deno.connect`.
 *
 * @module
 */
import type { Counters, Held, LoadGenerator, LoadPlan, StopFlag } from "./load.ts";

function dial(port: number): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) offset += await conn.write(bytes.subarray(offset));
}

/** Reads until `size` bytes arrived; false if the peer closed first. */
async function readExactly(conn: Deno.Conn, buf: Uint8Array, size: number): Promise<boolean> {
  let got = 0;
  while (got < size) {
    const n = await conn.read(buf.subarray(got, size));
    if (n === null) return false;
    got += n;
  }
  return true;
}

/** One stream: keeps up to `window` bytes in flight and counts what returns. */
async function echoStream(plan: LoadPlan, counters: Counters, stop: StopFlag): Promise<void> {
  const conn = await dial(plan.port);
  const chunk = new Uint8Array(plan.chunkSize).fill(0x78);
  // Shared by the writer below and the reader task.
  const state = { sent: 0, received: 0, done: false, wake: null as (() => void) | null };
  const reader = (async () => {
    const buf = new Uint8Array(256 * 1024);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        state.received += n;
        counters.bytes += n;
        if (state.wake !== null && state.sent - state.received < plan.window) state.wake();
      }
    } finally {
      state.done = true;
      state.wake?.();
    }
  })();
  while (!stop.stopped && !state.done) {
    if (state.sent - state.received >= plan.window) {
      await new Promise<void>((resolve) => state.wake = resolve);
      state.wake = null;
      continue;
    }
    await writeAll(conn, chunk);
    state.sent += chunk.byteLength;
  }
  conn.close();
  await reader.catch(() => {});
}

async function connectWorker(plan: LoadPlan, counters: Counters, stop: StopFlag): Promise<void> {
  const message = new Uint8Array(plan.messageSize).fill(0x79);
  const buf = new Uint8Array(plan.messageSize);
  while (!stop.stopped) {
    let conn: Deno.TcpConn | null = null;
    try {
      conn = await dial(plan.port);
      await writeAll(conn, message);
      if (await readExactly(conn, buf, message.byteLength)) counters.conns++;
      else counters.errors++;
    } catch {
      counters.errors++;
    } finally {
      conn?.close();
    }
  }
}

async function openIdle(plan: LoadPlan, counters: Counters): Promise<Deno.TcpConn | null> {
  const message = new Uint8Array(plan.messageSize).fill(0x7a);
  const buf = new Uint8Array(plan.messageSize);
  try {
    const conn = await dial(plan.port);
    await writeAll(conn, message);
    if (await readExactly(conn, buf, message.byteLength)) {
      counters.conns++;
      return conn;
    }
    conn.close();
  } catch {
    // Counted below.
  }
  counters.errors++;
  return null;
}

/** The load generator over `Deno.connect`. */
export const denoLoad: LoadGenerator = {
  echo(plan, counters, stop) {
    for (let i = 0; i < plan.connections; i++) {
      echoStream(plan, counters, stop).catch(() => counters.errors++);
    }
  },
  connect(plan, counters, stop) {
    for (let i = 0; i < plan.connections; i++) connectWorker(plan, counters, stop);
  },
  async hold(plan, counters): Promise<Held> {
    const conns: Deno.TcpConn[] = [];
    let next = 0;
    async function opener(): Promise<void> {
      while (next < plan.connections) {
        next++;
        const conn = await openIdle(plan, counters);
        if (conn !== null) conns.push(conn);
      }
    }
    const openers = [];
    for (let i = 0; i < Math.min(plan.concurrency, plan.connections); i++) openers.push(opener());
    await Promise.all(openers);
    return {
      count: conns.length,
      close() {
        for (const conn of conns) conn.close();
      },
    };
  },
};
