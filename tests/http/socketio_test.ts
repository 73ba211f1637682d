/**
 * socket.io 4 (server) and socket.io-client 4, unchanged, bundled by
 * scripts/bundle.mjs so that both ends' http and net are this library:
 * engine.io's long-polling requests held open by the server, the upgrade to
 * WebSocket through `ws`, and the client's polling over xmlhttprequest-ssl's
 * `http.request`. A scripted session (tests/http/fixtures/socketio_app.cjs)
 * prints what both ends saw, and the client's request heads as a raw server
 * got them, and must print what the same file prints on Node and exit by
 * itself; raw polling exchanges with the server must get
 * Node's bytes, sids and the Date aside.
 *
 * @module
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { exchangeText, maskDate, RawClient } from "../_util/wire.ts";
import {
  type BesideNode,
  bundle,
  listeningPorts,
  onThisRuntime,
  type Program,
  startBesideNode,
} from "../_util/bundle.ts";

const app = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "socketio_app.cjs");

/** Runs `cmd args` to its end; it must exit 0 by itself. Returns its lines by step. */
function run(cmd: string, args: string[]): Map<string, unknown> {
  const result = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(result.status, 0, `${cmd} ${args.join(" ")}: ${result.stderr}\n${result.stdout}`);
  const steps = new Map<string, unknown>();
  for (const line of result.stdout.split("\n")) {
    if (line === "") continue;
    const { step, ...seen } = JSON.parse(line);
    steps.set(step, seen);
  }
  return steps;
}

