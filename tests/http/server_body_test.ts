/**
 * Large request bodies: the server may read them from the socket in pieces
 * larger than Node's, but a request still hands them on in chunks of at
 * most 64 KiB, every byte in order, paused and resumed at will, and the next
 * request on the connection is read as usual.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { setImmediate } from "node:timers";
import type { IncomingMessage } from "../../http.ts";
import { RawClient } from "../_util/wire.ts";
import { serve, stop } from "../_util/serve.ts";

/** Deterministic bytes that differ at every offset a piece could start at. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 9)) & 0xff;
  return bytes;
}

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Collects a request's chunks; resolves with them at 'end'. */
function chunksOf(req: IncomingMessage): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => req.on("end", () => resolve(chunks)));
}

test("http.IncomingMessage hands a 3 MiB body on in chunks of at most 64 KiB, intact", async () => {
  const body = pattern(3 * 1024 * 1024);
  const sizes: number[][] = [];
  const [server, port] = await serve(async (req, res) => {
    const chunks = await chunksOf(req);
    sizes.push(chunks.map((chunk) => chunk.length));
    res.end(`${req.url} ${sha(Buffer.concat(chunks))}`);
  });
  const client = new RawClient(port);
  try {
    // A Content-Length body, a chunked one in 1 MiB chunks, and a request
    // without a body, all in one stream of bytes.
    const chunked = [0, 1, 2].map((i) => body.subarray(i << 20, (i + 1) << 20));
    client.write(
      Buffer.concat([
        Buffer.from(`POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
        Buffer.from("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ...chunked.flatMap((part) => [
          Buffer.from(`${part.length.toString(16)}\r\n`),
          part,
          Buffer.from("\r\n"),
        ]),
        Buffer.from("0\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"),
      ]),
    );
    const text = await client.untilResponses(3);
    const bodies = text.split("\r\n\r\n").slice(1).map((part) => part.split("HTTP/")[0]);
    const digest = sha(body);
    assert.deepEqual(bodies, [
      `/length ${digest}`,
      `/chunked ${digest}`,
      `/after ${sha(Buffer.alloc(0))}`,
    ]);
    for (const list of sizes.slice(0, 2)) {
      assert.ok(list.length >= 48, `${list.length} chunks`);
      assert.ok(list.every((size) => size > 0 && size <= 65536), `sizes ${list}`);
    }
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.IncomingMessage paused in the middle of a large body resumes with every byte", async () => {
  const body = pattern(2 * 1024 * 1024);
  const [server, port] = await serve((req, res) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let paused = false;
    req.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (!paused && received >= 512 * 1024) {
        // Stop reading for a few loop turns: the socket stops too, and the
        // bytes the client keeps sending wait in the kernel.
        paused = true;
        req.pause();
        let turns = 20;
        const later = () => --turns > 0 ? setImmediate(later) : req.resume();
        setImmediate(later);
      }
    });
    req.on("end", () => res.end(sha(Buffer.concat(chunks))));
  });
  const client = new RawClient(port);
  try {
    client.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
    client.write(body);
    const text = await client.untilResponses(1);
    await client.until((t) => t.endsWith(sha(body)));
    assert.ok(text.startsWith("HTTP/1.1 200 OK\r\n"));
  } finally {
    client.destroy();
    await stop(server);
  }
});
