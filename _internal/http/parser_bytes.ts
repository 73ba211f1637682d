/**
 * Byte classes and scanners of HTTP/1 syntax, as llhttp reads it, for the
 * parser in `parser.ts`: which bytes a token, a header value, a request
 * target or a chunk extension may hold, fast loops over runs of them, and
 * the latin1 decoding Node applies to header strings.
 *
 * The value and target scanners test four bytes at a time, because header
 * values and request targets are most of a request's bytes. The words are
 * put together from byte loads rather than read through a `DataView`: each
 * chunk usually comes in a fresh buffer, and a view per chunk cost more than
 * it saved.
 *
 * @module
 */

import { Buffer } from "node:buffer";

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;

function table(...ranges: (string | [number, number])[]): Uint8Array {
  const t = new Uint8Array(256);
  for (const r of ranges) {
    if (typeof r === "string") { for (let k = 0; k < r.length; k++) t[r.charCodeAt(k)] = 1; }
    else for (let c = r[0]; c <= r[1]; c++) t[c] = 1;
  }
  return t;
}

const ALNUM: [number, number][] = [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]];
/** RFC 9110 tchar. */
export const TOKEN: Uint8Array = table("!#$%&'*+-.^_`|~", ...ALNUM);
/** Header value bytes that need no second look: HTAB, SP, VCHAR (obs-text is handled apart). */
export const VALUE: Uint8Array = table("\t", [0x20, 0x7e]);
/** llhttp's URL_CHAR. */
export const URL_CHAR: Uint8Array = table("!\"$%&'()*+,-./:;<=>@[\\]^_`{|}~", ...ALNUM);
/** llhttp's USERINFO_CHARS plus `[` and `]`: what an authority may hold. */
export const SERVER_CHAR: Uint8Array = table("-_.!~*'()%;:&=+$,[]", ...ALNUM);
export const ALPHA: Uint8Array = table([0x41, 0x5a], [0x61, 0x7a]);
/** llhttp's CONNECTION_TOKEN_CHARS: HTAB, SP, VCHAR but `,`, obs-text. */
export const CONN_TOKEN: Uint8Array = table("\t", [0x20, 0x2b], [0x2d, 0x7e], [0x80, 0xff]);
/** RFC 9110 qdtext. */
export const QDTEXT: Uint8Array = table("\t !", [0x23, 0x5b], [0x5d, 0x7e], [0x80, 0xff]);
/** What may follow a backslash in a quoted string. */
export const QPAIR: Uint8Array = table("\t", [0x20, 0x7e], [0x80, 0xff]);
/** Hex digit values, -1 for other bytes. */
export const HEX: Int8Array = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) HEX[0x41 + c] = HEX[0x61 + c] = 10 + c;

/** Index of the first non-tchar byte in `data[i:end)`, or `end`. */
export function scanToken(data: Uint8Array, i: number, end: number): number {
  while (
    i + 4 <= end &&
    (TOKEN[data[i]] & TOKEN[data[i + 1]] & TOKEN[data[i + 2]] & TOKEN[data[i + 3]]) === 1
  ) {
    i += 4;
  }
  while (i < end && TOKEN[data[i]] === 1) i++;
  return i;
}

