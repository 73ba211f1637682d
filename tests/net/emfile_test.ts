/**
 * A server out of descriptors: accept() fails with EMFILE. libuv keeps one
 * descriptor in reserve for this, lets it go to accept the waiting
 * connection and closes it at once, so Node's server emits no error, the
 * peer sees its connection end, and the server serves again once
 * descriptors are free.
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
import { transport } from "../../_internal/transport/select.ts";

const fixture = fileURLToPath(new URL("./fixtures/emfile_server.ts", import.meta.url));

// Bun accepts in native code, which leaves the connection queued while no
// descriptor is free; it is then served once one is.
const queuedOnBun = transport().capabilities.runtime === "bun";

/** Connects and resolves with all the server sent once it closed the connection. */
function receive(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = runtimeNet.connect(port, "127.0.0.1");
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => text += chunk);
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
}

test(
  "net.Server out of descriptors drops the waiting connection without an error, then serves again",
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
      if (!queuedOnBun) assert.equal(await first, "", "the waiting connection was served");
      child.stdin.write("free\n");
      await lines(/freed\n/);
      assert.equal(await receive(port), "served\n");
      if (queuedOnBun) assert.equal(await first, "served\n");

      child.stdin.end();
      const [code] = await exited;
      assert.equal(code, 0);
      const events = JSON.parse(out.trimEnd().split("\n").at(-1)!);
      assert.deepEqual(events, [
        "opened until EMFILE",
        ...(queuedOnBun ? ["connection"] : []),
        "connection",
      ]);
    } finally {
      clearTimeout(timer);
      child.kill();
    }
  },
);
