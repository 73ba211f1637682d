/**
 * Summarises DevTools profiles written by `http_run.ts --profile=DIR` (or
 * by `deno run --cpu-prof` / `bun --cpu-prof`): where the time (a
 * `.cpuprofile`) or the allocated bytes (a `.heapprofile`) went by area
 * (this project's net, http and transport layers, the runtime's streams and
 * events, GC, native code), then the heaviest functions by self cost and
 * this project's heaviest by total (inclusive) cost.
 *
 * Usage: `deno run -A bench/http_profile.ts [--top=25] FILE...`
 *
 * CPU shares are of the busy samples: V8's `(idle)` is left out
 * (JavaScriptCore samples only while JS runs). When the driver left a
 * `FILE.run.json` beside a profile, each row also gives its cost per
 * request: CPU shares times the main thread's CPU time per request (the
 * server's CPU minus its helper threads'), allocations divided by requests.
 *
 * @module
 */
import process from "node:process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { numberFlag } from "./_lib/lines.ts";
import { formatTable } from "./_lib/table.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children?: HeapNode[];
}

interface HeapProfile {
  head: HeapNode;
}

/** What the driver measured over the profiled window. */
interface Run {
  requests: number;
  cpuSeconds: number;
  helperSeconds: number;
}

const root = fileURLToPath(new URL("..", import.meta.url));

/** Samples that are not work: V8's waiting for I/O, and the root itself. */
const kNotBusy = new Set(["(idle)", "(root)"]);

/** Which part of the stack a frame belongs to. */
function area({ url, functionName }: CallFrame): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "native";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (path.startsWith(`${root}_internal/http/`)) return "ours: _internal/http";
  if (path.startsWith(`${root}_internal/net/`)) return "ours: _internal/net";
  if (path.startsWith(`${root}_internal/transport/`)) return "ours: _internal/transport";
  if (path.startsWith(`${root}_internal/`)) return "ours: _internal (other)";
  if (path.startsWith(`${root}bench/`)) return "bench harness";
  if (path.startsWith(root)) return "ours: entry points";
  if (/streams|stream/.test(path)) return "runtime: streams";
  if (/events/.test(path)) return "runtime: events";
  if (/net|http|tcp|io/.test(path)) return "runtime: net/http/io";
  return "runtime: other";
}

/** Source lines of this project's files, read once each. */
const sources = new Map<string, string[]>();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Deno reports lines of its transpiled JavaScript, which has fewer lines
 * than the TypeScript source (types and comments go); Bun reports source
 * lines. So a function of ours is placed at its definition in the source:
 * the first one named so at or after the reported line (the last one if
 * none follows). Anonymous and computed names keep the reported line.
 */
