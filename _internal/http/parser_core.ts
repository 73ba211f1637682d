/**
 * The shared core of the HTTP/1 parser: its state, the spans it counts and
 * decodes, and how it fails. `parser_line.ts` (start lines),
 * `parser_head.ts` (header and trailer fields), `parser_body.ts` (bodies)
 * and `parser.ts` (framing and the public API) build on it, one class each;
 * see `parser.ts` for the behaviour as a whole.
 *
 * Spans (the request target, the reason phrase, header names and values)
 * are counted against the header size limit where Node counts them, and
 * decoded into strings before `execute` returns: the ones that ended in the
 * current call in one pass over the call's bytes, a span cut by the end of
 * a call from a small buffer that keeps its earlier bytes.
 *
 * @module
 */

import { latin1 } from "./parser_bytes.ts";

/** A parse failure, shaped like Node's. */
export interface ParseError extends Error {
  /** `HPE_*`. */
  code: string;
  reason: string;
  /** Bytes of the failing `execute` call consumed before the error. */
  bytesParsed: number;
  /** Set by the server: the chunk being parsed. */
  rawPacket?: Uint8Array;
}

/** Builds a parse error the way Node's server finally presents it. */
export function parseError(code: string, reason: string, bytesParsed: number): ParseError {
  const err = new Error(`Parse Error: ${reason}`) as ParseError;
  err.bytesParsed = bytesParsed;
  err.code = code;
  err.reason = reason;
  return err;
}

// The enums are `const` so that both runtimes' TypeScript front ends inline
// them: a switch over module-level `const` bindings ran ~30% slower on V8.
// Each phase numbers its states in its own range, below.

/** Message flags, llhttp's F_*. KEEP_ALIVE, CLOSE, CONN_UPGRADE equal CONN_* bits. */
export const enum Flag {
  KEEP_ALIVE = 1,
  CLOSE = 2,
  CONN_UPGRADE = 4,
  CHUNKED = 8,
  UPGRADE = 16,
  CONTENT_LENGTH = 32,
  SKIPBODY = 64,
  TRAILING = 128,
  TRANSFER_ENCODING = 512,
}

/** What an open span is, for counting and decoding. */
export const enum Span {
  NONE = 0,
  URL = 1,
  STATUS = 2,
  FIELD = 3,
  VALUE = 4,
  /** An obs-fold continuation, appended to the last value. */
  VALUE_MORE = 5,
  /** A chunk extension: counted, never decoded. */
  EXT = 6,
}

/** What finish() does at EOF, llhttp's HTTP_FINISH_*. */
export const enum Finish {
  SAFE = 0,
  SAFE_WITH_CB = 1,
  UNSAFE = 2,
}

// State numbers: start-line states are below HEADER_STATES, header states
// below BODY_STATES, body states from there. These are the ones another
// phase moves to; each phase's own enum gives them the same numbers.
/** Between messages: the next byte starts one. */
export const START = 0;
/** After a message that closes the connection. */
export const CLOSED = 1;
/** After an error. */
export const DEAD = 2;
/** First header state: right after the start line. */
export const HEADERS_START = 40;
/** At the start of a header or trailer line. */
export const FIELD_START = 41;
export const HEADER_STATES = 40;
export const BODY_STATES = 100;

/** Node's limit on the chunk extension bytes of one chunk. */
const MAX_CHUNK_EXTENSIONS = 16384;

/**
 * Spans ended in the current `execute()` call, awaiting decoding, as
 * (start, end, kind) triples; shared by every parser. A call decodes its
 * spans before it returns and before it runs a handler callback, so no two
 * parsers ever hold entries here at once, and an idle connection's parser
 * carries no buffer of its own.
 */
let spans = new Int32Array(3 * 64);
const kNoScratch = new Uint8Array(0);

