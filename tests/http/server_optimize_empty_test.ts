import { test } from "node:test";
import assert from "node:assert/strict";
import http, { type IncomingMessage, type ServerResponse } from "../../http.ts";
import { maskDate, RawClient } from "../_util/wire.ts";
import { type Handler, serve, stop } from "../_util/serve.ts";

/** What a request's stream looked like in the handler, and what it emitted after. */
interface Seen {
  url: string;
  dumped: boolean;
  ended: boolean;
  destroyed: boolean;
  events: string[];
}

/** Records each request's state on arrival and every stream event it emits afterwards. */
function recorder(seen: Seen[]): Handler {
  return (req, res) => {
    const entry: Seen = {
      url: req.url,
      dumped: req._dumped,
      ended: req.readableEnded,
      destroyed: req.destroyed,
      events: [],
    };
    seen.push(entry);
    for (const event of ["data", "end", "close", "aborted", "error"]) {
      req.on(event, () => entry.events.push(event));
    }
    res.end(req.url);
  };
}

function okResponse(body: string): string {
  return "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
}

test("http.createServer() optimizeEmptyRequests hands body-less requests over already ended and closed", async () => {
  const seen: Seen[] = [];
  const [server, port] = await serve(recorder(seen), { optimizeEmptyRequests: true });
  const requests = [
    "GET /get HTTP/1.1\r\nHost: x\r\n\r\n",
    "HEAD /head HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /post HTTP/1.1\r\nHost: x\r\n\r\n",
    "DELETE /delete HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /post-cl0 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    "GET /get-cl0 HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\n",
    "POST /post-te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "GET /get-te HTTP/1.1\r\nHost: x\r\nTRANSFER-ENCODING: chunked\r\n\r\n0\r\n\r\n",
  ];
  try {
    for (const request of requests) {
      const client = new RawClient(port);
      try {
        client.write(request);
        client.end();
        await client.closed;
      } finally {
        client.destroy();
      }
    }
  } finally {
    await stop(server);
  }
  const optimized = { dumped: true, ended: true, destroyed: true, events: [] };
  // A request whose body headers promise (even an empty) body reads it as usual.
  const streamed = { dumped: false, ended: false, destroyed: false, events: ["end", "close"] };
  assert.deepEqual(seen, [
    { url: "/get", ...optimized },
    { url: "/head", ...optimized },
    { url: "/post", ...optimized },
    { url: "/delete", ...optimized },
    { url: "/post-cl0", ...streamed },
    { url: "/get-cl0", ...streamed },
    { url: "/post-te", ...streamed },
    { url: "/get-te", ...streamed },
  ]);
});

test("http.createServer() without optimizeEmptyRequests streams a GET's empty body as before", async () => {
  const seen: Seen[] = [];
  const [server, port] = await serve(recorder(seen), { optimizeEmptyRequests: false });
  const client = new RawClient(port);
  try {
    client.write("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    await client.closed;
  } finally {
    client.destroy();
    await stop(server);
  }
  assert.deepEqual(seen, [{
    url: "/plain",
    dumped: false,
    ended: false,
    destroyed: false,
    events: ["end", "close"],
  }]);
});

test("http.createServer() validates optimizeEmptyRequests as a boolean", () => {
  assert.throws(
    () => http.createServer({ optimizeEmptyRequests: 1 as unknown as boolean }),
    {
      code: "ERR_INVALID_ARG_TYPE",
      message: 'The "options.optimizeEmptyRequests" property must be of type boolean. ' +
        "Received type number (1)",
    },
  );
  // Node keeps the setting behind a symbol: no public property appears.
  const server = http.createServer({ optimizeEmptyRequests: true });
  assert.equal(Object.keys(server).includes("optimizeEmptyRequests"), false);
});

test("http.Server with optimizeEmptyRequests keeps pipelined and kept-alive requests in order", async () => {
  const bodies: string[] = [];
  const states: boolean[] = [];
  let held: ServerResponse | null = null;
  const [server, port] = await serve((req, res) => {
    states.push(req.readableEnded);
    if (req.url === "/slow") {
      // Answered only once the pipelined requests behind it have arrived.
      held = res;
      return;
    }
    if (req.method === "POST") {
      let body = "";
      req.setEncoding("latin1");
      req.on("data", (chunk: string) => body += chunk);
      req.on("end", () => {
        bodies.push(body);
        res.end(body);
      });
      return;
    }
    res.end(req.url);
    if (held !== null && req.url === "/last") {
      held.end("/slow");
      held = null;
    }
  }, { optimizeEmptyRequests: true });
  const client = new RawClient(port);
  try {
    client.write(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" +
        "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
        "GET /last HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    const text = await client.until((t) => t.endsWith("/last"));
    assert.equal(maskDate(text), okResponse("/slow") + okResponse("hello") + okResponse("/last"));
    // The connection stays open and takes another optimized request.
    client.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
    const more = await client.until((t) => t.endsWith("/again"));
    assert.equal(maskDate(more).endsWith(okResponse("/again")), true);
    assert.equal(client.isClosed, false);
    assert.deepEqual(states, [true, false, true, true]);
    assert.deepEqual(bodies, ["hello"]);
    // Every response finished, so the connection counts as idle.
    server.closeIdleConnections();
    await client.closed;
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server with optimizeEmptyRequests lets the parser drop each request once answered", async () => {
  let parserIncoming: unknown = "unset";
  const [server, port] = await serve((req, res) => {
    const socket = req.socket as unknown as { parser: { incoming: unknown } };
    res.on("finish", () => {
      // Node's clearIncoming: an ended request is released right away.
      parserIncoming = socket.parser.incoming;
    });
    res.end();
  }, { optimizeEmptyRequests: true });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.untilResponses(1);
    assert.equal(parserIncoming, null);
  } finally {
    client.destroy();
    await stop(server);
  }
});

test("http.Server with optimizeEmptyRequests: a client leaving early aborts no request", async () => {
  let request: IncomingMessage | null = null;
  const events: string[] = [];
  let resClosed!: () => void;
  const responseClosed = new Promise<void>((resolve) => resClosed = resolve);
  const [server, port] = await serve((req, res) => {
    request = req;
    for (const event of ["aborted", "error", "close", "end"]) {
      req.on(event, () => events.push(`req ${event}`));
    }
    res.on("close", () => {
      events.push("res close");
      resClosed();
    });
    req.socket!.destroy();
  }, { optimizeEmptyRequests: true });
  const client = new RawClient(port);
  try {
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await responseClosed;
    await client.closed;
    // The socket's own close, where the connection aborts its requests, came first.
    assert.equal(request!.socket!.destroyed, true);
    assert.deepEqual(events, ["res close"]);
    assert.equal(request!.aborted, false);
  } finally {
    client.destroy();
    await stop(server);
  }
});
