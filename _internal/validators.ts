/**
 * Argument checks with Node's exact error codes and messages, following
 * Node 25's `lib/internal/validators.js` and the timer duration check of
 * `lib/internal/timers.js`.
 *
 * Each check throws one of the errors of `errors.ts` and otherwise returns
 * nothing (or the normalised value, for `validatePort` and
 * `getTimerDuration`).
 *
 * @module
 */

import process from "node:process";
import {
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_ARG_VALUE,
  ERR_OUT_OF_RANGE,
  ERR_SOCKET_BAD_PORT,
} from "./errors.ts";

/** True when `value` is a number that survives a round trip through int32. */
export function isInt32(value: unknown): value is number {
  return value === ((value as number) | 0);
}

/** True when `value` is a number that survives a round trip through uint32. */
export function isUint32(value: unknown): value is number {
  return value === ((value as number) >>> 0);
}

/** Throws ERR_INVALID_ARG_TYPE unless `value` is a string. */
export function validateString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") throw new ERR_INVALID_ARG_TYPE(name, "string", value);
}

/**
 * Throws ERR_INVALID_ARG_TYPE unless `value` is a number, and ERR_OUT_OF_RANGE
 * when it falls outside the optional bounds (NaN fails once any bound is given).
 */
export function validateNumber(
  value: unknown,
  name: string,
  min?: number | null,
  max?: number | null,
): asserts value is number {
  if (typeof value !== "number") throw new ERR_INVALID_ARG_TYPE(name, "number", value);
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  if (
    (hasMin && value < min) || (hasMax && value > max) ||
    ((hasMin || hasMax) && Number.isNaN(value))
  ) {
    const parts: string[] = [];
    if (hasMin) parts.push(`>= ${min}`);
    if (hasMax) parts.push(`<= ${max}`);
    throw new ERR_OUT_OF_RANGE(name, parts.join(" && "), value);
  }
}

/** Throws unless `value` is an integer within `[min, max]` (safe-integer range by default). */
export function validateInteger(
  value: unknown,
  name: string,
  min: number = Number.MIN_SAFE_INTEGER,
  max: number = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  if (typeof value !== "number") throw new ERR_INVALID_ARG_TYPE(name, "number", value);
  if (!Number.isInteger(value)) throw new ERR_OUT_OF_RANGE(name, "an integer", value);
  if (value < min || value > max) {
    throw new ERR_OUT_OF_RANGE(name, `>= ${min} && <= ${max}`, value);
  }
}

/** Throws unless `value` is an integer within `[min, max]` (int32 range by default). */
export function validateInt32(
  value: unknown,
  name: string,
  min = -2147483648,
  max = 2147483647,
): asserts value is number {
  validateInteger(value, name, min, max);
}

/** Throws unless `value` is an integer in `[0, 2**32 - 1]` (or `[1, ...]` when `positive`). */
export function validateUint32(
  value: unknown,
  name: string,
  positive = false,
): asserts value is number {
  validateInteger(value, name, positive ? 1 : 0, 4294967295);
}

/** Throws ERR_INVALID_ARG_TYPE unless `value` is a boolean. */
export function validateBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== "boolean") throw new ERR_INVALID_ARG_TYPE(name, "boolean", value);
}

/** Throws ERR_INVALID_ARG_TYPE unless `value` is callable. */
// Node's check accepts any callable, classes included, so the type says no more.
// deno-lint-ignore ban-types
export function validateFunction(value: unknown, name: string): asserts value is Function {
  if (typeof value !== "function") throw new ERR_INVALID_ARG_TYPE(name, "Function", value);
}

/** `validateObject` flag: no exceptions (plain non-null, non-array objects only). */
export const kValidateObjectNone = 0;
/** `validateObject` flag: `null` is accepted. */
export const kValidateObjectAllowNullable = 1;
/** `validateObject` flag: arrays are accepted. */
export const kValidateObjectAllowArray = 2;
/** `validateObject` flag: functions are accepted. */
export const kValidateObjectAllowFunction = 4;
/** `validateObject` flags: arrays and functions are accepted. */
export const kValidateObjectAllowObjects = 6;
/** `validateObject` flags: `null`, arrays and functions are accepted. */
export const kValidateObjectAllowObjectsAndNull = 7;

/** The option-bag spelling of the `validateObject` flags. */
export interface ValidateObjectOptions {
  allowArray?: boolean;
  allowFunction?: boolean;
  nullable?: boolean;
}

function objectFlags(options: number | ValidateObjectOptions | undefined | null): number {
  if (typeof options === "number") return options;
  if (options === undefined || options === null) return kValidateObjectNone;
  return (options.nullable ? kValidateObjectAllowNullable : 0) |
    (options.allowArray ? kValidateObjectAllowArray : 0) |
    (options.allowFunction ? kValidateObjectAllowFunction : 0);
}

/**
 * Throws ERR_INVALID_ARG_TYPE ("must be of type object") unless `value` is an
 * object. `options` is Node's bit set (`kValidateObjectAllow*`) or the older
 * `{ allowArray, allowFunction, nullable }` bag.
 */
export function validateObject(
  value: unknown,
  name: string,
  options?: number | ValidateObjectOptions | null,
): asserts value is Record<PropertyKey, unknown> {
  const flags = objectFlags(options);
  const kind = typeof value;
  if (
    (value === null && (flags & kValidateObjectAllowNullable) === 0) ||
    (Array.isArray(value) && (flags & kValidateObjectAllowArray) === 0) ||
    (kind !== "object" && (kind !== "function" || (flags & kValidateObjectAllowFunction) === 0))
  ) {
    throw new ERR_INVALID_ARG_TYPE(name, "Object", value);
  }
}

