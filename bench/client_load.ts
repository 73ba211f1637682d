/**
 * The client side of the http client benchmark, run by `client_run.ts` as a
 * child process on Deno, Bun or Node (Node runs an esbuild bundle of this
 * file). It is the process under test: `--impl=` picks the `http` it loads.
 *
 * - `ours`: this project's `http` (`../http.ts`)
 * - `builtin`: the runtime's own `node:http` (on Node: Node's own)
 *
 * It keeps `--concurrency=` GET requests for `--path=` in flight against
 * `--port=` on loopback, through one `Agent({ keepAlive: true, maxSockets:
 * --sockets= })`: past `maxSockets` the agent queues requests until a socket
 * is free, as in any Node program that fans out through an agent. Each
 * response body is read whole (`'data'` until `'end'`); a finished request
 * immediately issues the next one.
 *
 * After `--warmup-ms=` it takes its own CPU time (`process.cpuUsage()`: user
 * plus system, every thread) and prints `start`; after `--measure-ms=` more
 * it prints `end` with the requests completed, bytes read and errors in
 * between and its CPU time over the same window, then exits. With
 * `--profile-dir=` it also profiles exactly that window (`_lib/profiler.ts`,
 * `--profile-kind=cpu|alloc`) and prints `profile` with the file written.
 * It exits early when stdin closes (the driver is gone) or past its time
 * limit.
 *
 * @module
 */
import process from "node:process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { emit, flag, numberFlag, onStdinLines } from "./_lib/lines.ts";
import { sample } from "./_lib/runtime.ts";
import { type ProfileKind, startProfiler } from "./_lib/profiler.ts";

/** What the benchmark needs of a response. */
interface Response {
  statusCode?: number;
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown;
  on(event: "end", listener: () => void): unknown;
}

/** What the benchmark needs of a request. */
interface Request {
  on(event: "error", listener: (err: Error) => void): unknown;
  end(): unknown;
}

/** Options of the one request shape the benchmark makes. */
interface RequestOptions {
  host: string;
  port: number;
  path: string;
  agent: unknown;
}

interface HttpModule {
  Agent: new (options: { keepAlive: boolean; maxSockets: number }) => unknown;
  request(options: RequestOptions, callback: (res: Response) => void): Request;
}

/** Running totals; `start` and `end` report their change over the window. */
const counts = { requests: 0, bytes: 0, errors: 0, badStatus: 0 };
let stopped = false;
let http: HttpModule;
let options: RequestOptions;

/** Beyond its own timing, no run may last longer than this, whatever the server does. */
const kGraceMs = 30_000;
/** After a failed request, the next one waits this long (a dead server must not spin us). */
const kRetryMs = 10;

function runtime(): "deno" | "bun" | "node" {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

/** Loads `../http.ts` by a computed specifier, which the Node bundle leaves out. */
async function loadHttp(impl: string): Promise<HttpModule> {
  if (impl === "builtin") return (await import("node:http")) as unknown as HttpModule;
  const ours = new URL("../http.ts", import.meta.url).href;
  return (await import(ours)) as unknown as HttpModule;
}

// The listeners below are shared by every request, so the benchmark itself
// allocates no closure per request: what is measured is the http client.

function onData(chunk: Uint8Array): void {
  counts.bytes += chunk.byteLength;
}

function onEnd(): void {
  counts.requests++;
  issue();
}

function onResponse(res: Response): void {
  if (res.statusCode !== 200) counts.badStatus++;
  res.on("data", onData);
  res.on("end", onEnd);
}

function onError(_err: Error): void {
  counts.errors++;
  if (!stopped) setTimeout(issue, kRetryMs);
}

/** Starts one request; its completion starts the next. */
function issue(): void {
  if (stopped) return;
  const req = http.request(options, onResponse);
  req.on("error", onError);
  req.end();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** This process's CPU time and the totals, at one instant. */
function mark() {
  const cpu = process.cpuUsage();
  const { helperCpuMicros, at } = sample();
  return { ...counts, user: cpu.user, system: cpu.system, helper: helperCpuMicros, at };
}

async function main(): Promise<void> {
  const impl = flag("impl", "ours");
  if (impl !== "ours" && impl !== "builtin") throw new Error(`unknown --impl=${impl}`);
  const where = runtime();
  if (where === "node" && impl !== "builtin") throw new Error("on Node only --impl=builtin runs");
  const port = numberFlag("port", 0);
  if (port === 0) throw new Error("--port= is required");
  const warmupMs = numberFlag("warmup-ms", 1000);
  const measureMs = numberFlag("measure-ms", 3000);
  const concurrency = Math.max(1, numberFlag("concurrency", 32));
  const sockets = Math.max(1, numberFlag("sockets", 16));
  const profileDir = flag("profile-dir", "");
  setTimeout(() => {
    emit({ event: "error", message: "client ran past its time limit" });
    process.exit(2);
  }, kGraceMs + warmupMs + measureMs);
  onStdinLines(() => {}, () => process.exit(0));

  http = await loadHttp(impl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  // One options object for every request: each implementation copies it.
  options = { host: "127.0.0.1", port, path: flag("path", "/hello"), agent };
  for (let i = 0; i < concurrency; i++) issue();

  await delay(warmupMs);
  const kind: ProfileKind = flag("profile-kind", "cpu") === "alloc" ? "alloc" : "cpu";
  const profiler = profileDir === "" ? null : await startProfiler(kind);
  const before = mark();
  emit({ event: "start", runtime: where, impl });
  await delay(measureMs);
  const after = mark();
  stopped = true;
  emit({
    event: "end",
    ms: after.at - before.at,
    requests: after.requests - before.requests,
    bytes: after.bytes - before.bytes,
    errors: after.errors - before.errors + after.badStatus - before.badStatus,
    userMicros: after.user - before.user,
    systemMicros: after.system - before.system,
    helperCpuMicros: after.helper - before.helper,
  });
  if (profiler !== null) {
    const profile = await profiler.stop();
    const file = join(profileDir, `${flag("label", "client")}.${profiler.extension}`);
    writeFileSync(file, JSON.stringify(profile));
    emit({ event: "profile", file });
  }
  process.exit(0);
}

main().catch((err) => {
  emit({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
});
