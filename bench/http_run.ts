/**
 * Runs the http server benchmarks and prints a table per benchmark, with
 * ratios of this project's `http` to the same runtime's built-in
 * `node:http` and to Node's own:
 *
 * - `hello`: keep-alive GETs of a 12-byte body, per CPU second of the server
 * - `64k`: keep-alive GETs of a 64 KiB body, per CPU second of the server
 * - `upload`: keep-alive POSTs of a 1 MiB chunked body, per CPU second
 * - `idle`: server memory per idle keep-alive connection, 10,000 held
 * - `express` (not run by default): Express 5 hello world, per CPU second,
 *   the app bundled onto this library (ours) or onto the runtime's http
 *
 * Each measurement pairs a server process (`http_server.ts` on Deno, Bun or
 * Node) with a load generator in its own process: wrk for the timed loads,
 * `http_client.ts` on Deno for the idle one. Loopback only; every phase is
 * bounded in time.
 *
 * Usage: `deno run -A bench/http_run.ts --help` (and bench/README.md).
 *
 * @module
 */
import process from "node:process";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, type Command, withServerChild } from "./_lib/child.ts";
import { closingSections, finish, versions } from "./_lib/report.ts";
import { bundleExpressApp, bundleForNode, niced } from "./_lib/node_bundle.ts";
import { flag, numberFlag } from "./_lib/lines.ts";
import { runWrk, type WrkPlan } from "./_lib/wrk.ts";
import { cellRow, type Column, formatTable, kib, median, perSecond, ratio } from "./_lib/table.ts";
import { askCensus, type Census, censusTables, perConnection } from "./_lib/census.ts";

type Runtime = "deno" | "bun" | "node";
type Impl = "ours" | "builtin" | "raw";
type Bench = "hello" | "64k" | "upload" | "idle" | "express";
type Metrics = Record<string, number>;

const root = fileURLToPath(new URL("..", import.meta.url));

const usage = `Usage: deno run -A bench/http_run.ts [options]
  --runtimes=deno,bun,node       server runtimes (Node runs its built-in http only)
  --impls=ours,builtin,raw       this project, the runtime's node:http, a minimal
                                 responder over native sockets (hello and 64k only)
  --benches=hello,64k,upload,idle also: express (Express 5 hello world; raw has no cell)
  --repeat=3                     runs per cell; the tables show medians
  --warmup=1 --measure=3         wrk seconds before and during the measured window
  --connections=50 --threads=1   wrk's keep-alive connections and threads
  --framing=length               response bodies: length (Content-Length) or chunked
                                 (writeHead() before end(); raw has no chunked cells)
  --upload-size=1048576 --upload-chunk=65536
  --idle=10000 --concurrency=100 idle connections to hold, connects in flight
  --nice=0                       niceness of servers and load generators (e.g. -10 as root)
  --profile=DIR                  also profile each measured window into DIR (profiling
                                 slows the server: figures are then not comparable)
  --profile-kind=cpu             cpu: sampled CPU time (.cpuprofile); alloc: sampled
                                 allocations (.heapprofile; Deno and Node only)
  --census=0                     1: also list the heap's object kinds per idle connection
  --json=FILE                    also write every run's figures as JSON`;

const known: string[] = usage.match(/--[a-z-]+(?==)/g) ?? [];
for (const arg of process.argv.slice(2)) {
  if (arg === "--help" || arg === "-h") {
    console.log(usage);
    process.exit(0);
  }
  if (!known.includes(arg.split("=")[0]) || !arg.includes("=")) {
    console.error(`unknown argument ${arg}\n${usage}`);
    process.exit(2);
  }
}

const options = {
  runtimes: list("runtimes", "deno,bun,node", ["deno", "bun", "node"]) as Runtime[],
  impls: list("impls", "ours,builtin,raw", ["ours", "builtin", "raw"]) as Impl[],
  benches: list("benches", "hello,64k,upload,idle", [
    "hello",
    "64k",
    "upload",
    "idle",
    "express",
  ]) as Bench[],
  repeat: Math.max(1, numberFlag("repeat", 3)),
  warmup: numberFlag("warmup", 1),
  measure: Math.max(1, numberFlag("measure", 3)),
  connections: Math.max(1, numberFlag("connections", 50)),
  threads: Math.max(1, numberFlag("threads", 1)),
  framing: list("framing", "length", ["length", "chunked"])[0],
  uploadSize: numberFlag("upload-size", 1024 * 1024),
  uploadChunk: Math.max(1, numberFlag("upload-chunk", 64 * 1024)),
  idle: numberFlag("idle", 10_000),
  concurrency: numberFlag("concurrency", 100),
  nice: Math.trunc(Number(flag("nice", "0"))) || 0,
  profile: flag("profile", "") === "" ? "" : resolve(flag("profile", "")),
  profileKind: list("profile-kind", "cpu", ["cpu", "alloc"])[0],
  census: flag("census", "0") === "1",
  json: flag("json", ""),
};

