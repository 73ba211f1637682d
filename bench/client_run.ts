/**
 * Runs the http client benchmark and prints its table, with ratios of this
 * project's `http` client to the same runtime's built-in `node:http` client
 * and to Node's own:
 *
 * - keep-alive GETs of a 12-byte body through an `Agent({ keepAlive: true,
 *   maxSockets })` with a fixed number of requests in flight, each response
 *   read whole, per CPU second of the client process
 *
 * Each measurement pairs a client process (`client_load.ts` on Deno, Bun or
 * Node: the code under test) with a server process that is not measured:
 * the minimal responder over Bun's native sockets (`http_server.ts
 * --impl=raw` on Bun), the cheapest server per request found on this
 * machine, so that the client is the bottleneck. Loopback only; every phase
 * is bounded in time.
 *
 * Usage: `deno run -A bench/client_run.ts --help` (and bench/README.md).
 *
 * @module
 */
import process from "node:process";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Child, type Command, withServerChild } from "./_lib/child.ts";
import { closingSections, finish, versions } from "./_lib/report.ts";
import { bundleForNode, niced } from "./_lib/node_bundle.ts";
import { flag, numberFlag } from "./_lib/lines.ts";
import { cellRow, type Column, formatTable, median, perSecond, ratio } from "./_lib/table.ts";

type Runtime = "deno" | "bun" | "node";
type Impl = "ours" | "builtin";
type Metrics = Record<string, number>;

const root = fileURLToPath(new URL("..", import.meta.url));

