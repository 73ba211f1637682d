import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import events from "node:events";
import net, { type Server, type Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

/** A server built while `events.captureRejections` is on (only it captures). */
function capturingServer(listener: (socket: Socket) => Promise<void>): Server {
  events.captureRejections = true;
  try {
    return net.createServer(listener);
  } finally {
    events.captureRejections = false;
  }
}

test("net.Server with captureRejections destroys the connection whose async listener rejected", async () => {
  const kaboom = new Error("kaboom");
  const serverErrors: Error[] = [];
  let socketError!: (err: Error) => void;
  const socketErrored = new Promise<Error>((resolve) => socketError = resolve);
  const server = capturingServer(async (socket) => {
    socket.on("error", socketError);
    await Promise.resolve();
    throw kaboom;
  });
  server.on("error", (err) => serverErrors.push(err));
  try {
    const port = await listen(server, 0, "127.0.0.1");
    const client = net.connect(port, "127.0.0.1");
    client.on("error", () => {});
    client.resume();
    assert.equal(await socketErrored, kaboom);
    await once(client, "close");
    assert.deepEqual(serverErrors, []);
  } finally {
    await closeServer(server);
  }
});

test("net.Server with captureRejections turns other events' rejections into 'error'", async () => {
  const kaboom = new Error("kaboom");
  const server = capturingServer(async () => {});
  const errored = once(server, "error");
  server.on("listening", async () => {
    await Promise.resolve();
    throw kaboom;
  });
  try {
    await listen(server, 0, "127.0.0.1");
    assert.deepEqual(await errored, [kaboom]);
  } finally {
    await closeServer(server);
  }
});
