/**
 * A pure, incremental HTTP/1.x parser: bytes in, callbacks out.
 *
 * It follows llhttp 9.3 (the parser inside Node 25) in its default, strict
 * mode: the same messages are accepted, the same ones are rejected with the
 * same `HPE_*` code, reason and `bytesParsed`, and the same framing rules
 * apply (Content-Length, chunked, read-until-EOF, upgrade, CONNECT, 1xx,
 * HEAD, 204/304, keep-alive). `lenient: true` turns on every leniency Node
 * enables for `insecureHTTPParser`. Where llhttp releases differ, the safer
 * rule wins: a status line's CR needs its LF (llhttp 9.4), and a tab after
 * `close`, `keep-alive` or `upgrade` in Connection still counts (9.4).
 *
 * Interface, for the server and the client built on it:
 *
 * - `execute(data, start, end)` parses `data[start:end)` and returns where
 *   it stopped: `end` normally; earlier once an upgrade or CONNECT message
 *   is done (`upgraded` is then true and the remaining bytes belong to the
 *   new protocol), or when `pause()` was called (it stops right after the
 *   current message, and consumes nothing while paused between messages);
 *   `-1` on a parse error (see `error`). The caller may reuse `data` as soon
 *   as `execute` returns: strings are made before that, and a token cut by
 *   the end of a call is carried over in a small reusable buffer.
 * - `onHeadersComplete(info)` returns 0, or 1 when the message has no body
 *   (the client answering HEAD, 1xx, 304), or 2 for no body and upgrade (the
 *   client answering CONNECT). `info.upgrade` is llhttp's view before that
 *   return: a request with CONNECT or with `Upgrade` plus
 *   `Connection: upgrade`; a 101 response with those two headers. A 101
 *   without them ends its message and parsing goes on, as in Node.
 * - `onBody(data, start, end)` hands out ranges of the caller's array, never
 *   copies.
 * - `onMessageComplete(trailers)` gets the raw trailer pairs: a fresh array,
 *   or a shared frozen empty one when there are none.
 * - `finish()` signals EOF: it completes a body that runs to EOF, and
 *   returns an `HPE_INVALID_EOF_STATE` error if EOF cut a message short.
 * - Once an upgrade head was parsed, an error in what follows (say a bad
 *   chunk of a body sent with the upgrade request) ends parsing there as an
 *   upgrade instead, as Node's binding does.
 *
 * Errors are plain `Error`s shaped like Node's: message `Parse Error:
 * <reason>`, `bytesParsed` (bytes of this `execute` call before llhttp's
 * error position), `code` and `reason`; the server adds `rawPacket`.
 *
 * Header size: like Node, the bytes of the request target, the reason
 * phrase and each header name and value (not the method, version, colons,
 * spaces before a value or line ends) are summed per head and per trailer
 * section, and the message fails with `HPE_HEADER_OVERFLOW` once the sum
 * reaches `maxHeaderSize`: counted bytes of `maxHeaderSize - 1` pass, one
 * more fails. The check runs where Node's does (when a token ends, or when a
 * call ends inside one), so `bytesParsed` matches too. Chunk extensions are
 * limited to 16 KiB per chunk (`HPE_CHUNK_EXTENSIONS_OVERFLOW`), as in Node.
 *
 * `rawHeaders` keeps every header in received casing and order, values
 * trimmed of spaces and tabs, as Node's `rawHeaders` does. Node's
 * `maxHeadersCount` only limits which of them reach `headers`, so the
 * message objects apply it, not the parser.
 *
 * @module
 */

import {
  BODY_STATES,
  CLOSED,
  DEAD,
  FIELD_START,
  Finish,
  Flag,
  HEADER_STATES,
  type ParseError,
  parseError,
  Span,
  START,
} from "./parser_core.ts";
import { HeadParser } from "./parser_head.ts";
import { CR, HEX, HTAB, LF, QDTEXT, QPAIR, scanToken, SP, trimValues } from "./parser_bytes.ts";

export type { ParseError } from "./parser_core.ts";

/** 0 parses requests, 1 parses responses. */
export type ParserKind = 0 | 1;
/** Parser kind for requests. */
export const REQUEST: ParserKind = 0;
/** Parser kind for responses. */
export const RESPONSE: ParserKind = 1;

