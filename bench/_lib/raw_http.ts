/**
 * A minimal HTTP/1.1 responder straight over the runtime's native sockets:
 * it answers every request head (each CRLFCRLF) with one fixed response and
 * parses nothing else. It reads no bodies, so it serves GET loads only. It
 * is the ceiling the http benchmarks compare `node:http` implementations
 * with: what a JS server on this runtime costs with no HTTP layer.
 *
 * @module
 */
import { bun, type BunSocket } from "./bun_api.ts";
import type { ConnectionCounts } from "./raw_server.ts";

/** The one response the responder sends. */
export interface Responder {
  body: Uint8Array;
  contentType: string;
}

/** Starts the responder of `runtime` on loopback; returns its port. */
export function startRawHttp(
  runtime: "deno" | "bun",
  responder: Responder,
  counts: ConnectionCounts,
): number {
  const response = encodeResponse(responder);
  return runtime === "bun" ? startBun(response, counts) : startDeno(response, counts);
}

function encodeResponse({ body, contentType }: Responder): Uint8Array {
  const head = new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.byteLength}\r\n\r\n`,
  );
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head);
  out.set(body, head.byteLength);
  return out;
}

/** How much of "\r\n\r\n" the bytes so far end with (0-3), per connection. */
interface HeadScan {
  matched: number;
}

/** Counts request heads completed in `chunk`, carrying a partial match over. */
function countHeads(scan: HeadScan, chunk: Uint8Array): number {
  let heads = 0;
  let matched = scan.matched;
  for (let i = 0; i < chunk.byteLength; i++) {
    const want = matched === 0 || matched === 2 ? 13 : 10;
    if (chunk[i] === want) {
      matched++;
      if (matched === 4) {
        heads++;
        matched = 0;
      }
    } else {
      matched = chunk[i] === 13 ? 1 : 0;
    }
  }
  scan.matched = matched;
  return heads;
}

/** `count` copies of `response`, as one write. */
function repeat(response: Uint8Array, count: number): Uint8Array {
  if (count === 1) return response;
  const out = new Uint8Array(response.byteLength * count);
  for (let i = 0; i < count; i++) out.set(response, i * response.byteLength);
  return out;
}

function startDeno(response: Uint8Array, counts: ConnectionCounts): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  acceptLoop(listener, response, counts);
  return listener.addr.port;
}

async function acceptLoop(
  listener: Deno.TcpListener,
  response: Uint8Array,
  counts: ConnectionCounts,
): Promise<void> {
  for await (const conn of listener) {
    counts.accepted++;
    counts.active++;
    serveDeno(conn, response).finally(() => counts.active--);
  }
}

async function serveDeno(conn: Deno.Conn, response: Uint8Array): Promise<void> {
  // Small, so that an idle connection stays cheap; heads are small too.
  const buf = new Uint8Array(1024);
  const scan: HeadScan = { matched: 0 };
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      const heads = countHeads(scan, buf.subarray(0, n));
      if (heads === 0) continue;
      const out = repeat(response, heads);
      let offset = 0;
      while (offset < out.byteLength) offset += await conn.write(out.subarray(offset));
    }
  } catch {
    // A load generator that stops mid-request resets its connections.
  } finally {
    try {
      conn.close();
    } catch {
      // Already closed by the failure above.
    }
  }
}

/** Per Bun socket: the head scan and the bytes the kernel did not take yet. */
interface BunState {
  scan: HeadScan;
  pending: Uint8Array[];
}

function startBun(response: Uint8Array, counts: ConnectionCounts): number {
  const listener = bun().listen<BunState>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { scan: { matched: 0 }, pending: [] };
        counts.accepted++;
        counts.active++;
      },
      data(socket, chunk) {
        const heads = countHeads(socket.data.scan, chunk);
        if (heads > 0) send(socket, repeat(response, heads));
      },
      drain(socket) {
        const pending = socket.data.pending;
        socket.data.pending = [];
        for (const bytes of pending) send(socket, bytes);
      },
      close() {
        counts.active--;
      },
      error() {
        // A load generator that stops mid-request resets its connections.
      },
    },
  });
  return listener.port;
}

/** Writes `bytes` in order after anything still pending; keeps what the kernel refused. */
function send(socket: BunSocket<BunState>, bytes: Uint8Array): void {
  const pending = socket.data.pending;
  if (pending.length > 0) {
    pending.push(bytes);
    return;
  }
  const n = socket.write(bytes);
  if (n >= 0 && n < bytes.byteLength) pending.push(bytes.subarray(n));
}