test("socket.io: a session between its server and client over this library matches Node's, and the program exits", () => {
  const dir = mkdtempSync(join(tmpdir(), "node-http-socketio-"));
  try {
    const bundled = join(dir, "socketio_app.cjs");
    bundle(app, bundled);
    const ours = run(...onThisRuntime(bundled));
    const node = run("node", [app]);
    const { handles } = ours.get("handles") as { handles: string[] };
    // Both ends run on this library's handles where Node has its TCP wrap.
    assert.ok(handles.some((h) => /^server (Deno|Bun)\w+$/.test(h)), String(handles));
    assert.ok(handles.some((h) => /^client (Deno|Bun)\w+$/.test(h)), String(handles));
    assert.deepEqual(
      handles.map((h) => h.replace(/(Deno|Bun)\w+$/, "TCP")),
      (node.get("handles") as { handles: string[] }).handles,
    );
    ours.delete("handles");
    node.delete("handles");
    assert.deepEqual([...ours.keys()], [...node.keys()]);
    for (const [step, seen] of node) assert.deepEqual(ours.get(step), seen, `step "${step}"`);
    // What Node's run printed is what the session exists to show.
    assert.deepEqual(node.get("upgrade"), { first: "polling", then: "websocket" });
    const heads = node.get("request heads") as Record<string, { head: string }>;
    assert.match(
      heads.polling.head,
      /^GET \/socket\.io\/\?who=capture&EIO=4&transport=polling&t=T /,
    );
    assert.match(heads.websocket.head, /\r\nSec-WebSocket-Key: KEY\r\nConnection: Upgrade\r\n/);
    assert.deepEqual(node.get("ping timeout"), {
      server: "ping timeout",
      client: "transport close",
      pinged: ["ping"],
    });
    assert.deepEqual(node.get("restart on the same port"), {
      events: ["disconnect: transport close", "reconnect", "connect, transport websocket"],
      upgradeClient: "transport close",
      roundTrip: [{ buffer: "01" }],
    });
    assert.deepEqual((node.get("websocket round trips") as { back: unknown }).back, [
      true,
      1 << 20,
      392270481,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

let programs: BesideNode | undefined;
let ports: [number, number] = [0, 0];

before(async () => {
  programs = await startBesideNode(app, { SIO_MODE: "serve" }, /listening \d+/);
  ports = [listeningPorts(programs.ours)[0], listeningPorts(programs.node)[0]];
});

after(() => programs?.stop());

const path = "/socket.io/?EIO=4&transport=polling";

/** Engine.io sids and socket.io ids are random: 20 url-safe base64 characters. */
function maskIds(text: string): string {
  return text.replace(/([="])[\w-]{20}(["&\s])/g, "$1ID$2");
}

/** One polling request on its own connection; its answer, Date and ids masked. */
async function poll(port: number, method: "GET" | "POST", query: string, body = "") {
  const head = `${method} ${path}${query} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`;
  const bytes = method === "POST"
    ? `${head}Content-Type: text/plain;charset=UTF-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    : `${head}\r\n`;
  return maskIds(await exchangeText(port, bytes));
}

/** The sid of an engine.io handshake answer. */
function sidOf(answer: string): string {
  const sid = /"sid":"([\w-]{20})"/.exec(answer);
  assert.ok(sid, answer);
  return sid[1];
}

/** Resolves once `program` printed its `count`th "GET" line (one per polling GET it got). */
function gets(program: Program, count: number): Promise<void> {
  const enough = () => (program.stdout().match(/^GET$/gm) ?? []).length >= count;
  return new Promise((resolve) => {
    if (enough()) return resolve();
    const check = () => {
      if (!enough()) return;
      program.child.stdout!.off("data", check);
      resolve();
    };
    program.child.stdout!.on("data", check);
  });
}

/**
 * Opens a session, connects the main namespace, and sends an event with an
 * ack (then a binary one) while a GET is held open waiting for the answer.
 */
async function pollingExchange(port: number, program: Program): Promise<string[]> {
  const seen: string[] = [];
  const handshake = await exchangeText(
    port,
    `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
  );
  const sid = `&sid=${sidOf(handshake)}`;
  seen.push(maskIds(handshake));
  seen.push(await poll(port, "POST", sid, "40"));
  seen.push(await poll(port, "GET", sid));
  // A GET with nothing to send is held open until the ack comes. The
  // event carries "é" as UTF-8 (the wire helpers write latin1).
  const held = poll(port, "GET", sid);
  await gets(program, 2);
  seen.push(await poll(port, "POST", sid, '421["echo","x\u00c3\u00a9"]'));
  seen.push(await held);
  const binary = poll(port, "GET", sid);
  await gets(program, 3);
  seen.push(
    await poll(port, "POST", sid, '451-2["echo",{"_placeholder":true,"num":0}]\x1ebAQID/w=='),
  );
  // The attachment is a packet of its own: the held GET answers with the
  // first one alone, and the next GET gets it.
  seen.push(await binary);
  seen.push(await poll(port, "GET", sid));
  seen.push(await poll(port, "GET", "&sid=AAAAAAAAAAAAAAAAAAAA"));
  seen.push(await poll(port, "POST", sid, "1"));
  seen.push(await poll(port, "GET", sid));
  return seen;
}

test("socket.io: polling GET/POST exchanges get Node's bytes from the server", async () => {
  const [ours, node] = await Promise.all([
    pollingExchange(ports[0], programs!.ours),
    pollingExchange(ports[1], programs!.node),
  ]);
  assert.deepEqual(ours, node);
  assert.match(
    ours[0],
    /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n0\{"sid":"ID","upgrades":\["websocket"\]/,
  );
  assert.match(ours[2], /\r\n\r\n40\{"sid":"ID"\}$/);
  assert.match(ours[4], /\r\n\r\n431\[\["x\u00c3\u00a9"\]\]$/);
  assert.match(ours[6], /\r\n\r\n461-2\[\[\{"_placeholder":true,"num":0\}\]\]$/);
  assert.match(ours[7], /\r\n\r\nbAQID\/w==$/);
  assert.match(ours[8], /^HTTP\/1\.1 400 [^]*"Session ID unknown"/);
  assert.match(ours[10], /^HTTP\/1\.1 400 /);
});

/** A client's WebSocket frame: final, `opcode`, masked with a zero key (so unchanged). */
function frame(opcode: number, payload: string): string {
  assert.ok(payload.length < 126);
  return String.fromCharCode(0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0) + payload;
}

/**
 * Upgrades straight to WebSocket with a fixed key, connects the main
 * namespace, sends an event with an ack and closes with 1000; everything
 * the server sent, Date and ids masked.
 */
async function websocketExchange(port: number): Promise<string> {
  const client = new RawClient(port);
  try {
    client.write(
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n" +
        "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    await client.until((t) => t.includes('"maxPayload":2000000}'));
    client.write(frame(1, "40"));
    await client.until((t) => /40\{"sid":"[\w-]{20}"\}/.test(t));
    client.write(frame(1, '421["echo","hi"]'));
    await client.until((t) => t.includes('431[["hi"]]'));
    client.write(frame(8, "\x03\xe8"));
    await client.closed;
    return maskIds(maskDate(client.text));
  } finally {
    client.destroy();
  }
}

test("socket.io: a raw WebSocket session gets Node's bytes from the server", async () => {
  const [ours, node] = await Promise.all(ports.map(websocketExchange));
  assert.equal(ours, node);
  assert.match(
    ours,
    /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n\r\n\x81.0\{"sid":"ID"/,
  );
  assert.ok(ours.endsWith('\x81\x0b431[["hi"]]\x88\x02\x03\xe8'), JSON.stringify(ours));
});
