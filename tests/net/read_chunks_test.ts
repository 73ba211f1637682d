/**
 * Chunks a socket hands out stay the caller's: later reads never write over
 * them (the Deno transport reads into shared slabs and hands out views).
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import net, { type Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

test("net.Socket 'data' chunks kept by the caller survive every later read unchanged", async () => {
  const kept: Buffer[] = [];
  const server = net.createServer((socket: Socket) => {
    socket.on("data", (chunk: Buffer) => {
      kept.push(chunk);
      // One echo byte per message, so the client sends the next one only
      // after this read: every message is a read of its own.
      socket.write("k");
    });
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = net.connect(port, "127.0.0.1");
  try {
    await once(client, "connect");
    const sent: string[] = [];
    for (let i = 0; i < 300; i++) {
      // Sizes from 1 byte to a few KiB, so reads both share slabs and outgrow them.
      const message = String.fromCharCode(65 + (i % 26)).repeat(1 + ((i * 37) % 3000));
      sent.push(message);
      client.write(message);
      await once(client, "data");
    }
    const received = Buffer.concat(kept).toString("latin1");
    assert.equal(received, sent.join(""), "every kept chunk still holds its own bytes");
  } finally {
    client.destroy();
    await closeServer(server);
  }
});
