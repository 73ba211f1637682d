/**
 * The response cases of the client robustness test and the ways each is
 * requested and read, shared by the test and the script that records
 * Node's table.
 *
 * @module
 */
import type { ResponseCase } from "./http_response_fuzz.ts";

/** The seed of the mutated cases. */
export const CLIENT_SEED = 0xc11e;
/** How many mutated cases follow the hand-written ones. */
export const CLIENT_SEEDED = 80;

/** Each variant applies its fields to every case. */
export const VARIANTS: Readonly<Record<string, Partial<ResponseCase>>> = {
  /** As written: the bytes in one write, then FIN. */
  plain: {},
  /** Every case answers a HEAD. */
  head: { method: "HEAD" },
  /** `insecureHTTPParser: true`. */
  insecure: { insecure: true },
  /** `joinDuplicateHeaders: true`. */
  join: { join: true },
  /** No FIN: a 25 ms request timeout ends what the bytes leave open. */
  hold: { hold: 25 },
  /** The response is read only after the request closed. */
  paused: { paused: true },
  /** A POST with a 3-byte body. */
  post: { body: "abc" },
  /** A POST that waits for 100 Continue before sending its body. */
  expect: { body: "abc", expect: true },
};

/** The request timeout that ends an open first response on a keep-alive agent. */
export const KEEP_ALIVE_HOLD_MS = 25;

/** Cases that also run on a keep-alive agent: plain GETs. */
export function keepAliveApplies(c: ResponseCase): boolean {
  return !c.upgrade && !c.early && c.method === undefined && c.maxHeaderSize === undefined;
}
