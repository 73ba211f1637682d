/**
 * The server under mixed traffic from many clients at once, over real
 * sockets: keep-alive exchanges, uploads, large and streamed responses,
 * pipelining with a half-close, clients that leave mid-body or mid-response,
 * malformed and smuggled requests. Sequential tests hold the timing still;
 * here events of different connections interleave, as under load. Every
 * exchange must end as it does on Node, nothing may throw, and no connection
 * may stay counted.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";
import * as runtimeNet from "node:net";
import http, { type IncomingMessage, type ServerResponse } from "../../http.ts";
import { listen } from "../_util/net.ts";
import { statusSequence } from "../_util/http_fuzz.ts";
import {
  CLOSE_BOUND_MS,
  exchange,
  guardProcess,
  type Kinds,
  type MixResult,
  runMix,
  shutDown,
  untilNoConnections,
} from "../_util/robust.ts";

const WORKERS = 16;
const OPS_PER_WORKER = 22;
const BIG = 200_000;
const UPLOAD = 300_000;

function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === "POST") {
    let size = 0;
    req.on("data", (chunk: Buffer) => size += chunk.length);
    req.on("error", () => {});
    req.on("end", () => res.end(`got ${size} ${req.trailers["x-sum"] ?? "-"}`));
    return;
  }
  if (req.url === "/big") {
    res.write(Buffer.alloc(BIG / 2, 0x61));
    res.end(Buffer.alloc(BIG / 2, 0x62));
    return;
  }
  if (req.url === "/stream") {
    let left = 5;
    const next = () => {
      if (res.destroyed) return;
      if (left-- === 0) res.end();
      else res.write(`part ${left}\n`, () => setImmediate(next));
    };
    next();
    return;
  }
  res.end(`hello ${req.url}`);
}

/** One request on a fresh connection of the runtime's own client; resolves with the raw answer. */
function rawExchange(port: number, wire: string | Buffer): Promise<string> {
  return exchange(port, typeof wire === "string" ? wire : wire.toString("latin1")).then((r) => {
    if (r.hung) throw new Error(`still open after ${CLOSE_BOUND_MS} ms: ${wire.slice(0, 60)}`);
    return r.text;
  });
}

/** The bodies of the responses in `text` (Content-Length or chunked framing). */
function bodies(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd < 0) throw new Error(`incomplete head: ${JSON.stringify(rest.slice(0, 80))}`);
    const head = rest.slice(0, headEnd);
    rest = rest.slice(headEnd + 4);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    if (length) {
      if (rest.length < Number(length[1])) throw new Error("incomplete body");
      out.push(rest.slice(0, Number(length[1])));
      rest = rest.slice(Number(length[1]));
      continue;
    }
    assert.match(head, /\r\ntransfer-encoding: chunked/i);
    let body = "";
    while (true) {
      const lineEnd = rest.indexOf("\r\n");
      const size = parseInt(rest.slice(0, lineEnd), 16);
      if (lineEnd < 0 || Number.isNaN(size)) throw new Error("incomplete chunk size line");
      rest = rest.slice(lineEnd + 2);
      if (size === 0) {
        // No trailers in these responses: the empty line ends the message.
        if (!rest.startsWith("\r\n")) throw new Error("incomplete chunked end");
        rest = rest.slice(2);
        break;
      }
      if (rest.length < size + 2) throw new Error("incomplete chunk");
      body += rest.slice(0, size);
      rest = rest.slice(size + 2);
    }
    out.push(body);
  }
  return out;
}

