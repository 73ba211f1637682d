/**
 * A socket's idle timeout (`socket.setTimeout()`): 'timeout' is emitted once
 * the socket has neither read nor written for the set time.
 *
 * Sockets with the same timeout share one runtime timer: each such socket is
 * an entry in a list kept in due order, and activity moves the socket's entry
 * to the tail (its due time is now the latest of the list), so a read or a
 * write never touches the runtime's timers. The list's timer fires for its
 * head, emits 'timeout' for every entry that is due, and re-arms itself for
 * the next. A runtime timer is not cheap to hold: on Deno 2.9.6 each one
 * costs about 0.6 KiB of heap and 1.4 KiB of RSS, so an idle keep-alive
 * connection paid more for its timer than for its HTTP state.
 *
 * The timeout lives in a symbol-keyed field of the socket; the entry, in an
 * object made when a timeout is first set, so an idle socket without one
 * carries a single field for it.
 *
 * @module
 */
import { clearTimeout, setTimeout } from "node:timers";
import { loopNow } from "./clock.ts";

/** The timeout in milliseconds; 0 when off. */
export const kTimeoutMs: unique symbol = Symbol("timeoutMs");
/** The timer's state, made by the first non-zero timeout: most sockets never set one. */
export const kIdle: unique symbol = Symbol("idle");

/** A socket's entry in the list of its timeout, once a timeout was set. */
export class IdleState {
  readonly socket: TimedSocket;
  /** The list this entry is in, or was in last (null: never linked). */
  list: TimerList | null = null;
  linked = false;
  prev: IdleState | null = null;
  next: IdleState | null = null;
  /** When 'timeout' is due (loopNow() time): the last activity plus the timeout. */
  due = 0;
  /** Bytes the transport still held when the timeout last came due. */
  lastQueued = 0;

  constructor(socket: TimedSocket) {
    this.socket = socket;
  }
}

/** The sockets of one timeout, in due order, and the one runtime timer for them. */
class TimerList {
  readonly ms: number;
  head: IdleState | null = null;
  tail: IdleState | null = null;
  timer: ReturnType<typeof setTimeout> | null = null;

  constructor(ms: number) {
    this.ms = ms;
  }
}

/** Lists by timeout in milliseconds; a list goes once it is empty when its timer fires. */
const lists = new Map<number, TimerList>();

/** What the idle timer needs of a socket. */
export interface TimedSocket {
  [kTimeoutMs]: number;
  [kIdle]: IdleState | null;
  readonly destroyed: boolean;
  _handle: { readonly bufferedBytes: number } | null;
  /** Called when the idle time is up: Node's name, which code overrides. */
  _onTimeout(): void;
}

/** The fields of a socket with no timeout set. */
export function initIdleTimer(socket: TimedSocket): void {
  socket[kTimeoutMs] = 0;
  socket[kIdle] = null;
}

/** Activity: the idle time starts again (call only when a timeout is set). */
export function touch(socket: TimedSocket): void {
  const ms = socket[kTimeoutMs];
  if (ms === 0 || socket.destroyed) return;
  const entry = socket[kIdle]!;
  const due = loopNow() + ms;
  // Several reads and writes in one turn: the entry is at the tail already.
  if (entry.linked && entry.due === due && entry.list!.ms === ms) return;
  link(entry, ms, due);
}

/**
 * Sets the timeout to `ms` (0: off), counting idle time from now. Servers
 * flip between a keep-alive timeout and none on every request: turning the
 * timeout off only unlinks the entry, and the list's timer stays armed for
 * the sockets that come back to it.
 */
export function setIdleTimeout(socket: TimedSocket, ms: number): void {
  socket[kTimeoutMs] = ms;
  if (ms === 0) {
    const entry = socket[kIdle];
    if (entry !== null && entry.linked) unlink(entry);
    return;
  }
  const entry = socket[kIdle] ??= new IdleState(socket);
  link(entry, ms, loopNow() + ms);
}

/** Stops the timer (the socket is going away). */
export function clearIdleTimer(socket: TimedSocket): void {
  const entry = socket[kIdle];
  if (entry === null) return;
  const list = entry.list;
  if (entry.linked) unlink(entry);
  // Nothing left to time: the runtime timer goes too, so none outlives the
  // last socket that used it.
  if (list !== null && list.head === null) dropList(list);
}

/** Moves `entry` to the tail of the list for `ms`, due at `due`. */
function link(entry: IdleState, ms: number, due: number): void {
  if (entry.linked) unlink(entry);
  let list = lists.get(ms);
  if (list === undefined) {
    list = new TimerList(ms);
    lists.set(ms, list);
  }
  entry.list = list;
  entry.linked = true;
  entry.due = due;
  entry.prev = list.tail;
  entry.next = null;
  if (list.tail === null) list.head = entry;
  else list.tail.next = entry;
  list.tail = entry;
  // An armed timer fires no later than this entry is due: entries are only
  // ever appended with the latest due time of their list.
  if (list.timer === null) armList(list, ms);
}

function unlink(entry: IdleState): void {
  const list = entry.list!;
  if (entry.prev === null) list.head = entry.next;
  else entry.prev.next = entry.next;
  if (entry.next === null) list.tail = entry.prev;
  else entry.next.prev = entry.prev;
  entry.prev = entry.next = null;
  entry.linked = false;
}

function armList(list: TimerList, delay: number): void {
  const timer = setTimeout(onListTimer, delay, list);
  timer.unref();
  list.timer = timer;
}

function dropList(list: TimerList): void {
  if (list.timer !== null) {
    clearTimeout(list.timer);
    list.timer = null;
  }
  if (lists.get(list.ms) === list) lists.delete(list.ms);
}

function onListTimer(list: TimerList): void {
  // list.timer stays set while entries expire, so an entry linked meanwhile
  // (a re-arm, or a 'timeout' listener's setTimeout) arms nothing: the timer
  // is set below for the head, which may be due sooner than the new entry.
  try {
    expireDue(list);
  } finally {
    // Re-armed even when a 'timeout' listener threw, so the rest still fire.
    list.timer = null;
    const head = list.head;
    if (head === null) dropList(list);
    else armList(list, Math.max(1, Math.ceil(head.due - loopNow())));
  }
}

/** Emits 'timeout' for every entry of `list` that is due, in order. */
function expireDue(list: TimerList): void {
  const now = loopNow();
  let entry: IdleState | null;
  // Within a millisecond counts as due: runtime timers may fire that early.
  while ((entry = list.head) !== null && entry.due <= now + 1) {
    unlink(entry);
    const socket = entry.socket;
    if (socket[kTimeoutMs] === 0 || socket.destroyed) continue;
    socket._onTimeout();
  }
}

/**
 * Whether a write has been draining to the kernel since the timeout last came
 * due: that counts as activity, and the idle time starts again instead of
 * 'timeout' being emitted. Node checks its handle's write queue the same way.
 */
export function stillWriting(socket: TimedSocket): boolean {
  const entry = socket[kIdle];
  const queued = socket._handle?.bufferedBytes ?? 0;
  // Never timed (a direct call): any write still queued is one in progress.
  if (entry === null) return queued > 0;
  if (queued > 0 && queued !== entry.lastQueued) {
    entry.lastQueued = queued;
    const ms = socket[kTimeoutMs];
    if (ms !== 0) link(entry, ms, loopNow() + ms);
    return true;
  }
  entry.lastQueued = queued;
  return false;
}
