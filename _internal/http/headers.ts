/**
 * HTTP header rules shared by the outgoing and incoming sides, as Node 25
 * applies them:
 *
 * - names must be RFC 7230 tokens (`checkIsHttpToken`, `validateHeaderName`);
 * - values may hold only HTAB, visible ASCII, space and obs-text 0x80-0xFF
 *   (`checkInvalidHeaderChar`, `validateHeaderValue`);
 * - received duplicates are folded as `IncomingMessage#headers` folds them
 *   (`addHeaderLine`), or kept apart as in `headersDistinct`
 *   (`addHeaderLineDistinct`).
 *
 * Pure: depends on nothing but `errors.ts`.
 *
 * @module
 */

import {
  ERR_HTTP_INVALID_HEADER_VALUE,
  ERR_INVALID_CHAR,
  ERR_INVALID_HTTP_TOKEN,
} from "../errors.ts";

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
//         "_" / "`" / "|" / "~" / DIGIT / ALPHA
const kToken = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Anything other than HTAB, SP through "~", and obs-text.
const kInvalidHeaderChar = /[^\t\x20-\x7e\x80-\xff]/;
// What a Fetch header value may not hold: NUL, LF, CR, or a non-byte. Every
// value the strict rule allows passes this one too.
const kInvalidRelaxedChar = /[\0\n\r]|[^\0-\xff]/;

/**
 * True when `value` (converted to a string, as Node's regular expression
 * does) is a non-empty RFC 7230 token.
 */
export function checkIsHttpToken(value: unknown): boolean {
  return kToken.test(`${value}`);
}

/**
 * True when `value` (converted to a string) holds a character that may not
 * appear in a header value or status message.
 */
export function checkInvalidHeaderChar(value: unknown): boolean {
  return kInvalidHeaderChar.test(`${value}`);
}

/**
 * Node's `http.validateHeaderName()`: throws ERR_INVALID_HTTP_TOKEN
 * ("Header name must be a valid HTTP token [\"x\"]") unless `name` is a
 * non-empty token string. `label` replaces "Header name" in the message.
 *
 * @example
 * ```ts
 * import { validateHeaderName } from "@x/node-http/http";
 *
 * validateHeaderName("x-request-id"); // a valid token: no error
 * try {
 *   validateHeaderName("bad name");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_INVALID_HTTP_TOKEN"
 * }
 * ```
 */
export function validateHeaderName(name: unknown, label?: string): asserts name is string {
  if (typeof name !== "string" || name === "" || !kToken.test(name)) {
    throw new ERR_INVALID_HTTP_TOKEN(label || "Header name", name);
  }
}

/**
 * Node's `http.validateHeaderValue()`: throws ERR_HTTP_INVALID_HEADER_VALUE
 * for `undefined` and ERR_INVALID_CHAR ("Invalid character in header content
 * [\"name\"]") for a forbidden character. Arrays are checked as their
 * comma-joined text, as in Node. With `lenient` true, control characters
 * other than NUL, CR and LF are allowed, as Node does for a message under
 * `httpValidation: 'relaxed'` (the Fetch standard's rule).
 *
 * @example
 * ```ts
 * import { validateHeaderValue } from "@x/node-http/http";
 *
 * validateHeaderValue("x-ok", "plain text"); // no error
 * try {
 *   validateHeaderValue("x-bad", "line\nbreak");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_INVALID_CHAR"
 * }
 * ```
 */
export function validateHeaderValue(name: string, value: unknown, lenient?: boolean): void {
  checkHeaderValue(name, value, lenient);
}

/**
 * `validateHeaderValue()` with the rule given as a flag or as the message
 * whose `httpValidation` decides it (asked only for a value the strict rule
 * refuses).
 */
export function checkHeaderValue(
  name: string,
  value: unknown,
  lenient: boolean | LenientRule | undefined,
): void {
  if (value === undefined) throw new ERR_HTTP_INVALID_HEADER_VALUE(value, name);
  // The relaxed rule allows a superset of the strict one: it (and a
  // message's choice of rule) is consulted only for a value the strict rule
  // refuses, so a valid value costs one test.
  if (!kInvalidHeaderChar.test(`${value}`)) return;
  const relaxed = typeof lenient === "object" ? lenient._isLenientHeaderValidation() : lenient;
  if (!relaxed || kInvalidRelaxedChar.test(`${value}`)) {
    throw new ERR_INVALID_CHAR("header content", name);
  }
}

