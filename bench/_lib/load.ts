/**
 * The contract of a load generator: the same three loads written once over
 * `Deno.connect` and once over `Bun.connect`, so that every server
 * implementation on a runtime faces the identical client.
 *
 * @module
 */

/** What the client was asked to do. */
export interface LoadPlan {
  port: number;
  /** Echo: streams in parallel. Connect: workers in parallel. Idle: connections to hold. */
  connections: number;
  /** Echo: bytes per write. */
  chunkSize: number;
  /** Echo: most bytes in flight per stream (sent and not yet echoed). */
  window: number;
  /** Connect and idle: bytes each connection sends and awaits back. */
  messageSize: number;
  /** Idle: connects in flight at once. */
  concurrency: number;
}

/** Running totals; the client reports their change over the measured window. */
export interface Counters {
  /** Bytes echoed back to the client. */
  bytes: number;
  /** Connections that completed connect, echo and close. */
  conns: number;
  /** Failed connects or reads. */
  errors: number;
}

/** Set by the client when the measured window is over; loads wind down. */
export interface StopFlag {
  stopped: boolean;
}

/** Idle connections being held; `close()` lets them all go. */
export interface Held {
  count: number;
  close(): void;
}

/** One runtime's load generator. */
export interface LoadGenerator {
  /** Starts `connections` echo streams that run until `stop`. */
  echo(plan: LoadPlan, counters: Counters, stop: StopFlag): void;
  /** Starts `connections` workers that connect, echo a message and close, until `stop`. */
  connect(plan: LoadPlan, counters: Counters, stop: StopFlag): void;
  /** Opens `connections` connections, each echoing one message, and keeps them. */
  hold(plan: LoadPlan, counters: Counters): Promise<Held>;
}