/** The four bytes at `data[i]` as a big-endian int32. */
export function word(data: Uint8Array, i: number): number {
  return (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
}

/** Index of the first byte in `data[i:end)` outside HTAB, SP and VCHAR, or `end`. */
export function scanValue(data: Uint8Array, i: number, end: number): number {
  while (i + 4 <= end) {
    // Whole words of 0x20..0x7e: no byte below 0x20, none equal to 0x7f, none above it.
    const x = word(data, i);
    const y = x ^ 0x7f7f7f7f;
    if ((((x - 0x20202020) & ~x) | ((y - 0x01010101) & ~y) | x) & 0x80808080) break;
    i += 4;
  }
  while (i < end && VALUE[data[i]] === 1) i++;
  return i;
}

/** Like {@link scanValue} for URL_CHAR bytes (no SP, `#` or `?`). */
export function scanUrl(data: Uint8Array, i: number, end: number): number {
  while (i + 4 <= end) {
    const x = word(data, i);
    const del = x ^ 0x7f7f7f7f;
    const hash = x ^ 0x23232323;
    const query = x ^ 0x3f3f3f3f;
    const bad = ((x - 0x21212121) & ~x) | ((del - 0x01010101) & ~del) | x |
      ((hash - 0x01010101) & ~hash) | ((query - 0x01010101) & ~query);
    if (bad & 0x80808080) break;
    i += 4;
  }
  while (i < end && URL_CHAR[data[i]] === 1) i++;
  return i;
}

// Buffer's latin1Slice (Node's, and both runtimes have it) decodes a plain
// Uint8Array too, in one native call: on Deno 2.9.6 about half of what
// TextDecoder costs for a 400-byte head, on Bun a little less.
const nativeLatin1 = (Buffer.prototype as { latin1Slice?: unknown }).latin1Slice;
const latin1Slice = typeof nativeLatin1 === "function"
  ? nativeLatin1 as (this: Uint8Array, start: number, end: number) => string
  : null;

/** Decodes bytes as latin1, as Node's one-byte strings do. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  if (latin1Slice !== null) return latin1Slice.call(buf, start, end);
  let out = "";
  for (let k = start; k < end; k += 4096) {
    const sub = buf.subarray(k, Math.min(end, k + 4096));
    out += String.fromCharCode.apply(null, sub as unknown as number[]);
  }
  return out;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

const UPGRADE_NAME = ascii("upgrade");
const CONNECTION_NAME = ascii("connection");
const CONTENT_LENGTH_NAME = ascii("content-length");
const PROXY_CONNECTION_NAME = ascii("proxy-connection");
const TRANSFER_ENCODING_NAME = ascii("transfer-encoding");
const CLOSE = ascii("close");
const KEEP_ALIVE = ascii("keep-alive");

/**
 * Case-insensitive comparison of `buf[start:start + name.length)` with a
 * lowercase name of letters and `-` (OR-ing 0x20 maps only A-Z onto a-z
 * among the bytes that can match).
 */
function sameName(buf: Uint8Array, start: number, name: Uint8Array): boolean {
  for (let k = 0; k < name.length; k++) {
    if ((buf[start + k] | 0x20) !== name[k]) return false;
  }
  return true;
}

/** Field names llhttp treats specially; any other name is general (0). */
export const FIELD_CONNECTION = 1;
export const FIELD_CONTENT_LENGTH = 2;
export const FIELD_TRANSFER_ENCODING = 3;
export const FIELD_UPGRADE = 4;

/** Which special header a field name is (a FIELD_* value), 0 if none. */
export function classifyField(buf: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 7:
      return sameName(buf, start, UPGRADE_NAME) ? FIELD_UPGRADE : 0;
    case 10:
      return sameName(buf, start, CONNECTION_NAME) ? FIELD_CONNECTION : 0;
    case 14:
      return sameName(buf, start, CONTENT_LENGTH_NAME) ? FIELD_CONTENT_LENGTH : 0;
    case 16:
      return sameName(buf, start, PROXY_CONNECTION_NAME) ? FIELD_CONNECTION : 0;
    case 17:
      return sameName(buf, start, TRANSFER_ENCODING_NAME) ? FIELD_TRANSFER_ENCODING : 0;
  }
  return 0;
}

const CHUNKED = ascii("chunked");

/** Whether `data[i:i + 7)` is "chunked" in any case, as VALUE_TE compares it. */
export function isChunked(data: Uint8Array, i: number): boolean {
  for (let k = 0; k < 7; k++) {
    if ((data[i + k] | 0x20) !== CHUNKED[k]) return false;
  }
  return true;
}

/** Whether CR LF is at `i`, with a byte after it in the call. */
export function lineEndsAt(data: Uint8Array, i: number, end: number): boolean {
  return i + 2 < end && data[i] === CR && data[i + 1] === LF;
}

/** Connection tokens, as bits. */
export const CONN_KEEP_ALIVE = 1;
export const CONN_CLOSE = 2;
export const CONN_UPGRADE = 4;

/**
 * The CONN_* bits a Connection value sets: each comma-separated token that
 * is `close`, `keep-alive` or `upgrade` (any case), with only spaces or
 * tabs around it. Reading stops at a byte no header value may hold (met
 * only in lenient mode), as llhttp's does.
 */
export function connectionTokens(buf: Uint8Array, start: number, end: number): number {
  // The usual values, a single token with nothing around it.
  const len = end - start;
  if (len === 10 && sameName(buf, start, KEEP_ALIVE)) return CONN_KEEP_ALIVE;
  if (len === 5 && sameName(buf, start, CLOSE)) return CONN_CLOSE;
  let bits = 0;
  let k = start;
  while (k < end) {
    while (k < end && (buf[k] === SP || buf[k] === HTAB)) k++;
    const t = k;
    while (k < end && buf[k] !== 0x2c) {
      if (CONN_TOKEN[buf[k]] === 0) return bits;
      k++;
    }
    let e = k;
    while (e > t && (buf[e - 1] === SP || buf[e - 1] === HTAB)) e--;
    const n = e - t;
    if (n === 5) {
      if (sameName(buf, t, CLOSE)) bits |= CONN_CLOSE;
    } else if (n === 10) {
      if (sameName(buf, t, KEEP_ALIVE)) bits |= CONN_KEEP_ALIVE;
    } else if (n === 7 && sameName(buf, t, UPGRADE_NAME)) {
      bits |= CONN_UPGRADE;
    }
    k++;
  }
  return bits;
}

/** Strips trailing spaces and tabs from every value of a raw pairs array. */
export function trimValues(pairs: string[]): void {
  for (let k = 1; k < pairs.length; k += 2) {
    const v = pairs[k];
    let e = v.length;
    let c = v.charCodeAt(e - 1);
    if (c !== SP && c !== HTAB) continue;
    do c = v.charCodeAt(--e - 1); while (e > 0 && (c === SP || c === HTAB));
    pairs[k] = v.slice(0, e);
  }
}