function sourceLine(path: string, functionName: string, reported: number): number {
  const name = functionName.split(".").pop()!;
  if (!/^#?[\w$]+$/.test(name)) return reported;
  let lines = sources.get(path);
  if (lines === undefined) {
    lines = readFileSync(path, "utf8").split("\n");
    sources.set(path, lines);
  }
  const n = escape(name);
  const definition = new RegExp(
    `(?:function\\s*\\*?\\s*${n}\\s*[(<]|^\\s*(?:[a-z]+\\s+)*${n}\\s*[(<]|` +
      `(?:^|[^\\w$#])${n}\\s*=\\s*(?:async\\s*)?(?:\\(|function|[\\w$]+\\s*=>))`,
  );
  let last = reported;
  for (let i = 0; i < lines.length; i++) {
    if (!definition.test(lines[i])) continue;
    if (i + 1 >= reported) return i + 1;
    last = i + 1;
  }
  return last;
}

function label({ functionName, url, lineNumber }: CallFrame): string {
  const name = functionName === "" ? "(anonymous)" : functionName;
  if (url === "") return name;
  if (!url.startsWith(`file://${root}`)) return `${name} ${url}:${lineNumber + 1}`;
  const line = sourceLine(fileURLToPath(url), functionName, lineNumber + 1);
  return `${name} ${url.slice(`file://${root}`.length)}:${line}`;
}

interface Totals {
  busy: number;
  self: Map<string, number>;
  total: Map<string, number>;
  areas: Map<string, number>;
  /** Area of each label, for the inclusive table's filter. */
  areaOf: Map<string, string>;
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

function emptyTotals(): Totals {
  return { busy: 0, self: new Map(), total: new Map(), areas: new Map(), areaOf: new Map() };
}

/** Adds `amount` to the leaf's self cost and once to each function on its stack. */
function charge(t: Totals, stack: CallFrame[], amount: number): void {
  const leaf = stack[stack.length - 1];
  t.busy += amount;
  add(t.self, label(leaf), amount);
  add(t.areas, area(leaf), amount);
  const seen = new Set<string>();
  for (const frame of stack) {
    const name = label(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    t.areaOf.set(name, area(frame));
    add(t.total, name, amount);
  }
}

/** Charges each CPU sample's time (the delta since the previous sample) to its stack. */
function tallyCpu(profile: CpuProfile): Totals {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const t = emptyTotals();
  profile.samples.forEach((id, i) => {
    // The first delta is the gap between starting the profiler and the first sample.
    const micros = i === 0 ? 0 : Math.max(0, profile.timeDeltas[i]);
    if (kNotBusy.has(byId.get(id)!.callFrame.functionName)) return;
    const stack: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      stack.unshift(byId.get(at)!.callFrame);
    }
    charge(t, stack, micros);
  });
  return t;
}

/** Charges each allocation node's sampled bytes to its stack. */
function tallyAlloc(profile: HeapProfile): Totals {
  const t = emptyTotals();
  const stack: CallFrame[] = [];
  function visit(node: HeapNode): void {
    stack.push(node.callFrame);
    if (node.selfSize > 0) charge(t, stack, node.selfSize);
    for (const child of node.children ?? []) visit(child);
    stack.pop();
  }
  visit(profile.head);
  return t;
}

function top(map: Map<string, number>, count: number, keep: (name: string) => boolean) {
  return [...map].filter(([name]) => keep(name)).sort((a, b) => b[1] - a[1]).slice(0, count);
}

function readRun(file: string): Run | null {
  const sidecar = `${file}.run.json`;
  return existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, "utf8")) as Run : null;
}

/** One table: name, share of the whole, and the cost per request when known. */
function table(
  title: string,
  entries: [string, number][],
  whole: number,
  perRequest: ((amount: number) => string) | null,
): string {
  const rows = [perRequest === null ? [title, "share"] : [title, "share", "per request"]];
  for (const [name, amount] of entries) {
    const row = [name, `${(amount / whole * 100).toFixed(1)}%`];
    if (perRequest !== null) row.push(perRequest(amount));
    rows.push(row);
  }
  return formatTable(rows);
}

function summarise(file: string, count: number): string {
  const isAlloc = file.endsWith(".heapprofile");
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const t = isAlloc ? tallyAlloc(profile as HeapProfile) : tallyCpu(profile as CpuProfile);
  const run = readRun(file);
  let perRequest: ((amount: number) => string) | null = null;
  let header = isAlloc
    ? `${(t.busy / 2 ** 20).toFixed(1)} MiB allocated`
    : `${(t.busy / 1000).toFixed(0)} ms busy`;
  if (run !== null && isAlloc) {
    perRequest = (bytes) => `${Math.round(bytes / run.requests)} B`;
    header += `, ${Math.round(t.busy / run.requests)} B per request`;
  } else if (run !== null) {
    const mainMicros = (run.cpuSeconds - run.helperSeconds) * 1e6 / run.requests;
    perRequest = (micros) => `${(micros / t.busy * mainMicros).toFixed(2)} us`;
    header += `; per request ${(run.cpuSeconds * 1e6 / run.requests).toFixed(1)} us CPU, ` +
      `${mainMicros.toFixed(1)} us on the main thread`;
  }
  const what = isAlloc ? "bytes" : "time";
  const ours = (name: string) => t.areaOf.get(name)?.startsWith("ours") ?? false;
  return [
    `# ${file} (${header})`,
    table(`area (self ${what})`, top(t.areas, 20, () => true), t.busy, perRequest),
    table(`function (self ${what})`, top(t.self, count, () => true), t.busy, perRequest),
    table(`our function (total ${what})`, top(t.total, count, ours), t.busy, perRequest),
  ].join("\n\n");
}

const files = process.argv.slice(2).filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  console.error("Usage: deno run -A bench/http_profile.ts [--top=25] FILE...");
  process.exit(2);
}
const count = numberFlag("top", 25);
console.log(files.map((f) => summarise(f, count)).join("\n\n"));
