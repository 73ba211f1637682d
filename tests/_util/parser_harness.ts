/**
 * Test helpers for the HTTP/1 parser: run input through `HTTPParser` in
 * given pieces and record what it reported, as plain data that
 * `assert.deepEqual` can compare between different ways of splitting it.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type HeadInfo,
  HTTPParser,
  type ParserKind,
  type ParserOptions,
} from "../../_internal/http/parser.ts";

/** What the parser reported, in order. Bodies are merged into one hex string per run of onBody calls. */
export type ParseEvent =
  | ["head", HeadInfo]
  | ["body", string]
  | ["done", string[]]
  | ["error", string, string, number]
  | ["stop", number]
  | ["eof-error", string];

/** How the test's handler answers `onHeadersComplete`. */
export type HeadAnswer = (info: HeadInfo) => number;

/** Options of a parse run. */
export interface RunOptions extends ParserOptions {
  answer?: HeadAnswer;
  /** Call finish() at the end (default true). */
  eof?: boolean;
}

/** Input as bytes; strings are taken as latin1 so any byte can be written. */
export function bytes(input: string | Uint8Array): Uint8Array {
  if (typeof input !== "string") return input;
  const out = new Uint8Array(input.length);
  for (let k = 0; k < input.length; k++) out[k] = input.charCodeAt(k);
  return out;
}

function hex(data: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let k = start; k < end; k++) s += data[k].toString(16).padStart(2, "0");
  return s;
}

/** Hex of a latin1 string, to compare with the body of a `["body", hex]` event. */
export function hexOf(text: string): string {
  return hex(bytes(text), 0, text.length);
}

/**
 * Parses `input` cut at `cuts` (sorted offsets). Each piece is copied into a
 * scratch array that is overwritten after `execute` returns, so a parser
 * keeping views of a caller's buffer would show it. Error and stop offsets
 * are absolute (piece start + bytesParsed or returned index).
 */
export function run(
  kind: ParserKind,
  input: string | Uint8Array,
  cuts: number[] = [],
  options: RunOptions = {},
): ParseEvent[] {
  const data = bytes(input);
  const events: ParseEvent[] = [];
  const answer = options.answer ?? (() => 0);
  const parser = new HTTPParser(kind, {
    onHeadersComplete(info) {
      events.push(["head", { ...info, rawHeaders: [...info.rawHeaders] }]);
      return answer(info);
    },
    onBody(chunk, start, end) {
      if (end === start) return;
      const last = events[events.length - 1];
      if (last?.[0] === "body") last[1] += hex(chunk, start, end);
      else events.push(["body", hex(chunk, start, end)]);
    },
    onMessageComplete(trailers) {
      events.push(["done", [...trailers]]);
    },
  }, options);
  const edges = [0, ...cuts, data.length];
  for (let k = 0; k + 1 < edges.length; k++) {
    const from = edges[k];
    const size = edges[k + 1] - from;
    if (size === 0) continue;
    const scratch = new Uint8Array(size + 6);
    scratch.set(data.subarray(from, from + size), 3);
    const ret = parser.execute(scratch, 3, 3 + size);
    scratch.fill(0x7e);
    if (ret === -1) {
      const err = parser.error;
      assert.ok(err, "execute returned -1 without an error");
      events.push(["error", err.code, err.reason, from + err.bytesParsed]);
      return events;
    }
    if (parser.upgraded || ret !== 3 + size) {
      events.push(["stop", from + ret - 3]);
      return events;
    }
  }
  if (options.eof !== false) {
    const err = parser.finish();
    if (err) events.push(["eof-error", err.code]);
  }
  return events;
}

/**
 * Parses `input` whole, cut at every single offset, and one byte at a time,
 * asserts that all runs report the same, and returns that report.
 */
export function runAllSplits(
  kind: ParserKind,
  input: string | Uint8Array,
  options: RunOptions = {},
): ParseEvent[] {
  const data = bytes(input);
  const whole = run(kind, data, [], options);
  for (let cut = 1; cut < data.length; cut++) {
    assert.deepEqual(run(kind, data, [cut], options), whole, `split at ${cut}`);
  }
  const every = Array.from({ length: Math.max(0, data.length - 1) }, (_, k) => k + 1);
  assert.deepEqual(run(kind, data, every, options), whole, "one byte at a time");
  return whole;
}

/** A head as `onHeadersComplete` reports it, with defaults for a request. */
export function head(fields: Partial<HeadInfo>): HeadInfo {
  return {
    versionMajor: 1,
    versionMinor: 1,
    rawHeaders: [],
    method: "",
    url: "",
    statusCode: 0,
    statusMessage: "",
    upgrade: false,
    shouldKeepAlive: true,
    ...fields,
  };
}
