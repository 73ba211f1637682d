/**
 * Small helpers for net tests: events as promises, temp socket paths.
 *
 * @module
 */
import { once } from "node:events";
import { Buffer } from "node:buffer";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate } from "node:timers";
import type { AddressInfo, Server } from "../../net.ts";

/** Listens with the given arguments and resolves with the bound port. */
export async function listen(server: Server, ...args: unknown[]): Promise<number> {
  server.listen(...args);
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Closes a server (ignoring "not running") and waits for 'close'. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}

/**
 * Resolves once `check()` holds, asking again after each turn of the event
 * loop: for state that changes without an event of its own (bytes an HTTP
 * server's socket read, which reach its parser and not 'data', as in Node).
 * Rejects after `turns` turns.
 */
export async function untilTrue(check: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`still false after ${turns} turns`);
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "node-http-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Resolves with every byte a readable stream emits until 'end' (rejects on
 * 'error'). Unlike `for await`, it leaves the stream open afterwards, so
 * half-open behaviour can still be observed.
 */
export function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on("data", (chunk) => parts.push(Buffer.from(chunk)));
    stream.once("end", () => resolve(Buffer.concat(parts)));
    stream.once("error", reject);
  });
}