/** A message that decides per call whether header values follow the relaxed rule. */
export interface LenientRule {
  _isLenientHeaderValidation(): boolean;
}

/** Received headers as `IncomingMessage#headers` holds them. */
export type IncomingHttpHeaders = Record<string, string | string[] | undefined>;

/** Received headers as `IncomingMessage#headersDistinct` holds them. */
export type IncomingHttpHeadersDistinct = Record<string, string[] | undefined>;

const kSingle = 1;
const kArray = 2;
const kSemicolon = 3;

// Headers whose later duplicates Node drops (unless joinDuplicateHeaders),
// plus the two with a join of their own. Every other name is joined with ", ".
const kFolding = new Map<string, number>([
  ["content-type", kSingle],
  ["content-length", kSingle],
  ["user-agent", kSingle],
  ["referer", kSingle],
  ["host", kSingle],
  ["authorization", kSingle],
  ["proxy-authorization", kSingle],
  ["if-modified-since", kSingle],
  ["if-unmodified-since", kSingle],
  ["from", kSingle],
  ["location", kSingle],
  ["max-forwards", kSingle],
  ["retry-after", kSingle],
  ["etag", kSingle],
  ["last-modified", kSingle],
  ["server", kSingle],
  ["age", kSingle],
  ["expires", kSingle],
  ["set-cookie", kArray],
  ["cookie", kSemicolon],
]);

/**
 * True for the header names of which Node keeps only the first received
 * value (content-type, content-length, host, authorization, ...).
 */
export function isSingletonHeader(lowerName: string): boolean {
  return kFolding.get(lowerName) === kSingle;
}

/**
 * Folds one received header into `headers` under its lowercase name, as
 * Node's `IncomingMessage#_addHeaderLine`: `set-cookie` collects an array,
 * `cookie` joins with "; ", singletons keep the first value (or join with
 * ", " when `joinDuplicates`, Node's `joinDuplicateHeaders` option), and
 * every other header joins with ", ".
 */
export function addHeaderLine(
  headers: IncomingHttpHeaders,
  name: string,
  value: string,
  joinDuplicates = false,
): void {
  const field = name.toLowerCase();
  // In Node the assignment below is a no-op for "__proto__", so the header
  // never shows; Deno turns off that setter, so the skip must be explicit.
  if (field === "__proto__") return;
  const rule = kFolding.get(field);
  if (rule === undefined || rule === kSemicolon) {
    const prior = headers[field];
    if (typeof prior === "string") {
      headers[field] = prior + (rule === kSemicolon ? "; " : ", ") + value;
    } else {
      headers[field] = value;
    }
  } else if (rule === kArray) {
    const prior = headers["set-cookie"];
    if (prior !== undefined) (prior as string[]).push(value);
    else headers["set-cookie"] = [value];
  } else if (headers[field] === undefined) {
    headers[field] = value;
  } else if (joinDuplicates) {
    headers[field] += ", " + value;
  }
}

/**
 * Adds one received header to `headers` as Node's `headersDistinct` does:
 * every lowercase name maps to the array of its values in arrival order.
 */
export function addHeaderLineDistinct(
  headers: IncomingHttpHeadersDistinct,
  name: string,
  value: string,
): void {
  const field = name.toLowerCase();
  // Node would crash on inherited names such as "constructor"; an own-property
  // test keeps them ordinary, and "__proto__" must not replace the prototype.
  if (field === "__proto__") return;
  if (Object.hasOwn(headers, field)) (headers[field] as string[]).push(value);
  else headers[field] = [value];
}

/**
 * Builds `IncomingMessage#headers` from a `rawHeaders` list
 * (`[name, value, name, value, ...]`).
 */
export function headersFromRaw(
  raw: readonly string[],
  joinDuplicates = false,
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    addHeaderLine(headers, raw[i], raw[i + 1], joinDuplicates);
  }
  return headers;
}

/** Builds `IncomingMessage#headersDistinct` from a `rawHeaders` list. */
export function headersDistinctFromRaw(raw: readonly string[]): IncomingHttpHeadersDistinct {
  const headers: IncomingHttpHeadersDistinct = {};
  for (let i = 0; i + 1 < raw.length; i += 2) addHeaderLineDistinct(headers, raw[i], raw[i + 1]);
  return headers;
}
