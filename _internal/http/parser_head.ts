/**
 * The header phase of the HTTP/1 parser: header and trailer fields, with
 * llhttp's states, errors and error positions, and what the special headers
 * (Content-Length, Transfer-Encoding, Connection, Upgrade) mean for the
 * message. See `parser.ts` for the parser as a whole.
 *
 * @module
 */

import {
  classifyField,
  CONN_TOKEN,
  connectionTokens,
  CR,
  FIELD_CONNECTION,
  FIELD_CONTENT_LENGTH,
  FIELD_TRANSFER_ENCODING,
  FIELD_UPGRADE,
  HTAB,
  isChunked,
  LF,
  lineEndsAt,
  scanToken,
  scanValue,
  SP,
} from "./parser_bytes.ts";
import { BODY_STATES, Flag, HEADER_STATES, Span } from "./parser_core.ts";
import { LineParser } from "./parser_line.ts";

/** Which special header the current field is. */
const enum Hdr {
  GENERAL = 0,
  CONNECTION = FIELD_CONNECTION,
  CONTENT_LENGTH = FIELD_CONTENT_LENGTH,
  TRANSFER_ENCODING = FIELD_TRANSFER_ENCODING,
  UPGRADE = FIELD_UPGRADE,
  TE_CHUNKED = 5,
}

/** Header states; HEADERS_START and FIELD_START have the numbers `parser_core.ts` gives them. */
const enum State {
  HEADERS_START = 40,
  FIELD_START = 41,
  FIELD,
  FIELD_COLON_WS,
  VALUE_WS,
  VALUE_WS_LF,
  VALUE_EMPTY_LWS,
  VALUE,
  VALUE_LENIENT,
  VALUE_CL,
  VALUE_CL_WS,
  VALUE_TE,
  VALUE_TE_LAST,
  VALUE_TE_TOKEN,
  VALUE_TE_OWS,
  VALUE_LF,
  VALUE_LWS,
  HEADERS_LF,
}

const CHUNKED = "chunked";

/**
 * Bit n is set when a special header name (see classifyField) has n bytes.
 * Kept in this module: Bun reads an imported binding in a hot loop slower.
 */
const SPECIAL_NAME_LENGTHS = (1 << 7) | (1 << 10) | (1 << 14) | (1 << 16) | (1 << 17);

/** The header phase; extended by `HTTPParser`. */
export abstract class HeadParser extends LineParser {
  /** Start of the open span in this call, handed back by headerLines(). */
  private mark = -1;

  /**
   * The blank line after a head or trailer section was read (`pos` is past
   * it): returns the next state, or < 0 to stop.
   */
  protected abstract headersEnd(data: Uint8Array, pos: number): number;

  /** A header field name ended at `end`: the checks llhttp makes at the colon. */
  private fieldDone(data: Uint8Array, mark: number, end: number, afterSpaces: boolean): number {
    let h = this.hstate;
    if (!afterSpaces) {
      h = this.scratchLen === 0
        ? classifyField(data, mark, end)
        : classifyField(this.spanCopy(data, mark, end), 0, this.scratchLen + end - mark);
    }
    if (!this.endSpan(data, mark, end, end + 1)) return -1;
    this.hstate = h;
    if (h === Hdr.TRANSFER_ENCODING) {
      if ((this.flags & Flag.CONTENT_LENGTH) !== 0 && !this.lenient) {
        return this.fail(
          "HPE_INVALID_TRANSFER_ENCODING",
          "Transfer-Encoding can't be present with Content-Length",
          end + 1,
        );
      }
    } else if (h === Hdr.CONTENT_LENGTH) {
      if ((this.flags & Flag.TRANSFER_ENCODING) !== 0 && !this.lenient) {
        return this.fail(
          "HPE_INVALID_CONTENT_LENGTH",
          "Content-Length can't be present with Transfer-Encoding",
          end + 1,
        );
      }
    }
    return State.VALUE_WS;
  }

