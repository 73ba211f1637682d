/**
 * Bulk reads for piped sockets. While a socket's bytes go only to `pipe()`
 * destinations, nothing can see how they were cut into chunks but the
 * destinations' write sizes, so the handle may read in larger pieces and
 * skip the tick work it otherwise leaves room for between reads (see
 * `ConnectionHandle.setBulkReads`). Anything else that reads (a 'data' or
 * 'readable' listener of the user's, the `onread` option, http's consumer)
 * turns that off again at once.
 *
 * @module
 */
import type { ConnectionHandle } from "../transport/types.ts";

/** What the check needs of a socket. */
export interface PipeSource {
  readonly _readableState: { pipes?: unknown[] };
  _handle: ConnectionHandle | null;
  listenerCount(event: string): number;
}

/**
 * True while the socket's only readers are its pipes: `Readable.pipe`
 * records each destination in `_readableState.pipes` and adds one 'data'
 * listener of its own per destination, so any other 'data' listener shows
 * as a count above the number of pipes. `otherReader` is the socket's own
 * knowledge of a consumer that bypasses the stream (onread, http).
 */
export function onlyPiped(socket: PipeSource, otherReader: boolean): boolean {
  const pipes = socket._readableState.pipes?.length ?? 0;
  return pipes > 0 && !otherReader && socket.listenerCount("data") === pipes &&
    socket.listenerCount("readable") === 0;
}

/** Tells the socket's handle (if any) whether it may read in bulk now. */
export function syncBulkReads(socket: PipeSource, otherReader: boolean): void {
  socket._handle?.setBulkReads?.(onlyPiped(socket, otherReader));
}
