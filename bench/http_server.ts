/**
 * The server side of the http benchmarks, run by `http_run.ts` as a child
 * process on Deno, Bun or Node (Node runs an esbuild bundle of this file).
 * `--impl=` picks the code under test:
 *
 * - `ours`: this project's `http` (`../http.ts`)
 * - `builtin`: the runtime's own `node:http` (on Node: Node's own)
 * - `raw`: a minimal responder over the runtime's native sockets, no HTTP
 *   layer (`_lib/raw_http.ts`): a ceiling, for `hello` and `64k` only
 *
 * `--bench=` picks the one request handler it installs:
 *
 * - `hello`: a 12-byte text body
 * - `64k`: a 64 KiB body
 * - `upload`: reads the whole request body, answers 200 when it had
 *   `--upload-size=` bytes and 500 otherwise (so the load generator counts
 *   a short body as an error)
 * - `idle`: as `hello`, with `--keep-alive-ms=` as the keep-alive timeout so
 *   that held connections outlive the measurement
 *
 * Bodies are framed with Content-Length, or with `--framing=chunked` by
 * Transfer-Encoding: chunked (see `respond()`).
 *
 * It prints `{"event":"listening","port":N}`, then answers each stdin line
 * `mark` (or `mark-gc`, which collects garbage first) with its CPU time,
 * memory and connection counts, `census` with the live heap's common object
 * kinds (`_lib/census.ts`); `profile-start` and `profile-stop` run the
 * profiler of `--profile-kind=` (`cpu` or `alloc`, `_lib/profiler.ts`) and
 * write its profile to `--profile-dir=`. It exits on `exit` or when stdin
 * closes.
 *
 * @module
 */
import process from "node:process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { emit, flag, numberFlag, onStdinLines } from "./_lib/lines.ts";
import { type Responder, startRawHttp } from "./_lib/raw_http.ts";
import { canCollectGarbage, collectGarbage, sample } from "./_lib/runtime.ts";
import type { ConnectionCounts } from "./_lib/raw_server.ts";
import { type Profiler, startProfiler } from "./_lib/profiler.ts";
import { takeCensus } from "./_lib/census.ts";

/** What the benchmark needs of a request. */
interface Request {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end", listener: () => void): unknown;
}

/** What the benchmark needs of a response. */
interface Response {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: string | Uint8Array): unknown;
}

interface HttpSocket {
  on(event: "close" | "error", listener: () => void): unknown;
}

interface HttpServer {
  keepAliveTimeout: number;
  listen(port: number, host: string, listener: () => void): unknown;
  address(): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "connection", listener: (socket: HttpSocket) => void): unknown;
}

interface HttpModule {
  createServer(listener: (req: Request, res: Response) => void): HttpServer;
}

type Handler = (req: Request, res: Response) => void;

const kHello = "hello world\n";
const kText = "text/plain";
const kBinary = "application/octet-stream";

const counts: ConnectionCounts = { accepted: 0, active: 0 };

