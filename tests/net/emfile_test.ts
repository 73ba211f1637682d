/**
 * A server out of descriptors: accept() fails with EMFILE. Node's server
 * emits no error and serves again once descriptors are free (libuv sheds
 * the connections waiting meanwhile, with a descriptor kept in reserve).
 * Ours emits no error either and serves again; the connection that waited
 * is served too, once a descriptor is free, on both runtimes: Bun accepts
 * in native code, which leaves it queued, and Deno's listener waits for a
 * descriptor rather than risk dropping a connection that came after they
 * were freed.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import * as runtimeNet from "node:net";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeArgs } from "../_util/process.ts";

const fixture = fileURLToPath(new URL("./fixtures/emfile_server.ts", import.meta.url));

/**
 * Connects: `connected` settles once the kernel has established the
 * connection (it then waits in the server's backlog), `text` with all the
 * server sent once it closed the connection.
 */
function receive(port: number): { connected: Promise<unknown>; text: Promise<string> } {
  const socket = runtimeNet.connect(port, "127.0.0.1");
  const connected = once(socket, "connect");
  const text = new Promise<string>((resolve, reject) => {
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => received += chunk);
    socket.on("error", reject);
    socket.on("close", () => resolve(received));
  });
  return { connected, text };
}

test(
  "net.Server out of descriptors emits no error, and serves the waiting connection and later ones once descriptors are free",
  { skip: process.platform !== "linux" && "ulimit and /dev/null as on Linux" },
  async () => {
    const [cmd, args] = runtimeArgs(fixture);
    const child = spawn("sh", ["-c", 'ulimit -n 64 && exec "$0" "$@"', cmd, ...args], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const exited = once(child, "exit");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    try {
      let out = "";
      const lines = (test: RegExp) =>
        new Promise<string>((resolve) => {
          const check = () => test.test(out) && resolve(out);
          child.stdout.on("data", (d) => {
            out += d;
            check();
          });
          check();
        });
      const port = Number(/ready (\d+)/.exec(await lines(/ready \d+\n/))![1]);

      const first = receive(port);
      await first.connected;
      child.stdin.write("free\n");
      await lines(/freed\n/);
      assert.equal(await receive(port).text, "served\n");
      assert.equal(await first.text, "served\n");

      child.stdin.end();
      const [code] = await exited;
      assert.equal(code, 0);
      const events = JSON.parse(out.trimEnd().split("\n").at(-1)!);
      assert.deepEqual(events, ["opened until EMFILE", "connection", "connection"]);
    } finally {
      clearTimeout(timer);
      child.kill();
    }
  },
);
