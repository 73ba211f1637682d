import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import * as runtimeHttp from "node:http";
import http, { type IncomingMessage } from "../../http.ts";
import type { AddressInfo } from "../../net.ts";

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on("data", (d) => parts.push(Buffer.from(d)));
    stream.on("end", () => resolve(Buffer.concat(parts).toString()));
    stream.on("error", reject);
  });
}

test("http.Server answers the runtime's own node:http client, streaming both ways", async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    req.on("data", (d: Buffer) => res.write(`[${d}]`));
    req.on("end", () => res.end("done"));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  try {
    const req = runtimeHttp.request({ port, host: "127.0.0.1", method: "POST", agent: false });
    req.write("one");
    const responded = once(req, "response");
    setImmediate(() => req.end("two"));
    const [res] = await responded as [runtimeHttp.IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["transfer-encoding"], "chunked");
    const text = await readAll(res);
    // Each chunked frame is its own body callback, so its own 'data' event.
    assert.equal(text, "[one][two]done");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

/** The runtime's native HTTP server (Deno.serve or Bun.serve), echoing method, path and body. */
function nativeServer(): { port: number; stop(): Promise<void> } {
  const handler = async (request: Request) => {
    const url = new URL(request.url);
    const body = request.body ? await request.text() : "";
    return new Response(`${request.method} ${url.pathname} ${body}`, {
      headers: { "x-native": "yes" },
    });
  };
  const g = globalThis as {
    Deno?: {
      serve(o: { port: number; hostname: string; onListen(): void }, h: typeof handler): {
        addr: { port: number };
        shutdown(): Promise<void>;
      };
    };
    Bun?: {
      serve(o: { port: number; hostname: string; fetch: typeof handler }): {
        port: number;
        stop(force?: boolean): Promise<void> | void;
      };
    };
  };
  if (g.Deno) {
    const s = g.Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
    return { port: s.addr.port, stop: () => s.shutdown() };
  }
  const s = g.Bun!.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
  return { port: s.port, stop: async () => await s.stop(true) };
}

test("http.request() talks to the runtime's native server (Deno.serve / Bun.serve)", async () => {
  const native = nativeServer();
  const agent = new http.Agent({ keepAlive: true });
  try {
    const get = http.get({ port: native.port, host: "127.0.0.1", path: "/a", agent });
    const [res] = await once(get, "response") as [IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers["x-native"], "yes");
    assert.equal(await readAll(res), "GET /a ");
    const post = http.request({ port: native.port, host: "127.0.0.1", method: "POST", agent });
    post.write("chunk1-");
    post.end("chunk2");
    const [res2] = await once(post, "response") as [IncomingMessage];
    assert.equal(await readAll(res2), "POST / chunk1-chunk2");
  } finally {
    agent.destroy();
    await native.stop();
  }
});
