/**
 * The client side of the net benchmarks, run by `net_run.ts` as a child
 * process so that its CPU and memory are not the server's. It uses only the
 * runtime's native sockets, so every server implementation faces the same
 * client. `--load=`:
 *
 * - `echo`: streams writing `--chunk=` bytes with at most `--window=` in flight
 * - `connect`: workers that connect, echo `--message=` bytes and close
 * - `idle`: opens `--connections=` connections, echoes one message on each,
 *   holds them, prints `held` and waits for stdin to say `exit`
 *
 * Timed loads warm up for `--warmup-ms=`, print `start`, run `--measure-ms=`
 * and print `end` with what was done in between.
 *
 * @module
 */
import process from "node:process";
import { emit, flag, numberFlag, onStdinLines } from "./_lib/lines.ts";
import type { Counters, LoadGenerator, LoadPlan, StopFlag } from "./_lib/load.ts";
import { runtimeName } from "./_lib/runtime.ts";

/** Beyond its own timing, no timed load may run longer than this, whatever the server does. */
const kGraceMs = 15_000;
/** Holding idle connections waits on the driver's GC passes: a wider bound. */
const kIdleLimitMs = 120_000;

async function loadGenerator(): Promise<LoadGenerator> {
  if (runtimeName() === "bun") return (await import("./_lib/load_bun.ts")).bunLoad;
  return (await import("./_lib/load_deno.ts")).denoLoad;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function timed(
  kind: "echo" | "connect",
  load: LoadGenerator,
  plan: LoadPlan,
  counters: Counters,
): Promise<void> {
  const warmupMs = numberFlag("warmup-ms", 500);
  const measureMs = numberFlag("measure-ms", 3000);
  const stop: StopFlag = { stopped: false };
  load[kind](plan, counters, stop);
  await delay(warmupMs);
  const before = { ...counters, at: performance.now() };
  emit({ event: "start" });
  await delay(measureMs);
  const after = { ...counters, at: performance.now() };
  emit({
    event: "end",
    ms: after.at - before.at,
    bytes: after.bytes - before.bytes,
    conns: after.conns - before.conns,
    errors: after.errors - before.errors,
  });
  stop.stopped = true;
}

async function idle(load: LoadGenerator, plan: LoadPlan, counters: Counters): Promise<void> {
  const started = performance.now();
  const held = await load.hold(plan, counters);
  emit({
    event: "held",
    count: held.count,
    errors: counters.errors,
    ms: performance.now() - started,
  });
  const { promise, resolve } = Promise.withResolvers<void>();
  onStdinLines((line) => line === "exit" && resolve(), resolve);
  await promise;
  held.close();
}

async function main(): Promise<void> {
  const kind = flag("load", "echo");
  const plan: LoadPlan = {
    port: numberFlag("port", 0),
    connections: numberFlag("connections", 1),
    chunkSize: numberFlag("chunk", 64 * 1024),
    window: numberFlag("window", 1024 * 1024),
    messageSize: numberFlag("message", 16),
    concurrency: numberFlag("concurrency", 64),
  };
  if (plan.port === 0) throw new Error("--port= is required");
  const counters: Counters = { bytes: 0, conns: 0, errors: 0 };
  const load = await loadGenerator();
  const limitMs = kind === "idle"
    ? kIdleLimitMs
    : kGraceMs + numberFlag("warmup-ms", 500) + numberFlag("measure-ms", 3000);
  setTimeout(() => {
    emit({ event: "error", message: "client ran past its time limit" });
    process.exit(2);
  }, limitMs);
  if (kind === "echo" || kind === "connect") await timed(kind, load, plan, counters);
  else if (kind === "idle") await idle(load, plan, counters);
  else throw new Error(`unknown --load=${kind}`);
  process.exit(0);
}

main().catch((err) => {
  emit({ event: "error", message: String(err?.stack ?? err) });
  process.exit(1);
});
