/**
 * Helpers for tests of a server under bad input or load: a guard that
 * records uncaught errors, bounds that fail instead of hanging, and a raw
 * exchange over the runtime's own sockets.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { clearTimeout, setImmediate, setTimeout } from "node:timers";
import * as runtimeNet from "node:net";
import type { Server } from "../../http.ts";
import { closeServer } from "./net.ts";

/** How long one connection may stay open after the client half-closed. */
export const CLOSE_BOUND_MS = 2000;

/** Records every uncaught exception and unhandled rejection while a test runs. */
export function guardProcess(): { errors: unknown[]; dispose: () => void } {
  const errors: unknown[] = [];
  const record = (err: unknown) => errors.push(err);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return {
    errors,
    dispose() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
  };
}

/** Rejects with `label` if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** `server.getConnections()` as a promise. */
export function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((err, n) => err ? reject(err) : resolve(n))
  );
}

/** Resolves once the server counts no connection; rejects after `turns` turns. */
export async function untilNoConnections(server: Server, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await connectionCount(server) === 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`server still counts ${await connectionCount(server)} connection(s)`);
}

/** Closes the server, failing (rather than hanging) if 'close' never comes. */
export async function shutDown(server: Server): Promise<void> {
  server.closeAllConnections();
  await within(closeServer(server), CLOSE_BOUND_MS, "server 'close'");
}

/**
 * Sends `wire` on a fresh connection of the runtime's own client, half-closes,
 * and collects what comes back until the server closes (or the bound passes).
 */
export function exchange(port: number, wire: string): Promise<{ text: string; hung: boolean }> {
  return new Promise((resolve) => {
    const socket = runtimeNet.connect(port, "127.0.0.1");
    const parts: Buffer[] = [];
    const text = () => Buffer.concat(parts).toString("latin1");
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: text(), hung: true });
    }, CLOSE_BOUND_MS);
    socket.on("data", (chunk: Buffer) => parts.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text: text(), hung: false });
    });
    socket.end(Buffer.from(wire, "latin1"));
  });
}

/** Exchanges of one kind: each takes a number unique to the call. */
export type Kinds = Record<string, (n: number) => Promise<void>>;

/** What a {@link runMix} did: the calls that failed, and how many of each kind passed. */
export interface MixResult {
  failures: string[];
  passed: Record<string, number>;
}

/**
 * Runs `callers` callers at once, each making `calls` calls that take the
 * kinds in turn, caller `c` starting at kind `c * stride` (so all kinds run
 * side by side). `kindsFor(c)` gives caller `c` its kinds (they may share
 * state, a connection say). Fails if the whole does not settle in 30 s.
 */
export async function runMix(
  callers: number,
  calls: number,
  stride: number,
  kindsFor: (caller: number) => Kinds,
): Promise<MixResult> {
  const result: MixResult = { failures: [], passed: {} };
  await within(
    Promise.all(Array.from({ length: callers }, async (_, caller) => {
      const kinds = kindsFor(caller);
      const names = Object.keys(kinds);
      for (let i = 0; i < calls; i++) {
        const name = names[(caller * stride + i) % names.length];
        try {
          await kinds[name](caller * calls + i);
          result.passed[name] = (result.passed[name] ?? 0) + 1;
        } catch (err) {
          result.failures.push(`${name} (caller ${caller}, call ${i}): ${(err as Error).message}`);
        }
      }
    })),
    30_000,
    "the traffic",
  );
  return result;
}
