/**
 * Runs the net benchmarks and prints a table per benchmark with ratios of
 * this project's `net` to the runtime's built-in `node:net`:
 *
 * - `echo`: echo throughput per CPU second of the server process
 * - `connect`: connections accepted and served (connect, echo a small
 *   message, close) per CPU second of the server
 * - `idle`: server memory per idle connection, 10,000 held by default
 *
 * Each measurement pairs a server process (`net_server.ts`, on the runtime
 * and implementation under test) with a client process (`net_client.ts`,
 * same runtime, native sockets only). Loopback only; every phase is bounded
 * in time.
 *
 * Usage: `deno run -A bench/net_run.ts --help` (and bench/README.md).
 *
 * @module
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Child, type Command, withServerChild } from "./_lib/child.ts";
import { closingSections, finish, versions } from "./_lib/report.ts";
import { flag, numberFlag } from "./_lib/lines.ts";
import { askCensus, type Census, censusTables, perConnection } from "./_lib/census.ts";
import { cellRow, formatTable, gbps, kib, median, perSecond, ratio } from "./_lib/table.ts";

type Runtime = "deno" | "bun";
type Impl = "ours" | "builtin" | "raw";
type Bench = "echo" | "connect" | "idle";
type Metrics = Record<string, number>;

const root = fileURLToPath(new URL("..", import.meta.url));

const usage = `Usage: deno run -A bench/net_run.ts [options]
  --runtimes=deno,bun            runtimes to measure
  --impls=ours,builtin,raw       servers: this project, node:net, native sockets
  --benches=echo,connect,idle    which benchmarks
  --repeat=3                     runs per cell; the table shows medians
  --warmup-ms=500 --measure-ms=2000
  --streams=1 --chunk=65536 --window=1048576      echo load
  --workers=16 --message=16                       connect load
  --idle=10000 --concurrency=100                  idle load
  --census=0                     1: also list the heap's object kinds per idle connection
  --nice=0                       run server and client at this niceness (e.g. -10 as root,
                                 so that other work on the machine disturbs them less)
  --json=FILE                    also write every run's figures as JSON`;

const known: string[] = usage.match(/--[a-z-]+(?==)/g) ?? [];
for (const arg of process.argv.slice(2)) {
  const name = arg.split("=")[0];
  if (arg === "--help" || arg === "-h") {
    console.log(usage);
    process.exit(0);
  }
  if (!known.includes(name) || !arg.includes("=")) {
    console.error(`unknown argument ${arg}\n${usage}`);
    process.exit(2);
  }
}

const options = {
  runtimes: list("runtimes", "deno,bun", ["deno", "bun"]) as Runtime[],
  impls: list("impls", "ours,builtin,raw", ["ours", "builtin", "raw"]) as Impl[],
  benches: list("benches", "echo,connect,idle", ["echo", "connect", "idle"]) as Bench[],
  repeat: Math.max(1, numberFlag("repeat", 3)),
  warmupMs: numberFlag("warmup-ms", 500),
  measureMs: numberFlag("measure-ms", 2000),
  streams: numberFlag("streams", 1),
  chunk: numberFlag("chunk", 64 * 1024),
  window: numberFlag("window", 1024 * 1024),
  workers: numberFlag("workers", 16),
  message: numberFlag("message", 16),
  idle: numberFlag("idle", 10_000),
  concurrency: numberFlag("concurrency", 100),
  json: flag("json", ""),
  census: flag("census", "0") === "1",
  nice: Math.trunc(Number(flag("nice", "0"))) || 0,
};

/** Targets from the issue, as ours / built-in ratios or KiB per connection. */
const targets = {
  echo: { deno: 1.5, bun: 0.95 },
  connect: { deno: 1, bun: 1 },
  idleKiB: { deno: 6, bun: 3 },
};

function list(name: string, fallback: string, allowed: string[]): string[] {
  const values = flag(name, fallback).split(",").filter((v) => v !== "");
  for (const v of values) {
    if (!allowed.includes(v)) throw new Error(`--${name}: ${v} is not one of ${allowed}`);
  }
  return values;
}

function command(runtime: Runtime, script: string, args: string[]): Command {
  const bin = `${root}node_modules/.bin/${runtime}`;
  // --expose-gc lets the server collect garbage before it reads its memory.
  const argv = runtime === "bun"
    ? [`bench/${script}`, ...args]
    : ["run", "-A", "--no-check", "--v8-flags=--expose-gc", `bench/${script}`, ...args];
  if (options.nice === 0) return { bin, args: argv };
  return { bin: "nice", args: ["-n", String(options.nice), bin, ...argv] };
}

/** Runs `body` against a fresh server process, which is stopped afterwards. */
function withServer(
  runtime: Runtime,
  impl: Impl,
  body: (server: Child, port: number) => Promise<Metrics>,
  echo = "pipe",
): Promise<Metrics> {
  const args = [`--impl=${impl}`, `--echo=${echo}`];
  return withServerChild(
    `${runtime} ${impl} server`,
    command(runtime, "net_server.ts", args),
    root,
    body,
  );
}

