/**
 * The client side of a request's socket: the response parser and the socket
 * listeners Node installs in `tickOnSocket`. Listeners are module functions
 * called with `this` = the socket (as in Node), so a request costs no
 * closures; the request and parser are found through `socket._httpMessage`
 * and `socket.parser`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import process from "node:process";
import type { Socket } from "../net/socket.ts";
import { connResetException } from "../errors.ts";
import { type HeadInfo, HTTPParser, type ParseError, RESPONSE } from "./parser.ts";
import { applyHead, IncomingMessage, kOnRead } from "./incoming.ts";
import { kNeedDrain } from "./outgoing.ts";
import type { ClientRequest } from "./client.ts";

type ClientSocket = Socket & { parser: ClientParser | null };

function isInformational(status: number): boolean {
  return status >= 100 && status < 200 && status !== 101;
}

/** Options a response parser is created with. */
export interface ClientParserOptions {
  maxHeaderSize: number;
  lenient: boolean;
  /** llhttp's relaxed header-value leniency (`httpValidation: 'relaxed'`). */
  relaxed: boolean;
}

// Freed parsers wait here for the next request, as in Node's `parsers`
// free list: requests served one after another share one parser object,
// which code and tests observe through `req.parser`.
const freeParsers: ClientParser[] = [];
const kMaxFreeParsers = 1000;

/** A parser for `req` on `socket`: a freed one when there is one. */
export function allocClientParser(
  req: ClientRequest,
  socket: Socket,
  options: ClientParserOptions,
): ClientParser {
  const cp = freeParsers.pop();
  if (cp === undefined) return new ClientParser(req, socket, options);
  cp.init(req, socket, options);
  return cp;
}

/**
 * A response's reader wants more body (`this` is the response). The
 * response may outlive its parser's binding once the parser is freed for
 * reuse; a socket it left paused, and no parser now owns, still resumes.
 */
function resumeForResponse(this: IncomingMessage): void {
  const socket = this.socket as ClientSocket | null;
  if (socket === null) return;
  const cp = socket.parser;
  if (cp !== null && cp.incoming === this) cp.resume();
  else if (cp === null && socket.isPaused() && !socket.destroyed) socket.resume();
}

/** One response parser bound to a request and its socket. */
export class ClientParser {
  parser!: HTTPParser;
  req!: ClientRequest;
  socket!: Socket;
  incoming: IncomingMessage | null = null;
  paused = false;
  /** Inside `parser.execute()`: a chunk arriving now is parsed after it. */
  executing = false;
  /** Chunks a stream pushed from inside a parser callback, in order. */
  queued: Buffer[] | null = null;
  #freed = false;

  constructor(req: ClientRequest, socket: Socket, options: ClientParserOptions) {
    this.init(req, socket, options);
  }

  /** Binds this object to a new request, with a fresh parsing state. */
  init(req: ClientRequest, socket: Socket, options: ClientParserOptions): void {
    this.req = req;
    this.socket = socket;
    this.incoming = null;
    this.paused = false;
    this.executing = false;
    this.queued = null;
    this.#freed = false;
    // A parser that ended cleanly is reset for the next response rather than
    // replaced; one that failed or threw is not trusted again.
    const parser = this.parser as HTTPParser | undefined;
    if (parser !== undefined && parser.error === null) {
      parser.reset(RESPONSE, this);
      parser.configure(options);
    } else {
      this.parser = new HTTPParser(RESPONSE, this, options);
    }
  }

  listen(): void {
    const socket = this.socket;
    socket.on("error", socketErrorListener);
    socket.on("data", socketOnData);
    socket.on("end", socketOnEnd);
    socket.on("close", socketCloseListener);
    socket.on("drain", socketOnDrain);
  }

  // --- parser handler ---------------------------------------------------------

  onHeadersComplete(info: HeadInfo): number {
    const socket = this.socket;
    const res = new IncomingMessage(socket);
    applyHead(res, info, this.req.maxHeadersCount, this.req.joinDuplicateHeaders);
    res.statusCode = info.statusCode;
    res.statusMessage = info.statusMessage;
    res[kOnRead] = resumeForResponse;
    this.incoming = res;
    return this.onIncoming(res, info.shouldKeepAlive);
  }

  onBody(data: Uint8Array, start: number, end: number): void {
    const res = this.incoming;
    if (res === null || res._dumped) return;
    // Chunks from our sockets are never reused, so a view is safe to keep.
    if (!res.push(Buffer.from(data.buffer, data.byteOffset + start, end - start))) {
      this.paused = true;
      this.socket.pause();
    }
  }