/**
 * Targets from the issue: ours per CPU second against Node's own http, or
 * against the same runtime's built-in; idle memory in KiB per connection.
 */
const targets = {
  hello: { base: "node", min: 1.3 },
  "64k": { base: "node", min: 1.2 },
  upload: { base: "builtin", min: 1 },
  idleKiB: { deno: 6, bun: 3, node: Infinity },
} as const;

function list(name: string, fallback: string, allowed: string[]): string[] {
  const values = flag(name, fallback).split(",").filter((v) => v !== "");
  for (const v of values) {
    if (!allowed.includes(v)) throw new Error(`--${name}: ${v} is not one of ${allowed}`);
  }
  return values;
}

/** The cells a bench runs: Node has only its built-in; raw reads no bodies, frames by length. */
function impls(runtime: Runtime, bench: Bench): Impl[] {
  if (runtime === "node") return options.impls.includes("builtin") ? ["builtin"] : [];
  const rawFits = bench !== "upload" && bench !== "express" && options.framing === "length";
  return options.impls.filter((impl) => impl !== "raw" || rawFits);
}

function serverCommand(runtime: Runtime, args: string[]): Command {
  if (runtime === "node") {
    return niced(options.nice, "node", [
      "--expose-gc",
      bundleForNode(root, "bench/http_server.ts"),
      ...args,
    ]);
  }
  const bin = `${root}node_modules/.bin/${runtime}`;
  if (runtime === "bun") return niced(options.nice, bin, ["bench/http_server.ts", ...args]);
  // --expose-gc lets the server collect garbage before it reads its memory.
  const deno = ["run", "-A", "--no-check", "--v8-flags=--expose-gc", "bench/http_server.ts"];
  return niced(options.nice, bin, [...deno, ...args]);
}

/** Runs `body` against a fresh server process, which is stopped afterwards. */
function withServer(
  runtime: Runtime,
  impl: Impl,
  bench: Bench,
  body: (server: Child, port: number) => Promise<Metrics>,
): Promise<Metrics> {
  const label = `${bench}-${runtime}-${impl}-${Date.now()}`;
  const args = [
    `--impl=${impl}`,
    `--bench=${bench}`,
    `--upload-size=${options.uploadSize}`,
    `--framing=${options.framing}`,
    `--label=${label}`,
  ];
  if (options.profile !== "") {
    args.push(`--profile-dir=${options.profile}`, `--profile-kind=${options.profileKind}`);
  }
  // Held connections must outlive the GC passes of the idle measurement.
  if (bench === "idle") args.push("--keep-alive-ms=600000");
  if (bench === "express") args.push(`--app=${bundleExpressApp(root, impl === "ours")}`);
  return withServerChild(`${runtime} ${impl} server`, serverCommand(runtime, args), root, body);
}

/** The server's CPU time, memory and connection counts now (after GC with `gc`). */
async function mark(server: Child, gc = false): Promise<Metrics> {
  server.send(gc ? "mark-gc" : "mark");
  return (await server.next("mark", 30_000)) as unknown as Metrics;
}

/** Profiles written by `--profile=`, for the closing note. */
const profiles: string[] = [];

function wrkPlan(port: number, bench: Bench, seconds: number): WrkPlan {
  return {
    port,
    path: bench === "upload" ? "/upload" : `/${bench}`,
    connections: options.connections,
    threads: options.threads,
    seconds,
    uploadSize: bench === "upload" ? options.uploadSize : 0,
    uploadChunk: options.uploadChunk,
    nice: options.nice,
  };
}

