/**
 * Module symbols shared by the socket and its connect logic: hidden state
 * that Node keeps in internal fields, kept off the public surface.
 *
 * @module
 */

/** Attaches a freshly connected handle to a socket. */
export const kAttach: unique symbol = Symbol("attach");
/** Holds the function that cancels an in-flight connect. */
export const kCancelConnect: unique symbol = Symbol("cancelConnect");
