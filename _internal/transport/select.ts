/**
 * Picks the runtime's transport once, synchronously, on first use. Tests may
 * install another one (e.g. a fault-injecting wrapper) with `setTransport`.
 *
 * @module
 */
import type { Transport } from "./types.ts";
import { createDenoTransport } from "./deno.ts";
import { createBunTransport } from "./bun.ts";
import { ERR_FEATURE_UNAVAILABLE_ON_PLATFORM } from "../errors.ts";

let current: Transport | null = null;

function detect(): Transport {
  const g = globalThis as { Deno?: { listen?: unknown }; Bun?: { listen?: unknown } };
  if (typeof g.Bun?.listen === "function") return createBunTransport();
  if (typeof g.Deno?.listen === "function") return createDenoTransport();
  throw new ERR_FEATURE_UNAVAILABLE_ON_PLATFORM("sockets (Deno or Bun is required)");
}

/** The transport in use. */
export function transport(): Transport {
  return current ??= detect();
}

/** Replaces the transport (tests only); `null` goes back to detection. */
export function setTransport(next: Transport | null): void {
  current = next;
}
