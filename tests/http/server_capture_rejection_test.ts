import { test } from "node:test";
import assert from "node:assert/strict";

import events from "node:events";
import http, { type IncomingMessage, type Server, type ServerResponse } from "../../http.ts";

import { maskDate, RawClient } from "../_util/wire.ts";
import { listenOn, stop } from "../_util/serve.ts";

type AsyncHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A server built while `events.captureRejections` is on (only it captures). */
async function capturingServer(handler: AsyncHandler): Promise<[Server, number]> {
  events.captureRejections = true;
  let server: Server;
  try {
    server = http.createServer(handler);
  } finally {
    events.captureRejections = false;
  }
  return await listenOn(server);
}

test("http.Server with captureRejections answers 500 without the headers set before the rejection", async () => {
  const [server, port] = await capturingServer(async (_req, res) => {
    res.setHeader("Content-Type", "application/json");
    res.setHeader("X-Secret", "1");
    await Promise.resolve();
    throw new Error("kaboom");
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("Internal Server Error"));
    assert.equal(
      maskDate(text),
      "HTTP/1.1 500 Internal Server Error\r\nDate: X\r\nConnection: keep-alive\r\n" +
        "Keep-Alive: timeout=5\r\nContent-Length: 21\r\n\r\nInternal Server Error",
    );
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server with captureRejections destroys a response already under way", async () => {
  const [server, port] = await capturingServer(async (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    // The head and this chunk are out before the handler fails.
    await new Promise<void>((resolve) => res.write("partial", () => resolve()));
    throw new Error("kaboom");
  });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closed;
    assert.match(client.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.equal(client.text.includes("500"), false);
    assert.equal(client.text.endsWith("0\r\n\r\n"), false, "the body was cut, not ended");
  } finally {
    client.destroy();
    await stop(server);
  }
});
