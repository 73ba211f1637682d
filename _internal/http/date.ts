/**
 * The `Date` header value (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37
 * GMT"), formatted at most once per wall-clock second. Node refreshes its
 * copy from an unref'd timer; comparing the current second on each call
 * gives the same result without a timer that could outlive its server.
 *
 * @module
 */

let cachedSecond = -1;
let cachedValue = "";

/** The current time as an IMF-fixdate string, cached per second. */
export function utcDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    // toUTCString() is specified (ECMA-262) to produce exactly IMF-fixdate.
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
