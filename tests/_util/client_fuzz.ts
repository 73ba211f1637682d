/**
 * Serves one {@link ResponseCase}'s exact bytes from a raw server of the
 * runtime's own `node:net` to one request of a given http module (ours, or
 * Node's own when recording the expected table), and records what the
 * client did: the response, its body and trailers, errors on the request
 * and the response, and whether everything settled within a bound.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as runtimeNet from "node:net";
import { clearTimeout, setImmediate, setTimeout } from "node:timers";
import type { ResponseCase } from "./http_response_fuzz.ts";

/** How long one exchange may take to settle. */
export const SETTLE_BOUND_MS = 1500;

/** What the client did with one case. */
export interface ClientOutcome {
  status: number | null;
  message: string | null;
  version: string | null;
  headers: Record<string, unknown> | null;
  rawHeaders: number;
  trailers: Record<string, unknown> | null;
  information: number[];
  bodyLength: number;
  bodyHash: string;
  /** `err.code` (or message) of each 'error' on the request. */
  errors: string[];
  /** `err.code` (or message) of each 'error' on the response. */
  resErrors: string[];
  aborted: boolean;
  ended: boolean;
  /** The 'upgrade' event: the response's status and the head's length. */
  upgrade: string | null;
  /** A parse error's message. */
  parseError: string | null;
  /** The response's `complete`, `rawTrailers` and `*Distinct` views. */
  extra: unknown;
  /** Events of the request and response in order ('data' left out). */
  events: string[];
  hung: boolean;
}

/** FNV-1a over bytes, as 8 hex digits. */
export function fnv(bytes: Uint8Array | string): string {
  let h = 0x811c9dc5;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = typeof bytes === "string" ? bytes.charCodeAt(i) & 0xff : bytes[i];
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/**
 * The outcome in a few characters:
 * `status/errors/resErrors/flags/bodyLength:bodyHash/hash`, the last hash
 * covering everything else (version, message, headers, raw header count,
 * trailers, 1xx codes, upgrade, event order, parse error message).
 */
export function summarize(o: ClientOutcome): string {
  if (o.hung) return "hang";
  const detail = JSON.stringify([
    o.version,
    o.message,
    o.headers,
    o.rawHeaders,
    o.trailers,
    o.information,
    o.upgrade,
    o.events,
    o.parseError,
    o.extra,
  ]);
  const flags = (o.aborted ? "a" : "") + (o.ended ? "e" : "");
  return [
    o.status ?? "-",
    o.errors.join("+") || "-",
    o.resErrors.join("+") || "-",
    flags || "-",
    `${o.bodyLength}:${o.bodyHash.slice(0, 6)}`,
    fnv(detail).slice(0, 6),
  ].join("/");
}

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e?.code === "string" ? e.code : String(e?.message);
}

// Loose shapes of the two http modules this runs with (ours and Node's).
// Listeners take what each event gives, which these shapes do not spell out.
// deno-lint-ignore no-explicit-any
type Listener = (...args: any[]) => void;
interface AnyEmitter {
  on(event: string, listener: Listener): unknown;
}
interface AnyRequest extends AnyEmitter {
  end(body?: string): void;
  destroy(): void;
  setTimeout(ms: number, listener: () => void): void;
}
interface AnyHttp {
  request(options: Record<string, unknown>): AnyRequest;
}

