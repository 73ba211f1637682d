/**
 * What a bench process needs from the runtime it runs on: its name, a full
 * garbage collection, and its own CPU time and memory.
 *
 * @module
 */
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";

/** The runtimes the net benchmarks run on. */
export type RuntimeName = "deno" | "bun";

interface Globals {
  Bun?: { gc(force: boolean): void };
  Deno?: unknown;
  gc?: () => void;
}

const g = globalThis as unknown as Globals;

/** The runtime this process runs on; anything else is a usage error. */
export function runtimeName(): RuntimeName {
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  throw new Error("the net benchmarks run on Deno or Bun");
}

/** Whether `collectGarbage()` can really collect (Deno needs `--expose-gc`). */
export function canCollectGarbage(): boolean {
  return g.Bun !== undefined || typeof g.gc === "function";
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Full collections with event-loop turns between them, so that objects
 * freed by finalizers or weak callbacks of one pass go in the next.
 */
export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    if (g.Bun !== undefined) g.Bun.gc(true);
    // V8's forced full GC leaves the young generation at the size the
    // connection burst grew it to; the last-resort flavour shrinks it.
    else if (process.env.BENCH_GC === "last-resort") {
      (g.gc as unknown as (o: object) => void)?.({
        type: "major",
        execution: "sync",
        flavor: "last-resort",
      });
    } else g.gc?.();
    await nextTurn();
  }
}

/** A process's own resource use at one instant. */
export interface Sample {
  /** User plus system CPU time of every thread of the process, in microseconds. */
  cpuMicros: number;
  /**
   * The part of `cpuMicros` spent by threads other than the main one (GC,
   * I/O and worker pools), from Linux's /proc at 10 ms resolution; 0 where
   * /proc cannot be read.
   */
  helperCpuMicros: number;
  rss: number;
  heapUsed: number;
  /** `performance.now()` when taken, in milliseconds. */
  at: number;
}

/** Takes a `Sample` now. */
export function sample(): Sample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    helperCpuMicros: helperThreadsMicros(),
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    at: performance.now(),
  };
}

/** Linux counts thread CPU time in clock ticks of 10 ms (USER_HZ = 100). */
const kMicrosPerTick = 10_000;

function helperThreadsMicros(): number {
  const dir = `/proc/${process.pid}/task`;
  let ticks = 0;
  try {
    for (const tid of readdirSync(dir)) {
      if (tid === String(process.pid)) continue;
      const stat = readFileSync(`${dir}/${tid}/stat`, "utf8");
      // Fields after the parenthesised name: state is first, utime 12th, stime 13th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    // Not Linux, or a thread ended while being read: report what was summed.
  }
  return ticks * kMicrosPerTick;
}
