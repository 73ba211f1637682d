// The httpValidation option of http.createServer() and http.request()
// (Node 26.3 / 24.19, nodejs/node#61597): 'strict', 'relaxed' (the Fetch
// standard's header-value rule, and llhttp's relaxed header-value leniency)
// or 'insecure' (every parser leniency, as insecureHTTPParser).
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import * as runtimeNet from "node:net";
import http, { type ClientRequest, type IncomingMessage, type ServerOptions } from "../../http.ts";
import type { AddressInfo } from "../../net.ts";
import { REQUEST, RESPONSE } from "../../_internal/http/parser.ts";
import { head, runAllSplits } from "../_util/parser_harness.ts";
import { runFixture } from "../_util/process.ts";
import { socketPair } from "../_util/response.ts";
import { maskDate, RawClient } from "../_util/wire.ts";
import { type Handler, serve, stop } from "../_util/serve.ts";

/** Every control character the relaxed rule adds: all but NUL, LF and CR (HTAB was allowed already). */
const RELAXED_EXTRA = [
  ...Array.from({ length: 0x20 }, (_, c) => c).filter((c) => ![0, 9, 10, 13].includes(c)),
  0x7f,
];

/** A request that never reaches a server: only its header checks matter. */
function offlineRequest(options: Record<string, unknown>): ClientRequest {
  const req = http.request({
    host: "127.0.0.1",
    port: 1,
    agent: false,
    createConnection: () => new Duplex({ read() {}, write: (_c, _e, cb) => cb() }),
    ...options,
  });
  req.on("error", () => {});
  req.destroy();
  return req;
}

test("http.createServer() and http.request() check httpValidation as Node", () => {
  const oneOf = {
    code: "ERR_INVALID_ARG_VALUE",
    name: "TypeError",
    message: "The property 'options.httpValidation' must be one of: 'strict', 'relaxed', " +
      "'insecure'. Received 'lenient'",
  };
  const together = {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The property 'options.httpValidation' cannot be used together with " +
      "options.insecureHTTPParser. Received 'relaxed'",
  };
  const make = [
    (o: Record<string, unknown>) => http.createServer(o as ServerOptions),
    (o: Record<string, unknown>) => offlineRequest(o),
  ];
  for (const create of make) {
    assert.throws(() => create({ httpValidation: "lenient" }), oneOf);
    assert.throws(() => create({ httpValidation: true }), { code: "ERR_INVALID_ARG_VALUE" });
    // Any insecureHTTPParser given, even false, conflicts.
    assert.throws(() => create({ httpValidation: "relaxed", insecureHTTPParser: false }), together);
    assert.throws(() => create({ httpValidation: "relaxed", insecureHTTPParser: true }), together);
    // insecureHTTPParser is checked first.
    assert.throws(() => create({ httpValidation: "relaxed", insecureHTTPParser: 1 }), {
      code: "ERR_INVALID_ARG_TYPE",
    });
  }
  for (const mode of ["strict", "relaxed", "insecure", undefined]) {
    assert.equal(http.createServer({ httpValidation: mode } as ServerOptions).httpValidation, mode);
    assert.equal(offlineRequest({ httpValidation: mode }).httpValidation, mode);
  }
});

