import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { fileURLToPath } from "node:url";
import net, { type Socket } from "../../net.ts";
import { Agent, getGlobalAgent, globalAgent, setGlobalAgent } from "../../_internal/http/agent.ts";
import { ClientRequest } from "../../_internal/http/client.ts";
import { runFixture } from "../_util/process.ts";
import {
  type AnyOptions,
  closeAll,
  FakeRequest,
  serve,
  spyConnections,
  take,
} from "../_util/agent.ts";

test("http.Agent() constructs without new and sets Node's defaults in Node's order", () => {
  const agent = (Agent as unknown as () => Agent)();
  assert.ok(agent instanceof Agent);
  assert.ok(agent instanceof EventEmitter);
  assert.deepEqual(Object.keys(agent).filter((k) => !k.startsWith("_")), [
    "options",
    "defaultPort",
    "protocol",
    "requests",
    "sockets",
    "freeSockets",
    "keepAliveMsecs",
    "keepAlive",
    "maxSockets",
    "maxFreeSockets",
    "scheduling",
    "maxTotalSockets",
    "totalSocketCount",
    "agentKeepAliveTimeoutBuffer",
  ]);
  assert.equal(agent.defaultPort, 80);
  assert.equal(agent.protocol, "http:");
  assert.equal(agent.keepAlive, false);
  assert.equal(agent.keepAliveMsecs, 1000);
  assert.equal(agent.maxSockets, Infinity);
  assert.equal(agent.maxFreeSockets, 256);
  assert.equal(agent.maxTotalSockets, Infinity);
  assert.equal(agent.scheduling, "lifo");
  assert.equal(agent.totalSocketCount, 0);
  assert.equal(agent.agentKeepAliveTimeoutBuffer, 1000);
  for (const pool of [agent.options, agent.requests, agent.sockets, agent.freeSockets]) {
    assert.equal(Object.getPrototypeOf(pool), null);
  }
  assert.equal(agent.options.path, null);
  assert.equal(agent.options.noDelay, true);
  assert.equal(agent.listenerCount("free"), 1);
  assert.equal(agent.listenerCount("newListener"), 1);
});

test("http.Agent is inheritable with Agent.call(this) and reads Agent.defaultMaxSockets", () => {
  const saved = Agent.defaultMaxSockets;
  try {
    const MyAgent = function (this: Agent) {
      Agent.call(this, { keepAlive: true, defaultPort: 8080, protocol: "x:" });
    };
    Object.setPrototypeOf(MyAgent.prototype, Agent.prototype);
    Agent.defaultMaxSockets = 7;
    const agent = new (MyAgent as unknown as new () => Agent)();
    assert.ok(agent instanceof Agent);
    assert.equal(agent.keepAlive, true);
    assert.equal(agent.maxSockets, 7);
    assert.equal(agent.defaultPort, 8080);
    assert.equal(agent.protocol, "x:");
    assert.equal(typeof agent.addRequest, "function");
  } finally {
    Agent.defaultMaxSockets = saved;
  }
  assert.equal(Agent.defaultMaxSockets, Infinity);
});