/** Requests per server CPU second under wrk's keep-alive load. */
function throughput(runtime: Runtime, impl: Impl, bench: Bench): Promise<Metrics> {
  return withServer(runtime, impl, bench, async (server, port) => {
    if (options.warmup > 0) await runWrk(wrkPlan(port, bench, options.warmup));
    if (options.profile !== "") {
      server.send("profile-start");
      await server.next("profiling", 10_000);
    }
    const before = await mark(server);
    const result = await runWrk(wrkPlan(port, bench, options.measure));
    const after = await mark(server);
    if (result.requests === 0) throw new Error("no request completed");
    const cpuSeconds = (after.cpuMicros - before.cpuMicros) / 1e6;
    const helperSeconds = (after.helperCpuMicros - before.helperCpuMicros) / 1e6;
    if (options.profile !== "") {
      server.send("profile-stop");
      const file = String((await server.next("profile", 60_000)).file);
      // Lets the summary give per-request figures.
      const run = { requests: result.requests, cpuSeconds, helperSeconds };
      writeFileSync(`${file}.run.json`, JSON.stringify(run));
      profiles.push(file);
    }
    return {
      perCpu: result.requests / cpuSeconds,
      perWall: result.requests / result.seconds,
      cpuShare: cpuSeconds / ((after.at - before.at) / 1000),
      helperShare: helperSeconds / cpuSeconds,
      mibPerCpu: (result.requests * options.uploadSize) / cpuSeconds / 2 ** 20,
      p99Ms: result.p99Micros / 1000,
      errors: result.errors,
    };
  });
}

/** Heap kinds per idle connection by runtime and implementation (`--census=1`). */
const censuses = new Map<string, Census>();

/** Server memory per idle keep-alive connection, one request served on each. */
function idle(runtime: Runtime, impl: Impl): Promise<Metrics> {
  return withServer(runtime, impl, "idle", async (server, port) => {
    const before = await mark(server, true);
    const censusBefore = await askCensus(server, options.census);
    const client = new Child("idle client", {
      bin: `${root}node_modules/.bin/deno`,
      args: [
        "run",
        "-A",
        "--no-check",
        "bench/http_client.ts",
        `--port=${port}`,
        `--connections=${options.idle}`,
        `--concurrency=${options.concurrency}`,
      ],
    }, root);
    try {
      const held = await client.next("held", 100_000);
      const count = Number(held.count);
      if (count === 0) throw new Error("no connection could be held");
      const after = await mark(server, true);
      if (after.active < count) {
        throw new Error(`server sees ${after.active} of ${count} connections`);
      }
      if (options.census) {
        const kinds = perConnection(censusBefore, await askCensus(server, options.census), count);
        censuses.set(`${runtime} ${impl}`, kinds);
      }
      return {
        rssPerConn: (after.rss - before.rss) / count,
        heapPerConn: (after.heapUsed - before.heapUsed) / count,
        held: count,
        setupMs: Number(held.ms),
        errors: Number(held.errors),
      };
    } finally {
      client.send("exit");
      await client.stop();
    }
  });
}