test("http.ClientRequest header values follow httpValidation: the Fetch rule unless strict", () => {
  const lenientOptions = [
    { httpValidation: "relaxed" },
    { httpValidation: "insecure" },
    { insecureHTTPParser: true },
  ];
  const strictOptions = [{}, { httpValidation: "strict" }, { insecureHTTPParser: false }];
  for (const options of lenientOptions) {
    const req = offlineRequest(options);
    assert.equal(req._isLenientHeaderValidation(), true);
    for (const c of RELAXED_EXTRA) {
      const value = `a${String.fromCharCode(c)}b`;
      req.setHeader("x-set", value);
      req.appendHeader("x-append", value);
      assert.equal(req.getHeader("x-set"), value);
    }
    for (const bad of ["a\0b", "a\rb", "a\nb", "a\u0100b"]) {
      assert.throws(() => req.setHeader("x-bad", bad), {
        code: "ERR_INVALID_CHAR",
        message: 'Invalid character in header content ["x-bad"]',
      });
      assert.throws(() => req.appendHeader("x-bad", bad), { code: "ERR_INVALID_CHAR" });
    }
    // The headers option goes through the same checks, object or array.
    offlineRequest({ ...options, headers: { "x-h": "a\x01b" } });
    offlineRequest({ ...options, headers: ["x-h", "a\x7fb"] });
    assert.throws(() => offlineRequest({ ...options, headers: ["x-h", "a\nb"] }), {
      code: "ERR_INVALID_CHAR",
    });
  }
  for (const options of strictOptions) {
    const req = offlineRequest(options);
    assert.equal(req._isLenientHeaderValidation(), false);
    for (const c of RELAXED_EXTRA) {
      assert.throws(() => req.setHeader("x-set", `a${String.fromCharCode(c)}b`), {
        code: "ERR_INVALID_CHAR",
      });
    }
    assert.throws(() => offlineRequest({ ...options, headers: ["x-h", "a\x01b"] }), {
      code: "ERR_INVALID_CHAR",
    });
  }
});

test("http.validateHeaderValue() takes Node's lenient flag as a third argument", () => {
  assert.throws(() => http.validateHeaderValue("x", "a\x01b"), { code: "ERR_INVALID_CHAR" });
  http.validateHeaderValue("x", "a\x01b", true);
  assert.throws(() => http.validateHeaderValue("x", "a\0b", true), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => http.validateHeaderValue("x", undefined, true), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
});

/** What a handler threw while setting headers, and the bytes the client got. */
async function respond(
  t: { after(fn: () => unknown): void },
  options: ServerOptions,
  handler: Handler,
  request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
): Promise<string> {
  const [server, port] = await serve(handler, options);
  t.after(() => stop(server));
  const client = new RawClient(port);
  t.after(() => client.destroy());
  client.write(request);
  await client.closed;
  return maskDate(client.text);
}

/** A handler that sends control characters in every header path a response has. */
function controlHeaders(errors: string[]): Handler {
  return (_req, res) => {
    const attempt = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        errors.push((err as { code: string }).code);
      }
    };
    attempt(() => res.setHeader("X-Set", "a\x01b"));
    attempt(() => res.appendHeader("X-Append", "c\x1fd"));
    attempt(() => res.writeInformation(110, { "X-Info": "e\x0cf" }));
    attempt(() => res.setHeader("X-Nul", "g\0h"));
    attempt(() => res.writeHead(200, { "X-Head": "i\x7fj", "Content-Length": "2" }));
    if (!res.headersSent) res.writeHead(200, { "Content-Length": "2" });
    res.end("ok");
  };
}

for (
  const [label, options] of [
    ["httpValidation: 'relaxed'", { httpValidation: "relaxed" }],
    ["httpValidation: 'insecure'", { httpValidation: "insecure" }],
    ["insecureHTTPParser: true", { insecureHTTPParser: true }],
  ] as const
) {
  test(`http.ServerResponse headers may hold control characters but NUL, CR, LF under ${label}`, async (t) => {
    const errors: string[] = [];
    const text = await respond(t, options, controlHeaders(errors));
    assert.deepEqual(errors, ["ERR_INVALID_CHAR"]);
    assert.equal(
      text,
      "HTTP/1.1 110 unknown\r\nX-Info: e\x0cf\r\n\r\n" +
        "HTTP/1.1 200 OK\r\nX-Set: a\x01b\r\nX-Append: c\x1fd\r\nX-Head: i\x7fj\r\n" +
        "Content-Length: 2\r\nDate: X\r\nConnection: close\r\n\r\nok",
    );
  });
}

test("http.ServerResponse headers stay strict by default and under httpValidation: 'strict'", async (t) => {
  for (const options of [{}, { httpValidation: "strict" } as const]) {
    const errors: string[] = [];
    const text = await respond(t, options, controlHeaders(errors));
    assert.deepEqual(errors, Array(5).fill("ERR_INVALID_CHAR"));
    assert.equal(
      text,
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: X\r\nConnection: close\r\n\r\nok",
    );
  }
});

