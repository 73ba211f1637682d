/**
 * The client and a keep-alive Agent under mixed traffic from many callers at
 * once: requests queue for a few pooled sockets while others upload, stream,
 * wait for 100 Continue, time out, are aborted mid-response or lose their
 * connection. Every request must settle as on Node, the pool must end empty
 * of busy sockets and queued requests, and nothing may throw.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { setTimeout } from "node:timers";
import http, {
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
  type ServerResponse,
} from "../../http.ts";
import { listen, untilTrue } from "../_util/net.ts";
import { guardProcess, type Kinds, type MixResult, runMix, shutDown } from "../_util/robust.ts";

const CALLERS = 12;
const OPS_PER_CALLER = 28;
const BIG = 300_000;

function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === "POST" || req.method === "PUT") {
    let size = 0;
    req.on("data", (chunk: Buffer) => size += chunk.length);
    req.on("end", () => {
      res.setHeader("x-size", size);
      res.setHeader("x-trailer", String(req.trailers["x-sum"] ?? "-"));
      res.end();
    });
    return;
  }
  switch (req.url) {
    case "/big":
      res.end(Buffer.alloc(BIG, 0x61));
      return;
    case "/chunked":
      for (let i = 0; i < 20; i++) res.write("x".repeat(1000));
      res.addTrailers({ "x-done": "yes" });
      res.end();
      return;
    case "/late":
      // Answered after the caller's timeout, if the socket is still there.
      setTimeout(() => res.destroyed || res.end("late"), 100);
      return;
    case "/204":
    case "/304":
      res.statusCode = Number(req.url.slice(1));
      res.end();
      return;
    case "/close":
      res.setHeader("connection", "close");
      res.end("bye");
      return;
    case "/destroy":
      res.socket!.destroy();
      return;
  }
  res.end(`hello ${req.url}`);
}

interface Outcome {
  status?: number | null;
  headers?: IncomingMessage["headers"];
  trailers?: IncomingMessage["trailers"];
  body?: string;
  error?: string;
}

/** Runs one request; `send` writes its body (default: none) and `watch` sees it first. */
function request(
  options: RequestOptions,
  send: (req: ClientRequest) => void = (req) => req.end(),
): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = http.request(options, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (text: string) => body += text);
      res.on(
        "end",
        () =>
          resolve({ status: res.statusCode, headers: res.headers, trailers: res.trailers, body }),
      );
      res.on("error", (err: Error & { code?: string }) => resolve({ error: err.code }));
    });
    req.on("error", (err: Error & { code?: string }) => resolve({ error: err.code }));
    send(req);
  });
}

test("http.Agent under concurrent mixed traffic: every request settles as on Node, the pool drains", async () => {
  const guard = guardProcess();
  const server = http.createServer(handler);
  server.on("checkContinue", (req, res) => {
    res.writeContinue();
    server.emit("request", req, res);
  });
  const port = await listen(server, 0, "127.0.0.1");
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2 });
  const base = { host: "127.0.0.1", port, agent };
  const kinds: Kinds = {
    async get(n) {
      assert.deepEqual((await request({ ...base, path: `/g${n}` })).body, `hello /g${n}`);
    },
    async big() {
      assert.equal((await request({ ...base, path: "/big" })).body, "a".repeat(BIG));
    },
    async chunked() {
      const out = await request({ ...base, path: "/chunked" });
      assert.equal(out.body, "x".repeat(20_000));
      assert.equal(out.trailers!["x-done"], "yes");
    },
    async upload() {
      const out = await request(
        { ...base, method: "POST", path: "/up", headers: { "content-length": 50_000 } },
        (req) => {
          req.write("a".repeat(25_000));
          req.end("b".repeat(25_000));
        },
      );
      assert.equal(out.headers!["x-size"], "50000");
    },
    async chunkedUpload() {
      const out = await request(
        { ...base, method: "POST", path: "/up", headers: { trailer: "x-sum" } },
        (req) => {
          for (let i = 0; i < 10; i++) req.write("c".repeat(3000));
          req.addTrailers({ "x-sum": "30" });
          req.end();
        },
      );
      assert.deepEqual([out.headers!["x-size"], out.headers!["x-trailer"]], ["30000", "30"]);
    },
    async expectContinue() {
      const out = await request(
        {
          ...base,
          method: "PUT",
          path: "/put",
          headers: { expect: "100-continue", "content-length": 5 },
        },
        (req) => req.on("continue", () => req.end("hello")),
      );
      assert.equal(out.headers!["x-size"], "5");
    },
    async head() {
      const out = await request({ ...base, method: "HEAD", path: "/big" });
      assert.deepEqual([out.status, out.body], [200, ""]);
    },
    async noContent() {
      const out = await request({ ...base, path: "/204" });
      assert.deepEqual([out.status, out.body], [204, ""]);
    },
    async notModified() {
      const out = await request({ ...base, path: "/304" });
      assert.deepEqual([out.status, out.body], [304, ""]);
    },
    async serverCloses() {
      assert.equal((await request({ ...base, path: "/close" })).body, "bye");
    },
    async connectionLost() {
      assert.equal((await request({ ...base, path: "/destroy" })).error, "ECONNRESET");
    },
    async abortMidResponse() {
      await new Promise<void>((resolve) => {
        const req = http.get({ ...base, path: "/big" }, (res) => {
          res.once("data", () => req.destroy());
          res.on("error", () => {});
          res.on("close", () => resolve());
        });
        req.on("error", () => {});
      });
    },
    async timeout() {
      const out = await request({ ...base, path: "/late", timeout: 20 }, (req) => {
        req.on(
          "timeout",
          () => req.destroy(Object.assign(new Error("gave up"), { code: "GAVE_UP" })),
        );
        req.end();
      });
      assert.equal(out.error, "GAVE_UP");
    },
  };
  let mix: MixResult;
  try {
    mix = await runMix(CALLERS, OPS_PER_CALLER, 5, () => kinds);
    // A socket an aborted request gave up leaves the pool on its 'close'.
    const count = (lists: Record<string, unknown[] | undefined>) =>
      Object.values(lists).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    await untilTrue(() => count(agent.sockets) === 0);
    assert.equal(count(agent.requests), 0);
    assert.ok(count(agent.freeSockets) <= 2);
  } finally {
    agent.destroy();
    await shutDown(server);
    guard.dispose();
  }
  assert.deepEqual(mix.failures, []);
  assert.deepEqual(guard.errors, []);
  assert.equal(Object.keys(mix.passed).length, Object.keys(kinds).length);
});