function runtime(): "deno" | "bun" | "node" {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/**
 * `length`: headers set one by one, so that `end(body)` frames the body
 * with Content-Length. `chunked`: `writeHead()` first, which fixes the head
 * before the body is known, so Node (and every implementation of it)
 * frames the body with Transfer-Encoding: chunked.
 */
const chunked = flag("framing", "length") === "chunked";

function respond(res: Response, status: number, type: string, body: string | Uint8Array): void {
  if (chunked) {
    res.writeHead(status, { "content-type": type });
  } else {
    res.statusCode = status;
    res.setHeader("content-type", type);
  }
  res.end(body);
}

function hello(_req: Request, res: Response): void {
  respond(res, 200, kText, kHello);
}

function large(body: Uint8Array): Handler {
  return function sendLarge(_req, res) {
    respond(res, 200, kBinary, body);
  };
}

function upload(expected: number): Handler {
  return function receive(req, res) {
    let got = 0;
    req.on("data", (chunk) => got += chunk.byteLength);
    req.on("end", () => respond(res, got === expected ? 200 : 500, kText, "ok\n"));
  };
}

/** The `express` bench: the bundled app (see bench/_lib/express_app.cjs) serves. */
function startExpress(appBundle: string): Promise<number> {
  const require = createRequire(import.meta.url);
  const start = require(appBundle) as (onListening: (port: number) => void) => {
    on(event: "connection", listener: (socket: HttpSocket) => void): void;
  };
  return new Promise((resolve) => {
    start(resolve).on("connection", countConnection);
  });
}

function handler(bench: string): Handler {
  if (bench === "hello" || bench === "idle") return hello;
  if (bench === "64k") return large(new Uint8Array(64 * 1024).fill(0x61));
  if (bench === "upload") return upload(numberFlag("upload-size", 1024 * 1024));
  throw new Error(`unknown --bench=${bench}`);
}

/** Loads `../http.ts` by a computed specifier, which the Node bundle leaves out. */
async function loadHttp(impl: string): Promise<HttpModule> {
  if (impl === "builtin") return (await import("node:http")) as unknown as HttpModule;
  const ours = new URL("../http.ts", import.meta.url).href;
  return (await import(ours)) as HttpModule;
}

/** Counts a connection while it lives; shared, so the bench adds no closure per connection. */
function countConnection(socket: HttpSocket): void {
  counts.accepted++;
  counts.active++;
  socket.on("close", onSocketClose);
  socket.on("error", ignore);
}

function onSocketClose(): void {
  counts.active--;
}

function ignore(): void {
  // Resets from a load generator that stops mid-request are expected.
}

async function startHttp(impl: string, bench: string): Promise<number> {
  const http = await loadHttp(impl);
  const server = http.createServer(handler(bench));
  const keepAliveMs = numberFlag("keep-alive-ms", 0);
  if (keepAliveMs > 0) server.keepAliveTimeout = keepAliveMs;
  server.on("connection", countConnection);
  // Node 20 has no Promise.withResolvers.
  return await new Promise<number>((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

function rawResponder(bench: string): Responder {
  if (chunked) throw new Error("--impl=raw has no --framing=chunked");
  if (bench === "hello" || bench === "idle") {
    return { body: new TextEncoder().encode(kHello), contentType: kText };
  }
  if (bench === "64k") return { body: new Uint8Array(64 * 1024).fill(0x61), contentType: kBinary };
  throw new Error(`--impl=raw has no --bench=${bench}`);
}

let profiler: Profiler | null = null;
const where = runtime();

async function answer(command: string): Promise<void> {
  if (command === "exit") process.exit(0);
  if (command === "profile-start") {
    profiler = await startProfiler(flag("profile-kind", "cpu") === "alloc" ? "alloc" : "cpu");
    return emit({ event: "profiling" });
  }
  if (command === "profile-stop") {
    const profile = await profiler!.stop();
    const name = `${flag("label", "server")}.${profiler!.extension}`;
    const file = join(flag("profile-dir", "."), name);
    writeFileSync(file, JSON.stringify(profile));
    return emit({ event: "profile", file });
  }
  if (command === "census") {
    await collectGarbage();
    const all = await takeCensus(where === "bun" ? "bun" : "deno");
    // Rarer kinds cannot matter per connection when thousands are open.
    const common = Object.entries(all).filter(([, kind]) => kind.count >= 500);
    return emit({ event: "census", census: Object.fromEntries(common) });
  }
  if (command !== "mark" && command !== "mark-gc") {
    return emit({ event: "error", message: `unknown command ${command}` });
  }
  if (command === "mark-gc") await collectGarbage();
  emit({ event: "mark", ...sample(), ...counts });
}

async function main(): Promise<void> {
  const impl = flag("impl", "ours");
  const bench = flag("bench", "hello");
  if (!["ours", "builtin", "raw"].includes(impl)) throw new Error(`unknown --impl=${impl}`);
  if (where === "node" && impl !== "builtin") throw new Error("on Node only --impl=builtin runs");
  const port = impl === "raw"
    ? startRawHttp(where as "deno" | "bun", rawResponder(bench), counts)
    : bench === "express"
    ? await startExpress(flag("app", ""))
    : await startHttp(impl, bench);
  // Commands are answered one at a time, in order, even when one awaits GC.
  let queue = Promise.resolve();
  onStdinLines(
    (line) => queue = queue.then(() => answer(line)),
    () => process.exit(0),
  );
  emit({ event: "listening", port, runtime: where, impl, gc: canCollectGarbage() });
}

main().catch((err) => {
  emit({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
});
