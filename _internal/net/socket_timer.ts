/**
 * A socket's idle timeout (`socket.setTimeout()`): 'timeout' is emitted once
 * the socket has neither read nor written for the set time. Activity only
 * stamps the time; one unref'd timer per socket checks the stamp when it
 * fires and re-arms itself for what is left, so reads and writes never touch
 * the runtime's timers. The state lives in symbol-keyed fields on the socket,
 * set up by `initIdleTimer()` with the rest of its state.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import { loopNow } from "./clock.ts";

/** The armed timer, or null. */
export const kTimer: unique symbol = Symbol("timer");
/** When the armed timer fires (loopNow() time). */
export const kTimerDue: unique symbol = Symbol("timerDue");
/** The timeout in milliseconds; 0 when off. */
export const kTimeoutMs: unique symbol = Symbol("timeoutMs");
/** The last read or write (loopNow() time). */
export const kLastActive: unique symbol = Symbol("lastActive");
/** Bytes the transport still held when the timer last fired. */
export const kLastQueued: unique symbol = Symbol("lastQueued");

/** What the idle timer needs of a socket. */
export interface TimedSocket {
  [kTimer]: ReturnType<typeof setTimeout> | null;
  [kTimerDue]: number;
  [kTimeoutMs]: number;
  [kLastActive]: number;
  [kLastQueued]: number;
  readonly destroyed: boolean;
  _handle: { readonly bufferedBytes: number } | null;
  emit(event: "timeout"): boolean;
}

/** The fields of a socket with no timeout set. */
export function initIdleTimer(socket: TimedSocket): void {
  socket[kTimer] = null;
  socket[kTimerDue] = 0;
  socket[kTimeoutMs] = 0;
  socket[kLastActive] = 0;
  socket[kLastQueued] = 0;
}

/** Activity: the idle time starts again (call only when a timeout is set). */
export function touch(socket: TimedSocket): void {
  socket[kLastActive] = loopNow();
  if (socket[kTimer] === null && socket[kTimeoutMs] !== 0 && !socket.destroyed) {
    arm(socket, socket[kTimeoutMs]);
  }
}

/**
 * Sets the timeout to `ms` (0: off), counting idle time from now. Servers
 * flip between a keep-alive timeout and none on every request: an armed timer
 * is kept (it re-arms itself for what is left, or stops when the timeout is
 * 0) instead of being cleared and re-created.
 */
export function setIdleTimeout(socket: TimedSocket, ms: number): void {
  socket[kTimeoutMs] = ms;
  if (ms === 0) return;
  const now = loopNow();
  socket[kLastActive] = now;
  if (socket[kTimer] !== null && socket[kTimerDue] > now + ms) clearIdleTimer(socket);
  if (socket[kTimer] === null) arm(socket, ms);
}

/** Stops the timer (the socket is going away). */
export function clearIdleTimer(socket: TimedSocket): void {
  if (socket[kTimer] !== null) {
    clearTimeout(socket[kTimer]);
    socket[kTimer] = null;
  }
}

function arm(socket: TimedSocket, ms: number): void {
  const timer = setTimeout(onTimer, ms, socket);
  timer.unref();
  socket[kTimer] = timer;
  socket[kTimerDue] = loopNow() + ms;
}

function onTimer(socket: TimedSocket): void {
  socket[kTimer] = null;
  if (socket[kTimeoutMs] === 0 || socket.destroyed) return;
  const idle = loopNow() - socket[kLastActive];
  if (idle + 1 < socket[kTimeoutMs]) {
    arm(socket, socket[kTimeoutMs] - idle);
    return;
  }
  // A write still draining to the kernel counts as activity.
  const queued = socket._handle?.bufferedBytes ?? 0;
  if (queued > 0 && queued !== socket[kLastQueued]) {
    socket[kLastQueued] = queued;
    touch(socket);
    return;
  }
  socket[kLastQueued] = queued;
  socket.emit("timeout");
}
