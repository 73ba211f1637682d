/**
 * Client-library fixtures (tests/http/fixtures/*_client.*) run against the
 * reference servers of tests/http/fixtures/client_servers.cjs, which always
 * run on the machine's Node: the fixture bundled onto this library on the
 * current runtime, and the same file unbundled on Node, each against a set
 * of servers of its own (some routes count requests), whose ports it gets
 * in PORTS ("HTTP CAPTURE REFUSED") and Unix socket in SOCKET. Each prints
 * one JSON line per step; the two runs must print the same.
 *
 * @module
 */
import assert from "node:assert/strict";
import { before } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { bundle, listeningPorts, onThisRuntime, type Program, start, stop } from "./bundle.ts";

const serversApp = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "http",
  "fixtures",
  "client_servers.cjs",
);

/** What one run of a fixture printed: each step's line, by name, and the steps in order. */
export interface ClientRun {
  steps: Map<string, Record<string, unknown>>;
  order: string[];
}

/** Runs `cmd args` with `env` added until it exits by itself; it must exit 0 within `ms`. */
function runToExit(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  ms: number,
): Promise<string> {
  const child = spawn(cmd, args, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => out += d);
  child.stderr.on("data", (d) => err += d);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const why = signal ? `killed after ${ms} ms (it did not exit by itself)` : `exit ${code}`;
        reject(new Error(`${cmd} ${args.join(" ")}: ${why}\n${err}\nprinted:\n${out}`));
      }
    });
  });
}

function parse(out: string): ClientRun {
  const steps = new Map<string, Record<string, unknown>>();
  const order: string[] = [];
  for (const line of out.split("\n")) {
    if (line === "") continue;
    const { step, ...seen } = JSON.parse(line);
    assert.ok(!steps.has(step), `step ${step} printed twice`);
    steps.set(step, seen);
    order.push(step);
  }
  return { steps, order };
}

/**
 * Bundles `fixture`, then runs it on the current runtime and unbundled on
 * Node at once, each against its own set of servers (on Node) unless
 * `servers` is false (a fixture that brings its own: both ends are then
 * ours in the bundle), and returns what each printed. Both must exit by
 * themselves, with status 0, within `ms`.
 */
export async function runClientBesideNode(
  fixture: string,
  ms = 30_000,
  servers = true,
): Promise<{ ours: ClientRun; node: ClientRun }> {
  const dir = mkdtempSync(join(tmpdir(), "node-http-client-"));
  let running: Program | undefined;
  try {
    const bundled = join(dir, basename(fixture));
    bundle(fixture, bundled);
    let forOurs: Record<string, string> = {};
    let forNode: Record<string, string> = {};
    if (servers) {
      running = await start("node", [serversApp], {}, /listening \d+\n/);
      const [refused] = listeningPorts(running);
      const sets = [...running.stdout().matchAll(/^set (\d+) (\d+) (.+)$/gm)];
      [forOurs, forNode] = sets.map(([, http, capture, socket]) => ({
        PORTS: `${http} ${capture} ${refused}`,
        SOCKET: socket,
      }));
    }
    const [ours, node] = await Promise.all([
      runToExit(...onThisRuntime(bundled), forOurs, ms),
      runToExit("node", [fixture], forNode, ms),
    ]);
    return { ours: parse(ours), node: parse(node) };
  } finally {
    await stop(running);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts that `ours` printed what `node` did for each of `steps` (all of Node's, if none). */
export function sameSteps(ours: ClientRun, node: ClientRun, steps = node.order): void {
  for (const step of steps) {
    assert.ok(node.steps.has(step), `Node's run printed no step ${step}`);
    assert.deepEqual(ours.steps.get(step), node.steps.get(step), `step "${step}"`);
  }
}

/** A fixture's two runs, made once before a test file's tests, and what those tests ask of them. */
export interface ClientComparison {
  /** Both runs, once the file's `before` hook has made them. */
  runs(): { ours: ClientRun; node: ClientRun };
  /** The JSON a step printed on this runtime (it must have printed one). */
  step(name: string): Record<string, unknown>;
  /** A step's `error` field, on this runtime. */
  error(name: string): Record<string, unknown>;
  /**
   * Asserts that both runs printed the same steps in the same order, and the
   * same line for each but "handles" and the steps `skip` picks.
   */
  assertSameSteps(skip?: (step: string) => boolean): void;
  /** Asserts the "handles" step: Node's run used its TCP handle, ours one of this library's. */
  assertOurHandles(): void;
}

/** A transport handle class of this library, as a fixture's "handles" step names it. */
export const kOurHandle = /^(Deno|Bun)\w*(Connection|Handle)$/;

/**
 * Runs `fixture` here and on Node before the file's tests
 * (runClientBesideNode; without the reference servers if `servers` is false).
 */
export function compareWithNode(fixture: string, servers = true): ClientComparison {
  let made: { ours: ClientRun; node: ClientRun } | undefined;
  before(async () => {
    made = await runClientBesideNode(fixture, 30_000, servers);
  });
  const runs = () => {
    assert.ok(made, "the fixture's runs were not made");
    return made;
  };
  const step = (name: string) => {
    const seen = runs().ours.steps.get(name);
    assert.ok(seen, `no step "${name}"`);
    return seen;
  };
  return {
    runs,
    step,
    error: (name) => step(name).error as Record<string, unknown>,
    assertSameSteps(skip = () => false) {
      const { ours, node } = runs();
      assert.deepEqual(ours.order, node.order);
      sameSteps(ours, node, node.order.filter((s) => s !== "handles" && !skip(s)));
    },
    assertOurHandles() {
      assert.deepEqual(runs().node.steps.get("handles"), { handles: ["TCP"] });
      const { handles } = step("handles") as { handles: string[] };
      assert.equal(handles.length, 1);
      assert.match(handles[0], kOurHandle);
    },
  };
}
