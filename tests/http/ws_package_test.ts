/**
 * The `ws` package (WebSocket server and client over http's 'upgrade'),
 * bundled by scripts/bundle.mjs so that its http and net are this library,
 * exchanges the same messages and close frames on this runtime as on Node,
 * and the program exits by itself once everything is closed.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { bundle, onThisRuntime } from "../_util/bundle.ts";

const app = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "ws_app.cjs");

function run(cmd: string, args: string[]): string {
  const result = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(result.status, 0, `${cmd} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

test("ws: server and client over this library behave as on Node, and the program exits", () => {
  const dir = mkdtempSync(join(tmpdir(), "node-http-ws-"));
  try {
    const bundled = join(dir, "ws_app.cjs");
    bundle(app, bundled);
    const ours = JSON.parse(run(...onThisRuntime(bundled)));
    const node = JSON.parse(run("node", [app]));
    // The two ends of a loopback connection live in one process here; which
    // end's events come first is the event loop's order, not the API's.
    assert.match(ours.handle, /^(Deno|Bun)Connection$/);
    assert.deepEqual(ours.got, node.got);
    assert.deepEqual(ours.log.toSorted(), node.log.toSorted());
    assert.deepEqual(ours.got, [
      "text echo:hi 7",
      "binary 200000 7",
      "text echo:xxx 70005",
      "client: close 1000 bye",
    ]);
    assert.deepEqual(ours.log.toSorted(), [
      "server: close 1000 bye",
      "server: closed",
      "server: connection /chat websocket",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
