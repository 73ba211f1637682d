/**
 * Runs a fixture script in a child process of the current runtime, for
 * behaviour that only shows at process level (ref/unref, exit).
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";

/** Outcome of a fixture run. */
export interface FixtureResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The command line that runs a TypeScript file on this runtime. */
export function runtimeArgs(file: string): [string, string[]] {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  return isDeno ? [process.execPath, ["run", "-A", file]] : [process.execPath, [file]];
}

/** Runs `file`; kills it after `limitMs` (reported as timedOut). */
export function runFixture(
  file: string,
  limitMs = 10_000,
  args: string[] = [],
): Promise<FixtureResult> {
  const [cmd, base] = runtimeArgs(file);
  return new Promise((resolve) => {
    const child = spawn(cmd, [...base, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
