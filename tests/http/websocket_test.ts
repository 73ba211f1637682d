import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import http, { CloseEvent, MessageEvent, WebSocket } from "../../http.ts";
import type { Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

// RFC 6455: the accept key is the base64 SHA-1 of the client's key and this GUID.
const kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function acceptKey(key: string): string {
  return createHash("sha1").update(key + kGuid).digest("base64");
}

/** An unmasked server frame: FIN set, `opcode`, a payload under 126 bytes. */
function frame(opcode: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
}

/** The payload of the first complete masked client frame in `bytes`, or null. */
function clientFrame(bytes: Buffer): { opcode: number; payload: Buffer } | null {
  if (bytes.length < 6) return null;
  const len = bytes[1] & 0x7f;
  assert.ok(bytes[1] & 0x80, "client frames are masked");
  assert.ok(len < 126, "the test sends short frames only");
  if (bytes.length < 6 + len) return null;
  const mask = bytes.subarray(2, 6);
  const payload = Buffer.from(bytes.subarray(6, 6 + len));
  for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3];
  return { opcode: bytes[0] & 0x0f, payload };
}

test("http exposes the runtime's WebSocket, CloseEvent and MessageEvent as Node does", () => {
  assert.equal(http.WebSocket, globalThis.WebSocket);
  assert.equal(http.CloseEvent, globalThis.CloseEvent);
  assert.equal(http.MessageEvent, globalThis.MessageEvent);
  assert.equal(WebSocket, globalThis.WebSocket);
  assert.ok(Object.keys(http).includes("WebSocket"));
});

test("http.WebSocket talks to an http.Server 'upgrade' handler over the handed-over socket", {
  timeout: 10_000,
}, async () => {
  const server = http.createServer((_req, res) => res.end("not a websocket"));
  let serverSocket: Socket | null = null;
  const seen: string[] = [];
  server.on("upgrade", (req, socket: Socket, head: Buffer) => {
    serverSocket = socket;
    assert.equal(req.headers.upgrade?.toString().toLowerCase(), "websocket");
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${acceptKey(String(req.headers["sec-websocket-key"]))}\r\n\r\n`,
    );
    let pending = Buffer.from(head);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let f = clientFrame(pending); f !== null; f = clientFrame(pending)) {
        pending = pending.subarray(6 + f.payload.length);
        if (f.opcode === 0x1) {
          seen.push(f.payload.toString());
          socket.write(frame(0x1, Buffer.from(`echo:${f.payload}`)));
          // Then a close with code 1000 and a reason.
          socket.write(frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("bye")])));
        } else if (f.opcode === 0x8) {
          seen.push(`close:${f.payload.readUInt16BE(0)}`);
          socket.end();
        }
      }
    });
  });
  const port = await listen(server, 0, "127.0.0.1");
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`);
  let closed: CloseEvent | null = null;
  const messages: unknown[] = [];
  try {
    ws.onopen = () => ws.send("hi");
    ws.onmessage = (event) => {
      assert.ok(event instanceof MessageEvent);
      messages.push(event.data);
    };
    const closing = new Promise<void>((resolve, reject) => {
      ws.onclose = (event) => {
        closed = event;
        resolve();
      };
      ws.onerror = () => reject(new Error("websocket error"));
    });
    await closing;
    if (serverSocket !== null && !(serverSocket as Socket).destroyed) {
      await once(serverSocket, "close");
    }
  } finally {
    ws.close();
    await closeServer(server);
  }
  assert.deepEqual(messages, ["echo:hi"]);
  assert.ok(closed !== null && (closed as CloseEvent) instanceof CloseEvent);
  assert.equal((closed as unknown as CloseEvent).code, 1000);
  assert.equal((closed as unknown as CloseEvent).reason, "bye");
  assert.deepEqual(seen, ["hi", "close:1000"]);
});
