/**
 * The line protocol between the driver and its server and client processes:
 * one JSON object per line on stdout, one plain command per line on stdin.
 *
 * @module
 */
import process from "node:process";

/** A message from a bench process; `event` says which. */
export interface Message {
  event: string;
  [key: string]: unknown;
}

/**
 * Writes one message line to stdout. The leading newline keeps the message
 * on a line of its own when runtime diagnostics (e.g. V8's `--trace-gc`)
 * share stdout and were flushed mid-line.
 */
export function emit(message: Message): void {
  process.stdout.write("\n" + JSON.stringify(message) + "\n");
}

/**
 * Calls `onLine` for each line of stdin and `onEnd` once stdin closes (the
 * driver died or is done): a bench process never outlives its driver.
 */
export function onStdinLines(onLine: (line: string) => void, onEnd: () => void): void {
  let pending = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (text: string) => {
    pending += text;
    let nl = pending.indexOf("\n");
    while (nl !== -1) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== "") onLine(line);
      nl = pending.indexOf("\n");
    }
  });
  process.stdin.on("end", onEnd);
}

/** Reads `--name=value` from the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  const found = process.argv.find((a) => a.startsWith(prefix));
  return found === undefined ? fallback : found.slice(prefix.length);
}

/** Reads a numeric `--name=value`; a malformed one is a usage error. */
export function numberFlag(name: string, fallback: number): number {
  const value = Number(flag(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
  return value;
}
