/**
 * Behaviour that code observes only by reaching into streams and sockets,
 * kept as Node has it: when a request counts as being read, and the socket
 * writes a chunked body makes when someone wraps `socket.write`.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { setImmediate } from "node:timers";
import http, { type IncomingMessage } from "../../http.ts";
import type { Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";
import { RawClient } from "../_util/wire.ts";

test("http.ServerResponse ending before a paused request was read dumps the request", async () => {
  let request: IncomingMessage | null = null;
  const finished = Promise.withResolvers<void>();
  const server = http.createServer((req, res) => {
    request = req;
    req.pause();
    req.on("data", () => {});
    res.on("finish", () => finished.resolve());
    // The body chunk that came with the head is pushed before this runs.
    setImmediate(() => res.end("ok"));
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    await finished.promise;
    assert.equal(request!._dumped, true, "the response's end dumps an unread request");
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
});

test("http.ServerResponse ending after a 'data' listener read a request leaves it undumped", async () => {
  let request: IncomingMessage | null = null;
  const finished = Promise.withResolvers<void>();
  const server = http.createServer((req, res) => {
    request = req;
    // As in Node, a reader attached in the handler counts even though the
    // whole body (and its end) came in the packet with the head.
    req.once("data", () => {
      req.pause();
      res.on("finish", () => finished.resolve());
      res.end();
    });
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write(
      Buffer.concat([
        Buffer.from("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"),
        Buffer.alloc(100, 1),
      ]),
    );
    await finished.promise;
    assert.equal(request!._consuming, true);
    assert.equal(request!._dumped, false, "a request being read is not dumped");
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
});

test("http.ServerResponse chunked body makes Node's socket writes when socket.write is wrapped", async () => {
  const counts: number[] = [];
  const server = http.createServer((_req, res) => {
    const socket = res.socket!;
    const write = socket.write;
    let calls = 0;
    socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
      calls++;
      return write.apply(this, args);
    } as Socket["write"];
    res.on("finish", () => counts.push(calls));
    res.writeHead(200, { "a-header": "v" });
    res.end("asd");
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("0\r\n\r\n"));
    assert.match(text, /\r\n\r\n3\r\nasd\r\n0\r\n\r\n$/);
    assert.deepEqual(counts, [5], "head+size, CRLF, data, CRLF, last chunk");
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
});

/**
 * The socket writes `res.end(Buffer.from("asd"))` makes, as seen by a
 * `write` wrapper that `wrap` installs (it returns the undo). Node makes the
 * head, the body, then an empty write that carries 'finish'. Unwrapped, ours
 * sends the head and a small body as one write.
 */
async function endBufferWrites(
  wrap: (socket: Socket, record: (data: unknown) => void) => () => void,
): Promise<{ writes: string[]; head: number }> {
  const writes: string[] = [];
  const record = (data: unknown) =>
    writes.push(
      typeof data === "string" ? `string ${data.length}` : `bytes ${(data as Uint8Array).length}`,
    );
  const finished = Promise.withResolvers<void>();
  let undo = () => {};
  const server = http.createServer((_req, res) => {
    undo = wrap(res.socket!, record);
    res.on("finish", () => finished.resolve());
    res.end(Buffer.from("asd"));
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("\r\n\r\nasd"));
    await finished.promise;
    return { writes, head: text.indexOf("\r\n\r\n") + 4 };
  } finally {
    undo();
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
}

test("http.ServerResponse end(Buffer) makes Node's socket writes when socket.write is wrapped", async () => {
  const { writes, head } = await endBufferWrites((socket, record) => {
    const write = socket.write;
    socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
      record(args[0]);
      return write.apply(this, args);
    } as Socket["write"];
    return () => {};
  });
  assert.deepEqual(writes, [`string ${head}`, "bytes 3", "string 0"]);
});

test("http.ServerResponse end(Buffer) makes Node's socket writes when Socket.prototype.write is wrapped", async () => {
  const { writes, head } = await endBufferWrites((socket, record) => {
    const proto = Object.getPrototypeOf(socket) as Socket;
    const own = Object.hasOwn(proto, "write");
    const write = proto.write;
    proto.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
      if (this === socket) record(args[0]);
      return write.apply(this, args);
    } as Socket["write"];
    return () => {
      if (own) proto.write = write;
      else delete (proto as { write?: unknown }).write;
    };
  });
  assert.deepEqual(writes, [`string ${head}`, "bytes 3", "string 0"]);
});

