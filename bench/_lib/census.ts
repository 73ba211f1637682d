/**
 * A census of the live JavaScript heap by object kind, to see what each
 * connection costs: on Bun, JavaScriptCore's object counts per type (no
 * sizes); on Deno, counts and own sizes per constructor from a V8 heap
 * snapshot written to a temporary file.
 *
 * @module
 */
import v8 from "node:v8";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RuntimeName } from "./runtime.ts";
import { formatTable } from "./table.ts";

/** Live objects of one kind: how many, and their own bytes where known. */
export interface Kind {
  count: number;
  bytes: number;
}

/** Kinds by name. */
export type Census = Record<string, Kind>;

/** Counts the live heap; call right after a full collection. */
export async function takeCensus(runtime: RuntimeName): Promise<Census> {
  return runtime === "bun" ? await bunCensus() : denoCensus();
}

async function bunCensus(): Promise<Census> {
  // Kept out of the type checker's sight: only Bun resolves this module.
  const specifier = "bun:jsc";
  const jsc = await import(specifier) as {
    heapStats(): { objectTypeCounts: Record<string, number> };
  };
  const census: Census = {};
  for (const [name, count] of Object.entries(jsc.heapStats().objectTypeCounts)) {
    census[name] = { count, bytes: 0 };
  }
  return census;
}

/** The parts of a V8 heap snapshot the census reads. */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

function denoCensus(): Census {
  const file = join(tmpdir(), `net_bench_${Date.now()}_${Math.random()}.heapsnapshot`);
  v8.writeHeapSnapshot(file);
  try {
    return aggregate(JSON.parse(readFileSync(file, "utf8")) as Snapshot);
  } finally {
    rmSync(file, { force: true });
  }
}

/** Groups snapshot nodes by type and name ("object:Socket", "closure:onRead"...). */
function aggregate(snap: Snapshot): Census {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const census: Census = {};
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = type === "object" || type === "closure" || type === "native"
      ? `${type}:${snap.strings[snap.nodes[i + nameAt]]}`
      : type;
    const kind = census[name] ??= { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += snap.nodes[i + sizeAt];
  }
  return census;
}

/** What a driver needs of a bench server process to ask it for a census. */
interface CensusSource {
  send(line: string): void;
  next(event: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

/** The server's census (`census` on its stdin), or none when `enabled` is false. */
export async function askCensus(server: CensusSource, enabled: boolean): Promise<Census> {
  if (!enabled) return {};
  server.send("census");
  return (await server.next("census", 120_000)).census as Census;
}

/** (after - before) / count, kind by kind: what each connection added. */
export function perConnection(before: Census, after: Census, count: number): Census {
  const out: Census = {};
  for (const [name, kind] of Object.entries(after)) {
    const base = before[name] ?? { count: 0, bytes: 0 };
    out[name] = {
      count: (kind.count - base.count) / count,
      bytes: (kind.bytes - base.bytes) / count,
    };
  }
  return out;
}

/** The heaviest kinds per connection of each labelled census, as tables. */
export function censusTables(censuses: Map<string, Census>): string {
  const parts: string[] = [];
  for (const [label, kinds] of censuses) {
    const heavy = Object.entries(kinds)
      .filter(([, k]) => k.count >= 0.5 || k.bytes >= 16)
      .sort(([, a], [, b]) => b.bytes - a.bytes || b.count - a.count)
      .slice(0, 20);
    const rows = [["kind", "per conn", "bytes per conn"]];
    for (const [name, k] of heavy) rows.push([name, k.count.toFixed(2), k.bytes.toFixed(0)]);
    parts.push(`${label}\n${formatTable(rows)}`);
  }
  return parts.join("\n\n");
}