/** A keep-alive connection of the runtime's own client, one exchange at a time. */
class KeepAlive {
  #socket: runtimeNet.Socket;
  #text = "";
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(port: number) {
    this.#socket = runtimeNet.connect(port, "127.0.0.1");
    this.#socket.setEncoding("latin1");
    this.#socket.on("data", (data: string) => {
      this.#text += data;
      this.#wake?.();
    });
    this.#socket.on("error", () => {});
    this.#socket.on("close", () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  /** Sends `wire` and resolves with the one complete response's body. */
  async send(wire: string | Buffer): Promise<string> {
    this.#socket.write(wire);
    while (true) {
      try {
        const found = bodies(this.#text);
        if (found.length === 1) {
          this.#text = "";
          return found[0];
        }
      } catch {
        // Not all there yet.
      }
      if (this.#closed) throw new Error(`closed with ${JSON.stringify(this.#text.slice(0, 80))}`);
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = null;
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Each kind of exchange: what it sends and what it must get back. */
function kinds(port: number, conn: KeepAlive): Kinds {
  return {
    async get(n) {
      assert.equal(await conn.send(`GET /get${n} HTTP/1.1\r\nHost: x\r\n\r\n`), `hello /get${n}`);
    },
    async big() {
      const body = await conn.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(body, "a".repeat(BIG / 2) + "b".repeat(BIG / 2));
    },
    async stream() {
      const body = await conn.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(body, "part 4\npart 3\npart 2\npart 1\npart 0\n");
    },
    async upload() {
      const head = `POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: ${UPLOAD}\r\n\r\n`;
      const body = await conn.send(Buffer.concat([Buffer.from(head), Buffer.alloc(UPLOAD, 0x75)]));
      assert.equal(body, `got ${UPLOAD} -`);
    },
    async chunkedUpload() {
      let wire = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
      for (let i = 0; i < 8; i++) wire += `1000\r\n${"c".repeat(0x1000)}\r\n`;
      wire += "0\r\nX-Sum: 8\r\n\r\n";
      assert.equal(await conn.send(wire), `got ${8 * 0x1000} 8`);
    },
    async pipelineThenHalfClose(n) {
      // Four connections at once, each sending its requests and its FIN in
      // one write.
      await Promise.all([0, 1, 2, 3].map(async (c) => {
        const urls = Array.from({ length: 8 }, (_, i) => `/p${n}-${c}-${i}`);
        const text = await rawExchange(
          port,
          urls.map((url) => `GET ${url} HTTP/1.1\r\nHost: x\r\n\r\n`).join(""),
        );
        assert.deepEqual(bodies(text), urls.map((url) => `hello ${url}`));
      }));
    },
    async halfOpen(n) {
      const text = await rawExchange(port, `GET /h${n} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.deepEqual(bodies(text), [`hello /h${n}`]);
    },
    async leaveMidBody() {
      const text = await rawExchange(
        port,
        `POST /gone HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${"z".repeat(5000)}`,
      );
      // The body's end never comes: Node answers the cut message with a 400.
      assert.equal(statusSequence(text), "400");
    },
    async leaveMidResponse() {
      await new Promise<void>((resolve) => {
        const socket = runtimeNet.connect(port, "127.0.0.1");
        socket.on("error", () => {});
        socket.on("close", () => resolve());
        socket.once("data", () => socket.destroy());
        socket.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
      });
    },
    async malformed() {
      const text = await rawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
      assert.equal(statusSequence(text), "400");
    },
    async smuggled() {
      const text = await rawExchange(
        port,
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      );
      assert.equal(statusSequence(text), "400");
    },
  };
}

test("http.Server under concurrent mixed traffic: every exchange as on Node, no connection left", async () => {
  const guard = guardProcess();
  const server = http.createServer(handler);
  const port = await listen(server, 0, "127.0.0.1");
  const connections: KeepAlive[] = [];
  let mix: MixResult;
  try {
    mix = await runMix(WORKERS, OPS_PER_WORKER, 1, () => {
      const conn = new KeepAlive(port);
      connections.push(conn);
      return kinds(port, conn);
    });
    for (const conn of connections) conn.close();
    await untilNoConnections(server);
  } finally {
    for (const conn of connections) conn.close();
    await shutDown(server);
    guard.dispose();
  }
  assert.deepEqual(mix.failures, []);
  assert.deepEqual(guard.errors, []);
  // Every kind ran, many times.
  assert.equal(Object.keys(mix.passed).length, 11);
  for (const count of Object.values(mix.passed)) assert.ok(count >= WORKERS);
});
