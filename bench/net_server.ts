/**
 * The server side of the net benchmarks: an echo server on 127.0.0.1, port 0,
 * run by `net_run.ts` as a child process. `--impl=` picks the code under test:
 *
 * - `ours`: this project's `net` (`../net.ts`)
 * - `builtin`: the runtime's own `node:net`, the same code
 * - `raw`: the runtime's native sockets with no Node layer (`_lib/raw_server.ts`)
 *
 * The `net` servers echo with `socket.pipe(socket)`, or with `--echo=write`
 * through a shared `'data'` listener that writes each chunk back.
 *
 * It prints `{"event":"listening","port":N}`, then answers each stdin line
 * `mark` (or `mark-gc`, which collects garbage first) with its CPU time,
 * memory and connection counts, and `census` with the live heap's object
 * kinds that have at least `kCensusMin` members (`_lib/census.ts`). It exits
 * on `exit` or when stdin closes.
 *
 * @module
 */
import process from "node:process";
import { emit, flag, onStdinLines } from "./_lib/lines.ts";
import { type ConnectionCounts, startRawServer } from "./_lib/raw_server.ts";
import { canCollectGarbage, collectGarbage, runtimeName, sample } from "./_lib/runtime.ts";
import { type Census, takeCensus } from "./_lib/census.ts";

/** What the benchmark needs of a `node:net` implementation. */
interface NetSocket {
  on(event: "error" | "close", listener: (this: NetSocket) => void): unknown;
  on(event: "data", listener: (this: NetSocket, chunk: Uint8Array) => void): unknown;
  pipe(destination: NetSocket): unknown;
  write(chunk: Uint8Array): boolean;
}

interface NetServer {
  listen(port: number, host: string, listener: () => void): unknown;
  address(): unknown;
  on(event: "error", listener: (err: Error) => void): unknown;
}

interface NetModule {
  createServer(listener: (socket: NetSocket) => void): NetServer;
}

/** Rarer kinds cannot matter per connection when thousands are open. */
const kCensusMin = 500;

const counts: ConnectionCounts = { accepted: 0, active: 0 };

// The listeners are shared by every socket, so that the server's own code
// adds no per-connection closure to what the idle benchmark measures.
function ignore(): void {
  // Resets from a client that exits mid-stream are expected.
}

function onClose(): void {
  counts.active--;
}

function echoChunk(this: NetSocket, chunk: Uint8Array): void {
  this.write(chunk);
}

async function loadNet(impl: string): Promise<NetModule> {
  if (impl === "ours") return (await import("../net.ts")) as unknown as NetModule;
  return (await import("node:net")) as unknown as NetModule;
}

/**
 * Starts a `node:net` echo server; resolves to its port. `pipe` echoes with
 * `socket.pipe(socket)` (with backpressure: the echo benchmark), `write`
 * with a `'data'` listener that writes each chunk back (lighter: a pipe
 * costs ~0.6 KiB of heap per socket on Bun and ~1.5 KiB on Deno, which is
 * not the cost of a connection).
 */
async function startNetServer(impl: string, echo: string): Promise<number> {
  const net = await loadNet(impl);
  const server = net.createServer((socket) => {
    counts.accepted++;
    counts.active++;
    socket.on("error", ignore);
    socket.on("close", onClose);
    if (echo === "pipe") socket.pipe(socket);
    else socket.on("data", echoChunk);
  });
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  server.on("error", reject);
  server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  return await promise;
}

async function census(): Promise<Census> {
  await collectGarbage();
  const all = await takeCensus(runtimeName());
  return Object.fromEntries(Object.entries(all).filter(([, kind]) => kind.count >= kCensusMin));
}

async function answer(command: string): Promise<void> {
  if (command === "exit") process.exit(0);
  if (command === "census") return emit({ event: "census", census: await census() });
  if (command !== "mark" && command !== "mark-gc") {
    emit({ event: "error", message: `unknown command ${command}` });
    return;
  }
  if (command === "mark-gc") await collectGarbage();
  emit({ event: "mark", ...sample(), ...counts });
}

async function main(): Promise<void> {
  const impl = flag("impl", "ours");
  if (!["ours", "builtin", "raw"].includes(impl)) throw new Error(`unknown --impl=${impl}`);
  const runtime = runtimeName();
  const echo = flag("echo", "pipe");
  if (!["pipe", "write"].includes(echo)) throw new Error(`unknown --echo=${echo}`);
  const port = impl === "raw" ? startRawServer(runtime, counts) : await startNetServer(impl, echo);
  // Commands are answered one at a time, in order, even when one awaits GC.
  let queue = Promise.resolve();
  onStdinLines(
    (line) => queue = queue.then(() => answer(line)),
    () => process.exit(0),
  );
  emit({ event: "listening", port, runtime, impl, gc: canCollectGarbage() });
}

main().catch((err) => {
  emit({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
});
