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
  Finish,
  Flag,
  HEADER_STATES,
  type ParseError,
  parseError,
  Span,
  START,
} from "./parser_core.ts";
import { BODY_BY_EOF, BODY_BY_LENGTH, BodyParser, CHUNKED_BODY } from "./parser_body.ts";
import { trimValues } from "./parser_bytes.ts";

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
  /**
   * llhttp's relaxed header-value leniency (Node's `httpValidation:
   * 'relaxed'`): header and trailer values may also hold control characters
   * other than NUL, CR and LF. Nothing else is relaxed.
   */
  relaxed?: boolean;
}

/** Handed to `onMessageComplete` when a message has no trailers. */
const NO_TRAILERS: string[] = Object.freeze([]) as unknown as string[];
/** `pairs` between sections: frozen, so a push outside a section throws. */
const NO_PAIRS: string[] = Object.freeze([]) as unknown as string[];

/** Incremental HTTP/1.x request or response parser (see the module doc). */
export class HTTPParser extends BodyParser {
  #handler: ParserHandler;

  constructor(kind: ParserKind, handler: ParserHandler, options?: ParserOptions) {
    super(kind, options?.maxHeaderSize ?? 16384, options?.lenient ?? false);
    this.relaxed = options?.relaxed ?? false;
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
    this.relaxed = options.relaxed ?? false;
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
    this.pairs = NO_PAIRS;
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
        : this.runBody(data, i, end);
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

  protected body(data: Uint8Array, start: number, end: number): void {
    this.#handler.onBody(data, start, end);
  }

  /** The blank line after a head or trailer section was read; `pos` is past it. */
  protected headersEnd(_data: Uint8Array, pos: number): number {
    if ((this.flags & Flag.TRAILING) !== 0) {
      this.headerBytes = 0;
      return this.messageDone(pos);
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

  /**
   * Lets go of what a section handed out. The strings are slices of the
   * text decoded from the whole call, so holding one would hold that text:
   * an idle keep-alive connection would keep its last request's head alive.
   * Each head and trailer section starts a fresh array of its own.
   */
  #release(): void {
    this.pairs = NO_PAIRS;
    this.url = "";
    this.statusMessage = "";
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
    this.#release();
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
      return this.messageDone(pos);
    }
    if (
      (f & Flag.SKIPBODY) !== 0 ||
      (isRes && (s === 100 || s === 102 || s === 103 || s === 204 || s === 304))
    ) {
      return this.messageDone(pos);
    }
    if ((f & Flag.CHUNKED) !== 0) return CHUNKED_BODY;
    if ((f & Flag.TRANSFER_ENCODING) !== 0) {
      if (!isRes && !this.lenient) {
        return this.fail(
          "HPE_INVALID_TRANSFER_ENCODING",
          "Request has invalid `Transfer-Encoding`",
          pos,
        );
      }
      this.finishMode = Finish.SAFE_WITH_CB;
      return BODY_BY_EOF;
    }
    if ((f & Flag.CONTENT_LENGTH) === 0) {
      if (!this.#needsEof()) return this.messageDone(pos);
      this.finishMode = Finish.SAFE_WITH_CB;
      return BODY_BY_EOF;
    }
    return this.length === 0 ? this.messageDone(pos) : BODY_BY_LENGTH;
  }

  /** The message is complete at `pos`: next state, or -2 to stop there. */
  protected messageDone(pos: number): number {
    const trailers = (this.flags & Flag.TRAILING) !== 0 ? this.pairs : NO_TRAILERS;
    if (this.trimLater) {
      trimValues(trailers);
      this.trimLater = false;
    }
    this.#handler.onMessageComplete(trailers);
    this.#release();
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
}