  /** The first byte of a header value, at `pos`: llhttp's header_value_start. */
  private valueStart(pos: number): number {
    switch (this.hstate) {
      case Hdr.UPGRADE:
        this.flags |= Flag.UPGRADE;
        this.hstate = Hdr.GENERAL;
        return State.VALUE;
      case Hdr.TRANSFER_ENCODING:
        if ((this.flags & Flag.CHUNKED) !== 0 && this.type === 0 && !this.lenient) {
          if (!this.count(pos, pos, pos + 1)) return -1;
          return this.fail(
            "HPE_INVALID_TRANSFER_ENCODING",
            "Invalid `Transfer-Encoding` header value",
            pos + 1,
          );
        }
        this.flags = (this.flags | Flag.TRANSFER_ENCODING) & ~Flag.CHUNKED;
        this.seq = 0;
        return State.VALUE_TE;
      case Hdr.CONTENT_LENGTH:
        if ((this.flags & Flag.CONTENT_LENGTH) !== 0) {
          return this.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length", pos);
        }
        return State.VALUE_CL;
    }
    return State.VALUE;
  }

  /** A header value ended at `end`; false on failure. */
  private valueDone(data: Uint8Array, mark: number, end: number, errPos: number): boolean {
    if (this.hstate === Hdr.CONNECTION) {
      this.flags |= this.scratchLen === 0
        ? connectionTokens(data, mark, end)
        : connectionTokens(this.spanCopy(data, mark, end), 0, this.scratchLen + end - mark);
    }
    // Trailing spaces and tabs leave the value here, before it becomes a
    // string, when it is in this call's bytes and no obs-fold line may still
    // extend it (lenient mode); other values are trimmed as strings later.
    const whole = this.scratchLen === 0 && !this.lenient;
    if (!whole) this.trimLater = true;
    if (!this.endSpan(data, mark, end, errPos)) return false;
    if (whole) {
      let e = end;
      while (e > mark && ((data[e - 1] === SP) || data[e - 1] === HTAB)) e--;
      if (e !== end) this.trimLastSpan(e);
    }
    return true;
  }

  /** A header line is complete: llhttp's setHeaderFlags. */
  private lineDone(): void {
    if (this.hstate === Hdr.TE_CHUNKED) this.flags |= Flag.CHUNKED;
    this.hstate = Hdr.GENERAL;
    this.span = Span.NONE;
  }

  /** Adds a Content-Length digit; false on overflow past 2^64 - 1. */
  private clDigit(d: number): boolean {
    const lo = this.clLo * 10 + d;
    const hi = this.clHi * 10 + Math.floor(lo / 1e10);
    this.clLo = lo % 1e10;
    this.clHi = hi;
    if (hi > 1844674407 || (hi === 1844674407 && this.clLo > 3709551615)) return false;
    this.length = hi * 1e10 + this.clLo;
    return true;
  }