/** Parser state shared by all phases. */
export abstract class ParserCore {
  protected type: number;
  protected lenient: boolean;
  /** llhttp's LENIENT_HEADER_VALUE_RELAXED: see `ParserOptions.relaxed`. */
  protected relaxed = false;
  protected maxHeaderSize: number;

  protected state: number = START;
  protected flags = 0;
  protected hstate = 0;
  protected finishMode: number = Finish.SAFE;
  protected failure: ParseError | null = null;
  protected stopped = false;
  protected pausing = false;
  /** Set when a handler threw: the parser is unusable until reset(). */
  protected broken = false;

  /** Trie node, or index into the literal being matched. */
  protected seq = 0;
  /** Which literal of PROTO_NAMES is being matched. */
  protected proto = 0;
  protected method = "";
  protected methodProto = 0;
  protected isConnect = false;
  protected major = 0;
  protected minor = 0;
  protected status = 0;
  protected url = "";
  protected statusMessage = "";
  /** llhttp's `upgrade`, decided when the head completes. */
  protected upgrade = false;
  /** Raw pairs of the head or trailer section being parsed. */
  protected pairs: string[] = [];

  /** llhttp's content_length: Content-Length, then what is left of a body or chunk. */
  protected length = 0;
  /** Content-Length as hi * 1e10 + lo, exact to 2^64 - 1 for llhttp's overflow rule. */
  protected clHi = 0;
  protected clLo = 0;

  /** Node's header_nread_ and chunk_extensions_nread_. */
  protected headerBytes = 0;
  protected extBytes = 0;

  /** The open span, if any; it began in an earlier call when spanOpen. */
  protected span: number = Span.NONE;
  protected spanOpen = false;
  /** Bytes of an open span from earlier calls (allocated on first need). */
  protected scratch: Uint8Array = kNoScratch;
  protected scratchLen = 0;
  /** How many spans this call ended that still wait in `spans`. */
  protected pendingCount = 0;
  /** Some value of the section may still end in spaces or tabs. */
  protected trimLater = false;
  /** Offset of the current call's first byte, for bytesParsed. */
  protected base = 0;
  /** Where the current message began in this call (`base` if in an earlier one). */
  protected headAt = 0;
  /** Where parsing stopped, for a pause or an upgrade. */
  protected stopAt = 0;

  constructor(type: number, maxHeaderSize: number, lenient: boolean) {
    this.type = type;
    this.maxHeaderSize = maxHeaderSize;
    this.lenient = lenient;
  }

  /**
   * Records a parse error at `pos` and returns -1. Once an upgrade head was
   * parsed, Node's binding reports no error: parsing just ends there and the
   * rest is handed over as the new protocol's, so that is done here too.
   */
  protected fail(code: string, reason: string, pos: number): number {
    if (this.upgrade) {
      this.stopped = true;
      this.stopAt = pos;
    } else {
      this.failure = parseError(code, reason, pos - this.base);
    }
    this.state = DEAD;
    this.pendingCount = 0;
    this.scratchLen = 0;
    return -1;
  }

