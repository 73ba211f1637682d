/**
 * Module symbols shared by the socket and its connect logic: hidden state
 * that Node keeps in internal fields, kept off the public surface.
 *
 * @module
 */

/** Makes a handle the socket's `_handle` and wires its callbacks. */
export const kAdoptHandle: unique symbol = Symbol("adoptHandle");
/** Called once the socket's handle has connected. */
export const kConnected: unique symbol = Symbol("connected");
/** The family-autoselection run in progress, if any (has `abort()`). */
export const kRace: unique symbol = Symbol("race");
/**
 * The socket's reader that takes each chunk straight from the handle instead
 * of through the stream (Node's http parser consuming its handle): an object
 * with `onData(chunk)`, or null. While one is set, 'data' is not emitted and
 * `pause()` stops the handle.
 */
export const kConsumer: unique symbol = Symbol("consumer");
/**
 * A method of the socket: its consumer is reading a message body (true) or
 * is done with it (false). Until done, the handle may read in bulk, as for
 * a piped socket: a body's bytes go to the consumer alone, in order.
 */
export const kConsumerBulk: unique symbol = Symbol("consumerBulk");
/** Stops the handle reading (a method of the socket). */
export const kStopReading: unique symbol = Symbol("stopReading");