/**
 * Throws ERR_INVALID_ARG_TYPE unless `value` is an array, and
 * ERR_INVALID_ARG_VALUE when it is shorter than `minLength`.
 */
export function validateArray(
  value: unknown,
  name: string,
  minLength = 0,
): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new ERR_INVALID_ARG_TYPE(name, "Array", value);
  if (value.length < minLength) {
    throw new ERR_INVALID_ARG_VALUE(name, value, `must be longer than ${minLength}`);
  }
}

/** Throws unless `value` is an array of strings; the culprit is named `name[i]`. */
export function validateStringArray(value: unknown, name: string): asserts value is string[] {
  validateArray(value, name);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string") {
      throw new ERR_INVALID_ARG_TYPE(`${name}[${i}]`, "string", value[i]);
    }
  }
}

/** Throws ERR_INVALID_ARG_VALUE ("must be one of: 'a', 'b'") unless `value` is listed. */
export function validateOneOf<T>(
  value: unknown,
  name: string,
  oneOf: readonly T[],
): asserts value is T {
  if (!oneOf.includes(value as T)) {
    const allowed = oneOf.map((v) => typeof v === "string" ? `'${v}'` : String(v)).join(", ");
    throw new ERR_INVALID_ARG_VALUE(name, value, `must be one of: ${allowed}`);
  }
}

/** Throws ERR_INVALID_ARG_TYPE unless `signal` is undefined or AbortSignal-like. */
export function validateAbortSignal(
  signal: unknown,
  name: string,
): asserts signal is AbortSignal | undefined {
  if (
    signal !== undefined &&
    (signal === null || typeof signal !== "object" || !("aborted" in signal))
  ) {
    throw new ERR_INVALID_ARG_TYPE(name, "AbortSignal", signal);
  }
}

/** Throws ERR_INVALID_ARG_TYPE unless `value` is undefined. */
export function validateUndefined(value: unknown, name: string): asserts value is undefined {
  if (value !== undefined) throw new ERR_INVALID_ARG_TYPE(name, "undefined", value);
}

/** Throws ERR_INVALID_ARG_TYPE unless `value` is a Buffer, TypedArray or DataView. */
export function validateBuffer(
  value: unknown,
  name = "buffer",
): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) {
    throw new ERR_INVALID_ARG_TYPE(name, ["Buffer", "TypedArray", "DataView"], value);
  }
}

/**
 * Node's port check: a number, or a non-blank numeric string, that is an
 * integer in `[0, 65535]` (zero refused when `allowZero` is false, and then
 * only the number 0, as in Node). Returns the port as a number; throws
 * ERR_SOCKET_BAD_PORT otherwise.
 */
export function validatePort(port: unknown, name = "Port", allowZero = true): number {
  if (
    (typeof port !== "number" && typeof port !== "string") ||
    (typeof port === "string" && port.trim().length === 0)
  ) {
    throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
  }
  const n = +port;
  if (n !== n >>> 0 || n > 0xffff || (port === 0 && !allowZero)) {
    throw new ERR_SOCKET_BAD_PORT(name, port, allowZero);
  }
  return n | 0;
}

/** Node's `TIMEOUT_MAX`: the longest delay a timer can hold (2**31 - 1 ms). */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * Node's `getTimerDuration` (used by `socket.setTimeout()`): the number must be
 * finite and non-negative; anything above TIMEOUT_MAX is clamped to it with a
 * `TimeoutOverflowWarning`, as Node does.
 */
export function getTimerDuration(msecs: unknown, name: string): number {
  validateNumber(msecs, name);
  if (msecs < 0 || !Number.isFinite(msecs)) {
    throw new ERR_OUT_OF_RANGE(name, "a non-negative finite number", msecs);
  }
  if (msecs > TIMEOUT_MAX) {
    process.emitWarning(
      `${msecs} does not fit into a 32-bit signed integer.\nTimer duration was truncated to ${TIMEOUT_MAX}.`,
      "TimeoutOverflowWarning",
    );
    return TIMEOUT_MAX;
  }
  return msecs;
}

// RFC 8288 link-value, as loosely as Node checks it: a bracketed target, then
// `; param` or `; param=value` / `; param="value"` pairs. A param name stops at
// "=" so that a name and its value cannot be split two ways (that made a long
// run of `;a=b` with a bad tail backtrack exponentially).
const kLinkValue = /^<[^>]*>(?:\s*;\s*[^;"\s=]+(?:="[^;"\s]*"|=[^;"\s]*)?)*$/;
// The value is written into a 103 head verbatim: CR or LF anywhere, even
// inside the brackets or around a ";", would start a header of the caller's.
const kLinkForbidden = /[\r\n]/;
const kLinkReason = 'must be an array or string of format "</styles.css>; rel=preload; as=style"';

function validateLinkFormat(value: unknown, name: string): void {
  const text = `${value}`;
  if (value === undefined || !kLinkValue.test(text) || kLinkForbidden.test(text)) {
    throw new ERR_INVALID_ARG_VALUE(name, value, kLinkReason);
  }
}

/**
 * Checks the `link` hint of `writeEarlyHints()` and returns the header value:
 * the string itself, or the array's entries joined with ", ".
 */
export function validateLinkHeaderValue(hints: unknown): string {
  if (typeof hints === "string") {
    validateLinkFormat(hints, "hints");
    return hints;
  }
  if (Array.isArray(hints)) {
    for (const link of hints) validateLinkFormat(link, "hints");
    return hints.join(", ");
  }
  throw new ERR_INVALID_ARG_VALUE("hints", hints, kLinkReason);
}