  /** Keeps the bytes of a span that continues past this call. */
  protected keep(data: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.scratchLen + n > this.scratch.length) {
      const bigger = new Uint8Array(Math.max(128, this.scratch.length * 2, this.scratchLen + n));
      bigger.set(this.scratch.subarray(0, this.scratchLen));
      this.scratch = bigger;
    }
    this.scratch.set(data.subarray(start, end), this.scratchLen);
    this.scratchLen += n;
  }

  /** Counts span bytes `[mark, end)` as Node does; fails at `errPos` past the limit. */
  protected count(mark: number, end: number, errPos: number): boolean {
    if (this.span === Span.EXT) {
      this.extBytes += end - mark;
      if (this.extBytes <= MAX_CHUNK_EXTENSIONS) return true;
      this.fail("HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow", errPos);
      return false;
    }
    this.headerBytes += end - mark;
    if (this.headerBytes < this.maxHeaderSize) return true;
    this.fail("HPE_HEADER_OVERFLOW", "Header overflow", errPos);
    return false;
  }

  /** Ends the open span at `end` (it began at `mark` in this call); false on failure. */
  protected endSpan(data: Uint8Array, mark: number, end: number, errPos: number): boolean {
    const kind = this.span;
    if (kind === Span.EXT) return this.count(mark, end, errPos) && this.closeExt();
    this.headerBytes += end - mark;
    if (this.headerBytes >= this.maxHeaderSize) {
      this.fail("HPE_HEADER_OVERFLOW", "Header overflow", errPos);
      return false;
    }
    this.span = Span.NONE;
    this.spanOpen = false;
    if (this.scratchLen === 0) {
      this.pushSpan(mark, end, kind);
      return true;
    }
    this.keep(data, mark, end);
    this.place(kind, latin1(this.scratch, 0, this.scratchLen));
    this.scratchLen = 0;
    return true;
  }

  /** Queues `[mark, end)` of this call's bytes for decoding as a span of `kind`. */
  protected pushSpan(mark: number, end: number, kind: number): void {
    let n = this.pendingCount * 3;
    if (n === spans.length) {
      const bigger = new Int32Array(n * 2);
      bigger.set(spans);
      spans = bigger;
    }
    spans[n++] = mark;
    spans[n++] = end;
    spans[n] = kind;
    this.pendingCount++;
  }

  /** Queues a header name `[f0, f1)` and its value `[v0, v1)`, like two pushSpan calls. */
  protected pushPair(f0: number, f1: number, v0: number, v1: number): void {
    const n = this.pendingCount * 3;
    if (n + 6 > spans.length) {
      const bigger = new Int32Array(spans.length * 2);
      bigger.set(spans);
      spans = bigger;
    }
    spans[n] = f0;
    spans[n + 1] = f1;
    spans[n + 2] = Span.FIELD;
    spans[n + 3] = v0;
    spans[n + 4] = v1;
    spans[n + 5] = Span.VALUE;
    this.pendingCount += 2;
  }

  private closeExt(): boolean {
    this.span = Span.NONE;
    this.spanOpen = false;
    return true;
  }

  /** The bytes of the span ending at `end` in a buffer of their own. */
  protected spanCopy(data: Uint8Array, mark: number, end: number): Uint8Array {
    const from = this.scratchLen;
    this.keep(data, mark, end);
    this.scratchLen = from;
    return this.scratch.subarray(0, from + end - mark);
  }

  /** Moves the end of the span ended last in this call back to `end`. */
  protected trimLastSpan(end: number): void {
    spans[this.pendingCount * 3 - 2] = end;
  }

  protected place(kind: number, text: string): void {
    if (kind === Span.URL) this.url = text;
    else if (kind === Span.STATUS) this.statusMessage = text;
    else if (kind === Span.VALUE_MORE) this.pairs[this.pairs.length - 1] += text;
    else this.pairs.push(text);
  }

  /** Decodes the spans that ended in this call, in one pass when possible. */
  protected materialise(data: Uint8Array): void {
    const count = this.pendingCount;
    if (count === 0) return;
    const p = spans;
    const base = p[0];
    const top = p[count * 3 - 2];
    const text = latin1(data, base, top);
    const from = base;
    const pairs = this.pairs;
    for (let k = 0; k < count * 3; k += 3) {
      const kind = p[k + 2];
      const s = text.slice(p[k] - from, p[k + 1] - from);
      if (kind === Span.FIELD || kind === Span.VALUE) pairs.push(s);
      else this.place(kind, s);
    }
    this.pendingCount = 0;
  }

  /** Saves an open span's bytes when the call ends inside it; -1 on failure. */
  protected suspend(data: Uint8Array, mark: number, end: number): number {
    if (mark >= 0) {
      if (!this.count(mark, end, end)) return -1;
      if (this.span !== Span.EXT) this.keep(data, mark, end);
      this.spanOpen = true;
    }
    return end;
  }
}
