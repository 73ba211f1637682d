/**
 * 'close' after the peer's FIN comes in the same loop turn as 'end', as
 * libuv runs a close callback in the close phase of the turn that asked for
 * it: a timer set in an 'end' handler does not fire before 'close', even
 * when it is already due by the time the loop gets to timers.
 *
 * @module
 */
import { test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { once } from "node:events";
import net, { type Socket } from "../../net.ts";
import { transport } from "../../_internal/transport/select.ts";
import { closeServer, listen } from "../_util/net.ts";

// Bun runs timers that are due before any setImmediate, even one queued by
// an I/O callback earlier in the same turn (its own node:net shows the same
// order), so a close callback run from an immediate cannot beat a due timer
// there; an earlier one would run before the 'end' handler's own work.
const timerOrder = transport().capabilities.runtime === "bun"
  ? "Bun runs due timers before the immediates of the turn"
  : false;

/** Keeps the thread busy for `ms`: the timer set before it is due after it. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Spinning on purpose.
  }
}

/**
 * A client ends its side; the server's socket runs `onEnd` in its 'end'
 * handler and records into the list it is given. Resolves with the events
 * as they stood when the server's socket closed ('close' is recorded too).
 */
async function eventsAfterPeerEnd(onEnd: (events: string[]) => void): Promise<string[]> {
  const events: string[] = [];
  const closed = Promise.withResolvers<string[]>();
  const server = net.createServer((socket: Socket) => {
    socket.resume();
    socket.on("end", () => onEnd(events));
    socket.on("close", () => {
      events.push("close");
      closed.resolve([...events]);
    });
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  try {
    await once(client, "connect");
    client.end();
    return await closed.promise;
  } finally {
    client.destroy();
    await closeServer(server);
  }
}

test("net.Socket emits 'close' before a 1 ms timer set in its 'end' handler when the peer ends", {
  skip: timerOrder,
}, async () => {
  const events = await eventsAfterPeerEnd((events) => {
    events.push("end");
    setTimeout(() => events.push("timer"), 1);
    busyWait(3);
  });
  assert.deepEqual(events, ["end", "close"]);
});

test("net.Socket emits 'close' after the nextTick and promise work of its 'end' handler", async () => {
  const events = await eventsAfterPeerEnd((events) => {
    process.nextTick(() => {
      events.push("tick");
      queueMicrotask(() => events.push("microtask"));
    });
  });
  assert.deepEqual(events, ["tick", "microtask", "close"]);
});
