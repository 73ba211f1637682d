/**
 * IP address text: Node's `net.isIP`, `net.isIPv4` and `net.isIPv6`, plus the
 * byte-level parsing and printing that `SocketAddress` and `BlockList` need.
 *
 * The accepted forms are exactly Node's: IPv4 is dotted decimal with four
 * parts, each 0-255 without leading zeros; IPv6 is eight groups of one to four
 * hex digits, with at most one `::` standing for one or more zero groups and
 * an optional dotted IPv4 tail, then an optional `%zone` made of letters,
 * digits, `-`, `.` and `:`. Non-strings are converted to strings first, as
 * Node's regular expressions do, so `isIP(undefined)` is 0.
 *
 * Printing follows libuv's `inet_ntop`, which Node uses for
 * `SocketAddress#address` and `BlockList#rules`.
 *
 * @module
 */

const kColon = 0x3a;
const kDot = 0x2e;
// isIPv4() only needs a yes or no; the bytes it parses go here and are dropped.
const kScratch = new Uint8Array(4);

function decimalDigit(code: number): number {
  return code >= 0x30 && code <= 0x39 ? code - 0x30 : -1;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Reads a dotted-decimal IPv4 address from `text[start..end)` into
 * `out[at..at+4)`. Returns false when the text is not exactly such an address.
 */
function readIPv4(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let i = start;
  while (part < 4) {
    const first = i < end ? decimalDigit(text.charCodeAt(i)) : -1;
    if (first < 0) return false;
    let value = first;
    i++;
    for (; i < end; i++) {
      const d = decimalDigit(text.charCodeAt(i));
      if (d < 0) break;
      // A leading zero may only stand alone: "01" is not an octet.
      if (value === 0) return false;
      value = value * 10 + d;
      if (value > 255) return false;
    }
    out[at + part] = value;
    part++;
    if (part < 4) {
      if (i >= end || text.charCodeAt(i) !== kDot) return false;
      i++;
    }
  }
  return i === end;
}

/** Moves the groups written after a `::` to the end of the 16 bytes. */
function expandGap(out: Uint8Array, gap: number, filled: number): void {
  const tail = filled - gap;
  for (let k = 1; k <= tail; k++) {
    out[16 - k] = out[filled - k];
    out[filled - k] = 0;
  }
}

/**
 * Reads an IPv6 address (no zone) from `text[0..end)` into 16 bytes, or
 * returns null. A `::` must stand for at least one zero group, and a dotted
 * IPv4 part may only come last, as in `inet_pton`.
 */
function readIPv6(text: string, end: number): Uint8Array | null {
  const out = new Uint8Array(16);
  let filled = 0;
  let gap = -1;
  let i = 0;
  if (end === 0) return null;
  if (text.charCodeAt(0) === kColon) {
    if (end < 2 || text.charCodeAt(1) !== kColon) return null;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const d = hexDigit(text.charCodeAt(j));
      if (d < 0) break;
      value = value * 16 + d;
    }
    if (j < end && text.charCodeAt(j) === kDot) {
      if (filled + 4 > 16 || !readIPv4(text, i, end, out, filled)) return null;
      filled += 4;
      break;
    }
    if (j === i || j - i > 4 || filled + 2 > 16) return null;
    out[filled++] = value >> 8;
    out[filled++] = value & 0xff;
    if (j === end) break;
    if (text.charCodeAt(j) !== kColon) return null;
    j++;
    // A single trailing colon is not an address.
    if (j === end) return null;
    if (text.charCodeAt(j) === kColon) {
      if (gap !== -1) return null;
      gap = filled;
      j++;
    }
    i = j;
  }
  if (gap === -1) return filled === 16 ? out : null;
  if (filled === 16) return null;
  expandGap(out, gap, filled);
  return out;
}

function isZoneChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) ||
    code === 0x2d || code === kDot || code === kColon;
}