/** What the server made of a request head: its x-ctrl header, or the client error and the reply. */
async function receive(
  t: { after(fn: () => unknown): void },
  options: ServerOptions,
  request: string,
): Promise<{ header?: string; error?: string; reply: string }> {
  const seen: { header?: string; error?: string } = {};
  const [server, port] = await serve((req, res) => {
    seen.header = req.headers["x-ctrl"] as string;
    res.end();
  }, options);
  t.after(() => stop(server));
  server.on("clientError", (err: Error & { code: string }, socket) => {
    seen.error = err.code;
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  });
  const client = new RawClient(port);
  t.after(() => client.destroy());
  client.write(request);
  await client.closed;
  return { ...seen, reply: client.text.slice(0, 15) };
}

const CTRL_REQUEST =
  "GET / HTTP/1.1\r\nHost: x\r\nX-Ctrl: a\x01b\x7fc\x1f\r\nConnection: close\r\n\r\n";

test("http.Server accepts control characters in request header values under httpValidation: 'relaxed'", async (t) => {
  for (const options of [{ httpValidation: "relaxed" }, { httpValidation: "insecure" }] as const) {
    assert.deepEqual(await receive(t, options, CTRL_REQUEST), {
      header: "a\x01b\x7fc\x1f",
      reply: "HTTP/1.1 200 OK",
    });
  }
  for (const options of [{}, { httpValidation: "strict" }] as const) {
    assert.deepEqual(await receive(t, options, CTRL_REQUEST), {
      error: "HPE_INVALID_HEADER_TOKEN",
      reply: "HTTP/1.1 400 Ba",
    });
  }
});

test("http.Server under httpValidation: 'relaxed' still refuses NUL and everything else strict refuses", async (t) => {
  const relaxed = { httpValidation: "relaxed" } as const;
  const insecure = { httpValidation: "insecure" } as const;
  const cases = [
    // NUL stays out of header values.
    "GET / HTTP/1.1\r\nHost: x\r\nX-Ctrl: a\0b\r\nConnection: close\r\n\r\n",
    // A bare LF ends no line.
    "GET / HTTP/1.1\nHost: x\nX-Ctrl: a\nConnection: close\n\n",
    // Content-Length beside Transfer-Encoding.
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n" +
    "Connection: close\r\n\r\n0\r\n\r\n",
    // obs-fold.
    "GET / HTTP/1.1\r\nHost: x\r\nX-Ctrl: a\r\n b\r\nConnection: close\r\n\r\n",
  ];
  for (const request of cases) {
    const got = await receive(t, relaxed, request);
    assert.equal(got.reply, "HTTP/1.1 400 Ba", JSON.stringify(request));
  }
  // 'insecure' is insecureHTTPParser: the last three are accepted.
  for (const request of cases.slice(1)) {
    const got = await receive(t, insecure, request);
    assert.equal(got.reply, "HTTP/1.1 200 OK", JSON.stringify(request));
  }
});

test("HTTPParser relaxed: control characters but NUL in header and trailer values, however split", () => {
  const input = "GET / HTTP/1.1\r\nX-A: \x01lead\r\nX-B: mid\x0bdle\x7f\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: t\x1ft\r\n\r\n";
  assert.deepEqual(runAllSplits(REQUEST, input, { relaxed: true }), [
    [
      "head",
      head({
        method: "GET",
        url: "/",
        rawHeaders: ["X-A", "\x01lead", "X-B", "mid\x0bdle\x7f", "Transfer-Encoding", "chunked"],
        shouldKeepAlive: true,
      }),
    ],
    ["done", ["X-T", "t\x1ft"]],
  ]);
  assert.deepEqual(runAllSplits(REQUEST, input), [
    ["error", "HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 21],
  ]);
  assert.deepEqual(
    runAllSplits(RESPONSE, "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", { relaxed: true }),
    [
      ["error", "HPE_INVALID_HEADER_TOKEN", "Invalid header value char", 23],
    ],
  );
});

/** A raw server on the runtime's own sockets that answers every request with `reply`. */
async function rawServer(
  t: { after(fn: () => unknown): void },
  reply: string,
): Promise<number> {
  const sockets = new Set<runtimeNet.Socket>();
  const server = runtimeNet.createServer((conn) => {
    sockets.add(conn);
    conn.on("error", () => {});
    conn.once("data", () => conn.end(Buffer.from(reply, "latin1")));
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** The response's x-ctrl header, or the request's error code. */
function fetchHeader(port: number, options: Record<string, unknown>): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { port, host: "127.0.0.1", agent: false, ...options },
      (res: IncomingMessage) => {
        res.resume();
        res.on("end", () => resolve(`header ${JSON.stringify(res.headers["x-ctrl"])}`));
      },
    );
    req.on("error", (err: Error & { code: string }) => resolve(`error ${err.code}`));
  });
}

