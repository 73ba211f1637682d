/**
 * Node's `onread` socket option: bytes are copied into the user's buffer
 * and handed to their callback instead of being emitted as 'data'. Few
 * sockets use it, so its state lives here, in one object a socket makes only
 * when given the option.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { OnRead } from "./socket_options.ts";
import { kStopReading } from "./symbols.ts";

/** What delivery needs of its socket. */
export interface OnreadSocket {
  isPaused(): boolean;
  push(chunk: null): boolean;
  read(size: number): unknown;
  [kStopReading](): void;
}

/** The buffer to fill next: the one given, or a fresh one from the function. */
export function nextOnreadBuffer(onread: OnRead): Uint8Array {
  return typeof onread.buffer === "function" ? onread.buffer() : onread.buffer;
}

/** The `onread` option and its progress. */
export class OnreadState {
  readonly options: OnRead;
  /** The buffer being filled; asked for anew after each callback. */
  buf: Uint8Array | null = null;
  /** Bytes read that the user's callback has not taken yet. */
  rest: Buffer | null = null;
  /** EOF came while `rest` was waiting. */
  eof = false;

  constructor(options: OnRead) {
    this.options = options;
  }

  /**
   * Copies `data` into the user's buffer and calls their callback for each
   * filled piece. Like Node, a buffer function is asked for a fresh buffer
   * once at the start and after every callback; returning false or pausing
   * stops delivery, and the rest waits for resume().
   */
  deliver(socket: OnreadSocket, data: Buffer): void {
    const onread = this.options;
    let offset = 0;
    while (offset < data.length) {
      const target = this.buf ??= nextOnreadBuffer(onread);
      const n = Math.min(target.length, data.length - offset);
      target.set(data.subarray(offset, offset + n));
      offset += n;
      const verdict = onread.callback.call(socket, n, target);
      // Node asks a buffer function for the next buffer right after each callback.
      if (typeof onread.buffer === "function") this.buf = onread.buffer();
      if ((verdict === false || socket.isPaused()) && offset < data.length) {
        this.rest = data.subarray(offset);
        socket[kStopReading]();
        return;
      }
      if (verdict === false) socket[kStopReading]();
    }
    this.rest = null;
    if (this.eof) {
      this.eof = false;
      socket.push(null);
      socket.read(0);
    }
  }
}