  /**
   * The FIELD_START state, taking whole `name: value` lines in one go while
   * the call holds them. Lines of headers with no special meaning run in a
   * loop of their own; anything unusual is left to the general states at the
   * byte where it shows, so errors come out exactly as they would there.
   * Returns the position reached with `state` and `mark` set, or -1.
   */
  private headerLines(data: Uint8Array, i: number, end: number): number {
    this.mark = -1;
    this.hstate = Hdr.GENERAL;
    const lenient = this.lenient;
    const max = this.maxHeaderSize;
    let used = this.headerBytes;
    let c = 0;
    for (;;) {
      c = data[i];
      if (c === CR || c === LF || c === 0x3a) break;
      const field = i;
      i = scanToken(data, i, end);
      if (i === end || data[i] !== 0x3a) {
        this.headerBytes = used;
        this.mark = field;
        this.span = Span.FIELD;
        this.state = State.FIELD;
        return i;
      }
      const colon = i;
      if (
        ((SPECIAL_NAME_LENGTHS >> (colon - field)) & 1) !== 0 &&
        classifyField(data, field, colon) !== 0
      ) {
        // Content-Length, Transfer-Encoding, Connection, Upgrade: the general path.
        this.headerBytes = used;
        i = this.specialLine(data, field, colon, end);
        if (i < 0 || this.state !== State.FIELD_START) return i;
        used = this.headerBytes;
        continue;
      }
      used += colon - field;
      if (used >= max) {
        this.headerBytes = used;
        return this.fail("HPE_HEADER_OVERFLOW", "Header overflow", colon + 1);
      }
      i++;
      while (i < end && ((c = data[i]) === SP || c === HTAB)) i++;
      if (i === end || c === CR || c === LF) {
        this.pushSpan(field, colon, Span.FIELD);
        this.headerBytes = used;
        this.state = State.VALUE_WS;
        return i;
      }
      const value = i;
      i = scanValue(data, i, end);
      if (i + 2 >= end || data[i] !== CR || data[i + 1] !== LF) {
        this.pushSpan(field, colon, Span.FIELD);
        this.headerBytes = used;
        this.mark = value;
        this.span = Span.VALUE;
        this.state = State.VALUE;
        return i;
      }
      used += i - value;
      if (used >= max) {
        this.headerBytes = used;
        return this.fail("HPE_HEADER_OVERFLOW", "Header overflow", i + 1);
      }
      let e = i;
      if (lenient) {
        // An obs-fold line may still extend the value: trimmed as a string later.
        this.trimLater = true;
      } else {
        while ((c = data[e - 1]) === SP || c === HTAB) e--;
      }
      this.pushPair(field, colon, value, e);
      i += 2;
      c = data[i];
      if (c === SP || c === HTAB) {
        this.headerBytes = used;
        this.state = State.VALUE_LWS;
        return i;
      }
    }
    this.headerBytes = used;
    if (c === CR || (c === LF && lenient)) {
      if (c === CR) i++;
      this.state = State.HEADERS_LF;
      return i;
    }
    if (c === LF) {
      return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", i + 1);
    }
    return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", i);
  }

  /**
   * A line of a header llhttp treats specially, from the colon after its
   * name on, as far as the call holds it. Returns like `headerLines`; the
   * state is FIELD_START again when the whole line was taken.
   */
  private specialLine(data: Uint8Array, field: number, i: number, end: number): number {
    this.mark = field;
    this.span = Span.FIELD;
    let next = this.fieldDone(data, field, i, false);
    if (next < 0) return -1;
    this.state = next;
    this.mark = -1;
    i++;
    let c = 0;
    while (i < end && ((c = data[i]) === SP || c === HTAB)) i++;
    if (i === end || c === CR || c === LF) return i;
    this.mark = i;
    this.span = Span.VALUE;
    next = this.valueStart(i);
    if (next < 0) return -1;
    this.state = next;
    const value = i;
    if (next === State.VALUE) {
      i = scanValue(data, i, end);
      if (i + 2 >= end || data[i] !== CR || data[i + 1] !== LF) return i;
    } else if (next === State.VALUE_TE) {
      // Just "chunked": what VALUE_TE and VALUE_TE_LAST do with it.
      if (!lineEndsAt(data, i + CHUNKED.length, end) || !isChunked(data, i)) return i;
      this.hstate = Hdr.TE_CHUNKED;
      i += CHUNKED.length;
    } else if (next === State.VALUE_CL) {
      // Just digits, too few to overflow: what VALUE_CL and VALUE_CL_WS do with them.
      let j = i;
      while (j < end && j - i < 15 && ((data[j] - 0x30) >>> 0) <= 9) j++;
      if (j === i || !lineEndsAt(data, j, end)) return i;
      while (i < j) this.clDigit(data[i++] - 0x30);
      this.flags |= Flag.CONTENT_LENGTH;
    } else {
      return i;
    }
    if (!this.valueDone(data, value, i, i + 1)) return -1;
    this.mark = -1;
    i += 2;
    c = data[i];
    if (c === SP || c === HTAB) {
      this.state = State.VALUE_LWS;
      return i;
    }
    this.lineDone();
    this.state = State.FIELD_START;
    return i;
  }

