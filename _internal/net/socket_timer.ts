/**
 * A socket's idle timeout (`socket.setTimeout()`): 'timeout' is emitted once
 * the socket has neither read nor written for the set time. Activity only
 * stamps the time; one unref'd timer per socket checks the stamp when it
 * fires and re-arms itself for what is left, so reads and writes never touch
 * the runtime's timers. The timeout lives in a symbol-keyed field of the
 * socket; the timer's own state, in an object made when a timeout is first
 * set, so an idle socket without one carries a single field for it.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import { loopNow } from "./clock.ts";

/** The timeout in milliseconds; 0 when off. */
export const kTimeoutMs: unique symbol = Symbol("timeoutMs");
/** The timer's state, made by the first non-zero timeout: most sockets never set one. */
export const kIdle: unique symbol = Symbol("idle");

/** A socket's idle-timer state, once a timeout was set. */
export class IdleState {
  /** The armed timer, or null. */
  timer: ReturnType<typeof setTimeout> | null = null;
  /** When the armed timer fires (loopNow() time). */
  due = 0;
  /** The last read or write (loopNow() time). */
  lastActive = 0;
  /** Bytes the transport still held when the timer last fired. */
  lastQueued = 0;
}

/** What the idle timer needs of a socket. */
export interface TimedSocket {
  [kTimeoutMs]: number;
  [kIdle]: IdleState | null;
  readonly destroyed: boolean;
  _handle: { readonly bufferedBytes: number } | null;
  emit(event: "timeout"): boolean;
}

/** The fields of a socket with no timeout set. */
export function initIdleTimer(socket: TimedSocket): void {
  socket[kTimeoutMs] = 0;
  socket[kIdle] = null;
}

/** Activity: the idle time starts again (call only when a timeout is set). */
export function touch(socket: TimedSocket): void {
  const idle = socket[kIdle]!;
  idle.lastActive = loopNow();
  if (idle.timer === null && socket[kTimeoutMs] !== 0 && !socket.destroyed) {
    arm(socket, idle, socket[kTimeoutMs]);
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
  const idle = socket[kIdle] ??= new IdleState();
  const now = loopNow();
  idle.lastActive = now;
  if (idle.timer !== null && idle.due > now + ms) clearIdleTimer(socket);
  if (idle.timer === null) arm(socket, idle, ms);
}

/** Stops the timer (the socket is going away). */
export function clearIdleTimer(socket: TimedSocket): void {
  const idle = socket[kIdle];
  if (idle !== null && idle.timer !== null) {
    clearTimeout(idle.timer);
    idle.timer = null;
  }
}

function arm(socket: TimedSocket, idle: IdleState, ms: number): void {
  const timer = setTimeout(onTimer, ms, socket);
  timer.unref();
  idle.timer = timer;
  idle.due = loopNow() + ms;
}

function onTimer(socket: TimedSocket): void {
  const idle = socket[kIdle]!;
  idle.timer = null;
  if (socket[kTimeoutMs] === 0 || socket.destroyed) return;
  const elapsed = loopNow() - idle.lastActive;
  if (elapsed + 1 < socket[kTimeoutMs]) {
    arm(socket, idle, socket[kTimeoutMs] - elapsed);
    return;
  }
  // A write still draining to the kernel counts as activity.
  const queued = socket._handle?.bufferedBytes ?? 0;
  if (queued > 0 && queued !== idle.lastQueued) {
    idle.lastQueued = queued;
    touch(socket);
    return;
  }
  idle.lastQueued = queued;
  socket.emit("timeout");
}