test("http.ServerResponse chunked body leaves in one write per chunk on an unwrapped socket", async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200);
    res.write("abc");
    res.end("de");
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const text = await client.until((t) => t.endsWith("0\r\n\r\n"));
    assert.match(text, /\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n$/);
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
});

/** Events of an unread GET and its response, in the order they came. */
async function unreadRequestEvents(listenForEnd: boolean): Promise<{
  events: string[];
  request: IncomingMessage;
}> {
  const events: string[] = [];
  let request: IncomingMessage | null = null;
  const closed = Promise.withResolvers<void>();
  const server = http.createServer((req, res) => {
    request = req;
    if (listenForEnd) req.on("end", () => events.push("req end"));
    req.on("close", () => {
      events.push(`req close (readableEnded ${req.readableEnded}, aborted ${req.aborted})`);
      closed.resolve();
    });
    res.on("close", () => events.push("res close"));
    res.end("ok");
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await closed.promise;
    return { events, request: request! };
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
}

test("http.IncomingMessage never read still ends and closes after its response, as in Node", async () => {
  const { events, request } = await unreadRequestEvents(false);
  assert.deepEqual(events, ["res close", "req close (readableEnded true, aborted false)"]);
  assert.equal(request.complete, true);
  assert.equal(request.destroyed, true);
});

test("http.IncomingMessage never read: 'end' comes between the response's and its own 'close'", async () => {
  const { events } = await unreadRequestEvents(true);
  assert.deepEqual(events, [
    "res close",
    "req end",
    "req close (readableEnded true, aborted false)",
  ]);
});

test("http.Server socket 'data' listeners hear every byte, requests and upgrade alike, as in Node", async () => {
  const heard: string[] = [];
  const upgraded = Promise.withResolvers<[Socket, string]>();
  const server = http.createServer((_req, res) => res.end("ok"));
  server.on("connection", (socket: Socket) => {
    // Node's parser reads the socket's handle itself until code listens
    // for 'data': then both get the bytes.
    socket.on("data", (chunk: Buffer) => heard.push(chunk.toString("latin1")));
  });
  server.on("upgrade", (_req, socket: Socket, head: Buffer) => {
    upgraded.resolve([socket, head.toString("latin1")]);
  });
  const port = await listen(server, 0, "127.0.0.1");
  const client = new RawClient(port);
  try {
    const first = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const upgrade =
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: demo\r\n\r\nearly";
    client.write(first);
    await client.untilResponses(1);
    client.write(upgrade);
    const [socket, head] = await upgraded.promise;
    assert.equal(head, "early");
    assert.equal(heard.join(""), first + upgrade);
    const later = new Promise<void>((resolve) => socket.once("data", () => resolve()));
    client.write("later");
    await later;
    assert.equal(heard.join(""), first + upgrade + "later");
    socket.destroy();
  } finally {
    client.destroy();
    server.closeAllConnections();
    await closeServer(server);
  }
});

test("http client: a socket ended after a 'Connection: close' response stays open through the ticks and promise jobs of its 'end' handler, and closes after its immediates", async () => {
  const server = http.createServer((_req, res) => {
    res.setHeader("Connection", "close");
    res.end("hello");
  });
  try {
    const port = await listen(server, 0, "127.0.0.1");
    const seen = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      http.get({ port, host: "127.0.0.1", path: "/" }, (res) => {
        const socket = res.socket as Socket;
        res.resume();
        // The client ends the socket in its own 'end' listener, which runs
        // first; libuv completes that shutdown from the loop, so the socket
        // is still there for work queued from the user's listener (Node 20).
        res.on("end", () => {
          queueMicrotask(() =>
            process.nextTick(() => seen.push(`micro+tick destroyed=${socket.destroyed}`))
          );
          process.nextTick(() =>
            queueMicrotask(() =>
              process.nextTick(() => seen.push(`tick+micro+tick destroyed=${socket.destroyed}`))
            )
          );
          setImmediate(() => seen.push(`immediate destroyed=${socket.destroyed}`));
        });
        socket.on("close", () => {
          seen.push("close");
          resolve(seen);
        });
      });
    });
    assert.deepEqual(seen, [
      "micro+tick destroyed=false",
      "tick+micro+tick destroyed=false",
      "immediate destroyed=true",
      "close",
    ]);
  } finally {
    await closeServer(server);
  }
});