  /**
   * Runs header states over `data[i:end)`. Returns where it got to, with
   * `state` saved: `end`, or earlier when another phase is next; -1 on
   * failure; -2 to stop at `stopAt`.
   */
  protected runHeaders(data: Uint8Array, i: number, end: number): number {
    let state = this.state;
    let mark = this.spanOpen ? i : -1;
    const lenient = this.lenient;
    let c = 0;

    while (i < end) {
      switch (state) {
        case State.HEADERS_START:
          if (data[i] === SP) {
            if (!lenient) {
              return this.fail("HPE_UNEXPECTED_SPACE", "Unexpected space after start line", i + 1);
            }
            i++;
          }
          state = State.FIELD_START;
          continue;

        case State.FIELD_START:
          i = this.headerLines(data, i, end);
          if (i < 0) return -1;
          state = this.state;
          mark = this.mark;
          continue;

        case State.FIELD:
          i = scanToken(data, i, end);
          if (i === end) continue;
          c = data[i];
          if (c === 0x3a) {
            state = this.fieldDone(data, mark, i, false);
            if (state < 0) return -1;
            mark = -1;
            i++;
            continue;
          }
          if (c === SP) {
            const h = this.scratchLen === 0
              ? classifyField(data, mark, i)
              : classifyField(this.spanCopy(data, mark, i), 0, this.scratchLen + i - mark);
            if (h !== Hdr.GENERAL) {
              if (!lenient) {
                if (!this.endSpan(data, mark, i, i + 1)) return -1;
                return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header field char", i + 1);
              }
              this.hstate = h;
              i++;
              state = State.FIELD_COLON_WS;
              continue;
            }
          }
          return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", i);

        case State.FIELD_COLON_WS:
          // Lenient only: spaces before the colon stay in the name, as in Node.
          c = data[i];
          if (c === SP) {
            i++;
          } else if (c === 0x3a) {
            state = this.fieldDone(data, mark, i, true);
            if (state < 0) return -1;
            mark = -1;
            i++;
          } else {
            this.hstate = Hdr.GENERAL;
            state = State.FIELD;
          }
          continue;

        case State.VALUE_WS:
          c = data[i];
          if (c === SP || c === HTAB) {
            i++;
          } else if (c === CR) {
            i++;
            state = State.VALUE_WS_LF;
          } else if (c === LF) {
            if (!lenient) {
              return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i + 1);
            }
            i++;
            state = State.VALUE_EMPTY_LWS;
          } else {
            mark = i;
            this.span = Span.VALUE;
            state = this.valueStart(i);
            if (state < 0) return -1;
          }
          continue;

        case State.VALUE_WS_LF:
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected LF after CR", i);
          state = State.VALUE_EMPTY_LWS;
          continue;

        case State.VALUE_EMPTY_LWS:
          c = data[i];
          if (c === SP || c === HTAB) {
            if (!lenient) {
              return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i + 1);
            }
            i++;
            state = State.VALUE_WS;
            continue;
          }
          if (this.hstate === Hdr.CONTENT_LENGTH) {
            return this.fail("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", i);
          }
          this.span = Span.VALUE;
          this.endSpan(data, i, i, i);
          this.lineDone();
          state = State.FIELD_START;
          continue;

        case State.VALUE:
          i = scanValue(data, i, end);
          if (i === end) continue;
          c = data[i];
          if (c === CR) {
            if (!this.valueDone(data, mark, i, i + 1)) return -1;
            mark = -1;
            i++;
            state = State.VALUE_LF;
            continue;
          }
          if (c === LF) {
            if (!this.valueDone(data, mark, i, i)) return -1;
            mark = -1;
            if (!lenient) {
              return this.fail("HPE_CR_EXPECTED", "Missing expected CR after header value", i);
            }
            state = State.VALUE_LF;
            continue;
          }
          if (c > 0x7f) {
            i++;
            continue;
          }
          if (!lenient) {
            // Relaxed: any control byte but NUL (CR and LF were taken above).
            if (c !== 0 && this.relaxed) {
              i++;
              continue;
            }
            if (!this.count(mark, i, i)) return -1;
            return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i);
          }
          state = State.VALUE_LENIENT;
          continue;