function client(runtime: Runtime, args: string[]): Child {
  return new Child(`${runtime} client`, command(runtime, "net_client.ts", args), root);
}

/** The server's CPU time, memory and connection counts now (after GC with `gc`). */
async function mark(server: Child, gc = false): Promise<Metrics> {
  server.send(gc ? "mark-gc" : "mark");
  return (await server.next("mark", 30_000)) as unknown as Metrics;
}

/** Runs a timed load; returns the client's `end` and the server's CPU seconds over it. */
async function timedLoad(runtime: Runtime, server: Child, args: string[]) {
  const timing = [`--warmup-ms=${options.warmupMs}`, `--measure-ms=${options.measureMs}`];
  const load = client(runtime, [...args, ...timing]);
  try {
    const limit = options.warmupMs + options.measureMs + 20_000;
    await load.next("start", limit);
    const before = await mark(server);
    const end = await load.next("end", limit);
    const after = await mark(server);
    const cpuMicros = after.cpuMicros - before.cpuMicros;
    const helperShare = (after.helperCpuMicros - before.helperCpuMicros) / cpuMicros;
    return { end, cpuSeconds: cpuMicros / 1e6, helperShare };
  } finally {
    await load.stop();
  }
}

function echo(runtime: Runtime, impl: Impl): Promise<Metrics> {
  return withServer(runtime, impl, async (server, port) => {
    const args = [
      "--load=echo",
      `--port=${port}`,
      `--connections=${options.streams}`,
      `--chunk=${options.chunk}`,
      `--window=${options.window}`,
    ];
    const { end, cpuSeconds, helperShare } = await timedLoad(runtime, server, args);
    const bytes = Number(end.bytes);
    const seconds = Number(end.ms) / 1000;
    if (bytes === 0) throw new Error("no bytes came back");
    return {
      perCpu: bytes / cpuSeconds,
      perWall: bytes / seconds,
      cpuShare: cpuSeconds / seconds,
      helperShare,
      errors: Number(end.errors),
    };
  });
}

function connect(runtime: Runtime, impl: Impl): Promise<Metrics> {
  return withServer(runtime, impl, async (server, port) => {
    const args = [
      "--load=connect",
      `--port=${port}`,
      `--connections=${options.workers}`,
      `--message=${options.message}`,
    ];
    const { end, cpuSeconds, helperShare } = await timedLoad(runtime, server, args);
    const conns = Number(end.conns);
    const seconds = Number(end.ms) / 1000;
    if (conns === 0) throw new Error("no connection completed");
    return {
      perCpu: conns / cpuSeconds,
      perWall: conns / seconds,
      cpuShare: cpuSeconds / seconds,
      helperShare,
      errors: Number(end.errors),
    };
  });
}

/** Heap kinds per idle connection (after - before) / count, by runtime/impl. */
const censuses = new Map<string, Census>();

function idle(runtime: Runtime, impl: Impl): Promise<Metrics> {
  return withServer(runtime, impl, async (server, port) => {
    const before = await mark(server, true);
    const censusBefore = await askCensus(server, options.census);
    const args = [
      "--load=idle",
      `--port=${port}`,
      `--connections=${options.idle}`,
      `--message=${options.message}`,
      `--concurrency=${options.concurrency}`,
    ];
    const holder = client(runtime, args);
    try {
      const held = await holder.next("held", 100_000);
      const count = Number(held.count);
      if (count === 0) throw new Error("no connection could be held");
      const after = await mark(server, true);
      if (after.active < count) {
        throw new Error(`server sees ${after.active} of ${count} connections`);
      }
      if (options.census) {
        censuses.set(
          `${runtime} ${impl}`,
          perConnection(censusBefore, await askCensus(server, options.census), count),
        );
      }
      return {
        rssPerConn: (after.rss - before.rss) / count,
        heapPerConn: (after.heapUsed - before.heapUsed) / count,
        held: count,
        setupMs: Number(held.ms),
        errors: Number(held.errors),
      };
    } finally {
      holder.send("exit");
      await holder.stop();
    }
  }, "write");
}

const benches = { echo, connect, idle };

/** Every run's metrics, or the error that stopped it, by bench/runtime/impl. */
const results = new Map<string, { runs: Metrics[]; error?: string }>();

function key(bench: Bench, runtime: Runtime, impl: Impl): string {
  return `${bench}/${runtime}/${impl}`;
}

/** The median of one metric over a cell's runs, if it has any. */
function value(bench: Bench, runtime: Runtime, impl: Impl, metric: string): number | undefined {
  const runs = results.get(key(bench, runtime, impl))?.runs ?? [];
  return runs.length === 0 ? undefined : median(runs.map((r) => r[metric]));
}