/** What a message's head said, passed to `onHeadersComplete`. */
export interface HeadInfo {
  versionMajor: number;
  versionMinor: number;
  /** `[name, value, name, value, ...]` as received; values trimmed of spaces and tabs. */
  rawHeaders: string[];
  /** Request method ("" for responses). */
  method: string;
  /** Request target ("" for responses). */
  url: string;
  /** Response status (0 for requests). */
  statusCode: number;
  /** Response reason phrase ("" for requests). */
  statusMessage: string;
  upgrade: boolean;
  shouldKeepAlive: boolean;
}

/** Receives the parts of each message. */
export interface ParserHandler {
  /** 0 normally; 1 = this message has no body; 2 = no body and treat as upgrade. */
  onHeadersComplete(info: HeadInfo): number;
  /** Body bytes `data[start:end)` of the array given to `execute`; not copied. */
  onBody(data: Uint8Array, start: number, end: number): void;
  /** The message is complete; `trailers` holds raw trailer pairs (frozen and shared when empty). */
  onMessageComplete(trailers: string[]): void;
}

/** Parser settings. */
export interface ParserOptions {
  /** Limit on the counted bytes of a head (see the module doc); default 16384. */
  maxHeaderSize?: number;
  /** Node's `insecureHTTPParser`: every llhttp leniency on. */
  lenient?: boolean;
}

/** Handed to `onMessageComplete` when a message has no trailers. */
const NO_TRAILERS: string[] = Object.freeze([]) as unknown as string[];

/** Body states; head states are numbered below BODY_STATES. */
const enum State {
  BODY = 100,
  BODY_EOF,
  CHUNK_SIZE_START,
  CHUNK_SIZE,
  CHUNK_SIZE_WS,
  CHUNK_SIZE_LF,
  CHUNK_EXT_START,
  CHUNK_EXT_NAME,
  CHUNK_EXT_VALUE_START,
  CHUNK_EXT_VALUE,
  CHUNK_EXT_QUOTED,
  CHUNK_EXT_QPAIR,
  CHUNK_EXT_QDONE,
  CHUNK_DATA,
  CHUNK_DATA_END,
  CHUNK_DATA_LF,
}

/** Incremental HTTP/1.x request or response parser (see the module doc). */
export class HTTPParser extends HeadParser {
  #handler: ParserHandler;
  /** Significant hex digits of the chunk size. */
  #hexDigits = 0;

  constructor(kind: ParserKind, handler: ParserHandler, options?: ParserOptions) {
    super(kind, options?.maxHeaderSize ?? 16384, options?.lenient ?? false);
    this.#handler = handler;
  }

  /** The error that stopped the parser, or null. */
  get error(): ParseError | null {
    return this.failure;
  }

  /** True once an upgrade or CONNECT message ended parsing. */
  get upgraded(): boolean {
    return this.stopped;
  }

  /**
   * True from the first byte of a message until it completes: the server's
   * headersTimeout and requestTimeout apply only then.
   */
  get inMessage(): boolean {
    return this.state > DEAD;
  }

  /** Node's parser binding has these; code calls them. Nothing to release here. */
  free(): void {}

  /** See `free()`. */
  close(): void {}

  /** Changes the limits of a pooled parser before reuse. */
  configure(options: ParserOptions): void {
    this.maxHeaderSize = options.maxHeaderSize ?? 16384;
    this.lenient = options.lenient ?? false;
  }

  /** The kind of messages parsed. */
  get kind(): ParserKind {
    return this.type as ParserKind;
  }

  /** Stop after the current message completes. */
  pause(): void {
    this.pausing = true;
  }

  /** Undo pause(); call execute() again with the unparsed bytes. */
  resume(): void {
    this.pausing = false;
  }

  /** Start over for a new connection; keeps handler and options unless given. */
  reset(kind?: ParserKind, handler?: ParserHandler): void {
    if (kind !== undefined) this.type = kind;
    if (handler !== undefined) this.#handler = handler;
    this.state = START;
    this.finishMode = Finish.SAFE;
    this.failure = null;
    this.stopped = false;
    this.pausing = false;
    this.broken = false;
    this.upgrade = false;
    this.flags = 0;
    this.length = 0;
    this.clHi = 0;
    this.clLo = 0;
    this.pairs = [];
    this.headerBytes = 0;
    this.extBytes = 0;
    this.span = Span.NONE;
    this.spanOpen = false;
    this.scratchLen = 0;
    this.pendingCount = 0;
    this.trimLater = false;
  }