        case State.VALUE_LENIENT:
          while (i < end && (c = data[i]) !== CR && c !== LF) i++;
          if (i === end) continue;
          if (!this.valueDone(data, mark, i, c === CR ? i + 1 : i)) return -1;
          mark = -1;
          if (c === CR) i++;
          state = State.VALUE_LF;
          continue;

        case State.VALUE_CL:
          c = data[i] - 0x30;
          if (c >= 0 && c <= 9) {
            i++;
            if (!this.clDigit(c)) {
              if (!this.count(mark, i, i)) return -1;
              return this.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", i);
            }
            continue;
          }
          state = State.VALUE_CL_WS;
          continue;

        case State.VALUE_CL_WS:
          c = data[i];
          if (c === SP) {
            i++;
            continue;
          }
          if (c === CR || c === LF) {
            this.flags |= Flag.CONTENT_LENGTH;
            state = State.VALUE;
            continue;
          }
          if (!this.count(mark, i, i)) return -1;
          return this.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length", i);

        case State.VALUE_TE:
          if ((data[i] | 0x20) === CHUNKED.charCodeAt(this.seq)) {
            i++;
            if (++this.seq === CHUNKED.length) state = State.VALUE_TE_LAST;
          } else {
            state = State.VALUE_TE_TOKEN;
          }
          continue;

        case State.VALUE_TE_LAST:
          c = data[i];
          if (c === SP) {
            i++;
          } else if (c === CR || c === LF) {
            this.hstate = Hdr.TE_CHUNKED;
            state = State.VALUE;
          } else if (c === 0x2c) {
            if (this.type === 0 && !lenient) {
              if (!this.count(mark, i, i + 1)) return -1;
              return this.fail(
                "HPE_INVALID_TRANSFER_ENCODING",
                "Invalid `Transfer-Encoding` header value",
                i + 1,
              );
            }
            this.seq = 0;
            state = State.VALUE_TE;
          } else {
            state = State.VALUE_TE_TOKEN;
          }
          continue;

        case State.VALUE_TE_TOKEN:
          while (i < end && (c = data[i]) !== 0x2c && CONN_TOKEN[c] === 1) i++;
          if (i === end) continue;
          if (c === 0x2c) {
            i++;
            state = State.VALUE_TE_OWS;
          } else {
            this.hstate = Hdr.GENERAL;
            state = State.VALUE;
          }
          continue;

        case State.VALUE_TE_OWS:
          c = data[i];
          if (c === SP || c === HTAB) {
            i++;
          } else {
            this.seq = 0;
            state = State.VALUE_TE;
          }
          continue;

        case State.VALUE_LF:
          if (data[i] !== LF) {
            return this.fail("HPE_LF_EXPECTED", "Missing expected LF after header value", i);
          }
          i++;
          state = State.VALUE_LWS;
          continue;

        case State.VALUE_LWS:
          c = data[i];
          if (c === SP || c === HTAB) {
            if (!lenient) {
              return this.fail(
                "HPE_INVALID_HEADER_TOKEN",
                "Unexpected whitespace after header value",
                i,
              );
            }
            if (this.hstate === Hdr.TE_CHUNKED) this.hstate = Hdr.GENERAL;
            mark = i;
            this.span = Span.VALUE_MORE;
            state = this.valueStart(i);
            if (state < 0) return -1;
            continue;
          }
          this.lineDone();
          state = State.FIELD_START;
          continue;

        case State.HEADERS_LF:
          if (data[i] === LF) i++;
          else if (!lenient) return this.fail("HPE_STRICT", "Expected LF after headers", i);
          this.materialise(data);
          state = this.headersEnd(data, i);
          if (state < 0) return state;
          if (state < HEADER_STATES || state >= BODY_STATES) {
            this.state = state;
            return i;
          }
          continue;
        default:
          return -1;
      }
    }

    this.state = state;
    return this.suspend(data, mark, end);
  }
}