test("http.Agent validates scheduling and maxTotalSockets with Node's errors", () => {
  assert.throws(() => new Agent({ scheduling: "x" as "fifo" }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'scheduling' must be one of: 'fifo', 'lifo'. Received 'x'",
  });
  assert.throws(() => new Agent({ maxTotalSockets: "1" as unknown as number }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "maxTotalSockets" argument must be of type number. Received type string ('1')`,
  });
  for (const [value, shown] of [[0, "0"], [-1, "-1"], [NaN, "NaN"]] as const) {
    assert.throws(() => new Agent({ maxTotalSockets: value }), {
      name: "RangeError",
      code: "ERR_OUT_OF_RANGE",
      message: `The value of "maxTotalSockets" is out of range. It must be >= 1. Received ${shown}`,
    });
  }
  assert.equal(new Agent({ maxTotalSockets: 3 }).maxTotalSockets, 3);
  assert.equal(new Agent({ scheduling: "fifo" }).scheduling, "fifo");
});

test("http.Agent agentKeepAliveTimeoutBuffer falls back to 1000 unless a finite number >= 0", () => {
  const buffer = (v: unknown) =>
    new Agent({ agentKeepAliveTimeoutBuffer: v as number }).agentKeepAliveTimeoutBuffer;
  assert.equal(buffer(1500), 1500);
  assert.equal(buffer(0), 0);
  assert.equal(buffer(-100), 1000);
  assert.equal(buffer(Infinity), 1000);
  assert.equal(buffer("5"), 1000);
});

test("http.Agent.getName() builds host:port:localAddress with family and socketPath", () => {
  const agent = new Agent();
  assert.equal(agent.getName(), "localhost::");
  assert.equal(agent.getName({}), "localhost::");
  assert.equal(agent.getName({ host: "a.test", port: 80 }), "a.test:80:");
  assert.equal(agent.getName({ port: 0 }), "localhost::");
  assert.equal(
    agent.getName({ host: "a.test", port: "8080", localAddress: "10.0.0.1" }),
    "a.test:8080:10.0.0.1",
  );
  assert.equal(agent.getName({ host: "::1", family: 6 }), "::1:::6");
  assert.equal(agent.getName({ family: 4 }), "localhost:::4");
  assert.equal(agent.getName({ family: 5 }), "localhost::");
  assert.equal(agent.getName({ family: "4" }), "localhost::");
  assert.equal(agent.getName({ socketPath: "/tmp/s.sock" }), "localhost:::/tmp/s.sock");
  assert.equal(
    agent.getName({ host: "h", port: 1, localAddress: "l", family: 4, socketPath: "/p" }),
    "h:1:l:4:/p",
  );
});

test("http.globalAgent is keep-alive, lifo, 5 s timeout, and replaceable", () => {
  const original = getGlobalAgent();
  try {
    assert.equal(original, globalAgent);
    assert.equal(original.keepAlive, true);
    assert.equal(original.scheduling, "lifo");
    assert.equal(original.options.timeout, 5000);
    assert.equal(original.maxSockets, Infinity);
    const replacement = new Agent();
    setGlobalAgent(replacement);
    assert.equal(getGlobalAgent(), replacement);
    assert.equal(globalAgent, replacement);
  } finally {
    setGlobalAgent(original);
  }
});

test("http.Agent.addRequest() opens a socket with the merged options and counts it", async () => {
  const peer = await serve();
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 2000 });
  try {
    const seen = spyConnections(agent);
    const req = new FakeRequest();
    agent.addRequest(req, { ...peer.options, path: "/index.html", noDelay: false });
    const socket = await req.assigned;
    assert.ok(socket);
    assert.equal(seen.length, 1);
    const opts = seen[0];
    assert.equal(Object.getPrototypeOf(opts), null);
    assert.equal(opts.path, null);
    assert.equal(opts.noDelay, true);
    assert.equal(opts.servername, "");
    assert.equal(opts._agentKey, peer.name);
    assert.equal(opts.encoding, null);
    assert.equal(opts.keepAlive, true);
    assert.equal(opts.keepAliveInitialDelay, 2000);
    assert.equal(agent.totalSocketCount, 1);
    assert.deepEqual(agent.sockets[peer.name], [socket]);
    await once(socket, "connect");
    assert.equal(socket.remotePort, peer.port);
    assert.equal(req.reusedSocket, false);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent derives servername from the Host header, never an IP", async () => {
  const peer = await serve();
  const agent = new Agent();
  try {
    const seen = spyConnections(agent);
    const cases: [unknown, string][] = [
      ["example.com:8080", "example.com"],
      ["[::1]:80", ""],
      ["[broken", "[broken"],
      ["plain", "plain"],
      [undefined, ""],
    ];
    for (const [header] of cases) {
      const req = new FakeRequest();
      req.headers.host = header;
      agent.addRequest(req, peer.options);
    }
    assert.deepEqual(seen.map((o) => o.servername), cases.map(([, name]) => name));
    const bad = new FakeRequest();
    bad.headers.host = ["a"];
    assert.throws(() => agent.addRequest(bad, peer.options), {
      code: "ERR_INVALID_ARG_TYPE",
      message: `The "options.headers.host" property must be of type string. ` +
        "Received an instance of Array",
    });
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent.addRequest() accepts the legacy (req, host, port, localAddress) form", async () => {
  const peer = await serve();
  const agent = new Agent();
  try {
    const seen = spyConnections(agent);
    const req = new FakeRequest();
    agent.addRequest(req, "127.0.0.1", peer.port);
    assert.ok(await req.assigned);
    assert.equal(seen[0].host, "127.0.0.1");
    assert.equal(seen[0].port, peer.port);
    assert.deepEqual(Object.keys(agent.sockets), [peer.name]);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent.createSocket() reports a createConnection error to req.onSocket", async () => {
  const agent = new Agent();
  const failure = new Error("no route");
  agent.createConnection = (_options: unknown, cb?: unknown) => {
    queueMicrotask(() => (cb as (err: Error) => void)(failure));
    return undefined as unknown as Socket;
  };
  const req = new FakeRequest();
  agent.addRequest(req, { host: "127.0.0.1", port: 9 });
  assert.equal(await req.assigned, undefined);
  assert.equal(req.error, failure);
  assert.equal(agent.totalSocketCount, 0);
  assert.deepEqual(agent.sockets["127.0.0.1:9:"], []);
});

test("http.Agent.createSocket() takes a socket that createConnection calls back with", async () => {
  const peer = await serve();
  const agent = new Agent();
  try {
    agent.createConnection = (options: unknown, cb?: unknown) => {
      const s = net.connect(options as AnyOptions);
      s.once("connect", () => (cb as (e: null, s: Socket) => void)(null, s));
      return undefined as unknown as Socket;
    };
    const req = new FakeRequest();
    agent.addRequest(req, peer.options);
    const socket = await req.assigned;
    assert.ok(socket);
    assert.equal(socket.connecting, false);
    assert.equal(agent.totalSocketCount, 1);
    assert.deepEqual(agent.sockets[peer.name], [socket]);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent relays socket 'keylog' events once a listener is added", async () => {
  const peer = await serve();
  const agent = new Agent();
  try {
    const before = await take(agent, peer);
    const seen: [unknown, unknown][] = [];
    agent.on("keylog", (line, socket) => seen.push([line, socket]));
    assert.equal(agent.listenerCount("newListener"), 0);
    const after = await take(agent, peer);
    before.emit("keylog", "one");
    after.emit("keylog", "two");
    assert.deepEqual(seen, [["one", before], ["two", after]]);
  } finally {
    await closeAll(agent, peer);
  }
});

test("http.Agent idle pooled sockets do not keep the process alive", async () => {
  const peer = await serve();
  try {
    const fixture = fileURLToPath(new URL("./fixtures/agent_idle.ts", import.meta.url));
    const r = await runFixture(fixture, 15_000, [String(peer.port)]);
    assert.equal(r.timedOut, false, `process did not exit: ${r.stdout} ${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pooled 1 destroyed=false timeout=60000/);
  } finally {
    await peer.close();
  }
});

test("http.ClientRequest keeps no port, so agent.getName(req) is host-only as in Node", () => {
  // createConnection returns nothing: the request never gets a socket.
  const req = new ClientRequest("http://localhost:1/x", { createConnection() {} });
  try {
    assert.equal("port" in req, false);
    assert.equal(req.host, "localhost");
    assert.equal(new Agent().getName(req as unknown as { host: string }), "localhost::");
  } finally {
    req.destroy();
  }
});