  /** Signals EOF; returns the error if it came in the middle of a message. */
  finish(): ParseError | null {
    if (this.failure !== null || this.stopped || this.broken) return null;
    if (this.finishMode === Finish.SAFE_WITH_CB) {
      this.finishMode = Finish.SAFE;
      this.state = CLOSED;
      this.#handler.onMessageComplete(NO_TRAILERS);
      return null;
    }
    if (this.finishMode === Finish.UNSAFE && !this.upgrade) {
      return parseError("HPE_INVALID_EOF_STATE", "Invalid EOF state", 0);
    }
    return null;
  }

  /**
   * Parses `data[start:end)`. Returns where parsing stopped: `end`, or
   * earlier after an upgrade or while paused; -1 on error (see `error`).
   */
  execute(data: Uint8Array, start = 0, end: number = data.length): number {
    if (this.failure !== null || this.broken) return -1;
    if (this.stopped) return start;
    this.base = this.headAt = start;
    try {
      return this.#run(data, start, end);
    } catch (e) {
      this.broken = true;
      this.state = DEAD;
      throw e;
    }
  }

  #run(data: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end) {
      const state = this.state;
      i = state < HEADER_STATES
        ? this.runLine(data, i, end)
        : state < BODY_STATES
        ? this.runHeaders(data, i, end)
        : this.#runBody(data, i, end);
      if (i < 0) {
        if (i === -2 || (this.failure === null && this.stopped)) {
          this.materialise(data);
          return this.stopAt;
        }
        return -1;
      }
    }
    this.materialise(data);
    return end;
  }

  /** The blank line after a head or trailer section was read; `pos` is past it. */
  protected headersEnd(_data: Uint8Array, pos: number): number {
    if ((this.flags & Flag.TRAILING) !== 0) {
      this.headerBytes = 0;
      return this.#messageDone(pos);
    }
    return this.#headersDone(pos);
  }

  #shouldKeepAlive(): boolean {
    if (this.major > 0 && this.minor > 0) {
      if ((this.flags & Flag.CLOSE) !== 0) return false;
    } else if ((this.flags & Flag.KEEP_ALIVE) === 0) {
      return false;
    }
    return !this.#needsEof();
  }

  #needsEof(): boolean {
    if (this.type === REQUEST) return false;
    const s = this.status;
    const f = this.flags;
    if ((s / 100 | 0) === 1 || s === 204 || s === 304 || (f & Flag.SKIPBODY) !== 0) return false;
    if ((f & Flag.TRANSFER_ENCODING) !== 0 && (f & Flag.CHUNKED) === 0) return true;
    return (f & (Flag.CHUNKED | Flag.CONTENT_LENGTH)) === 0;
  }

  /** Hands the head out and picks the body framing; next state or < 0. */
  #headersDone(pos: number): number {
    const pairs = this.pairs;
    if (this.trimLater) {
      trimValues(pairs);
      this.trimLater = false;
    }
    const f = this.flags;
    const isReq = this.type === REQUEST;
    if ((f & Flag.UPGRADE) !== 0 && (f & Flag.CONN_UPGRADE) !== 0) {
      this.upgrade = isReq || this.status === 101;
    } else {
      this.upgrade = isReq && this.isConnect;
    }
    this.headerBytes = 0;
    const ret = this.#handler.onHeadersComplete({
      versionMajor: this.major,
      versionMinor: this.minor,
      rawHeaders: pairs,
      method: isReq ? this.method : "",
      url: isReq ? this.url : "",
      statusCode: isReq ? 0 : this.status,
      statusMessage: isReq ? "" : this.statusMessage,
      upgrade: this.upgrade,
      shouldKeepAlive: this.#shouldKeepAlive(),
    });
    if (ret === 1) {
      this.flags |= Flag.SKIPBODY;
    } else if (ret === 2) {
      this.upgrade = true;
      this.flags |= Flag.SKIPBODY;
    } else if (ret !== 0) {
      return this.fail("HPE_CB_HEADERS_COMPLETE", "User callback error", pos);
    }
    return this.#framing(pos);
  }

  /** llhttp's after_headers_complete: how the body is delimited. */
  #framing(pos: number): number {
    const f = this.flags;
    const s = this.status;
    const isRes = this.type === RESPONSE;
    const hasBody = (f & Flag.CHUNKED) !== 0 || this.length > 0;
    if (
      (this.upgrade && (this.isConnect || (f & Flag.SKIPBODY) !== 0 || !hasBody)) ||
      (isRes && s === 101)
    ) {
      return this.#messageDone(pos);
    }
    if (
      (f & Flag.SKIPBODY) !== 0 ||
      (isRes && (s === 100 || s === 102 || s === 103 || s === 204 || s === 304))
    ) {
      return this.#messageDone(pos);
    }
    if ((f & Flag.CHUNKED) !== 0) return State.CHUNK_SIZE_START;
    if ((f & Flag.TRANSFER_ENCODING) !== 0) {
      if (!isRes && !this.lenient) {
        return this.fail(
          "HPE_INVALID_TRANSFER_ENCODING",
          "Request has invalid `Transfer-Encoding`",
          pos,
        );
      }
      this.finishMode = Finish.SAFE_WITH_CB;
      return State.BODY_EOF;
    }
    if ((f & Flag.CONTENT_LENGTH) === 0) {
      if (!this.#needsEof()) return this.#messageDone(pos);
      this.finishMode = Finish.SAFE_WITH_CB;
      return State.BODY_EOF;
    }
    return this.length === 0 ? this.#messageDone(pos) : State.BODY;
  }

  /** The message is complete at `pos`: next state, or -2 to stop there. */
  #messageDone(pos: number): number {
    const trailers = (this.flags & Flag.TRAILING) !== 0 ? this.pairs : NO_TRAILERS;
    if (this.trimLater) {
      trimValues(trailers);
      this.trimLater = false;
    }
    this.#handler.onMessageComplete(trailers);
    if (this.upgrade) {
      this.stopped = true;
      this.state = DEAD;
      this.stopAt = pos;
      return -2;
    }
    const keepAlive = this.#shouldKeepAlive();
    this.flags = 0;
    this.finishMode = Finish.SAFE;
    let next = START;
    if (keepAlive) {
      this.length = this.clHi = this.clLo = 0;
    } else if (!this.lenient) {
      // llhttp's lenient restart keeps content_length: a body-less message's
      // Content-Length digits carry into the next one's. Kept for parity.
      next = CLOSED;
    }
    if (this.pausing) {
      this.state = next;
      this.stopAt = pos;
      return -2;
    }
    return next;
  }

  /** A chunk-size line is complete: llhttp's on_chunk_header. */
  #chunkHeader(): number {
    this.headerBytes = this.extBytes = 0;
    if (this.length !== 0) return State.CHUNK_DATA;
    this.flags |= Flag.TRAILING;
    this.pairs = [];
    return FIELD_START;
  }

  /**
   * Runs body states over `data[i:end)`; returns like `runHead`: `end`, or
   * earlier when a head state is next; -1 on failure; -2 to stop.
   */
  #runBody(data: Uint8Array, i: number, end: number): number {
    let state = this.state;
    let mark = this.spanOpen ? i : -1;
    const lenient = this.lenient;
    let c = 0;

    while (i < end) {
      switch (state) {
        case State.BODY:
        case State.CHUNK_DATA: {
          const n = Math.min(this.length, end - i);
          this.#handler.onBody(data, i, i + n);
          i += n;
          this.length -= n;
          if (this.length !== 0) continue;
          this.clHi = this.clLo = 0;
          if (state === State.CHUNK_DATA) {
            state = State.CHUNK_DATA_END;
            continue;
          }
          state = this.#messageDone(i);
          if (state < 0) return state;
          this.state = state;
          return i;
        }

        case State.BODY_EOF:
          this.#handler.onBody(data, i, end);
          i = end;
          continue;

        case State.CHUNK_SIZE_START:
          c = HEX[data[i]];
          if (c < 0) {
            return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
          }
          this.length = c;
          this.clHi = this.clLo = 0;
          this.#hexDigits = c === 0 ? 0 : 1;
          i++;
          state = State.CHUNK_SIZE;
          continue;

        case State.CHUNK_SIZE:
          c = HEX[data[i]];
          if (c < 0) {
            state = State.CHUNK_SIZE_WS;
            continue;
          }
          i++;
          // llhttp's size is a uint64: a 17th significant hex digit overflows it.
          if ((this.#hexDigits !== 0 || c !== 0) && ++this.#hexDigits > 16) {
            return this.fail("HPE_INVALID_CHUNK_SIZE", "Chunk size overflow", i);
          }
          this.length = this.length * 16 + c;
          continue;

        case State.CHUNK_SIZE_WS:
          c = data[i];
          if (c === CR) {
            i++;
            state = State.CHUNK_SIZE_LF;
          } else if (c === SP || c === HTAB) {
            if (!lenient) {
              return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i + 1);
            }
            i++;
          } else if (c === LF) {
            if (!lenient) {
              return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk size", i + 1);
            }
            i++;
            state = State.CHUNK_SIZE_LF;
          } else if (c === 0x3b) {
            i++;
            state = State.CHUNK_EXT_START;
          } else {
            return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
          }
          continue;

        case State.CHUNK_SIZE_LF:
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected LF after chunk size", i);
          state = this.#chunkHeader();
          if (state < BODY_STATES) {
            this.state = state;
            return i;
          }
          continue;

        case State.CHUNK_EXT_START:
          c = data[i];
          if (c === SP || c === CR) {
            return this.fail("HPE_STRICT", "Invalid character in chunk extensions", i + 1);
          }
          mark = i;
          this.span = Span.EXT;
          state = State.CHUNK_EXT_NAME;
          continue;

        case State.CHUNK_EXT_NAME:
        case State.CHUNK_EXT_VALUE: {
          const isName = state === State.CHUNK_EXT_NAME;
          i = scanToken(data, i, end);
          if (i === end) continue;
          c = data[i];
          if (c === 0x22 && !isName) {
            i++;
            state = State.CHUNK_EXT_QUOTED;
            continue;
          }
          if (c === 0x3d && isName) {
            if (!this.endSpan(data, mark, i, i + 1)) return -1;
            mark = -1;
            i++;
            state = State.CHUNK_EXT_VALUE_START;
            continue;
          }
          const what = isName ? "name" : "value";
          if (c === LF) {
            if (!this.endSpan(data, mark, i, i)) return -1;
            mark = -1;
            if (!lenient) {
              return this.fail(
                "HPE_CR_EXPECTED",
                `Missing expected CR after chunk extension ${what}`,
                i,
              );
            }
            state = State.CHUNK_SIZE_LF;
            continue;
          }
          if (!this.endSpan(data, mark, i, i + 1)) return -1;
          mark = -1;
          if (c === 0x3b || c === CR) {
            i++;
            state = c === CR ? State.CHUNK_SIZE_LF : State.CHUNK_EXT_START;
            continue;
          }
          return this.fail("HPE_STRICT", `Invalid character in chunk extensions ${what}`, i + 1);
        }

        case State.CHUNK_EXT_VALUE_START:
          mark = i;
          this.span = Span.EXT;
          state = State.CHUNK_EXT_VALUE;
          continue;

        case State.CHUNK_EXT_QUOTED:
          while (i < end && QDTEXT[data[i]] === 1) i++;
          if (i === end) continue;
          c = data[i++];
          if (c === 0x22) {
            if (!this.endSpan(data, mark, i, i)) return -1;
            mark = -1;
            state = State.CHUNK_EXT_QDONE;
          } else if (c === 0x5c) {
            state = State.CHUNK_EXT_QPAIR;
          } else {
            if (!this.endSpan(data, mark, i - 1, i)) return -1;
            return this.fail("HPE_STRICT", "Invalid character in chunk extensions quoted value", i);
          }
          continue;

        case State.CHUNK_EXT_QPAIR:
          if (QPAIR[data[i]] === 0) {
            if (!this.endSpan(data, mark, i, i + 1)) return -1;
            return this.fail(
              "HPE_STRICT",
              "Invalid quoted-pair in chunk extensions quoted value",
              i + 1,
            );
          }
          i++;
          state = State.CHUNK_EXT_QUOTED;
          continue;

        case State.CHUNK_EXT_QDONE:
          c = data[i];
          if (c === 0x3b) {
            i++;
            state = State.CHUNK_EXT_START;
          } else if (c === CR) {
            i++;
            state = State.CHUNK_SIZE_LF;
          } else if (c === LF && lenient) {
            state = State.CHUNK_SIZE_LF;
          } else if (c === LF) {
            return this.fail(
              "HPE_CR_EXPECTED",
              "Missing expected CR after chunk extension value",
              i,
            );
          } else {
            return this.fail("HPE_STRICT", "Invalid character in chunk extensions quote value", i);
          }
          continue;

        case State.CHUNK_DATA_END:
          c = data[i];
          if (c === CR) {
            i++;
            state = State.CHUNK_DATA_LF;
            continue;
          }
          if (c === LF) {
            if (!lenient) {
              return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk data", i + 1);
            }
            i++;
          } else if (!lenient) {
            return this.fail("HPE_STRICT", "Expected LF after chunk data", i);
          }
          this.headerBytes = 0;
          state = State.CHUNK_SIZE_START;
          continue;

        case State.CHUNK_DATA_LF:
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected LF after chunk data", i);
          this.headerBytes = 0;
          state = State.CHUNK_SIZE_START;
          continue;

        default:
          return -1;
      }
    }

    this.state = state;
    return this.suspend(data, mark, end);
  }
}
