/**
 * Strings written to a socket arrive as the bytes `Buffer.from(string,
 * encoding)` gives, in every encoding, also while many writes wait in the
 * queue (short strings are encoded into shared slabs; a region must never be
 * reused while a write still holds it).
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import net, { type Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

/** What a server received from a client that `write` fills and then ends. */
async function collect(write: (client: Socket) => void): Promise<Buffer> {
  let done!: (bytes: Buffer) => void;
  const received = new Promise<Buffer>((resolve) => done = resolve);
  const server = net.createServer((socket: Socket) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => done(Buffer.concat(chunks)));
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  try {
    await once(client, "connect");
    write(client);
    client.end();
    return await received;
  } finally {
    client.destroy();
    await closeServer(server);
  }
}

const samples: [string, BufferEncoding | undefined][] = [
  ["plain ascii\r\n", undefined],
  ["caf\u00e9 \u20ac \u{1f600} and a lone \ud800 surrogate", undefined],
  ["caf\u00e9 \u20ac", "utf8"],
  ["caf\u00e9 latin1 \u00ff", "latin1"],
  ["ascii only", "latin1"],
  ["\u20ac\u0100 latin1 keeps the low byte", "latin1"],
  ["binary \u00e9", "binary"],
  ["ascii \u00e9 keeps the low byte", "ascii"],
  ["68656c6c6f", "hex"],
  ["aGVsbG8gd29ybGQ=", "base64"],
  ["utf16 \u00e9", "utf16le"],
  ["", undefined],
];

test("socket.write(string, encoding) sends Buffer.from's bytes for each encoding", async () => {
  const got = await collect((client) => {
    for (const [text, encoding] of samples) client.write(text, encoding as BufferEncoding);
  });
  const expected = Buffer.concat(samples.map(([text, enc]) => Buffer.from(text, enc)));
  assert.deepEqual(got, expected);
});

test("thousands of queued string writes arrive intact, long strings included", async () => {
  const parts: string[] = [];
  for (let i = 0; i < 3000; i++) {
    // Lengths cross the shared-slab size many times; some are multi-byte,
    // one in a hundred is longer than what the slab takes.
    const unit = i % 3 === 0 ? "\u00e9\u20ac" : String.fromCharCode(97 + (i % 26));
    parts.push(unit.repeat(i % 100 === 0 ? 9000 : 1 + ((i * 53) % 700)));
  }
  const got = await collect((client) => {
    // All queued before any leaves: each write holds its bytes until sent.
    client.cork();
    for (const part of parts) client.write(part);
    client.uncork();
  });
  assert.equal(got.toString("utf8"), parts.join(""));
});
