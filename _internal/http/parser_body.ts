/**
 * The body phase of the HTTP/1 parser: bodies delimited by Content-Length,
 * by the end of the connection, or by chunked framing (sizes, extensions,
 * data and the CRLF after it), with llhttp's states, errors and error
 * positions. A chunked body's trailer section goes back to the header
 * phase. See `parser.ts` for the parser as a whole.
 *
 * @module
 */

import { CR, HEX, HTAB, LF, QDTEXT, QPAIR, scanToken, SP } from "./parser_bytes.ts";
import { BODY_STATES, FIELD_START, Flag, Span } from "./parser_core.ts";
import { HeadParser } from "./parser_head.ts";

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

/** A body of `length` bytes is next. */
export const BODY_BY_LENGTH: number = State.BODY;
/** A body that runs to the end of the connection is next. */
export const BODY_BY_EOF: number = State.BODY_EOF;
/** A chunked body is next. */
export const CHUNKED_BODY: number = State.CHUNK_SIZE_START;

/** The body phase; extended by `HTTPParser`. */
export abstract class BodyParser extends HeadParser {
  /** Significant hex digits of the chunk size. */
  #hexDigits = 0;

  /** Hands body bytes `data[start:end)` to the handler. */
  protected abstract body(data: Uint8Array, start: number, end: number): void;

  /** The message is complete at `pos`: next state, or -2 to stop there. */
  protected abstract messageDone(pos: number): number;

  /** A chunk-size line is complete: llhttp's on_chunk_header. */
  private chunkHeader(): number {
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
  protected runBody(data: Uint8Array, i: number, end: number): number {
    let state = this.state;
    let mark = this.spanOpen ? i : -1;
    const lenient = this.lenient;
    let c = 0;

    while (i < end) {
      switch (state) {
        case State.BODY:
        case State.CHUNK_DATA: {
          const n = Math.min(this.length, end - i);
          this.body(data, i, i + n);
          i += n;
          this.length -= n;
          if (this.length !== 0) continue;
          this.clHi = this.clLo = 0;
          if (state === State.CHUNK_DATA) {
            if (i + 1 < end && data[i] === CR && data[i + 1] === LF) {
              i += 2;
              this.headerBytes = 0;
              state = State.CHUNK_SIZE_START;
            } else {
              state = State.CHUNK_DATA_END;
            }
            continue;
          }
          state = this.messageDone(i);
          if (state < 0) return state;
          this.state = state;
          return i;
        }

        case State.BODY_EOF:
          this.body(data, i, end);
          i = end;
          continue;

        case State.CHUNK_SIZE_START: {
          c = HEX[data[i]];
          if (c < 0) {
            return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
          }
          // A plain size line ("1a\r\n") in one go: what the states below do with it.
          let j = i + 1;
          let size = c;
          while (j < end && j - i < 12 && (c = HEX[data[j]]) >= 0) {
            size = size * 16 + c;
            j++;
          }
          if (j + 1 < end && data[j] === CR && data[j + 1] === LF) {
            this.length = size;
            this.clHi = this.clLo = 0;
            i = j + 2;
            state = this.chunkHeader();
            if (state < BODY_STATES) {
              this.state = state;
              return i;
            }
            continue;
          }
          c = HEX[data[i]];
          this.length = c;
          this.clHi = this.clLo = 0;
          this.#hexDigits = c === 0 ? 0 : 1;
          i++;
          state = State.CHUNK_SIZE;
          continue;
        }

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
          state = this.chunkHeader();
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