/** Serves `c.wire` once, makes the request with `http`, and records the outcome. */
export function runResponseCase(
  http: AnyHttp,
  c: ResponseCase,
  piece = 0,
): Promise<ClientOutcome> {
  const o: ClientOutcome = {
    status: null,
    message: null,
    version: null,
    headers: null,
    rawHeaders: 0,
    trailers: null,
    information: [],
    bodyLength: 0,
    bodyHash: "",
    errors: [],
    resErrors: [],
    aborted: false,
    ended: false,
    upgrade: null,
    parseError: null,
    extra: null,
    events: [],
    hung: false,
  };
  const wire = Buffer.from(c.wire, "latin1");
  // With `piece`, the bytes go out `piece` at a time, each write after the
  // last one completed, so the client parses them across many reads.
  const send = (sock: runtimeNet.Socket) => {
    if (piece <= 0) {
      if (c.hold) sock.write(wire);
      else sock.end(wire);
      return;
    }
    let at = 0;
    const next = () => {
      if (sock.destroyed) return;
      if (at >= wire.length) {
        if (!c.hold) sock.end();
        return;
      }
      const part = wire.subarray(at, at + piece);
      at += piece;
      sock.write(part, next);
    };
    next();
  };
  const sockets = new Set<runtimeNet.Socket>();
  const server = runtimeNet.createServer((sock) => {
    sock.on("error", () => {});
    sockets.add(sock);
    if (c.early) {
      send(sock);
      sock.resume();
      return;
    }
    // Answers once the request's head is in (a body may follow or not).
    let seen: string | null = "";
    sock.on("data", (chunk: Buffer) => {
      if (seen === null) return;
      seen += chunk.toString("latin1");
      if (seen.includes("\r\n\r\n")) {
        seen = null;
        send(sock);
      }
    });
  });
  return new Promise<ClientOutcome>((resolve) => {
    let req: AnyRequest | null = null;
    let reqClosed = false;
    let res: AnyEmitter | null = null;
    let resClosed = false;
    let done = false;
    const parts: Buffer[] = [];
    const finish = () => {
      done = true;
      clearTimeout(timer);
      // A last turn for events that follow 'close' (a late 'error', say).
      setImmediate(() =>
        setImmediate(() => {
          const body = Buffer.concat(parts);
          o.bodyLength = body.length;
          o.bodyHash = fnv(body);
          const r = res as {
            trailers?: Record<string, unknown>;
            rawTrailers: string[];
            complete: boolean;
            headersDistinct: unknown;
            trailersDistinct: unknown;
          } | null;
          if (r && r.trailers && Object.keys(r.trailers).length > 0) {
            o.trailers = { ...r.trailers };
          }
          if (r) {
            o.extra = [r.complete, r.rawTrailers, r.headersDistinct, r.trailersDistinct];
          }
          for (const sock of sockets) sock.destroy();
          server.close();
          resolve(o);
        })
      );
    };
    const check = () => {
      if (!done && reqClosed && (res === null || resClosed)) finish();
    };
    const timer = setTimeout(() => {
      o.hung = true;
      req?.destroy();
      finish();
    }, SETTLE_BOUND_MS);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      const options: Record<string, unknown> = {
        host: "127.0.0.1",
        port,
        path: "/",
        method: c.method ?? "GET",
        agent: false,
      };
      if (c.maxHeaderSize !== undefined) options.maxHeaderSize = c.maxHeaderSize;
      if (c.insecure) options.insecureHTTPParser = true;
      if (c.join) options.joinDuplicateHeaders = true;
      if (c.upgrade) options.headers = { Connection: "Upgrade", Upgrade: "x" };
      if (c.body !== undefined) {
        options.method = "POST";
        const headers: Record<string, string> = { "Content-Length": String(c.body.length) };
        if (c.expect) headers.Expect = "100-continue";
        options.headers = headers;
      }
      const r = http.request(options);
      req = r;
      if (c.hold) {
        r.setTimeout(c.hold, () => {
          o.events.push("timeout");
          r.destroy();
        });
      }
      r.on("information", (info: { statusCode: number }) => {
        o.events.push("information");
        o.information.push(info.statusCode);
      });
      r.on("error", (err: unknown) => {
        o.events.push("error");
        o.errors.push(codeOf(err));
        const e = err as { message: string; bytesParsed?: number; rawPacket?: Uint8Array };
        // bytesParsed and rawPacket depend on how the bytes were read.
        if (e.bytesParsed !== undefined) o.parseError = e.message;
      });
      r.on("close", () => {
        o.events.push("close");
        reqClosed = true;
        check();
      });
      r.on("upgrade", (m: { statusCode: number }, socket: { destroy(): void }, head: Buffer) => {
        o.events.push("upgrade");
        o.upgrade = `${m.statusCode}:${head.length}`;
        socket.destroy();
      });
      r.on(
        "response",
        (
          m: {
            statusCode: number;
            statusMessage: string;
            httpVersion: string;
            headers: Record<string, unknown>;
            rawHeaders: string[];
          } & AnyEmitter,
        ) => {
          o.events.push("response");
          res = m;
          o.status = m.statusCode;
          o.message = m.statusMessage;
          o.version = m.httpVersion;
          o.headers = { ...m.headers };
          o.rawHeaders = m.rawHeaders.length;
          const read = () => m.on("data", (chunk: Buffer) => parts.push(Buffer.from(chunk)));
          if (c.paused) r.on("close", read);
          else read();
          m.on("end", () => {
            o.events.push("res end");
            o.ended = true;
          });
          m.on("aborted", () => {
            o.events.push("res aborted");
            o.aborted = true;
          });
          m.on("error", (err: unknown) => {
            o.events.push("res error");
            o.resErrors.push(codeOf(err));
          });
          m.on("close", () => {
            o.events.push("res close");
            resClosed = true;
            check();
          });
        },
      );
      if (c.body === undefined) r.end();
      else if (c.expect) r.on("continue", () => r.end(c.body));
      else r.end(c.body);
    });
  });
}

