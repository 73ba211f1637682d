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

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "node-http-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Resolves with every byte a readable stream emits until 'end'. */
export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
