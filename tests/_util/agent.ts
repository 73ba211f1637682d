/**
 * Agent test helpers: a stand-in for ClientRequest's side of the agent
 * contract and a plain TCP peer built with this project's net.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import net, { type AddressInfo, type Server, type Socket } from "../../net.ts";
import type { Agent, AgentRequest } from "../../_internal/http/agent.ts";

// Connection options are Node's untyped bag.
// deno-lint-ignore no-explicit-any
export type AnyOptions = Record<string, any>;

/** The ClientRequest side of the agent contract, and nothing else. */
export class FakeRequest extends EventEmitter implements AgentRequest {
  reusedSocket = false;
  shouldKeepAlive = true;
  timeout: number | undefined;
  res: { headers: Record<string, string> } | null = null;
  headers: Record<string, unknown> = {};
  socket: Socket | null | undefined = null;
  error: Error | undefined;
  readonly assigned: Promise<Socket | null | undefined>;
  #settle!: (socket: Socket | null | undefined) => void;

  constructor(timeout?: number) {
    super();
    this.timeout = timeout;
    this.assigned = new Promise((resolve) => this.#settle = resolve);
  }

  onSocket(socket: Socket | null | undefined, err?: Error): void {
    this.socket = socket;
    this.error = err;
    // ClientRequest claims the socket the same way (tickOnSocket).
    if (socket && !err) socket._httpMessage = this;
    this.#settle(socket);
  }

  getHeader(name: string): unknown {
    return this.headers[name];
  }
}

export interface Peer {
  server: Server;
  port: number;
  options: AnyOptions;
  name: string;
  close(): Promise<void>;
}

export async function serve(): Promise<Peer> {
  const accepted: Socket[] = [];
  const server = net.createServer((s) => {
    accepted.push(s);
    s.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    options: { host: "127.0.0.1", port },
    name: `127.0.0.1:${port}:`,
    close() {
      for (const s of accepted) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Adds a request and resolves with its socket once connected. */
export async function take(agent: Agent, peer: Peer, req = new FakeRequest()): Promise<Socket> {
  agent.addRequest(req, peer.options);
  const socket = await req.assigned;
  assert.ok(socket, `no socket: ${req.error}`);
  if (socket.connecting) await once(socket, "connect");
  return socket;
}

/** Captures the options each `createConnection()` call receives. */
export function spyConnections(agent: Agent): AnyOptions[] {
  const seen: AnyOptions[] = [];
  const original = agent.createConnection;
  agent.createConnection = function (this: Agent, ...args: unknown[]) {
    seen.push(args[0] as AnyOptions);
    return original.apply(this, args);
  };
  return seen;
}

export async function closeAll(agent: Agent, peer: Peer): Promise<void> {
  agent.destroy();
  await peer.close();
}