async function runAll(): Promise<void> {
  for (const bench of options.benches) {
    for (const runtime of options.runtimes) {
      // Implementations alternate within each repeat so drift hits all alike.
      for (let round = 0; round < options.repeat; round++) {
        for (const impl of options.impls) {
          const cell = results.get(key(bench, runtime, impl)) ?? { runs: [] };
          results.set(key(bench, runtime, impl), cell);
          if (cell.error !== undefined) continue;
          process.stderr.write(`${bench} ${runtime} ${impl} (run ${round + 1})... `);
          try {
            cell.runs.push(await benches[bench](runtime, impl));
            process.stderr.write("ok\n");
          } catch (err) {
            cell.error = String((err as Error)?.message ?? err);
            process.stderr.write("failed\n");
          }
        }
      }
    }
  }
}

/** Cells for one row: the formatted metrics, or the error in their place. */
function row(
  bench: Bench,
  runtime: Runtime,
  impl: Impl,
  columns: [string, (v: number) => string][],
): string[] {
  return cellRow(
    `${runtime} ${impl}`,
    results.get(key(bench, runtime, impl)),
    columns,
    (metric) => value(bench, runtime, impl, metric),
  );
}

function throughputReport(bench: "echo" | "connect"): string {
  const isEcho = bench === "echo";
  const fmt = isEcho ? gbps : perSecond;
  const header = isEcho
    ? ["server", "GB/s per CPU s", "range", "GB/s wall", "server CPU", "off main", "errors"]
    : ["server", "conns per CPU s", "range", "conns/s wall", "server CPU", "off main", "errors"];
  const columns: [string, (v: number) => string][] = [
    ["perCpu", fmt],
    ["perCpu:range", fmt],
    ["perWall", fmt],
    ["cpuShare", (v) => `${Math.round(v * 100)}%`],
    ["helperShare", (v) => `${Math.round(v * 100)}%`],
    ["errors", (v) => String(Math.round(v))],
  ];
  const rows = [header];
  const ratios = [["ours / builtin", "per CPU s", "wall", "target", "met"]];
  for (const runtime of options.runtimes) {
    for (const impl of options.impls) rows.push(row(bench, runtime, impl, columns));
    const r = (m: string) =>
      ratio(value(bench, runtime, "ours", m), value(bench, runtime, "builtin", m));
    const target = targets[bench][runtime];
    const got = ratioValue(bench, runtime, "perCpu");
    ratios.push([
      runtime,
      r("perCpu"),
      r("perWall"),
      `>= ${target}x`,
      verdict(got, (x) => x >= target),
    ]);
  }
  return `${formatTable(rows)}\n\n${formatTable(ratios)}`;
}

function ratioValue(bench: Bench, runtime: Runtime, metric: string): number | undefined {
  const ours = value(bench, runtime, "ours", metric);
  const base = value(bench, runtime, "builtin", metric);
  return ours === undefined || base === undefined ? undefined : ours / base;
}

function verdict(got: number | undefined, ok: (x: number) => boolean): string {
  return got === undefined ? "-" : ok(got) ? "yes" : "NO";
}

function idleReport(): string {
  const columns: [string, (v: number) => string][] = [
    ["rssPerConn", kib],
    ["rssPerConn:range", kib],
    ["heapPerConn", kib],
    ["held", (v) => String(Math.round(v))],
    ["setupMs", (v) => String(Math.round(v))],
  ];
  const rows = [["server", "RSS KiB/conn", "range", "heap KiB/conn", "held", "setup ms"]];
  const checks = [["ours", "RSS ratio", "heap ratio", "target RSS", "met"]];
  for (const runtime of options.runtimes) {
    for (const impl of options.impls) rows.push(row("idle", runtime, impl, columns));
    const r = (m: string) =>
      ratio(value("idle", runtime, "ours", m), value("idle", runtime, "builtin", m));
    const limit = targets.idleKiB[runtime];
    const rss = value("idle", runtime, "ours", "rssPerConn");
    checks.push([
      runtime,
      r("rssPerConn"),
      r("heapPerConn"),
      `<= ${limit} KiB`,
      verdict(rss, (x) => x <= limit * 1024),
    ]);
  }
  return `${formatTable(rows)}\n\n${formatTable(checks)}`;
}

/** The heaviest heap kinds per idle connection, by bytes where known, else by count. */
function report(): string {
  const parts: string[] = [];
  const titles = {
    echo: `Echo throughput (${options.streams} stream(s), ${options.chunk} B writes, ` +
      `${options.window} B in flight, ${options.measureMs} ms)`,
    connect:
      `Connection rate (${options.workers} workers: connect, ${options.message} B echo, close; ` +
      `${options.measureMs} ms)`,
    idle: `Memory of ${options.idle} idle connections (server after GC, after - before; ` +
      `echo by a shared "data" listener, no pipe)`,
  };
  for (const bench of options.benches) {
    const body = bench === "idle" ? idleReport() : throughputReport(bench);
    parts.push(`## ${titles[bench]}\n\n${body}`);
  }
  if (censuses.size > 0) {
    parts.push(`## Heap kinds per idle connection\n\n${censusTables(censuses)}`);
  }
  parts.push(...closingSections(results, []));
  return parts.join("\n\n");
}

async function main(): Promise<void> {
  await runAll();
  const withNode = false;
  finish(
    `net benchmarks (${versions(root, withNode, options.repeat)})`,
    report(),
    options.json,
    options,
    results,
  );
}

await main();
