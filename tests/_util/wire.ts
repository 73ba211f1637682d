/**
 * Wire-level helpers: talk to a server with the runtime's OWN sockets (its
 * node:net client), so a bug of ours cannot hide its own symptom.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as runtimeNet from "node:net";
import { Buffer } from "node:buffer";

/** A raw client connection that collects everything the server sends. */
export class RawClient {
  readonly socket: runtimeNet.Socket;
  #data = Buffer.alloc(0);
  #waiters: { test: (text: string) => boolean; resolve: (text: string) => void }[] = [];
  #closed = false;
  readonly closed: Promise<void>;

  constructor(port: number, host = "127.0.0.1") {
    this.socket = runtimeNet.connect(port, host);
    this.socket.on("data", (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      this.#check();
    });
    this.socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      this.socket.on("close", () => {
        this.#closed = true;
        this.#check();
        resolve();
      })
    );
  }

  /** Everything received so far, as latin1 text. */
  get text(): string {
    return this.#data.toString("latin1");
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /** Resolves once the received text satisfies `test` (or the socket closed). */
  until(test: (text: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      this.#waiters.push({ test, resolve });
      this.#check();
    });
  }

  /** Resolves once `count` complete responses (by "HTTP/1.x NNN" heads) arrived. */
  untilResponses(count: number): Promise<string> {
    return this.until((t) => (t.match(/HTTP\/1\.[01] \d{3}/g) ?? []).length >= count);
  }

  #check(): void {
    const text = this.text;
    this.#waiters = this.#waiters.filter((w) => {
      if (this.#closed || w.test(text)) {
        w.resolve(text);
        return false;
      }
      return true;
    });
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Replaces the Date header's value so responses can be compared exactly. */
export function maskDate(text: string): string {
  return text.replace(/\r\nDate: [^\r]+/g, "\r\nDate: X");
}

/**
 * Everything a server on `port` sends back for `wire`, with the Date masked,
 * once it closed the connection or what came so far satisfies `until`.
 */
export async function exchangeText(
  port: number,
  wire: string,
  until: (text: string) => boolean = () => false,
): Promise<string> {
  const client = new RawClient(port);
  try {
    client.write(wire);
    return maskDate(await client.until(until));
  } finally {
    client.destroy();
  }
}

/** Sends `wire` to both servers; ours must answer exactly as Node's does. Returns ours. */
export async function sameBytesAsNode(
  ourPort: number,
  nodePort: number,
  wire: string,
  until?: (text: string) => boolean,
): Promise<string> {
  const [got, want] = await Promise.all([
    exchangeText(ourPort, wire, until),
    exchangeText(nodePort, wire, until),
  ]);
  assert.equal(got, want);
  return got;
}

/** A chunked response's head and its body's bytes, the chunks joined. */
export function splitChunked(text: string): [string, Buffer] {
  const end = text.indexOf("\r\n\r\n") + 4;
  const chunks: Buffer[] = [];
  let at = end;
  for (;;) {
    const line = text.indexOf("\r\n", at);
    const size = parseInt(text.slice(at, line), 16);
    assert.ok(Number.isInteger(size), `bad chunk size at ${at}: ${text.slice(at, at + 10)}`);
    if (size === 0) {
      assert.equal(text.slice(line), "\r\n\r\n");
      return [text.slice(0, end), Buffer.concat(chunks)];
    }
    chunks.push(Buffer.from(text.slice(line + 2, line + 2 + size), "latin1"));
    assert.equal(text.slice(line + 2 + size, line + 4 + size), "\r\n");
    at = line + 4 + size;
  }
}