/** Parses a strict dotted-decimal IPv4 address into 4 bytes, or returns null. */
export function parseIPv4(text: string): Uint8Array | null {
  const out = new Uint8Array(4);
  return readIPv4(text, 0, text.length, out, 0) ? out : null;
}

/**
 * Parses an IPv6 address into 16 bytes, or returns null. A `%zone` suffix is
 * dropped whatever it holds, as libuv's `uv_ip6_addr` does for SocketAddress.
 */
export function parseIPv6(text: string): Uint8Array | null {
  const zone = text.indexOf("%");
  // uv_ip6_addr copies the part before a zone into a 40-byte buffer, so Node
  // only ever sees its first 39 characters; parity means cutting there too.
  return readIPv6(text, zone === -1 ? text.length : Math.min(zone, 39));
}

/**
 * Node's `net.isIPv4()`: true for strict dotted-decimal IPv4 text.
 *
 * @example
 * ```ts
 * import { isIPv4 } from "@x/node-http/net";
 * console.log(isIPv4("192.168.0.1"), isIPv4("192.168.0.01")); // true false
 * ```
 */
export function isIPv4(input: unknown): boolean {
  const text = `${input}`;
  return readIPv4(text, 0, text.length, kScratch, 0);
}

/**
 * Node's `net.isIPv6()`: true for IPv6 text, optionally with a `%zone` suffix.
 *
 * @example
 * ```ts
 * import { isIPv6 } from "@x/node-http/net";
 * console.log(isIPv6("::1"), isIPv6("fe80::1%eth0"), isIPv6("127.0.0.1")); // true true false
 * ```
 */
export function isIPv6(input: unknown): boolean {
  const text = `${input}`;
  let end = text.indexOf("%");
  if (end === -1) {
    end = text.length;
  } else {
    if (end + 1 === text.length) return false;
    for (let i = end + 1; i < text.length; i++) {
      if (!isZoneChar(text.charCodeAt(i))) return false;
    }
  }
  return readIPv6(text, end) !== null;
}

/**
 * Node's `net.isIP()`: 4 for IPv4 text, 6 for IPv6 text, otherwise 0.
 *
 * @example
 * ```ts
 * import { isIP } from "@x/node-http/net";
 * console.log(isIP("127.0.0.1"), isIP("::1"), isIP("localhost")); // 4 6 0
 * ```
 */
export function isIP(input: unknown): 0 | 4 | 6 {
  const text = `${input}`;
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return 0;
}

/** Prints 4 bytes as dotted decimal. */
export function formatIPv4(bytes: Uint8Array, at = 0): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/** Finds the longest run of two or more zero groups (the first one on a tie). */
function longestZeroRun(groups: number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  let start = -1;
  for (let g = 0; g <= 8; g++) {
    if (g < 8 && groups[g] === 0) {
      if (start === -1) start = g;
      continue;
    }
    if (start !== -1 && g - start > best.length) best = { start, length: g - start };
    start = -1;
  }
  return best.length >= 2 ? best : { start: -1, length: 0 };
}

/**
 * Prints 16 bytes as libuv's `inet_ntop` does: lowercase hex without leading
 * zeros, the longest run of two or more zero groups as `::`, and IPv4-mapped
 * (`::ffff:a.b.c.d`) or IPv4-compatible (`::a.b.c.d`) addresses with a dotted
 * tail.
 */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let g = 0; g < 8; g++) groups.push((bytes[2 * g] << 8) | bytes[2 * g + 1]);
  const run = longestZeroRun(groups);
  if (run.start === 0 && (run.length === 6 || (run.length === 5 && groups[5] === 0xffff))) {
    return `${run.length === 5 ? "::ffff:" : "::"}${formatIPv4(bytes, 12)}`;
  }
  let text = "";
  for (let g = 0; g < 8; g++) {
    if (g === run.start) {
      text += g === 0 ? "::" : ":";
      g += run.length - 1;
      continue;
    }
    text += groups[g].toString(16);
    if (g < 7) text += ":";
  }
  return text;
}
