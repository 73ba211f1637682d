/**
 * How a request the handler never read ends once its response is done:
 * the events and state a user can see, in Node's order, whichever way the
 * server gets there (with nobody listening it skips the ticks that would
 * only emit to nobody). Every expected log below is what Node 20's own
 * server produced for the same requests.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import http, { type IncomingMessage, type ServerOptions, type ServerResponse } from "../../http.ts";
import { RawClient } from "../_util/wire.ts";
import { serve, stop } from "../_util/serve.ts";

type Logged = (req: IncomingMessage, res: ServerResponse, log: string[]) => void;

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/**
 * Serves `requests` (sent at once, then FIN) with `handler` and returns
 * what it logged, after every response closed and one more turn; what the
 * client received goes into `received`.
 */
async function served(
  handler: Logged,
  requests: string,
  options: ServerOptions = {},
  received: string[] = [],
): Promise<string[]> {
  const log: string[] = [];
  const [server, port] = await serve((req, res) => handler(req, res, log), options);
  const client = new RawClient(port);
  try {
    client.write(requests);
    client.end();
    await client.closed;
    received.push(client.text);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    client.destroy();
    await stop(server);
  }
  return log;
}

test("listeners a response's 'finish' adds to its unread request hear 'end' and 'close'", async () => {
  const log = await served((req, res, log) => {
    res.on("finish", () => {
      log.push("finish");
      req.on("end", () => log.push("req end"));
      req.on("close", () => log.push("req close"));
    });
    res.on(
      "close",
      () => log.push(`res close ended=${req.readableEnded} destroyed=${req.destroyed}`),
    );
    res.end("x");
  }, GET);
  assert.deepEqual(log, [
    "finish",
    "res close ended=false destroyed=false",
    "req end",
    "req close",
  ]);
});

test("listeners a response's 'close' adds to its unread request hear 'end' and 'close'", async () => {
  const log = await served((req, res, log) => {
    res.on("close", () => {
      log.push("res close");
      req.on("end", () => log.push("req end"));
      req.on("close", () => log.push("req close"));
    });
    res.end("x");
  }, GET);
  assert.deepEqual(log, ["res close", "req end", "req close"]);
});

test("an unread request nobody listened to is ended, dumped and closed after its response", async () => {
  const log = await served((req, res, log) => {
    res.on("close", () =>
      setImmediate(() =>
        log.push(
          `ended=${req.readableEnded} destroyed=${req.destroyed} closed=${req.closed} ` +
            `dumped=${req._dumped} complete=${req.complete} aborted=${req.aborted} ` +
            `readable=${req.readable}`,
        )
      ));
    res.end("x");
  }, GET);
  assert.deepEqual(log, [
    "ended=true destroyed=true closed=true dumped=true complete=true aborted=false readable=false",
  ]);
});

test("an IncomingMessage subclass sees every stream event of an unread request", async () => {
  const seen: string[] = [];
  class Recording extends http.IncomingMessage {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== "newListener" && event !== "removeListener") seen.push(String(event));
      return super.emit(event, ...args);
    }
  }
  await served((_req, res) => res.end("x"), GET, { IncomingMessage: Recording });
  assert.deepEqual(seen, ["readable", "resume", "end", "close"]);
});

test("a request read only after its body ended still yields its body and its end", async () => {
  const readLate: Logged = (req, res, log) => {
    setImmediate(async () => {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Uint8Array).byteLength;
      log.push(`${req.method} read ${bytes} ended=${req.readableEnded}`);
      res.end("x");
    });
  };
  assert.deepEqual(await served(readLate, GET), ["GET read 0 ended=true"]);
  const post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
  assert.deepEqual(await served(readLate, post), ["POST read 3 ended=true"]);
});

test("a pipelined request's handler can still watch the request before it", async () => {
  let previous: IncomingMessage | null = null;
  const log = await served((req, res, log) => {
    if (previous !== null) {
      previous.on("end", () => log.push("previous end"));
      previous.on("close", () => log.push("previous close"));
    }
    previous = req;
    log.push(`request ${req.url}`);
    setImmediate(() => res.end("x"));
  }, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.deepEqual(log, ["request /1", "request /2", "previous end", "previous close"]);
});

test("a request destroyed in its response's 'finish' ends as in Node", async () => {
  const received: string[] = [];
  const log = await served(
    (req, res, log) => {
      res.on("finish", () => {
        req.destroy();
        log.push(`${req.url} destroyed: aborted=${req.aborted} socket=${req.socket?.destroyed}`);
      });
      res.on(
        "close",
        () =>
          setImmediate(() =>
            log.push(`${req.url} later: ended=${req.readableEnded} closed=${req.closed}`)
          ),
      );
      res.end("x");
    },
    "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
    {},
    received,
  );
  // Both responses were written before the first 'finish' destroyed the
  // socket, so both went out (Node 20 gives the same log and bytes).
  assert.equal(received[0].match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  assert.deepEqual(log, [
    "/1 destroyed: aborted=true socket=true",
    "/2 destroyed: aborted=true socket=true",
    "/1 later: ended=true closed=true",
    "/2 later: ended=true closed=true",
  ]);
});
