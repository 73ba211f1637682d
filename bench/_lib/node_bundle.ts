/**
 * Node 20 runs no TypeScript: a bench process goes to it as an esbuild
 * bundle, made once per entry point and run, and `nice` for the `--nice=`
 * option of the drivers.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Command } from "./child.ts";

const bundles = new Map<string, string>();

/** The path of a Node-runnable ESM bundle of `entry` (relative to `root`). */
export function bundleForNode(root: string, entry: string): string {
  const known = bundles.get(entry);
  if (known !== undefined) return known;
  const name = basename(entry).replace(/\.ts$/, "");
  const out = join(mkdtempSync(join(tmpdir(), `${name}_node_`)), `${name}.mjs`);
  execFileSync(`${root}node_modules/.bin/esbuild`, [
    entry,
    "--bundle",
    "--platform=node",
    "--format=esm",
    "--log-level=error",
    `--outfile=${out}`,
  ], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  bundles.set(entry, out);
  return out;
}

/** `bin args` run at niceness `nice` (0: as is). */
export function niced(nice: number, bin: string, args: string[]): Command {
  if (nice === 0) return { bin, args };
  return { bin: "nice", args: ["-n", String(nice), bin, ...args] };
}