test("http.request() reads control characters in response header values under httpValidation: 'relaxed'", async (t) => {
  const port = await rawServer(
    t,
    "HTTP/1.1 200 OK\r\nX-Ctrl: a\x01b\x7f\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
  );
  assert.equal(await fetchHeader(port, { httpValidation: "relaxed" }), 'header "a\\u0001b\u007f"');
  assert.equal(await fetchHeader(port, { httpValidation: "insecure" }), 'header "a\\u0001b\u007f"');
  assert.equal(await fetchHeader(port, {}), "error HPE_INVALID_HEADER_TOKEN");
  assert.equal(
    await fetchHeader(port, { httpValidation: "strict" }),
    "error HPE_INVALID_HEADER_TOKEN",
  );
});

test("http.request() under httpValidation: 'relaxed' keeps the parser's other checks", async (t) => {
  // A bare LF after a header value: only the insecure parser takes it.
  const port = await rawServer(
    t,
    "HTTP/1.1 200 OK\r\nX-Ctrl: a\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
  );
  assert.equal(await fetchHeader(port, { httpValidation: "relaxed" }), "error HPE_CR_EXPECTED");
  assert.equal(await fetchHeader(port, { httpValidation: "insecure" }), 'header "a"');
});

test("httpValidation and insecureHTTPParser override --insecure-http-parser, as Node's precedence has it", async () => {
  const fixture = fileURLToPath(new URL("./fixtures/http_validation_flag.ts", import.meta.url));
  const r = await runFixture(fixture, 20_000);
  assert.equal(r.stderr, "");
  assert.deepEqual(r.stdout.trim().split("\n"), [
    "default: 200 set ok | ctrl 200 | fold 200 | request lenient true",
    "strict: 200 set ERR_INVALID_CHAR | ctrl 400 | fold 400 | request lenient false",
    "relaxed: 200 set ok | ctrl 200 | fold 400 | request lenient true",
    "insecureHTTPParser false: 200 set ERR_INVALID_CHAR | ctrl 400 | fold 400 | request lenient false",
  ]);
});

test("http.Server applies its httpValidation to a socket handed over through 'connection'", async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  let sameServer: boolean | undefined;
  let error: string | undefined;
  const server = http.createServer({ httpValidation: "relaxed" }, (req, res) => {
    sameServer = (req.socket as unknown as { server: unknown }).server === server;
    try {
      res.setHeader("X-Set", "a\x01b");
    } catch (err) {
      error = (err as { code: string }).code;
    }
    res.end("ok");
  });
  // The socket was accepted by another (net) server, as in Node's nodejs/node#13435.
  server.emit("connection", pair.socket);
  pair.client.write("GET / HTTP/1.1\r\nHost: x\r\nX-Ctrl: \x02\r\nConnection: close\r\n\r\n");
  const text = await pair.until((text) => text.endsWith("ok"));
  assert.equal(error, undefined);
  assert.equal(sameServer, true);
  assert.equal(
    maskDate(text),
    "HTTP/1.1 200 OK\r\nX-Set: a\x01b\r\nDate: X\r\nConnection: close\r\n" +
      "Content-Length: 2\r\n\r\nok",
  );
});