const OK2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

interface AnyAgentHttp extends AnyHttp {
  Agent: new (options: Record<string, unknown>) => { destroy(): void };
}

/**
 * One request on a keep-alive agent (one socket at most) answered with
 * `c.wire` and never closed by the server (a `hold` ms timeout ends what
 * the bytes leave open), then a second request on the same agent answered
 * with a plain 200: whether the socket was kept, and how both went.
 * Returns `first/second/reused/hash`, the hash covering both event logs.
 */
export async function runKeepAliveCase(
  http: AnyAgentHttp,
  c: ResponseCase,
  hold: number,
): Promise<string> {
  const log: string[] = [];
  let served = 0;
  const sockets = new Set<runtimeNet.Socket>();
  const server = runtimeNet.createServer((sock) => {
    sockets.add(sock);
    log.push("connection");
    sock.on("error", () => {});
    let seen = "";
    sock.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      let end;
      while ((end = seen.indexOf("\r\n\r\n")) >= 0) {
        seen = seen.slice(end + 4);
        sock.write(Buffer.from(++served === 1 ? c.wire : OK2, "latin1"));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await keepAliveRequest(http, agent, port, hold, log, "a");
    const second = await keepAliveRequest(http, agent, port, hold, log, "b");
    return `${first}/${second}/${served}/${fnv(JSON.stringify(log)).slice(0, 6)}`;
  } finally {
    agent.destroy();
    for (const sock of sockets) sock.destroy();
    server.close();
  }
}

function keepAliveRequest(
  http: AnyHttp,
  agent: unknown,
  port: number,
  hold: number,
  log: string[],
  tag: string,
): Promise<string> {
  return new Promise((resolve) => {
    let outcome = "-";
    let pending = 1;
    const settle = () => {
      if (--pending > 0) return;
      clearTimeout(bound);
      resolve(outcome);
    };
    const req = http.request({ host: "127.0.0.1", port, path: "/" + tag, agent });
    const bound = setTimeout(() => {
      outcome = "hang";
      pending = 1;
      req.destroy();
      settle();
    }, SETTLE_BOUND_MS);
    req.setTimeout(hold, () => {
      log.push(`${tag} timeout`);
      req.destroy();
    });
    req.on("socket", () => {
      log.push(`${tag} socket${(req as { reusedSocket?: boolean }).reusedSocket ? " reused" : ""}`);
    });
    req.on("error", (err: unknown) => {
      outcome = codeOf(err);
      log.push(`${tag} error ${outcome}`);
    });
    req.on("close", () => {
      log.push(`${tag} close`);
      settle();
    });
    req.on("response", (res: { statusCode: number } & AnyEmitter) => {
      pending++;
      outcome = String(res.statusCode);
      log.push(`${tag} response ${outcome}`);
      let length = 0;
      res.on("data", (chunk: Buffer) => length += chunk.length);
      res.on("end", () => log.push(`${tag} end ${length}`));
      res.on("aborted", () => log.push(`${tag} aborted`));
      res.on("error", (err: unknown) => log.push(`${tag} res error ${codeOf(err)}`));
      res.on("close", () => {
        log.push(`${tag} res close`);
        settle();
      });
    });
    req.end();
  });
}
