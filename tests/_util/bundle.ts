/**
 * Programs written for Node, bundled by scripts/bundle.mjs so that they and
 * their packages get this library's http and net, run as child processes of
 * the current runtime (and the same file on the machine's Node, to compare).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import process from "node:process";

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
