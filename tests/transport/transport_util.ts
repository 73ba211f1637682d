/**
 * Helpers for the transport tests: listeners, connected pairs, byte streams
 * turned into promises. Everything goes through `transport()`, so the same
 * cases run against whichever runtime executes the suite.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transport } from "../../_internal/transport/select.ts";
import {
  type ConnectableHandle,
  type ConnectionHandle,
  isTransportError,
  type ListenerHandle,
  type NetAddress,
  type TransportError,
} from "../../_internal/transport/types.ts";

/** Where a listener lives: a TCP host (port 0) or a Unix socket path. */
export type Where = { host: string } | { path: string };

export function listen(where: Where): ListenerHandle {
  const result = "path" in where ? transport().listenUnix(where.path, 511) : transport().listenTcp({
    host: where.host,
    port: 0,
    backlog: 511,
    reusePort: false,
    ipv6Only: false,
    exclusive: false,
  });
  if (isTransportError(result)) throw new Error(`listen ${result.code}`);
  return result;
}

export function portOf(listener: ListenerHandle): number {
  return (listener.address() as NetAddress).port;
}

/** Closes a listener and resolves once its address can be bound again. */
export function closeListener(listener: ListenerHandle): Promise<void> {
  return new Promise((resolve) => listener.close(resolve));
}

/** The next accepted connection; later ones are closed. */
export function accept(listener: ListenerHandle): Promise<ConnectionHandle> {
  return new Promise((resolve, reject) => {
    listener.onconnection = (err, conn) => {
      if (conn === null) return reject(new Error(`accept ${err?.code}`));
      listener.onconnection = (_err, extra) => extra?.close();
      resolve(conn);
    };
  });
}

/** A fresh unconnected handle for `where`, and the target to connect it to. */
export function handleFor(
  listener: ListenerHandle,
  where: Where,
): [ConnectableHandle, Parameters<ConnectableHandle["connect"]>[0]] {
  if ("path" in where) return [transport().createPipe(), where.path];
  return [transport().createTcp(), { host: where.host, port: portOf(listener) }];
}

/** Connects a new handle to `listener`; rejects with the error code. */
export function connect(listener: ListenerHandle, where: Where): Promise<ConnectionHandle> {
  const [handle, target] = handleFor(listener, where);
  return new Promise((resolve, reject) => {
    handle.connect(target, (err) => {
      if (err === null) return resolve(handle);
      handle.close();
      reject(new Error(`connect ${err.code}`));
    });
  });
}

/** Starts a connect and resolves with what `done` reported. */
export function connectResult(
  handle: ConnectableHandle,
  target: Parameters<ConnectableHandle["connect"]>[0],
): Promise<TransportError | null> {
  return new Promise((resolve) => handle.connect(target, resolve));
}

export interface Pair {
  listener: ListenerHandle;
  client: ConnectionHandle;
  server: ConnectionHandle;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A connected pair; disposing closes both ends and the listener. */
export async function pair(where: Where = { host: "127.0.0.1" }): Promise<Pair> {
  const listener = listen(where);
  const accepted = accept(listener);
  let client: ConnectionHandle | null = null;
  let server: ConnectionHandle | null = null;
  const dispose = () => {
    client?.close();
    server?.close();
    return closeListener(listener);
  };
  try {
    client = await connect(listener, where);
    server = await accepted;
    return { listener, client, server, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** A fresh directory for Unix sockets, and its removal. */
export function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "transport-test-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

export function write(conn: ConnectionHandle, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.write(bytes, (err) => err === null ? resolve() : reject(new Error(err.code)));
  });
}

export function shutdown(conn: ConnectionHandle): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.shutdown((err) => err === null ? resolve() : reject(new Error(err.code)));
  });
}

/** Every chunk until EOF, as handed over (never copied here). */
export function readToEnd(conn: ConnectionHandle): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    conn.onRead = (chunk) => chunk === null ? resolve(chunks) : void chunks.push(chunk);
    conn.onError = (err) => reject(new Error(`read ${err.code}`));
    conn.readStart();
  });
}

/**
 * Resolves once `count` bytes have arrived, leaving reading on. With
 * `start` false the caller decides when reading starts.
 */
export function readBytes(
  conn: ConnectionHandle,
  count: number,
  start = true,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const out = new Uint8Array(count);
    let at = 0;
    conn.onRead = (chunk) => {
      if (chunk === null) return reject(new Error(`EOF after ${at} of ${count} bytes`));
      out.set(chunk.subarray(0, count - at), at);
      at += chunk.length;
      if (at >= count) resolve(out);
    };
    conn.onError = (err) => reject(new Error(`read ${err.code}`));
    if (start) conn.readStart();
  });
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function sha256(chunks: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
}

/** Byte `i` of the test stream: a period (251) that no power of two divides. */
export function pattern(start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (start + i) % 251;
  return out;
}

/** A few turns of the event loop: time for a stray callback to show up. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
