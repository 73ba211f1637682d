/**
 * The start-line phase of the HTTP/1 parser: request lines (method, target,
 * version) and status lines, with llhttp's states, errors and error
 * positions. See `parser.ts` for the parser as a whole.
 *
 * @module
 */

import {
  METHOD_CLASS,
  METHOD_NAME,
  METHOD_PROTO,
  METHOD_TRIE,
  METHOD_TRIE_WIDTH,
  PROTO_HTTP,
  PROTO_ICE,
  PROTO_RTSP,
} from "./methods.ts";
import { ALPHA, CR, HTAB, LF, scanUrl, SERVER_CHAR, SP, word } from "./parser_bytes.ts";
import { Finish, HEADERS_START, ParserCore, Span } from "./parser_core.ts";

/** Start-line states; START, CLOSED and DEAD have the numbers `parser_core.ts` gives them. */
const enum State {
  START = 0,
  CLOSED = 1,
  DEAD = 2,
  METHOD,
  METHOD_SP,
  URL_SPACES,
  URL_START,
  URL_SCHEMA,
  URL_SLASHES,
  URL_SERVER,
  URL_SERVER_AT,
  URL_PATH,
  URL_QUERY,
  URL_FRAGMENT,
  URL_LF,
  URL_AFTER,
  URL_AFTER_09,
  REQ_PROTO_START,
  PROTO,
  PROTO_SLASH,
  MAJOR,
  DOT,
  MINOR,
  REQ_LINE_END,
  REQ_LINE_LF,
  PRI,
  RES_SP,
  STATUS_CODE,
  RES_AFTER_CODE,
  RES_STATUS_START,
  RES_STATUS,
  RES_LINE_LF,
}

const PROTO_NAMES = ["HTTP", "RTSP", "ICE"];
/** "HTTP", "/1.1" and "/1.0" as big-endian words. */
const HTTP_WORD = 0x48545450;
const VERSION_1_1 = 0x2f312e31;
const VERSION_1_0 = 0x2f312e30;
const PRI_PREFACE = "\r\n\r\nSM\r\n\r\n";

/** The start-line phase; extended by the header phase. */
export abstract class LineParser extends ParserCore {
  /** A message begins: llhttp's on_message_begin. */
  private begin(pos: number): void {
    this.headAt = pos;
    this.finishMode = Finish.UNSAFE;
    this.upgrade = false;
    this.pairs = [];
    this.url = "";
    this.statusMessage = "";
    this.flags = 0;
    this.seq = 0;
  }

  /** Error for a byte that ends no URL state validly. */
  private urlError(c: number, pos: number, reason: string): number {
    if (c === HTAB || c === 12 || c === SP || c === CR || c === LF) {
      return this.fail("HPE_INVALID_URL", "Invalid characters in url", pos + 1);
    }
    return this.fail("HPE_INVALID_URL", reason, pos);
  }

  /** The request target ends at `pos` with a space, CR or LF. */
  private urlDone(data: Uint8Array, mark: number, pos: number): number {
    if (!this.endSpan(data, mark, pos, pos)) return -1;
    const c = data[pos];
    if (c === SP) return State.URL_AFTER;
    this.major = 0;
    this.minor = 9;
    return c === CR ? State.URL_LF : State.URL_AFTER_09;
  }

  /** The minor version digit was read; `pos` is just past it. */
  private versionDone(pos: number): number {
    const ma = this.major;
    const mi = this.minor;
    if (
      !this.lenient &&
      !((ma === 1 && (mi === 0 || mi === 1)) || (ma === 0 && mi === 9) || (ma === 2 && mi === 0))
    ) {
      return this.fail("HPE_INVALID_VERSION", "Invalid HTTP version", pos);
    }
    if (this.type === 1) return State.RES_SP;
    if (this.method === "PRI") {
      this.seq = 0;
      return State.PRI;
    }
    return State.REQ_LINE_END;
  }

  /** The protocol name of a request line was read; `pos` is just past it. */
  private requestProtoDone(pos: number): number {
    const proto = this.proto === 0 ? PROTO_HTTP : this.proto === 1 ? PROTO_RTSP : PROTO_ICE;
    if ((this.methodProto & proto) !== 0) return State.PROTO_SLASH;
    const reason = proto === PROTO_HTTP
      ? "Invalid method for HTTP/x.x request"
      : proto === PROTO_RTSP
      ? "Invalid method for RTSP/x.x request"
      : "Expected SOURCE method for ICE/x.x request";
    return this.fail("HPE_INVALID_CONSTANT", reason, pos);
  }