  onMessageComplete(trailers: string[]): void {
    const res = this.incoming;
    if (res !== null) {
      if (trailers.length > 0) res.rawTrailers = trailers;
      res.complete = true;
      if (!isInformational(res.statusCode ?? 0)) res.push(null);
    }
    // As Node, read on for the next message. A body that filled the
    // response's buffer paused the socket, and a response that has ended
    // asks for no more, so on a kept-alive socket the next request's
    // response would wait unread.
    this.paused = false;
    const socket = this.socket;
    if (socket.readable && !socket.destroyed) socket.resume();
  }

  resume(): void {
    if (this.paused) {
      this.paused = false;
      if (!this.socket.destroyed) this.socket.resume();
    }
  }

  /** Node's `parserOnIncomingClient`: returns the parser's body verdict. */
  onIncoming(res: IncomingMessage, shouldKeepAlive: boolean): number {
    const socket = this.socket;
    const req = this.req;
    if (req.res) {
      // A second response to one request: the server is broken.
      socket.destroy();
      return 0;
    }
    req.res = res;
    if (res.upgrade) return 2;
    if (req.method === "CONNECT") {
      res.upgrade = true;
      return 2;
    }
    const status = res.statusCode ?? 0;
    if (isInformational(status)) {
      req.res = null;
      if (status === 100) req.emit("continue");
      req.emit("information", {
        statusCode: res.statusCode,
        statusMessage: res.statusMessage,
        httpVersion: res.httpVersion,
        httpVersionMajor: res.httpVersionMajor,
        httpVersionMinor: res.httpVersionMinor,
        headers: res.headers,
        rawHeaders: res.rawHeaders,
      });
      return 1;
    }
    if (req.shouldKeepAlive && !shouldKeepAlive && !req.upgradeOrConnect) {
      req.shouldKeepAlive = false;
    }
    // deno-lint-ignore no-explicit-any
    (res as any).req = req;
    res.on("end", responseOnEnd);
    req.on("finish", requestOnFinish);
    socket.on("timeout", responseOnTimeout);
    if (req.aborted || !req.emit("response", res)) res._dump();
    if (req.method === "HEAD") return 1;
    if (status === 304) {
      res.complete = true;
      return 1;
    }
    return 0;
  }

  /** Detaches the parser from the socket (Node's `freeParser`). */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    const socket = this.socket as ClientSocket;
    if (socket.parser === this) socket.parser = null;
    if (this.req.parser === this) this.req.parser = null;
    // A pooled parser must not keep the request, socket or response alive.
    this.req = null as unknown as ClientRequest;
    this.socket = null as unknown as Socket;
    this.incoming = null;
    this.queued = null;
    if (freeParsers.length < kMaxFreeParsers) freeParsers.push(this);
  }
}

function socketOnData(this: ClientSocket, chunk: Buffer): void {
  const req = this._httpMessage as ClientRequest;
  const cp = this.parser;
  if (cp === null || req === null) return;
  // A stream may push from inside a parser callback (a user's Duplex answering
  // in 'information') and so re-enter here mid-parse: as in Node, its bytes
  // are parsed too, once the current call is done.
  if (cp.executing) {
    (cp.queued ??= []).push(chunk);
    return;
  }
  parseChunk(this, req, cp, chunk);
  let queued = cp.queued;
  while (queued !== null) {
    cp.queued = null;
    for (let i = 0; i < queued.length && this.parser === cp; i++) {
      parseChunk(this, this._httpMessage as ClientRequest, cp, queued[i]);
    }
    queued = this.parser === cp ? cp.queued : null;
  }
}

function parseChunk(
  socket: ClientSocket,
  req: ClientRequest,
  cp: ClientParser,
  chunk: Buffer,
): void {
  let ret: number;
  cp.executing = true;
  try {
    ret = cp.parser.execute(chunk);
  } finally {
    cp.executing = false;
  }
  if (ret < 0) {
    const err = cp.parser.error as ParseError;
    err.rawPacket = chunk;
    cp.free();
    socket.removeListener("data", socketOnData);
    socket.removeListener("end", socketOnEnd);
    socket.destroy();
    socket._hadError = true;
    req.emit("error", err);
    return;
  }
  const res = cp.incoming;
  if (cp.parser.upgraded && res !== null && res.upgrade) {
    onUpgrade(socket, req, cp, res, chunk.subarray(ret));
  } else if (res !== null && res.complete && !isInformational(res.statusCode ?? 0)) {
    socket.removeListener("data", socketOnData);
    socket.removeListener("end", socketOnEnd);
    // A pooled socket must carry no listener of a finished request.
    socket.removeListener("drain", socketOnDrain);
    cp.free();
  }
}

