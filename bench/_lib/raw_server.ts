/**
 * Echo servers straight over the runtime's native sockets, with no Node
 * layer: the ceiling that `node:net` implementations are compared with.
 *
 * @module
 */
import { bun, type BunSocket } from "./bun_api.ts";
import type { RuntimeName } from "./runtime.ts";

/** Live and total connection counts a server keeps for the driver. */
export interface ConnectionCounts {
  accepted: number;
  active: number;
}

/** Starts the raw echo server of `runtime` on loopback; returns its port. */
export function startRawServer(runtime: RuntimeName, counts: ConnectionCounts): number {
  return runtime === "bun" ? startBun(counts) : startDeno(counts);
}

function startDeno(counts: ConnectionCounts): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  acceptLoop(listener, counts);
  return listener.addr.port;
}

async function acceptLoop(listener: Deno.TcpListener, counts: ConnectionCounts): Promise<void> {
  for await (const conn of listener) {
    counts.accepted++;
    counts.active++;
    serveDeno(conn).finally(() => counts.active--);
  }
}

/** The first read buffer of a connection: small, so idle ones stay cheap. */
const kFirstRead = 1024;
/** Reads that fill the buffer grow it fourfold, up to this. */
const kMaxRead = 262144;

/**
 * Reads into one buffer per connection and writes each read back whole. The
 * buffer starts small and grows while reads fill it: an idle connection then
 * costs 1 KiB, a bulk one gets large reads.
 */
async function serveDeno(conn: Deno.Conn): Promise<void> {
  let buf = new Uint8Array(kFirstRead);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      await writeAllDeno(conn, buf, n);
      if (n === buf.byteLength && n < kMaxRead) buf = new Uint8Array(n * 4);
    }
  } catch {
    // A peer that resets is normal at the end of a run.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed by the failure above.
    }
  }
}

async function writeAllDeno(conn: Deno.Conn, buf: Uint8Array, n: number): Promise<void> {
  let offset = 0;
  while (offset < n) offset += await conn.write(buf.subarray(offset, n));
}

/** What the Bun server keeps per socket: bytes the kernel did not take yet. */
interface BunState {
  pending: Uint8Array | null;
}

function startBun(counts: ConnectionCounts): number {
  const listener = bun().listen<BunState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { pending: null };
        counts.accepted++;
        counts.active++;
      },
      data(socket, chunk) {
        writeOrHold(socket, chunk);
      },
      drain(socket) {
        const pending = socket.data.pending;
        if (pending === null) return;
        socket.data.pending = null;
        if (writeOrHold(socket, pending)) socket.resume();
      },
      close() {
        counts.active--;
      },
      error() {
        // A peer that resets is normal at the end of a run.
      },
    },
  });
  return listener.port;
}

/** Writes `bytes`; on a partial write holds the rest and stops reading. */
function writeOrHold(socket: BunSocket<BunState>, bytes: Uint8Array): boolean {
  const n = socket.write(bytes);
  if (n < 0 || n === bytes.byteLength) return true;
  socket.data.pending = bytes.subarray(n);
  socket.pause();
  return false;
}
