/**
 * The arguments of `socket.setKeepAlive()`: Node's positional form
 * `(enable, initialDelay[, interval[, count]])` and, since Node 26.4, the
 * options object `{ enable, initialDelay, interval, count }`. Delays arrive in
 * milliseconds and reach the handle in whole seconds, as libuv takes them.
 *
 * @module
 */

/** What a handle's `setKeepAlive` receives, in Node's order and units. */
export interface KeepAliveSettings {
  enable: boolean;
  /** TCP_KEEPIDLE in whole seconds; 0 keeps the system's value. */
  delaySecs: number;
  /** TCP_KEEPINTVL in whole seconds, or `undefined` for the default. */
  intervalSecs: number | undefined;
  /** TCP_KEEPCNT, or `undefined` for the default. */
  count: number | undefined;
}

/** The options form of `socket.setKeepAlive()` (Node 26.4). */
export interface KeepAliveOptions {
  /** Turns SO_KEEPALIVE on or off. Default: `false`. */
  enable?: boolean;
  /** Idle time before the first probe, in milliseconds. Default: `0` (system value). */
  initialDelay?: number;
  /** Time between probes, in milliseconds. Default: the system's (libuv: 1000). */
  interval?: number;
  /** Unanswered probes before the connection drops. Default: the system's (libuv: 10). */
  count?: number;
}

// A handle as user code may patch it (Node's own tests do): the extra
// arguments reach such a function even where the runtime ignores them.
type KeepAliveSetter = (
  enable: boolean,
  delaySecs: number,
  intervalSecs?: number,
  count?: number,
) => void;

/** Keep-alive off, as every socket starts: shared, since settings are replaced, never changed. */
const kOff: KeepAliveSettings = Object.freeze({
  enable: false,
  delaySecs: 0,
  intervalSecs: undefined,
  count: undefined,
});

/** Reads either call form into handle units. */
export function keepAliveSettings(
  enable: unknown,
  initialDelay: unknown,
  interval: unknown,
  count: unknown,
): KeepAliveSettings {
  if (enable !== null && typeof enable === "object") {
    const opts = enable as KeepAliveOptions;
    return keepAliveSettings(opts.enable, opts.initialDelay, opts.interval, opts.count);
  }
  if (!enable && !initialDelay && interval === undefined && count === undefined) return kOff;
  return {
    enable: Boolean(enable),
    delaySecs: ~~((initialDelay as number ?? 0) / 1000),
    intervalSecs: interval === undefined ? undefined : ~~((interval as number) / 1000),
    count: count === undefined ? undefined : ~~(count as number),
  };
}

/** True when `next` would change nothing a handle already has from `prev`. */
export function sameKeepAlive(prev: KeepAliveSettings, next: KeepAliveSettings): boolean {
  if (prev.enable !== next.enable) return false;
  if (!next.enable) return true;
  return prev.delaySecs === next.delaySecs && prev.intervalSecs === next.intervalSecs &&
    prev.count === next.count;
}

/**
 * Calls `handle.setKeepAlive` as Node's net does: with interval and count only
 * when the caller gave them, so a two-argument handle sees Node 25's call.
 */
export function applyKeepAlive(
  handle: { setKeepAlive?: KeepAliveSetter },
  s: KeepAliveSettings,
): void {
  const set = handle.setKeepAlive;
  if (!set) return;
  if (s.intervalSecs === undefined && s.count === undefined) {
    set.call(handle, s.enable, s.delaySecs);
  } else {
    set.call(handle, s.enable, s.delaySecs, s.intervalSecs, s.count);
  }
}
