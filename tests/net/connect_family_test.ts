import { test } from "node:test";
import assert from "node:assert/strict";
import net from "../../net.ts";

test("net.connect() rejects a bad family by name as Node's dns.lookup does, on every runtime", () => {
  for (const family of [5, "IPv5", "x"]) {
    assert.throws(() => net.connect({ port: 1, host: "localhost", family: family as number }), {
      code: "ERR_INVALID_ARG_VALUE",
      message: "The property 'options.family' must be one of: 0, 4, 6. Received " +
        (typeof family === "string" ? `'${family}'` : family),
    });
  }
});

test("net.connect() leaves family to a custom lookup, and ignores it for an IP host", async () => {
  const seen: unknown[] = [];
  const socket = net.connect({
    port: 1,
    host: "example.invalid",
    family: 5,
    lookup: (_host: string, options: { family?: unknown }, cb: (err: Error) => void) => {
      seen.push(options.family);
      cb(Object.assign(new Error("no"), { code: "ENOTFOUND" }));
    },
  });
  const failed = new Promise((resolve) => socket.on("error", resolve));
  assert.deepEqual(seen, [5]);
  await failed;
  const direct = net.connect({ port: 1, host: "127.0.0.1", family: 5 });
  const closed = new Promise((resolve) => direct.on("close", resolve));
  direct.on("error", () => {});
  direct.destroy();
  await closed;
});
