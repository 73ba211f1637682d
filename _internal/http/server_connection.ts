/**
 * One HTTP/1 connection on the server: the parser's handler, the queue of
 * pipelined responses, keep-alive and the error paths. Node keeps this state
 * in closures inside `connectionListenerInternal`; here it is one object per
 * connection whose methods are shared, so a connection costs one allocation
 * plus its parser.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import type { Socket } from "../net/socket.ts";
import { loopNow } from "../net/clock.ts";
import { kConsumer, kConsumerBulk } from "../net/symbols.ts";
import {
  connResetException,
  ERR_HTTP_REQUEST_TIMEOUT,
  ERR_HTTP_SOCKET_ENCODING,
} from "../errors.ts";
import { STATUS_CODES } from "./status_codes.ts";
import type { HeadInfo, ParseError } from "./parser.ts";
import { giveBackParser, type ServerParser, takeParser } from "./parser_pool.ts";
import {
  applyHead,
  dumpQuietly,
  endOfBody,
  endQuietly,
  type IncomingMessage,
  kOnRead,
  markReadStarted,
} from "./incoming.ts";
import type { ServerResponse } from "./server_response.ts";
import { emitResponseClose } from "./server_response.ts";
import { kNeedDrain, kOwner, kUniqueHeaders } from "./outgoing.ts";
import { type HttpServer, kConnections, kOptimizeEmptyRequests } from "./server.ts";

function staticResponse(status: number): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`,
    "latin1",
  );
}

const kBadRequest = staticResponse(400);
const kRequestTimeout = staticResponse(408);
const kEntityTooLarge = staticResponse(413);
const kHeadersTooLarge = staticResponse(431);

/**
 * Body chunks go to the request in pieces of at most this many bytes, the
 * size of libuv's reads: the socket may read a body in larger pieces (see
 * onBody), and code may count on Node's chunk sizes.
 */
const kBodyPiece = 65536;

function noop(): void {}

function refuseSocketEncoding(): never {
  throw new ERR_HTTP_SOCKET_ENCODING();
}

/** The connection state, on its socket and on each of its responses. */
const kConn: unique symbol = Symbol("httpConnection");
type ConnSocket = Socket & { [kConn]: ServerConnection };
type ConnResponse = ServerResponse & { [kOwner]: ServerConnection };
/** Our sockets take the consumer's bulk-read wish; a socket of another kind may not. */
type BulkSocket = Socket & { [kConsumerBulk]?: (enable: boolean) => void };
// Code reaches into `socket._events` and calls these with another `this`
// (Node's are bound, so that works there): with no connection state behind
// `this`, they do nothing.
function connOnData(this: ConnSocket, chunk: Buffer): void {
  this[kConn]?.onData(chunk);
}
function connOnEnd(this: ConnSocket): void {
  this[kConn]?.onEnd();
}
function connOnClose(this: ConnSocket): void {
  this[kConn]?.onClose();
}
function connOnDrain(this: ConnSocket): void {
  this[kConn]?.onDrain();
}
function connOnError(this: ConnSocket, err: Error): void {
  this[kConn]?.fail(err);
}
function connOnTimeout(this: ConnSocket): void {
  this[kConn]?.onTimeout();
}

/** The socket events an HTTP connection listens to, added and removed together. */
// The listeners take different arguments (a chunk, an error, none).
// deno-lint-ignore no-explicit-any
const kConnListeners: [string, (this: ConnSocket, ...args: any[]) => void][] = [
  ["data", connOnData],
  ["end", connOnEnd],
  ["close", connOnClose],
  ["drain", connOnDrain],
  ["error", connOnError],
  ["timeout", connOnTimeout],
];

/** A request being read asks for more: its connection's socket reads again. */
function resumeForRequest(this: IncomingMessage): void {
  (this.socket as ConnSocket | null)?.[kConn]?.resumeSocket();
}

/** OutgoingMessage reports bytes it holds for a socket it does not have yet. */
function onPendingData(this: ConnResponse, delta: number): void {
  const conn = this[kOwner];
  conn.outgoingData += delta;
  if (conn.paused && conn.outgoingData < conn.socket.writableHighWaterMark) conn.resumeSocket();
}

function onResponseFinish(this: ConnResponse): void {
  this[kOwner].onResponseFinish(this.req as unknown as IncomingMessage, this);
}

/**
 * Node's `clearIncoming`: once its response is done, the parser lets go of
 * the request, but not before the request's own 'end' listeners have run.
 */