  /** Ends the phase: the start line is complete at `pos`. */
  private lineEnd(pos: number): number {
    this.state = HEADERS_START;
    return pos;
  }

  /**
   * A request line of the usual shape at `i` (a method, one space, an
   * origin-form target, one space, `HTTP/1.1` or `HTTP/1.0`, CRLF), taken
   * in one go with what the states below would do with it. Returns the
   * position past it with the header phase next; `end` with the target's
   * state saved when the call ends inside the target; -1 on failure (the
   * target's size counted against the limit); or 0, having changed nothing,
   * for anything else.
   */
  private requestLine(data: Uint8Array, i: number, end: number): number {
    let node = 0;
    let j = i;
    while (j < end) {
      const cls = METHOD_CLASS[data[j]];
      const next = cls < 0 ? 0 : METHOD_TRIE[node * METHOD_TRIE_WIDTH + cls];
      if (next === 0) break;
      node = next;
      j++;
    }
    const proto = METHOD_PROTO[node];
    if ((proto & PROTO_HTTP) === 0 || j + 2 >= end || data[j] !== SP || data[j + 1] !== 0x2f) {
      return 0;
    }
    const method = METHOD_NAME[node];
    if (method === "CONNECT" || method === "PRI") return 0;
    const url = j + 1;
    let state = State.URL_PATH;
    let k = scanUrl(data, url, end);
    while (k < end) {
      const c = data[k];
      if (c === 0x3f) {
        if (state === State.URL_PATH) state = State.URL_QUERY;
      } else if (c === 0x23) {
        state = State.URL_FRAGMENT;
      } else {
        break;
      }
      k = scanUrl(data, k + 1, end);
    }
    let v = 0;
    if (k < end) {
      if (k + 11 > end || data[k] !== SP || word(data, k + 1) !== HTTP_WORD) return 0;
      v = word(data, k + 5);
      if ((v !== VERSION_1_1 && v !== VERSION_1_0) || data[k + 9] !== CR || data[k + 10] !== LF) {
        return 0;
      }
    }
    this.method = method;
    this.methodProto = proto;
    this.isConnect = false;
    this.seq = node;
    this.span = Span.URL;
    if (k === end) {
      // The target goes on in the next call: its state, as METHOD and the URL states leave it.
      this.state = state;
      return this.suspend(data, url, end);
    }
    if (!this.endSpan(data, url, k, k)) return -1;
    this.seq = 0;
    this.major = 1;
    this.minor = v === VERSION_1_1 ? 1 : 0;
    return this.lineEnd(k + 11);
  }

