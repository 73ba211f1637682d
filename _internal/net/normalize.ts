/**
 * Argument normalisation shared by `connect()` and `listen()`, and the
 * process-wide defaults of family autoselection (happy eyeballs).
 *
 * @module
 */
import { nodeFlag } from "../node_flags.ts";
import { validateBoolean, validateInt32 } from "../validators.ts";

/** Marks an argument array already normalised, so `connect()` skips a second pass. */
export const kNormalized: unique symbol = Symbol("normalizedArgs");

/** Options as `connect()`/`listen()` see them after normalisation. */
// deno-lint-ignore no-explicit-any
export type AnyOptions = Record<string | symbol, any>;

/** `[options, callback]`, tagged with `kNormalized`. */
export type NormalizedArgs = [AnyOptions, ((...a: unknown[]) => void) | null] & {
  [kNormalized]?: true;
};

/** Node's `toNumber`: a non-negative number, or false. */
export function toNumber(x: unknown): number | false {
  const n = Number(x);
  return n >= 0 ? n : false;
}

/** A string that is not a port number names a pipe (Unix socket path). */
export function isPipeName(s: unknown): s is string {
  return typeof s === "string" && toNumber(s) === false;
}

/**
 * Turns `(port[, host][, cb])`, `(path[, cb])` or `(options[, cb])` into
 * `[options, cb]`, the way Node's `net._normalizeArgs` does.
 */
export function normalizeArgs(args: unknown[]): NormalizedArgs {
  let result: NormalizedArgs;
  if (args.length === 0) {
    result = [{}, null];
  } else {
    const first = args[0];
    let options: AnyOptions = {};
    if (typeof first === "object" && first !== null) {
      options = first as AnyOptions;
    } else if (isPipeName(first)) {
      options.path = first;
    } else {
      options.port = first;
      if (args.length > 1 && typeof args[1] === "string") options.host = args[1];
    }
    const cb = args[args.length - 1];
    result = [options, typeof cb === "function" ? cb as (...a: unknown[]) => void : null];
  }
  result[kNormalized] = true;
  return result;
}

let autoSelectFamilyDefault = nodeFlag("--no-network-family-autoselection") === undefined;
// Node 22 raised the per-attempt default from 250 ms to 500 ms.
let attemptTimeoutDefault = 500;
{
  const flag = nodeFlag("--network-family-autoselection-attempt-timeout");
  if (typeof flag === "string" && Number.isInteger(Number(flag)) && Number(flag) > 0) {
    attemptTimeoutDefault = Math.max(10, Number(flag));
  }
}

/**
 * `net.getDefaultAutoSelectFamily()`: whether `connect()` tries the IPv6 and
 * IPv4 addresses of a host in turn (happy eyeballs) when the caller does not
 * say. Node's default is `true`.
 *
 * @example
 * ```ts
 * import { getDefaultAutoSelectFamily } from "@x/node-http/net";
 * console.log(getDefaultAutoSelectFamily()); // true
 * ```
 */
export function getDefaultAutoSelectFamily(): boolean {
  return autoSelectFamilyDefault;
}

/**
 * `net.setDefaultAutoSelectFamily(value)`: changes that default for the
 * whole process.
 *
 * @example
 * ```ts
 * import { getDefaultAutoSelectFamily, setDefaultAutoSelectFamily } from "@x/node-http/net";
 *
 * const before = getDefaultAutoSelectFamily();
 * setDefaultAutoSelectFamily(false);
 * console.log(getDefaultAutoSelectFamily()); // false
 * setDefaultAutoSelectFamily(before);
 * ```
 */
export function setDefaultAutoSelectFamily(value: boolean): void {
  validateBoolean(value, "value");
  autoSelectFamilyDefault = value;
}

/**
 * `net.getDefaultAutoSelectFamilyAttemptTimeout()`: how many milliseconds
 * family autoselection waits on one address before trying the next.
 *
 * @example
 * ```ts
 * import { getDefaultAutoSelectFamilyAttemptTimeout } from "@x/node-http/net";
 * console.log(getDefaultAutoSelectFamilyAttemptTimeout()); // 500 unless changed
 * ```
 */
export function getDefaultAutoSelectFamilyAttemptTimeout(): number {
  return attemptTimeoutDefault;
}

/**
 * `net.setDefaultAutoSelectFamilyAttemptTimeout(value)`: at least 10 ms.
 *
 * @example
 * ```ts
 * import {
 *   getDefaultAutoSelectFamilyAttemptTimeout,
 *   setDefaultAutoSelectFamilyAttemptTimeout,
 * } from "@x/node-http/net";
 *
 * const before = getDefaultAutoSelectFamilyAttemptTimeout();
 * setDefaultAutoSelectFamilyAttemptTimeout(5); // raised to the minimum
 * console.log(getDefaultAutoSelectFamilyAttemptTimeout()); // 10
 * setDefaultAutoSelectFamilyAttemptTimeout(before);
 * ```
 */
export function setDefaultAutoSelectFamilyAttemptTimeout(value: number): void {
  validateInt32(value, "value", 1);
  attemptTimeoutDefault = value < 10 ? 10 : value;
}