/** Every run's metrics, or the error that stopped the cell, by bench/runtime/impl. */
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
    // Cells alternate within each round so that drift hits all alike.
    for (let round = 0; round < options.repeat; round++) {
      for (const runtime of options.runtimes) {
        for (const impl of impls(runtime, bench)) {
          const cell = results.get(key(bench, runtime, impl)) ?? { runs: [] };
          results.set(key(bench, runtime, impl), cell);
          if (cell.error !== undefined) continue;
          process.stderr.write(`${bench} ${runtime} ${impl} (run ${round + 1})... `);
          try {
            const run = bench === "idle" ? idle(runtime, impl) : throughput(runtime, impl, bench);
            cell.runs.push(await run);
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

/** One server's row: the formatted medians, or "failed". */
function row(bench: Bench, runtime: Runtime, impl: Impl, columns: Column[]): string[] {
  return cellRow(
    `${runtime} ${impl}`,
    results.get(key(bench, runtime, impl)),
    columns,
    (metric) => value(bench, runtime, impl, metric),
  );
}

function rows(bench: Bench, header: string[], columns: Column[]): string[][] {
  const out = [header];
  for (const runtime of options.runtimes) {
    for (const impl of impls(runtime, bench)) out.push(row(bench, runtime, impl, columns));
  }
  return out;
}

const percent = (v: number) => `${Math.round(v * 100)}%`;

function verdict(got: number | undefined, ok: (x: number) => boolean): string {
  return got === undefined ? "-" : ok(got) ? "yes" : "NO";
}

function throughputReport(bench: "hello" | "64k" | "upload" | "express"): string {
  const columns: Column[] = [
    ["perCpu", perSecond],
    ["perCpu:range", perSecond],
    ["perWall", perSecond],
    ["cpuShare", percent],
    ["helperShare", percent],
    ["p99Ms", (v) => v.toFixed(1)],
    ["errors", (v) => String(Math.round(v))],
  ];
  const header = ["server", "req per CPU s", "range", "req/s wall", "server CPU", "off main"];
  header.push("p99 ms", "errors");
  if (bench === "upload") {
    columns.splice(1, 0, ["mibPerCpu", (v) => v.toFixed(0)]);
    header.splice(2, 0, "MiB per CPU s");
  }
  const target: { base: string; min: number } = bench === "express"
    ? { base: "none", min: 0 }
    : targets[bench];
  const ratios = [["ours", "/ builtin", "/ node", "/ raw", "target", "met"]];
  for (const runtime of options.runtimes) {
    if (runtime === "node") continue;
    const ours = value(bench, runtime, "ours", "perCpu");
    const base = target.base === "node"
      ? value(bench, "node", "builtin", "perCpu")
      : value(bench, runtime, "builtin", "perCpu");
    ratios.push([
      runtime,
      ratio(ours, value(bench, runtime, "builtin", "perCpu")),
      ratio(ours, value(bench, "node", "builtin", "perCpu")),
      ratio(ours, value(bench, runtime, "raw", "perCpu")),
      target.base === "none" ? "-" : `>= ${target.min}x ${target.base}`,
      target.base === "none" ? "-" : verdict(
        ours === undefined || base === undefined ? undefined : ours / base,
        (x) => x >= target.min,
      ),
    ]);
  }
  return `${formatTable(rows(bench, header, columns))}\n\n${formatTable(ratios)}`;
}

function idleReport(): string {
  const columns: Column[] = [
    ["rssPerConn", kib],
    ["rssPerConn:range", kib],
    ["heapPerConn", kib],
    ["held", (v) => String(Math.round(v))],
    ["setupMs", (v) => String(Math.round(v))],
  ];
  const header = ["server", "RSS KiB/conn", "range", "heap KiB/conn", "held", "setup ms"];
  const checks = [["ours", "RSS / builtin", "RSS / node", "target RSS", "met"]];
  for (const runtime of options.runtimes) {
    if (runtime === "node") continue;
    const rss = value("idle", runtime, "ours", "rssPerConn");
    const limit = targets.idleKiB[runtime];
    checks.push([
      runtime,
      ratio(rss, value("idle", runtime, "builtin", "rssPerConn")),
      ratio(rss, value("idle", "node", "builtin", "rssPerConn")),
      `<= ${limit} KiB`,
      verdict(rss, (x) => x <= limit * 1024),
    ]);
  }
  return `${formatTable(rows("idle", header, columns))}\n\n${formatTable(checks)}`;
}

/** The heaviest heap kinds per idle connection, by bytes where known, else by count. */
function report(): string {
  const load = `wrk -t${options.threads} -c${options.connections}, ${options.measure} s, ` +
    `${options.framing === "chunked" ? "chunked" : "Content-Length"} responses`;
  const titles: Record<Bench, string> = {
    hello: `Hello world, keep-alive (${load})`,
    "64k": `64 KiB response, keep-alive (${load})`,
    upload: `${kib(options.uploadSize)} KiB chunked upload in ${
      kib(options.uploadChunk)
    } KiB chunks, keep-alive (${load})`,
    idle: `Memory of ${options.idle} idle keep-alive connections, one request each ` +
      `(server after GC, after - before)`,
    express: `Express 5 hello world, keep-alive (${load})`,
  };
  const parts = options.benches.map((bench) => {
    const body = bench === "idle" ? idleReport() : throughputReport(bench);
    return `## ${titles[bench]}\n\n${body}`;
  });
  if (censuses.size > 0) {
    parts.push(`## Heap kinds per idle connection\n\n${censusTables(censuses)}`);
  }
  parts.push(...closingSections(results, profiles));
  return parts.join("\n\n");
}

async function main(): Promise<void> {
  if (options.profile !== "") mkdirSync(options.profile, { recursive: true });
  await runAll();
  const withNode = options.runtimes.includes("node");
  finish(
    `http server benchmarks (${versions(root, withNode, options.repeat)})`,
    report(),
    options.json,
    options,
    results,
  );
}

await main();