  /**
   * Runs start-line states over `data[i:end)`. Returns where it got to, with
   * `state` saved: `end`, or earlier when the header phase is next; -1 on
   * failure; -2 to stop at `stopAt`.
   */
  protected runLine(data: Uint8Array, i: number, end: number): number {
    let state = this.state;
    let mark = this.spanOpen ? i : -1;
    const lenient = this.lenient;
    let c = 0;

    while (i < end) {
      switch (state) {
        case State.START:
          if (this.pausing) {
            this.state = state;
            this.stopAt = i;
            return -2;
          }
          c = data[i];
          if (c === CR || c === LF) {
            i++;
            continue;
          }
          this.begin(i);
          if (this.type === 0) {
            const next = this.requestLine(data, i, end);
            if (next !== 0) return next;
          }
          state = this.type === 0 ? State.METHOD : State.PROTO;
          continue;

        case State.METHOD: {
          let node = this.seq;
          while (i < end) {
            const cls = METHOD_CLASS[data[i]];
            const next = cls < 0 ? 0 : METHOD_TRIE[node * METHOD_TRIE_WIDTH + cls];
            if (next === 0) break;
            node = next;
            i++;
          }
          this.seq = node;
          if (i === end) continue;
          const proto = METHOD_PROTO[node];
          if (proto === 0) return this.fail("HPE_INVALID_METHOD", "Invalid method encountered", i);
          this.method = METHOD_NAME[node];
          this.methodProto = proto;
          this.isConnect = this.method === "CONNECT";
          state = State.METHOD_SP;
          continue;
        }

        case State.METHOD_SP:
          if (data[i] !== SP) {
            return this.fail("HPE_INVALID_METHOD", "Expected space after method", i);
          }
          i++;
          state = State.URL_SPACES;
          continue;

        case State.URL_SPACES:
          if (data[i] === SP) {
            i++;
            continue;
          }
          mark = i;
          this.span = Span.URL;
          state = this.isConnect ? State.URL_SERVER : State.URL_START;
          continue;

        case State.URL_START:
          c = data[i];
          if (c === 0x2f || c === 0x2a) state = State.URL_PATH;
          else if (ALPHA[c] === 1) state = State.URL_SCHEMA;
          else return this.urlError(c, i, "Unexpected start char in url");
          continue;

        case State.URL_SCHEMA:
          while (i < end && ALPHA[data[i]] === 1) i++;
          if (i === end) continue;
          c = data[i];
          if (c !== 0x3a) return this.urlError(c, i, "Unexpected char in url schema");
          i++;
          this.seq = 0;
          state = State.URL_SLASHES;
          continue;

        case State.URL_SLASHES:
          if (data[i] === 0x2f) {
            i++;
            if (++this.seq === 2) state = State.URL_SERVER;
            continue;
          }
          if (this.seq === 1) {
            return this.fail("HPE_INVALID_URL", "Unexpected char in url schema", i);
          }
          return this.urlError(data[i], i, "Unexpected char in url schema");

        case State.URL_SERVER:
        case State.URL_SERVER_AT:
          while (i < end && SERVER_CHAR[data[i]] === 1) {
            i++;
            state = State.URL_SERVER;
          }
          if (i === end) continue;
          c = data[i];
          if (c === 0x2f) {
            state = State.URL_PATH;
          } else if (c === 0x3f) {
            i++;
            state = State.URL_QUERY;
          } else if (c === 0x40) {
            if (state === State.URL_SERVER_AT) {
              return this.fail("HPE_INVALID_URL", "Double @ in url", i + 1);
            }
            i++;
            state = State.URL_SERVER_AT;
          } else if (c === SP || c === CR || c === LF) {
            state = this.urlDone(data, mark, i);
            if (state < 0) return -1;
            mark = -1;
            i++;
          } else {
            return this.urlError(c, i, "Unexpected char in url server");
          }
          continue;

        case State.URL_PATH:
        case State.URL_QUERY:
        case State.URL_FRAGMENT:
          i = scanUrl(data, i, end);
          if (i === end) continue;
          c = data[i];
          if (c === 0x3f) {
            i++;
            if (state === State.URL_PATH) state = State.URL_QUERY;
          } else if (c === 0x23) {
            i++;
            state = State.URL_FRAGMENT;
          } else if (c === SP || c === CR || c === LF) {
            state = this.urlDone(data, mark, i);
            if (state < 0) return -1;
            mark = -1;
            i++;
          } else {
            return this.urlError(
              c,
              i,
              state === State.URL_PATH
                ? "Invalid char in url path"
                : state === State.URL_QUERY
                ? "Invalid char in url query"
                : "Invalid char in url fragment start",
            );
          }
          continue;

        case State.URL_LF:
          if (data[i] !== LF) return this.fail("HPE_INVALID_URL", "Expected CRLF", i);
          i++;
          state = State.URL_AFTER_09;
          continue;

        // llhttp still rejects a tab or form feed right after the target's end.
        case State.URL_AFTER:
        case State.URL_AFTER_09:
          c = data[i];
          if (c === HTAB || c === 12) {
            return this.fail("HPE_INVALID_URL", "Invalid characters in url", i + 1);
          }
          if (state === State.URL_AFTER_09) return this.lineEnd(i);
          state = State.REQ_PROTO_START;
          continue;

        case State.REQ_PROTO_START:
          if (data[i] === SP) {
            i++;
            continue;
          }
          this.seq = 0;
          state = State.PROTO;
          continue;

        case State.PROTO:
          c = data[i];
          if (this.seq === 0 && i + 8 <= end && word(data, i) === HTTP_WORD) {
            // "HTTP/1.0" or "HTTP/1.1" whole: what the states below would do, in one step.
            const v = word(data, i + 4);
            if (
              (v === VERSION_1_1 || v === VERSION_1_0) &&
              (this.type === 1 || (this.methodProto & PROTO_HTTP) !== 0)
            ) {
              this.major = 1;
              this.minor = v === VERSION_1_1 ? 1 : 0;
              i += 8;
              state = this.versionDone(i);
              continue;
            }
          }
          if (this.seq === 0) {
            this.proto = c === 0x48 ? 0 : c === 0x52 ? 1 : c === 0x49 ? 2 : -1;
            if (this.proto < 0) {
              return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
            }
          } else if (c !== PROTO_NAMES[this.proto].charCodeAt(this.seq)) {
            return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
          }
          i++;
          if (++this.seq < PROTO_NAMES[this.proto].length) continue;
          state = this.type === 0 ? this.requestProtoDone(i) : State.PROTO_SLASH;
          if (state < 0) return -1;
          continue;

        case State.PROTO_SLASH:
          if (data[i] !== 0x2f) {
            return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
          }
          i++;
          state = State.MAJOR;
          continue;

        case State.MAJOR:
          c = data[i] - 0x30;
          if (c < 0 || c > 9) return this.fail("HPE_INVALID_VERSION", "Invalid major version", i);
          this.major = c;
          i++;
          state = State.DOT;
          continue;

        case State.DOT:
          if (data[i] !== 0x2e) return this.fail("HPE_INVALID_VERSION", "Expected dot", i);
          i++;
          state = State.MINOR;
          continue;

        case State.MINOR:
          c = data[i] - 0x30;
          if (c < 0 || c > 9) return this.fail("HPE_INVALID_VERSION", "Invalid minor version", i);
          this.minor = c;
          i++;
          state = this.versionDone(i);
          if (state < 0) return -1;
          continue;

        case State.PRI:
          if (data[i] !== PRI_PREFACE.charCodeAt(this.seq)) {
            return this.fail("HPE_INVALID_VERSION", "Expected HTTP/2 Connection Preface", i);
          }
          i++;
          if (++this.seq === PRI_PREFACE.length) {
            return this.fail("HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade", i);
          }
          continue;

        case State.REQ_LINE_END:
          c = data[i];
          if (c === CR || (c === LF && lenient)) {
            i++;
            state = State.REQ_LINE_LF;
            continue;
          }
          return this.fail(
            "HPE_INVALID_VERSION",
            "Expected CRLF after version",
            c === LF ? i + 1 : i,
          );

        case State.REQ_LINE_LF:
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected CRLF after version", i);
          return this.lineEnd(i);

        case State.RES_SP:
          if (data[i] !== SP) {
            return this.fail("HPE_INVALID_VERSION", "Expected space after version", i);
          }
          i++;
          this.status = 0;
          this.seq = 0;
          state = State.STATUS_CODE;
          continue;

        case State.STATUS_CODE:
          c = data[i] - 0x30;
          if (c < 0 || c > 9) return this.fail("HPE_INVALID_STATUS", "Invalid status code", i);
          this.status = this.status * 10 + c;
          i++;
          if (++this.seq === 3) state = State.RES_AFTER_CODE;
          continue;

        case State.RES_AFTER_CODE:
          c = data[i];
          if (c === SP) {
            i++;
            state = State.RES_STATUS_START;
          } else if (c === CR) {
            i++;
            state = State.RES_LINE_LF;
          } else if (c === LF && lenient) {
            return this.lineEnd(i + 1);
          } else {
            return this.fail("HPE_INVALID_STATUS", "Invalid response status", c === LF ? i + 1 : i);
          }
          continue;

        case State.RES_STATUS_START:
          mark = i;
          this.span = Span.STATUS;
          state = State.RES_STATUS;
          continue;

        case State.RES_STATUS:
          while (i < end) {
            c = data[i];
            if (c === CR || c === LF) break;
            i++;
          }
          if (i === end) continue;
          if (!this.endSpan(data, mark, i, i + 1)) return -1;
          mark = -1;
          if (c === LF && !lenient) {
            return this.fail("HPE_CR_EXPECTED", "Missing expected CR after response line", i + 1);
          }
          i++;
          if (c === LF) return this.lineEnd(i);
          state = State.RES_LINE_LF;
          continue;

        case State.RES_LINE_LF:
          // llhttp 9.3 also took a second CR here; 9.4 and this parser want the LF.
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected LF after CR", i);
          return this.lineEnd(i);

        case State.CLOSED:
          if (this.pausing) {
            this.state = state;
            this.stopAt = i;
            return -2;
          }
          c = data[i];
          if (c === CR || c === LF) {
            i++;
            continue;
          }
          return this.fail("HPE_CLOSED_CONNECTION", "Data after `Connection: close`", i + 1);
        default:
          return -1;
      }
    }

    this.state = state;
    return this.suspend(data, mark, end);
  }
}