function clearIncoming(this: IncomingMessage | void, request?: IncomingMessage): void {
  const req = request ?? this as IncomingMessage;
  const parser = (req.socket as { parser?: ServerParser | null } | null)?.parser;
  if (!parser || parser.incoming !== req) return;
  if (req.readableEnded) parser.incoming = null;
  else req.on("end", clearIncoming);
}

/**
 * The tick after a response finished whose request nobody watched: the
 * response emits 'close' in the tick Node gives it, then the request ends
 * and closes (see `endQuietly`; a listener the response's 'close' added
 * still hears both, as in Node) and the parser lets go of it.
 */
function closeQuietly(req: IncomingMessage, res: ServerResponse): void {
  emitResponseClose(res);
  endQuietly(req);
  clearIncoming(req);
}

/**
 * Node's test for `optimizeEmptyRequests`: a Content-Length or
 * Transfer-Encoding among the headers kept (as `req.headers` would have it),
 * whatever its value. Read from the raw pairs so `headers` is not built.
 */
function hasBodyHeaders(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === 14) {
      if (name.toLowerCase() === "content-length") return true;
    } else if (name.length === 17 && name.toLowerCase() === "transfer-encoding") {
      return true;
    }
  }
  return false;
}

/** Per-connection server state; also the parser's handler. */
export class ServerConnection {
  readonly server: HttpServer;
  readonly socket: Socket;
  parser: ServerParser | null;
  /** Requests whose responses have not finished, oldest first. */
  incoming: IncomingMessage[] = [];
  /** Responses waiting for the socket (pipelining), oldest first. */
  outgoing: ServerResponse[] = [];
  outgoingData = 0;
  requestsCount = 0;
  keepAliveTimeoutSet = false;
  /** When the current message started (loopNow()), for timeouts. */
  messageStart = 0;
  headersDone = false;
  /** The request whose body is being parsed. */
  current: IncomingMessage | null = null;
  /** An upgrade or CONNECT request waiting for the parser to stop. */
  upgrading: IncomingMessage | null = null;
  paused = false;
  /** A parse error waiting for the responses already ended to go out. */
  pendingError: (Error & { code?: string }) | null = null;
  /** The socket reads in bulk for the body being parsed. */
  bulkBody = false;

  constructor(server: HttpServer, socket: Socket) {
    this.server = server;
    this.socket = socket;
    // Node's calculateLenientFlags: httpValidation, when given, decides alone.
    const mode = server.httpValidation;
    const options = {
      maxHeaderSize: server.maxHeaderSize,
      lenient: mode === undefined ? server.insecureHTTPParser : mode === "insecure",
      relaxed: mode === "relaxed",
    };
    this.parser = takeParser(this, options);
    // As Node's connection list: the headers timeout runs from the accept, so
    // a client that connects and sends nothing is timed out too.
    this.messageStart = loopNow();
    // Shared listeners find this state through the socket: no closures per
    // connection.
    (socket as ConnSocket)[kConn] = this;
    for (const [event, listener] of kConnListeners) socket.on(event, listener);
    // As Node's parser consumes its socket's handle: bytes come straight
    // here, not as 'data' through the stream (the listener stays, as Node's
    // does, for a socket of another kind).
    if (kConsumer in socket) socket[kConsumer] = this;
    // deno-lint-ignore no-explicit-any
    (socket as any).parser = this.parser;
    // As Node (nodejs/node#13435): a socket handed over by 'connection' knows
    // its server too; a response's header rule is looked up through it.
    // deno-lint-ignore no-explicit-any
    (socket as any).server = server;
    // As Node: text decoding on the socket would hand the parser strings, so
    // a served socket refuses it (RFC 7230 section 3: a message is octets).
    socket.setEncoding = refuseSocketEncoding;
    // A user's own Duplex (emitted as 'connection') may lack net.Socket's
    // extras, so they are used only when present, as Node does.
    if (server.timeout && typeof socket.setTimeout === "function") {
      socket.setTimeout(server.timeout);
    }
  }

  // --- parser callbacks ------------------------------------------------------

  onHeadersComplete(info: HeadInfo): number {
    const server = this.server;
    const req = new server.IncomingMessageClass(this.socket) as IncomingMessage;
    applyHead(req, info, server.maxHeadersCount, server.joinDuplicateHeaders);
    req.method = info.method;
    req.url = info.url;
    req[kOnRead] = resumeForRequest;
    this.headersDone = true;
    this.current = req;
    this.parser!.incoming = req;
    const ret = this.onIncoming(req, info.shouldKeepAlive);
    markReadStarted(req);
    return ret;
  }

