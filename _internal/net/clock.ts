/**
 * The event loop's notion of now, as libuv keeps it for Node's timers: read
 * once per batch of events and shared by everything that runs in it. Every
 * socket read and write stamps its idle time, and the HTTP server stamps
 * each message; on Deno `performance.now()` is a call into the runtime
 * (about 0.1 µs), several per request. Here the first reader in a turn pays
 * for it and a microtask forgets it when the turn's callbacks are done.
 *
 * As with libuv's cached time, a long synchronous stretch of code sees the
 * time it started at; timeouts are measured in milliseconds and fire at most
 * that much early.
 *
 * @module
 */

let cached = -1;

function forget(): void {
  cached = -1;
}

/** Milliseconds on `performance.now()`'s clock, as of the current turn. */
export function loopNow(): number {
  if (cached < 0) {
    cached = performance.now();
    queueMicrotask(forget);
  }
  return cached;
}
