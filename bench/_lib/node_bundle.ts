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

const expressBundles = new Map<boolean, string>();

/**
 * The `express` bench's app (`bench/_lib/express_app.cjs`, with Express
 * from node_modules) as one CommonJS file: through scripts/bundle.mjs, so
 * that Express's own `require("http")` is this library (`ours`), or with
 * the runtime's modules left as they are. Made once per run.
 */
export function bundleExpressApp(root: string, ours: boolean): string {
  const known = expressBundles.get(ours);
  if (known !== undefined) return known;
  const entry = join(root, "bench", "_lib", "express_app.cjs");
  const out = join(mkdtempSync(join(tmpdir(), "express_app_")), "express_app.cjs");
  if (ours) {
    execFileSync("node", [join(root, "scripts", "bundle.mjs"), entry, "-o", out], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  } else {
    execFileSync(`${root}node_modules/.bin/esbuild`, [
      entry,
      "--bundle",
      "--platform=node",
      "--format=cjs",
      "--keep-names",
      "--log-level=error",
      `--outfile=${out}`,
    ], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  }
  expressBundles.set(ours, out);
  return out;
}