  onBody(data: Uint8Array, start: number, end: number): void {
    const req = this.current;
    if (req === null || req._dumped) return;
    if (!this.bulkBody) {
      // A body's bytes go to this request alone: larger reads save Deno a
      // read op, a fresh buffer and the stream work per 64 KiB when more
      // than that is waiting (1 MiB uploads: 2.34k -> 2.42k per CPU second
      // on a quiet machine, medians of 7; 1.94k -> 2.20k with a core busy).
      this.bulkBody = true;
      (this.socket as BulkSocket)[kConsumerBulk]?.(true);
    }
    // Chunks from our sockets are never reused, so views are safe to keep.
    let more = true;
    for (let at = start; at < end; at += kBodyPiece) {
      const size = Math.min(end - at, kBodyPiece);
      more = req.push(Buffer.from(data.buffer, data.byteOffset + at, size));
    }
    if (!more) this.#pauseSocket();
  }

  #endBulkBody(): void {
    if (!this.bulkBody) return;
    this.bulkBody = false;
    (this.socket as BulkSocket)[kConsumerBulk]?.(false);
  }

  onMessageComplete(trailers: string[]): void {
    this.#endBulkBody();
    const req = this.current;
    this.current = null;
    this.headersDone = false;
    this.messageStart = 0;
    if (req === null) return;
    if (trailers.length > 0) req.rawTrailers = trailers;
    req.complete = true;
    endOfBody(req);
  }

  // --- socket events ------------------------------------------------------------

  onData(chunk: Buffer): void {
    const parser = this.parser;
    if (parser === null || this.pendingError !== null) return;
    if (this.messageStart === 0) this.messageStart = loopNow();
    const ret = parser.execute(chunk);
    if (ret < 0) {
      const err = parser.error as ParseError;
      err.rawPacket = chunk;
      this.fail(err);
      return;
    }
    if (parser.upgraded) {
      if (this.upgrading !== null) {
        this.upgrade(chunk.subarray(ret));
        return;
      }
      // shouldUpgradeCallback said no: as llhttp resumes after an upgrade in
      // Node, the connection goes on as plain HTTP with the bytes that follow.
      parser.reset();
      this.messageStart = 0;
      if (ret < chunk.length) this.onData(chunk.subarray(ret));
      return;
    }
    // A pipelined message that began after one completed in this chunk is
    // timed from now (the parser reports no message start of its own).
    if (!parser.inMessage) this.messageStart = 0;
    else if (this.messageStart === 0) this.messageStart = loopNow();
  }

  onEnd(): void {
    const parser = this.parser;
    if (parser === null || this.pendingError !== null) return;
    const err = parser.finish();
    if (err !== null) {
      this.fail(err);
      return;
    }
    const socket = this.socket;
    if (!this.server.httpAllowHalfOpen) {
      // Node ends the socket here, and by now libuv has written every
      // response ended before the FIN was read: its writes complete at once.
      // A write here completes a loop turn later, so pipelined responses
      // already ended may still be queued; the socket ends after them.
      const last = this.#lastEndedResponse();
      if (last !== null) last._last = true;
      else if (socket.writable) socket.end();
    } else if (this.outgoing.length > 0) {
      this.outgoing[this.outgoing.length - 1]._last = true;
    } else if (socket._httpMessage) {
      (socket._httpMessage as ServerResponse)._last = true;
    } else if (socket.writable) {
      socket.end();
    }
  }

  /**
   * The last of the responses, from the one being written on, that their
   * handlers have all ended; null when the one on the socket is not ended.
   */
  #lastEndedResponse(): ServerResponse | null {
    const current = this.socket._httpMessage as ServerResponse | null;
    if (!current || !current.finished) return null;
    let last = current;
    for (const res of this.outgoing) {
      if (!res.finished) break;
      last = res;
    }
    return last;
  }

  onClose(): void {
    this.server[kConnections].delete(this);
    this.releaseParser();
    const incoming = this.incoming;
    while (incoming.length > 0) {
      const req = incoming.shift()!;
      req.destroy(connResetException("aborted"));
    }
  }

  onDrain(): void {
    // Node's socketOnDrain: the response that reported backpressure hears of it.
    const res = this.socket._httpMessage as ServerResponse | null;
    if (res && res[kNeedDrain]) {
      res[kNeedDrain] = false;
      res.emit("drain");
    }
    if (this.paused && this.outgoingData < this.socket.writableHighWaterMark) {
      this.paused = false;
      this.socket.resume();
    }
  }

  onTimeout(): void {
    const socket = this.socket;
    const req = this.current;
    const reqTimeout = req !== null && !req.complete && req.emit("timeout", socket);
    const res = socket._httpMessage as ServerResponse | null;
    const resTimeout = res !== null && res !== undefined && res.emit("timeout", socket);
    const serverTimeout = this.server.emit("timeout", socket);
    if (!reqTimeout && !resTimeout && !serverTimeout) socket.destroy();
  }

  /** headersTimeout / requestTimeout, from the server's periodic check. */
  expire(): void {
    this.fail(new ERR_HTTP_REQUEST_TIMEOUT());
  }

  /**
   * Node's `socketOnError`: a 'clientError' listener decides; without one,
   * answer 400/408/413/431 if nothing of a response went out yet, then close.
   */
  fail(err: Error & { code?: string }): void {
    const socket = this.socket;
    socket.removeListener("error", connOnError);
    // Our own guard, as Node's: another party's listener (on-finished's) may
    // go before the destroy below emits, and the error must not go uncaught.
    if (socket.listenerCount("error", noop) === 0) socket.on("error", noop);
    // The parser stays, failed: if a 'clientError' listener keeps the socket
    // open, each later chunk reports the error again, as in Node.
    if (this.server.emit("clientError", err, socket)) return;
    this.answerError(err);
  }

  /**
   * Responses their handlers already ended go out first, in order; a
   * response still being written is cut off, as Node does.
   */
  answerError(err: Error & { code?: string }): void {
    const socket = this.socket;
    const res = socket._httpMessage as ServerResponse | null;
    if (res && res.finished && this.outgoing.every((queued) => queued.finished)) {
      this.pendingError = err;
      const last = this.outgoing.length > 0 ? this.outgoing[this.outgoing.length - 1] : res;
      last.once("finish", () => this.answerError(err));
      return;
    }
    if (socket.writable && (!res || !res._headerSent)) {
      let response = kBadRequest;
      if (err.code === "HPE_HEADER_OVERFLOW") response = kHeadersTooLarge;
      else if (err.code === "HPE_CHUNK_EXTENSIONS_OVERFLOW") response = kEntityTooLarge;
      else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") response = kRequestTimeout;
      // At once, as Node: net still sends the answer, and a response
      // written after this is dropped.
      socket.write(response);
    }
    socket.destroy(err);
  }

  // --- requests and responses -------------------------------------------------

  resumeSocket(): void {
    if (this.paused && !this.socket.destroyed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  #pauseSocket(): void {
    if (!this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Node's `parserOnIncoming`. Returns the parser's skip-body verdict. */
  onIncoming(req: IncomingMessage, keepAlive: boolean): number {
    const server = this.server;
    const socket = this.socket;
    if (req.upgrade) {
      req.upgrade = req.method === "CONNECT" || Boolean(server.shouldUpgradeCallback(req));
      if (req.upgrade) {
        this.upgrading = req;
        return 0;
      }
    }
    this.incoming.push(req);
    if (!this.paused) {
      const ws = socket.writableNeedDrain;
      if (ws || this.outgoingData >= socket.writableHighWaterMark) this.#pauseSocket();
    }
    if (this.keepAliveTimeoutSet) {
      // Back from the keep-alive wait to the server's own idle timeout.
      socket.setTimeout(server.timeout || 0);
      this.keepAliveTimeoutSet = false;
    }
    const res = new server.ServerResponseClass(req as never, {
      highWaterMark: socket.writableHighWaterMark,
      rejectNonStandardBodyWrites: server.rejectNonStandardBodyWrites,
    }) as ServerResponse;
    res._keepAliveTimeout = server.keepAliveTimeout;
    res._maxRequestsPerSocket = server.maxRequestsPerSocket;
    (res as ConnResponse)[kOwner] = this;
    res._onPendingData = onPendingData;
    res.shouldKeepAlive = keepAlive;
    res[kUniqueHeaders] = server.uniqueHeaders;
    if (server[kOptimizeEmptyRequests] === true && !hasBodyHeaders(req.rawHeaders)) {
      // No body can follow: the request arrives already ended and closed,
      // and counts as consumed, so finishing its response dumps nothing.
      req._dumpAndCloseReadable();
      req._read(0);
    }
    if (socket._httpMessage) this.outgoing.push(res);
    else res.assignSocket(socket);
    res.on("finish", onResponseFinish);
    return this.dispatch(req, res);
  }

  /** Host check, request limits and Expect handling, then 'request'. */
  dispatch(req: IncomingMessage, res: ServerResponse): number {
    const server = this.server;
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      const raw = req.rawHeaders;
      let host = false;
      let expect: string | undefined;
      let expects = 0;
      // Read from rawHeaders: a handler that never reads `req.headers` then
      // never pays for building it. A repeated Expect is joined as
      // `req.headers` would join it.
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i];
        if (name.length === 4) {
          if (!host && name.toLowerCase() === "host") host = true;
        } else if (name.length === 6 && name.toLowerCase() === "expect") {
          expects++;
          expect = raw[i + 1];
        }
      }
      if (expects > 1) expect = req.headers.expect as string | undefined;
      if (server.requireHostHeader && !host) {
        res.writeHead(400, ["Connection", "close"]);
        res.end();
        return 0;
      }
      const limit = server.maxRequestsPerSocket;
      if (limit > 0) {
        this.requestsCount++;
        // Reached, or past it: the answer says Connection: close either way.
        res.maxRequestsOnConnectionReached = this.requestsCount >= limit;
        if (this.requestsCount > limit) {
          server.emit("dropRequest", req, this.socket);
          res.writeHead(503);
          res.end();
          return 0;
        }
      }
      if (expect !== undefined) {
        if (/(?:^|\W)100-continue(?:$|\W)/i.test(expect)) {
          res._expect_continue = true;
          if (server.listenerCount("checkContinue") > 0) {
            server.emit("checkContinue", req, res);
          } else {
            res.writeContinue();
            server.emit("request", req, res);
          }
        } else if (server.listenerCount("checkExpectation") > 0) {
          server.emit("checkExpectation", req, res);
        } else {
          res.writeHead(417);
          res.end();
        }
        return 0;
      }
    }
    server.emit("request", req, res);
    return 0;
  }

  /** Node's `resOnFinish`: next pipelined response, keep-alive or close. */
  onResponseFinish(req: IncomingMessage, res: ServerResponse): void {
    const socket = this.socket;
    if (this.incoming[0] === req) this.incoming.shift();
    let quiet = false;
    if (!req._consuming && !req.readableFlowing) {
      quiet = dumpQuietly(req);
      if (!quiet) req._dump();
    }
    res.detachSocket(socket);
    if (quiet) {
      process.nextTick(closeQuietly, req, res);
    } else {
      clearIncoming(req);
      process.nextTick(emitResponseClose, res);
    }
    if (res._last) {
      if (typeof socket.destroySoon === "function") socket.destroySoon();
      else socket.end();
    } else if (this.outgoing.length === 0) {
      const timeout = this.server.keepAliveTimeout;
      if (timeout && this.parser !== null && typeof socket.setTimeout === "function") {
        // The socket outlives the advertised Keep-Alive timeout a little, so
        // a client reusing it at the last moment is not reset.
        socket.setTimeout(timeout + this.server.keepAliveTimeoutBuffer);
        this.keepAliveTimeoutSet = true;
      }
    } else {
      this.outgoing.shift()!.assignSocket(socket);
    }
  }

  /** 'upgrade' or 'connect': the socket leaves HTTP with the bytes after the head. */
  upgrade(head: Buffer): void {
    const req = this.upgrading!;
    this.upgrading = null;
    this.current = null;
    const socket = this.socket;
    const event = req.method === "CONNECT" ? "connect" : "upgrade";
    this.detach();
    if (this.server.listenerCount(event) > 0) {
      req.complete = true;
      req.push(null);
      this.server.emit(event, req, socket, Buffer.from(head));
    } else {
      socket.destroy();
    }
  }

  /** Stops handling HTTP on this socket (upgrade, or the server letting go). */
  detach(): void {
    this.#endBulkBody();
    const socket = this.socket;
    if (socket[kConsumer] === this) socket[kConsumer] = null;
    for (const [event, listener] of kConnListeners) socket.removeListener(event, listener);
    this.server[kConnections].delete(this);
    this.releaseParser();
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
  }

  releaseParser(): void {
    const parser = this.parser;
    if (parser === null) return;
    this.parser = null;
    // deno-lint-ignore no-explicit-any
    (this.socket as any).parser = null;
    giveBackParser(parser);
  }

  /**
   * closeIdleConnections' test, as Node's: the parser is between messages and
   * the response on the socket, if any, has been ended (its bytes may still
   * be on their way; Node does not wait for them either).
   */
  get idle(): boolean {
    if (this.messageStart !== 0 || this.current !== null) return false;
    const res = this.socket._httpMessage as ServerResponse | null;
    return !res || res.finished;
  }
}
