import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runFixture } from "../_util/process.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test("net.Server.unref() before listen() and Socket.unref() before connect let the process exit", async () => {
  const r = await runFixture(fixture("unref_server.ts"), 15_000);
  assert.equal(r.timedOut, false, `process did not exit: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
});

test("net.Server.ref() keeps the process alive until close()", async () => {
  const r = await runFixture(fixture("ref_server.ts"), 15_000);
  assert.equal(r.timedOut, false, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /still alive/);
});

test("net.Socket paused with nothing to write does not hold the process (libuv's active-handle rule)", async () => {
  const r = await runFixture(fixture("paused_idle.ts"), 15_000);
  assert.equal(r.timedOut, false, `process did not exit: ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /accepted/);
});

test("net.Socket reads on after a 'data' listener threw to 'uncaughtException'", async () => {
  const r = await runFixture(fixture("throwing_data.ts"), 15_000);
  assert.equal(r.timedOut, false, `process did not exit: ${r.stdout} ${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout.trim(),
    JSON.stringify(["data first", "uncaught listener failed", "data second", "end"]),
  );
});
