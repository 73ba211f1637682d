/**
 * What the benchmark drivers (`net_run.ts`, `http_run.ts`, `client_run.ts`)
 * print and write the same way: the versions line, the failures and
 * profiles sections, and the closing output (report, JSON file, exit code).
 *
 * @module
 */
import process from "node:process";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

/** A cell of results: its runs, or the error that stopped it. */
export interface ResultCell {
  error?: string;
}

/** `deno X, bun Y[, node Z], repeat N (medians)`: the pinned versions in package.json. */
export function versions(root: string, withNode: boolean, repeat: number): string {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8"));
  const dev = pkg.devDependencies ?? {};
  const node = withNode ? `, node ${execFileSync("node", ["--version"]).toString().trim()}` : "";
  return `deno ${dev.deno ?? "?"}, bun ${dev.bun ?? "?"}${node}, repeat ${repeat} (medians)`;
}

/** The closing sections: cells that failed, and profiles written (if any). */
export function closingSections(results: Map<string, ResultCell>, profiles: string[]): string[] {
  const parts: string[] = [];
  const errors = [...results].filter(([, cell]) => cell.error !== undefined);
  if (errors.length > 0) {
    parts.push(`## Failures\n\n${errors.map(([k, cell]) => `${k}: ${cell.error}`).join("\n\n")}`);
  }
  if (profiles.length > 0) {
    parts.push(`## Profiles (summarise with bench/http_profile.ts)\n\n${profiles.join("\n")}`);
  }
  return parts;
}

/**
 * Prints `# heading` and the report, writes every run as JSON to `json`
 * (unless empty), and makes the process exit non-zero if a cell failed.
 */
export function finish(
  heading: string,
  report: string,
  json: string,
  options: unknown,
  results: Map<string, ResultCell>,
): void {
  console.log(`# ${heading}\n\n${report}`);
  if (json !== "") {
    writeFileSync(json, JSON.stringify({ options, results: Object.fromEntries(results) }, null, 2));
  }
  const failed = [...results.values()].some((cell) => cell.error !== undefined);
  process.exitCode = failed ? 1 : 0;
}
