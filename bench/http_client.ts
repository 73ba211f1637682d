/**
 * The idle load of the http benchmarks, run by `http_run.ts` on Deno as a
 * child process (whatever the server's runtime) so that its memory is not
 * the server's: it opens `--connections=` keep-alive connections to
 * `--port=`, `--concurrency=` at a time, makes one GET request on each and
 * reads the whole response, then holds them all, prints `held` and waits for
 * stdin to say `exit` (or close).
 *
 * Wrk cannot do this: it keeps every connection busy.
 *
 * @module
 */
import process from "node:process";
import { emit, numberFlag, onStdinLines } from "./_lib/lines.ts";

/** Holding waits on the driver's GC passes: a wide bound, but a bound. */
const kLimitMs = 120_000;

/** The body every benchmark server sends for the idle bench. */
const kBody = "hello world\n";

function request(port: number): Uint8Array {
  return new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
}

/**
 * Reads until the response has a complete head and ends with the known
 * body (Content-Length framing) or a last chunk; false if the peer closes.
 */
async function readResponse(conn: Deno.Conn): Promise<boolean> {
  const buf = new Uint8Array(4096);
  const decoder = new TextDecoder("latin1");
  let text = "";
  while (true) {
    const n = await conn.read(buf);
    if (n === null) return false;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
    const head = text.indexOf("\r\n\r\n");
    if (head === -1) continue;
    if (!text.startsWith("HTTP/1.1 200")) return false;
    if (text.endsWith(kBody) || text.endsWith("0\r\n\r\n")) return true;
  }
}

async function openOne(port: number, bytes: Uint8Array): Promise<Deno.TcpConn | null> {
  let conn: Deno.TcpConn | null = null;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
    let offset = 0;
    while (offset < bytes.byteLength) offset += await conn.write(bytes.subarray(offset));
    if (await readResponse(conn)) return conn;
  } catch {
    // Counted as an error by the caller.
  }
  conn?.close();
  return null;
}

async function hold(port: number, count: number, concurrency: number) {
  const bytes = request(port);
  const conns: Deno.TcpConn[] = [];
  let next = 0;
  let errors = 0;
  async function opener(): Promise<void> {
    while (next < count) {
      next++;
      const conn = await openOne(port, bytes);
      if (conn === null) errors++;
      else conns.push(conn);
    }
  }
  const openers = [];
  for (let i = 0; i < Math.min(concurrency, count); i++) openers.push(opener());
  await Promise.all(openers);
  return { conns, errors };
}

async function main(): Promise<void> {
  const port = numberFlag("port", 0);
  if (port === 0) throw new Error("--port= is required");
  setTimeout(() => {
    emit({ event: "error", message: "client ran past its time limit" });
    process.exit(2);
  }, kLimitMs);
  const started = performance.now();
  const { conns, errors } = await hold(
    port,
    numberFlag("connections", 10_000),
    numberFlag("concurrency", 100),
  );
  emit({ event: "held", count: conns.length, errors, ms: performance.now() - started });
  const { promise, resolve } = Promise.withResolvers<void>();
  onStdinLines((line) => line === "exit" && resolve(), resolve);
  await promise;
  for (const conn of conns) conn.close();
  process.exit(0);
}

main().catch((err) => {
  emit({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
});