const usage = `Usage: deno run -A bench/client_run.ts [options]
  --runtimes=deno,bun,node       client runtimes (Node runs its built-in http only)
  --impls=ours,builtin           this project's http client, the runtime's node:http
  --repeat=3                     runs per cell; the table shows medians
  --warmup=1 --duration=3        client seconds before and during the measured window
  --concurrency=32 --sockets=16  requests in flight; the agent's maxSockets
  --server=bun                   runtime of the (unmeasured) raw responder: bun or deno
  --nice=0                       niceness of server and client (e.g. -10 as root)
  --profile=DIR                  also profile each client's measured window into DIR
                                 (profiling slows the client: figures are then not
                                 comparable)
  --profile-kind=cpu             cpu: sampled CPU time (.cpuprofile); alloc: sampled
                                 allocations (.heapprofile; Deno and Node only)
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
  impls: list("impls", "ours,builtin", ["ours", "builtin"]) as Impl[],
  repeat: Math.max(1, numberFlag("repeat", 3)),
  warmup: numberFlag("warmup", 1),
  duration: Math.max(0.5, numberFlag("duration", 3)),
  concurrency: Math.max(1, numberFlag("concurrency", 32)),
  sockets: Math.max(1, numberFlag("sockets", 16)),
  server: list("server", "bun", ["bun", "deno"])[0] as "bun" | "deno",
  nice: Math.trunc(Number(flag("nice", "0"))) || 0,
  profile: flag("profile", "") === "" ? "" : resolve(flag("profile", "")),
  profileKind: list("profile-kind", "cpu", ["cpu", "alloc"])[0],
  json: flag("json", ""),
};

/** The target: ours per client CPU second against Node's own client. */
const target = { base: "node", min: 1.1 } as const;

function list(name: string, fallback: string, allowed: string[]): string[] {
  const values = flag(name, fallback).split(",").filter((v) => v !== "");
  for (const v of values) {
    if (!allowed.includes(v)) throw new Error(`--${name}: ${v} is not one of ${allowed}`);
  }
  return values;
}

/** The cells of a runtime: Node has only its built-in. */
function impls(runtime: Runtime): Impl[] {
  if (runtime === "node") return options.impls.includes("builtin") ? ["builtin"] : [];
  return options.impls;
}

function command(runtime: Runtime, script: string, args: string[]): Command {
  if (runtime === "node") {
    return niced(options.nice, "node", [bundleForNode(root, "bench/client_load.ts"), ...args]);
  }
  const bin = `${root}node_modules/.bin/${runtime}`;
  if (runtime === "bun") return niced(options.nice, bin, [`bench/${script}`, ...args]);
  return niced(options.nice, bin, ["run", "-A", "--no-check", `bench/${script}`, ...args]);
}

/** Runs `body` against a fresh raw responder, which is stopped afterwards. */
function withServer(
  body: (server: Child, port: number) => Promise<Metrics>,
): Promise<Metrics> {
  const args = ["--impl=raw", "--bench=hello"];
  const label = `${options.server} raw server`;
  return withServerChild(label, command(options.server, "http_server.ts", args), root, body);
}

/** The server's CPU time and connection counts now. */
async function mark(server: Child): Promise<Metrics> {
  server.send("mark");
  return (await server.next("mark", 30_000)) as unknown as Metrics;
}

/** Profiles written by `--profile=`, for the closing note. */
const profiles: string[] = [];

/** The body every request gets back from the raw responder ("hello world\n"). */
const kBodyBytes = 12;

/** Requests per client CPU second of one client process. */
function throughput(runtime: Runtime, impl: Impl): Promise<Metrics> {
  return withServer(async (server, port) => {
    const label = `client-${runtime}-${impl}-${Date.now()}`;
    const args = [
      `--impl=${impl}`,
      `--port=${port}`,
      `--warmup-ms=${Math.round(options.warmup * 1000)}`,
      `--measure-ms=${Math.round(options.duration * 1000)}`,
      `--concurrency=${options.concurrency}`,
      `--sockets=${options.sockets}`,
      `--label=${label}`,
    ];
    if (options.profile !== "") {
      args.push(`--profile-dir=${options.profile}`, `--profile-kind=${options.profileKind}`);
    }
    const client = new Child(
      `${runtime} ${impl} client`,
      command(runtime, "client_load.ts", args),
      root,
    );
    try {
      const limit = (options.warmup + options.duration) * 1000 + 30_000;
      await client.next("start", limit);
      const before = await mark(server);
      const end = await client.next("end", limit);
      const after = await mark(server);
      const requests = Number(end.requests);
      if (requests === 0) throw new Error("no request completed");
      const cpuSeconds = (Number(end.userMicros) + Number(end.systemMicros)) / 1e6;
      const seconds = Number(end.ms) / 1000;
      if (options.profile !== "") {
        const file = String((await client.next("profile", 60_000)).file);
        const run = { requests, cpuSeconds, helperSeconds: Number(end.helperCpuMicros) / 1e6 };
        // Lets http_profile.ts give per-request figures.
        writeFileSync(`${file}.run.json`, JSON.stringify(run));
        profiles.push(file);
      }
      return {
        perCpu: requests / cpuSeconds,
        perWall: requests / seconds,
        cpuShare: cpuSeconds / seconds,
        systemShare: Number(end.systemMicros) / 1e6 / cpuSeconds,
        helperShare: Number(end.helperCpuMicros) / 1e6 / cpuSeconds,
        serverShare: (after.cpuMicros - before.cpuMicros) / 1e6 / ((after.at - before.at) / 1000),
        conns: after.accepted,
        bodyOk: Number(end.bytes) === requests * kBodyBytes ? 1 : 0,
        errors: Number(end.errors),
      };
    } finally {
      await client.stop();
    }
  });
}

/** Every run's metrics, or the error that stopped the cell, by runtime/impl. */
const results = new Map<string, { runs: Metrics[]; error?: string }>();

function key(runtime: Runtime, impl: Impl): string {
  return `${runtime}/${impl}`;
}

/** The median of one metric over a cell's runs, if it has any. */
function value(runtime: Runtime, impl: Impl, metric: string): number | undefined {
  const runs = results.get(key(runtime, impl))?.runs ?? [];
  return runs.length === 0 ? undefined : median(runs.map((r) => r[metric]));
}

async function runAll(): Promise<void> {
  // Cells alternate within each round so that drift hits all alike.
  for (let round = 0; round < options.repeat; round++) {
    for (const runtime of options.runtimes) {
      for (const impl of impls(runtime)) {
        const cell = results.get(key(runtime, impl)) ?? { runs: [] };
        results.set(key(runtime, impl), cell);
        if (cell.error !== undefined) continue;
        process.stderr.write(`client ${runtime} ${impl} (run ${round + 1})... `);
        try {
          cell.runs.push(await throughput(runtime, impl));
          process.stderr.write("ok\n");
        } catch (err) {
          cell.error = String((err as Error)?.message ?? err);
          process.stderr.write("failed\n");
        }
      }
    }
  }
}

/** One client's row: the formatted medians, or "failed". */
function row(runtime: Runtime, impl: Impl, columns: Column[]): string[] {
  return cellRow(
    `${runtime} ${impl}`,
    results.get(key(runtime, impl)),
    columns,
    (metric) => value(runtime, impl, metric),
  );
}

const percent = (v: number) => `${Math.round(v * 100)}%`;
const whole = (v: number) => String(Math.round(v));

function verdict(got: number | undefined, ok: (x: number) => boolean): string {
  return got === undefined ? "-" : ok(got) ? "yes" : "NO";
}

function report(): string {
  const columns: Column[] = [
    ["perCpu", perSecond],
    ["perCpu:range", perSecond],
    ["perWall", perSecond],
    ["cpuShare", percent],
    ["systemShare", percent],
    ["helperShare", percent],
    ["serverShare", percent],
    ["conns", whole],
    ["errors", whole],
  ];
  const header = ["client", "req per CPU s", "range", "req/s wall", "client CPU", "system"];
  header.push("off main", "server CPU", "conns", "errors");
  const table = [header];
  for (const runtime of options.runtimes) {
    for (const impl of impls(runtime)) table.push(row(runtime, impl, columns));
  }
  const node = value("node", "builtin", "perCpu");
  const ratios = [["ours", "/ builtin", "/ node", "target", "met"]];
  for (const runtime of options.runtimes) {
    if (runtime === "node") continue;
    const ours = value(runtime, "ours", "perCpu");
    ratios.push([
      runtime,
      ratio(ours, value(runtime, "builtin", "perCpu")),
      ratio(ours, node),
      `>= ${target.min}x ${target.base}`,
      verdict(
        ours === undefined || node === undefined ? undefined : ours / node,
        (x) => x >= target.min,
      ),
    ]);
  }
  const title = `## Keep-alive GET, 12-byte body (${options.concurrency} in flight over ` +
    `${options.sockets} sockets, ${options.duration} s, server: ${options.server} raw)`;
  const parts = [`${title}\n\n${formatTable(table)}\n\n${formatTable(ratios)}`];
  const bad = [...results].filter(([, cell]) => cell.runs.some((r) => r.bodyOk !== 1));
  if (bad.length > 0) {
    parts.push(
      `## Short bodies\n\n${bad.map(([k]) => k).join("\n")}: bytes read != 12 per request`,
    );
  }
  parts.push(...closingSections(results, profiles));
  return parts.join("\n\n");
}

async function main(): Promise<void> {
  if (options.profile !== "") mkdirSync(options.profile, { recursive: true });
  await runAll();
  const withNode = options.runtimes.includes("node");
  finish(
    `http client benchmark (${versions(root, withNode, options.repeat)})`,
    report(),
    options.json,
    options,
    results,
  );
}

await main();
