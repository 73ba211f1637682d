/**
 * Helpers for OutgoingMessage / ServerResponse tests: a real socket pair
 * whose server side is this project's `net.Socket` (what a response writes
 * to) and whose client side is the runtime's own `node:net` socket (what
 * reads the exact bytes), plus the minimal request a response needs.
 *
 * @module
 */
import * as runtimeNet from "node:net";
import { once } from "node:events";
import { Buffer } from "node:buffer";
import net, { type AddressInfo, type Socket } from "../../net.ts";
import { ServerResponse } from "../../_internal/http/server_response.ts";
import type { ResponseRequest } from "../../_internal/http/server_response.ts";
import type { OutgoingMessageOptions } from "../../_internal/http/outgoing.ts";

/** A connected pair: `socket` is ours (server side), `client` the runtime's. */
export interface Pair {
  socket: Socket;
  client: runtimeNet.Socket;
  /** Everything the client received so far, as latin1 text. */
  readonly text: string;
  /** Every `_write`/`_writev` call our socket made, as the bytes of each. */
  readonly writes: Buffer[];
  /** Resolves with the received text once `test` holds for it. */
  until(test: (text: string) => boolean): Promise<string>;
  /** Ends our side and resolves with everything the client got before EOF. */
  finish(): Promise<string>;
  /** Destroys both sockets and closes the listener. */
  close(): Promise<void>;
}

/** Opens a loopback connection between our net server and a runtime client. */
export async function socketPair(): Promise<Pair> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const accepted = once(server, "connection");
  const client = runtimeNet.connect(port, "127.0.0.1");
  client.on("error", () => {});
  const [socket] = (await accepted) as [Socket];
  socket.on("error", () => {});
  const writes = recordWrites(socket);
  let data = Buffer.alloc(0);
  let ended = false;
  const waiters: { test: (t: string) => boolean; resolve: (t: string) => void }[] = [];
  const check = () => {
    const text = data.toString("latin1");
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (ended || waiters[i].test(text)) waiters.splice(i, 1)[0].resolve(text);
    }
  };
  client.on("data", (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    check();
  });
  const eof = new Promise<void>((resolve) =>
    client.once("end", () => {
      ended = true;
      check();
      resolve();
    })
  );
  return {
    socket,
    client,
    writes,
    get text() {
      return data.toString("latin1");
    },
    until(test) {
      return new Promise((resolve) => {
        waiters.push({ test, resolve });
        check();
      });
    },
    async finish() {
      socket.end();
      await eof;
      return data.toString("latin1");
    },
    async close() {
      socket.destroy();
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Counts the socket's writes at the stream level: one call is one batch
// handed to the transport.
function recordWrites(socket: Socket): Buffer[] {
  const writes: Buffer[] = [];
  const s = socket as unknown as Record<string, (...args: unknown[]) => void>;
  const write = s._write;
  const writev = s._writev;
  s._write = function (chunk, encoding, cb) {
    writes.push(Buffer.from(chunk as Buffer));
    return write.call(this, chunk, encoding, cb);
  };
  s._writev = function (chunks, cb) {
    const list = chunks as { chunk: Buffer | string; encoding: BufferEncoding }[];
    writes.push(Buffer.concat(list.map((c) => Buffer.from(c.chunk as Buffer))));
    return writev.call(this, chunks, cb);
  };
  return writes;
}

/** The least a ServerResponse reads from its request. */
export function fakeRequest(overrides: Partial<ResponseRequest> = {}): ResponseRequest {
  return { method: "GET", httpVersionMajor: 1, httpVersionMinor: 1, headers: {}, ...overrides };
}

/** A ServerResponse on `pair.socket`, Date header off so bytes compare exactly. */
export function responseOn(
  pair: Pair,
  req: Partial<ResponseRequest> = {},
  options?: OutgoingMessageOptions,
): ServerResponse {
  const res = new ServerResponse(fakeRequest(req), options);
  res.sendDate = false;
  res.assignSocket(pair.socket);
  return res;
}

/** What {@link exchange} observed. */
export interface Exchange {
  /** Every byte the client received, as latin1 text. */
  text: string;
  res: ServerResponse;
  /** The socket-level writes, one Buffer per `_write`/`_writev` call. */
  writes: Buffer[];
}

/**
 * Runs `act` on a fresh response over a fresh socket pair, waits for the
 * response's 'finish', then ends the socket and returns all bytes sent.
 */
export async function exchange(
  act: (res: ServerResponse) => void,
  req: Partial<ResponseRequest> = {},
  options?: OutgoingMessageOptions,
): Promise<Exchange> {
  const pair = await socketPair();
  try {
    const res = responseOn(pair, req, options);
    const finished = once(res, "finish");
    act(res);
    await finished;
    const text = await pair.finish();
    return { text, res, writes: pair.writes };
  } finally {
    await pair.close();
  }
}