function onUpgrade(
  socket: ClientSocket,
  req: ClientRequest,
  cp: ClientParser,
  res: IncomingMessage,
  head: Buffer,
): void {
  req.res = res;
  socket.removeListener("data", socketOnData);
  socket.removeListener("end", socketOnEnd);
  socket.removeListener("drain", socketOnDrain);
  if (req.timeoutCb) socket.removeListener("timeout", req.timeoutCb);
  socket.removeListener("timeout", responseOnTimeout);
  cp.free();
  const event = req.method === "CONNECT" ? "connect" : "upgrade";
  if (req.listenerCount(event) > 0) {
    req.upgradeOrConnect = true;
    socket.emit("agentRemove");
    socket.removeListener("close", socketCloseListener);
    socket.removeListener("error", socketErrorListener);
    socket._httpMessage = null;
    // deno-lint-ignore no-explicit-any
    (socket as any).readableFlowing = null;
    req.emit(event, res, socket, Buffer.from(head));
    req.destroyed = true;
    req._closed = true;
    req.emit("close");
  } else {
    socket.destroy();
  }
}

function socketOnDrain(this: ClientSocket): void {
  const msg = this._httpMessage as ClientRequest | null;
  if (msg && !msg.finished && msg[kNeedDrain]) {
    msg[kNeedDrain] = false;
    msg.emit("drain");
  }
}

function socketOnEnd(this: ClientSocket): void {
  const req = this._httpMessage as ClientRequest;
  const cp = this.parser;
  if (!req.res && !this._hadError) {
    // The socket ended before any response: the request fails.
    this._hadError = true;
    req.emit("error", connResetException("socket hang up"));
  }
  if (cp !== null) {
    cp.parser.finish();
    cp.free();
  }
  this.destroy();
}

function socketErrorListener(this: ClientSocket, err: Error): void {
  const req = this._httpMessage as ClientRequest | null;
  if (req) {
    this._hadError = true;
    req.emit("error", err);
  }
  const cp = this.parser;
  if (cp !== null) {
    cp.parser.finish();
    cp.free();
  }
  this.removeListener("data", socketOnData);
  this.removeListener("end", socketOnEnd);
  this.destroy();
}

function socketCloseListener(this: ClientSocket): void {
  const req = this._httpMessage as ClientRequest;
  const cp = this.parser;
  const res = req.res;
  req.destroyed = true;
  if (res) {
    if (!res.complete) res.destroy(connResetException("aborted"));
    req._closed = true;
    req.emit("close");
    if (!res.aborted && res.readable) res.push(null);
  } else {
    if (!this._hadError) {
      // The socket closed before a response: the error belongs to the request.
      this._hadError = true;
      req.emit("error", connResetException("socket hang up"));
    }
    req._closed = true;
    req.emit("close");
  }
  if (req.outputData) req.outputData.length = 0;
  if (cp !== null) {
    cp.parser.finish();
    cp.free();
  }
}

function responseOnTimeout(this: ClientSocket): void {
  const req = this._httpMessage as ClientRequest | null;
  req?.res?.emit("timeout");
}

function requestOnFinish(this: ClientRequest): void {
  if (this.shouldKeepAlive && this._ended) responseKeepAlive(this);
}

function responseOnEnd(this: IncomingMessage): void {
  // deno-lint-ignore no-explicit-any
  const req = (this as any).req as ClientRequest;
  const socket = req.socket as ClientSocket | null;
  if (socket) {
    if (req.timeoutCb) socket.removeListener("timeout", req.timeoutCb);
    socket.removeListener("timeout", responseOnTimeout);
  }
  req._ended = true;
  if (!req.shouldKeepAlive) {
    if (socket?.writable) {
      // A user-supplied Duplex (createConnection) may not have destroySoon.
      if (typeof socket.destroySoon === "function") socket.destroySoon();
      else socket.end();
    }
  } else if (req.writableFinished && !this.aborted) {
    responseKeepAlive(req);
  }
}

/** The response is done and the socket may go back to the agent. */
function responseKeepAlive(req: ClientRequest): void {
  const socket = req.socket as ClientSocket;
  // The response can end after the write completed but before 'finish' ran;
  // freeing the socket a second time would strip the next request's listeners.
  req.removeListener("finish", requestOnFinish);
  if (req.timeoutCb) {
    socket.setTimeout(0, req.timeoutCb);
    req.timeoutCb = null;
  }
  socket.removeListener("close", socketCloseListener);
  socket.removeListener("error", socketErrorListener);
  socket.removeListener("data", socketOnData);
  socket.removeListener("end", socketOnEnd);
  // After user 'end' handlers ran, the socket is free for the next request.
  process.nextTick(emitFreeNT, req);
  req.destroyed = true;
  if (req.res) req.res.socket = null;
}

function emitFreeNT(req: ClientRequest): void {
  req._closed = true;
  req.emit("close");
  req.socket?.emit("free");
}
