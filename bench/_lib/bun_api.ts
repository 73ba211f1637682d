/**
 * The part of Bun's socket API the benchmarks call, declared here because
 * Bun's own types are not installed (and `deno check` reads these files).
 *
 * @module
 */

/** A connected Bun socket whose `data` slot holds the bench's own state. */
export interface BunSocket<T> {
  data: T;
  /** Bytes the kernel took (maybe fewer than asked), or -1 once closed. */
  write(bytes: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** Sends FIN; Bun closes the socket once the peer's FIN arrives. */
  end(): void;
  close(): void;
  pause(): void;
  resume(): void;
}

/** One handler object serves every socket of a `listen`/`connect` call. */
export interface BunHandlers<T> {
  open?(socket: BunSocket<T>): void;
  data?(socket: BunSocket<T>, chunk: Uint8Array): void;
  drain?(socket: BunSocket<T>): void;
  close?(socket: BunSocket<T>, err?: unknown): void;
  error?(socket: BunSocket<T>, err: unknown): void;
  connectError?(socket: BunSocket<T>, err: unknown): void;
}

/** What `Bun.listen` returns. */
export interface BunListener {
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

/** The `Bun` global, reduced to what the benchmarks call. */
export interface BunNamespace {
  listen<T>(options: {
    hostname: string;
    port: number;
    data?: T;
    socket: BunHandlers<T>;
  }): BunListener;
  connect<T>(options: {
    hostname: string;
    port: number;
    data?: T;
    socket: BunHandlers<T>;
  }): Promise<BunSocket<T>>;
}

/** The `Bun` global; call only after `runtimeName()` said "bun". */
export function bun(): BunNamespace {
  return (globalThis as unknown as { Bun: BunNamespace }).Bun;
}
