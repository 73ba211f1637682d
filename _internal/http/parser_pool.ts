/**
 * The server's free list of request parsers, as Node's `parsers` pool that
 * `http.setMaxIdleHTTPParsers()` bounds: a connection takes a parser when it
 * opens and gives it back when it closes or leaves HTTP.
 *
 * @module
 */
import { HTTPParser, type ParserHandler, type ParserOptions, REQUEST } from "./parser.ts";
import type { IncomingMessage } from "./incoming.ts";

/**
 * Node's parsers carry the request being parsed as `incoming`, and are told
 * `free()` when pooled or `close()` when dropped; code reads the one and
 * hooks the others.
 */
export type ServerParser = HTTPParser & {
  incoming: IncomingMessage | null;
  free?: () => void;
  close?: () => void;
};

const idleParsers: HTTPParser[] = [];
let maxIdleParsers = 1000;

function noop(): void {}

/** Pooled parsers report here, so they hold no connection alive. */
const IDLE_HANDLER: ParserHandler = {
  onHeadersComplete: () => 0,
  onBody: noop,
  onMessageComplete: noop,
};

/** `http.setMaxIdleHTTPParsers(max)` (validated by the caller). */
export function setMaxIdleParsers(max: number): void {
  maxIdleParsers = max;
  if (idleParsers.length > max) idleParsers.length = max;
}

/** A request parser for `handler`: a pooled one set up afresh, or a new one. */
export function takeParser(handler: ParserHandler, options: ParserOptions): ServerParser {
  const pooled = idleParsers.pop();
  let parser: ServerParser;
  if (pooled !== undefined) {
    pooled.reset(REQUEST, handler);
    pooled.configure(options);
    parser = pooled as ServerParser;
  } else {
    parser = new HTTPParser(REQUEST, handler, options) as ServerParser;
  }
  parser.incoming = null;
  return parser;
}

/** Pools `parser` (calling its `free` hook) if there is room and it did not fail, else drops it (`close`). */
export function giveBackParser(parser: ServerParser): void {
  parser.incoming = null;
  if (idleParsers.length < maxIdleParsers && parser.error === null) {
    parser.reset(REQUEST, IDLE_HANDLER);
    idleParsers.push(parser);
    if (typeof parser.free === "function") parser.free();
  } else if (typeof parser.close === "function") {
    parser.close();
  }
}
