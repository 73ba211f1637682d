/**
 * Programs written for Node, bundled by scripts/bundle.mjs so that they and
 * their packages get this library's http and net, run as child processes of
 * the current runtime (and the same file on the machine's Node, to compare).
 *
 * @module
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import process from "node:process";
import { exchangeText } from "./wire.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Bundles `entry` into `outfile` with scripts/bundle.mjs (run by Node). */
export function bundle(entry: string, outfile: string): void {
  const built = spawnSync("node", [join(root, "scripts", "bundle.mjs"), entry, "-o", outfile], {
    encoding: "utf8",
  });
  assert.equal(built.status, 0, built.stderr);
}

/** The command that runs `file` on the current runtime. */
export function onThisRuntime(file: string): [string, string[]] {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return [process.execPath, isDeno ? ["run", "-A", file] : [file]];
}

/** A started program; closing its stdin asks it to stop. */
export interface Program {
  child: ChildProcess;
  /** Everything it printed so far. */
  stdout(): string;
  stderr(): string;
}

/** Starts `cmd args` with `env` added, and waits until its stdout matches `ready`. */
export async function start(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Program> {
  const child = spawn(cmd, args, {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d) => err += d);
  const program = { child, stdout: () => out, stderr: () => err };
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (ready.test(out)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`${cmd} exited (${code}): ${err}`)));
  });
  return program;
}

/** Closes the program's stdin and waits for it to exit. */
export async function stop(program: Program | undefined): Promise<void> {
  if (!program || program.child.exitCode !== null || program.child.signalCode !== null) return;
  const exited = once(program.child, "exit");
  program.child.stdin!.end();
  await exited;
}

/** A program bundled onto this library on the current runtime, and the same file on Node. */
export interface BesideNode {
  ours: Program;
  node: Program;
  /** Stops both programs and removes the bundle. */
  stop(): Promise<void>;
}

/**
 * Bundles `app` into a temporary directory, starts the bundle on the current
 * runtime and `app` itself on Node, each with `env` added, and waits until
 * both printed `ready`. If either fails to start, the other is stopped.
 */
export async function startBesideNode(
  app: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<BesideNode> {
  const dir = mkdtempSync(join(tmpdir(), "node-http-bundle-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    const bundled = join(dir, basename(app));
    bundle(app, bundled);
    const [ours, node] = await Promise.allSettled([
      start(...onThisRuntime(bundled), env, ready),
      start("node", [app], env, ready),
    ]);
    if (ours.status === "rejected" || node.status === "rejected") {
      await Promise.all([ours, node].map((p) => p.status === "fulfilled" && stop(p.value)));
      throw ours.status === "rejected" ? ours.reason : (node as PromiseRejectedResult).reason;
    }
    return {
      ours: ours.value,
      node: node.value,
      stop: async () => {
        await Promise.all([stop(ours.value), stop(node.value)]);
        remove();
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** The numbers a program printed after "listening", its ports. */
export function listeningPorts(program: Program): number[] {
  const line = /listening((?: \d+)+)/.exec(program.stdout());
  assert.ok(line, `no "listening" line in: ${program.stdout()}`);
  return line[1].trim().split(" ").map(Number);
}

/**
 * Asserts that the bundled app on `port` serves with this library: its
 * fixture answers `GET /impl` with what `instanceof` says of its socket,
 * request and response, and the name of the socket's handle.
 */
export async function assertServedByUs(port: number): Promise<void> {
  const text = await exchangeText(
    port,
    "GET /impl HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
  );
  const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
  assert.deepEqual(body, { socket: true, request: true, response: true, handle: body.handle });
  assert.match(body.handle, /^(Deno|Bun)Connection$/);
}

/** A program started by `servedBesideNode`, and the port it serves on first. */
export interface Served {
  program: Program;
  port: number;
}

/** The default view of a started program: its first listening port. */
function firstPort(program: Program): Served {
  return { program, port: listeningPorts(program)[0] };
}

/**
 * `startBesideNode` for a test file: both programs start before its tests
 * and stop after them. Each is seen through `view` (by default: the
 * program and the first port it listens on); reading `ours` or `node`
 * before they started fails the test.
 */
export function servedBesideNode(
  app: string,
  env: Record<string, string>,
  ready: RegExp,
): { readonly ours: Served; readonly node: Served };
export function servedBesideNode<R>(
  app: string,
  env: Record<string, string>,
  ready: RegExp,
  view: (program: Program) => R,
): { readonly ours: R; readonly node: R };
export function servedBesideNode(
  app: string,
  env: Record<string, string>,
  ready: RegExp,
  view: (program: Program) => unknown = firstPort,
): { readonly ours: unknown; readonly node: unknown } {
  let programs: BesideNode | undefined;
  let seen: { ours: unknown; node: unknown } | undefined;
  before(async () => {
    programs = await startBesideNode(app, env, ready);
    seen = { ours: view(programs.ours), node: view(programs.node) };
  });
  after(() => programs?.stop());
  const started = () => {
    assert.ok(seen, `${basename(app)} did not start`);
    return seen;
  };
  return {
    get ours() {
      return started().ours;
    },
    get node() {
      return started().node;
    },
  };
}
