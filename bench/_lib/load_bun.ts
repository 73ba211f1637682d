/**
 * The load generator over `Bun.connect`. One handler object per load serves
 * all its sockets; per-socket state lives in `socket.data`.
 *
 * @module
 */
import { bun, type BunHandlers, type BunSocket } from "./bun_api.ts";
import type { Counters, Held, LoadGenerator, LoadPlan, StopFlag } from "./load.ts";

interface StreamState {
  sent: number;
  received: number;
}

function echoHandlers(
  plan: LoadPlan,
  counters: Counters,
  stop: StopFlag,
): BunHandlers<StreamState> {
  const chunk = new Uint8Array(plan.chunkSize).fill(0x78);
  // Writes until the window is full or the kernel pushes back (then `drain`).
  function pump(socket: BunSocket<StreamState>): void {
    const state = socket.data;
    while (!stop.stopped && state.sent - state.received < plan.window) {
      const offset = state.sent % chunk.byteLength;
      const n = socket.write(chunk, offset, chunk.byteLength - offset);
      if (n <= 0) return;
      state.sent += n;
      if (n < chunk.byteLength - offset) return;
    }
    if (stop.stopped) socket.close();
  }
  return {
    open: pump,
    drain: pump,
    data(socket, bytes) {
      socket.data.received += bytes.byteLength;
      counters.bytes += bytes.byteLength;
      pump(socket);
    },
    connectError() {
      counters.errors++;
    },
  };
}

interface ExchangeState {
  got: number;
  /** Settles once the message came back whole (true) or the socket closed (false). */
  settle: ((ok: boolean) => void) | null;
}

/** Handlers that send one message on open and report when it is echoed back. */
function exchangeHandlers(plan: LoadPlan): BunHandlers<ExchangeState> {
  const message = new Uint8Array(plan.messageSize).fill(0x79);
  function settle(socket: BunSocket<ExchangeState>, ok: boolean): void {
    const done = socket.data.settle;
    socket.data.settle = null;
    done?.(ok);
  }
  return {
    open(socket) {
      socket.write(message);
    },
    data(socket, bytes) {
      socket.data.got += bytes.byteLength;
      if (socket.data.got >= message.byteLength) settle(socket, true);
    },
    close(socket) {
      settle(socket, false);
    },
    error() {
      // The close that follows settles the exchange as failed.
    },
    connectError(socket) {
      settle(socket, false);
    },
  };
}

/** Connects, sends the message and waits for its echo; the socket, or null. */
async function exchange(
  plan: LoadPlan,
  handlers: BunHandlers<ExchangeState>,
): Promise<BunSocket<ExchangeState> | null> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const data: ExchangeState = { got: 0, settle: resolve };
  try {
    const socket = await bun().connect({
      hostname: "127.0.0.1",
      port: plan.port,
      data,
      socket: handlers,
    });
    return (await promise) ? socket : null;
  } catch {
    return null;
  }
}

async function connectWorker(
  plan: LoadPlan,
  counters: Counters,
  stop: StopFlag,
  handlers: BunHandlers<ExchangeState>,
): Promise<void> {
  while (!stop.stopped) {
    const socket = await exchange(plan, handlers);
    if (socket === null) {
      counters.errors++;
      continue;
    }
    counters.conns++;
    socket.end();
  }
}

/** The load generator over `Bun.connect`. */
export const bunLoad: LoadGenerator = {
  echo(plan, counters, stop) {
    const socket = echoHandlers(plan, counters, stop);
    for (let i = 0; i < plan.connections; i++) {
      const data: StreamState = { sent: 0, received: 0 };
      bun().connect({ hostname: "127.0.0.1", port: plan.port, data, socket }).catch(() => {
        counters.errors++;
      });
    }
  },
  connect(plan, counters, stop) {
    const handlers = exchangeHandlers(plan);
    for (let i = 0; i < plan.connections; i++) connectWorker(plan, counters, stop, handlers);
  },
  async hold(plan, counters): Promise<Held> {
    const handlers = exchangeHandlers(plan);
    const sockets: BunSocket<ExchangeState>[] = [];
    let next = 0;
    async function opener(): Promise<void> {
      while (next < plan.connections) {
        next++;
        const socket = await exchange(plan, handlers);
        if (socket === null) counters.errors++;
        else {
          counters.conns++;
          sockets.push(socket);
        }
      }
    }
    const openers = [];
    for (let i = 0; i < Math.min(plan.concurrency, plan.connections); i++) openers.push(opener());
    await Promise.all(openers);
    return {
      count: sockets.length,
      close() {
        for (const socket of sockets) socket.close();
      },
    };
  },
};
