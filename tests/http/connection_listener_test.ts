import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "../../http.ts";
import net, { type AddressInfo, type Socket } from "../../net.ts";
import { maskDate, RawClient } from "../_util/wire.ts";

test("http._connectionListener serves HTTP on a socket accepted by another server", async () => {
  const handed: Socket[] = [];
  const web = http.createServer({ keepAliveTimeout: 1000 }, (req, res) => {
    assert.equal(req.socket, handed[0]);
    res.end(`hello ${req.url}`);
  });
  let webConnections = 0;
  web.on("connection", () => webConnections++);
  const front = net.createServer((socket) => {
    handed.push(socket);
    http._connectionListener.call(web, socket);
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  const client = new RawClient((front.address() as AddressInfo).port);
  try {
    client.write("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    const text = await client.until((t) => t.endsWith("hello /x"));
    assert.equal(
      maskDate(text),
      "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n" +
        "Content-Length: 8\r\n\r\nhello /x",
    );
    // The http server's options and bookkeeping apply, but it never saw a 'connection'.
    assert.equal(webConnections, 0);
    web.closeAllConnections();
    await client.closed;
  } finally {
    client.destroy();
    await new Promise((resolve) => front.close(resolve));
  }
  assert.equal(http._connectionListener, (await import("../../http.ts"))._connectionListener);
});
