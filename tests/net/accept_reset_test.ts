/**
 * A listener must keep accepting when a peer resets while its connection
 * waits in the backlog. Node's listener (libuv's) hands such a connection
 * over (its first write fails) and emits no 'error'; a server that stopped
 * accepting, or threw, would be down. (Descriptors running out: see
 * emfile_test.ts.)
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import net, { type Socket } from "../../net.ts";
import { closeServer, listen, tempDir } from "../_util/net.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/**
 * What a client read before the connection ended, or the error that ended
 * it; a server that never answers ends it after 5 s.
 */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    socket.setTimeout(5000, () => socket.destroy());
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => text += chunk);
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    socket.on("close", () => resolve(text));
  });
}

test("net.Server keeps accepting after peers reset while waiting in the backlog", async () => {
  const { dir, cleanup } = tempDir();
  const marker = join(dir, "reset");
  const errors: string[] = [];
  const server = net.createServer((socket) => {
    // The reset ones, where the runtime still hands them over, fail here.
    socket.on("error", () => {});
    socket.end("hi");
  });
  server.on("error", (err: NodeJS.ErrnoException) => errors.push(`${err.code} ${err.syscall}`));
  try {
    const port = await listen(server, 0, "127.0.0.1");
    const args = [join(fixtures, "reset_peers.cjs"), String(port), "20", marker];
    const resetter = spawn("node", args, { stdio: "ignore" });
    // Nothing is accepted while this loop holds the event loop, so all 20
    // connections are established and reset before the server sees them.
    const until = Date.now() + 10_000;
    while (!existsSync(marker) && Date.now() < until) {
      // Busy on purpose.
    }
    assert.ok(existsSync(marker), "the resetter did not finish");
    await once(resetter, "exit");
    const client = net.connect(port, "127.0.0.1");
    assert.equal(await outcome(client), "hi");
    assert.deepEqual(errors, []);
  } finally {
    await closeServer(server);
    cleanup();
  }
});
