/**
 * The `Date` header value (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37
 * GMT"), formatted at most once per wall-clock second. Node refreshes its
 * copy from an unref'd timer; here each call checks the event loop's clock
 * (`loopNow()`, read once per turn and shared with the socket timers)
 * against the end of the second the copy was made in, which gives the same
 * result without a timer that could outlive its server, and without a
 * `Date.now()` per response (2% of a hello-world response's CPU on Deno).
 *
 * @module
 */
import { loopNow } from "../net/clock.ts";

let validUntil = -1;
let cachedSecond = -1;
let cachedValue = "";

/**
 * How long before the next wall-clock second the copy is checked again:
 * `Date.now()` drops the fraction of its millisecond, and the two clocks
 * drift apart by a fraction of a millisecond per second. Checked early,
 * a call finds the same second and only moves the check on.
 */
const kMarginMs = 1.5;

/** The current time as an IMF-fixdate string, cached per second. */
export function utcDate(): string {
  const now = loopNow();
  if (now >= validUntil) {
    const wall = Date.now();
    const second = Math.floor(wall / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      // toUTCString() is specified (ECMA-262) to produce exactly IMF-fixdate.
      cachedValue = new Date(second * 1000).toUTCString();
    }
    // Measured on the monotonic clock, so that a clock step cannot pin it.
    validUntil = now + (second + 1) * 1000 - wall - kMarginMs;
  }
  return cachedValue;
}
