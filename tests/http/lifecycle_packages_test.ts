/**
 * Graceful-shutdown and port-finding packages, unchanged, over this library:
 * fixtures/lifecycle_packages.cjs is bundled by scripts/bundle.mjs, so that
 * stoppable, http-terminator, get-port and portfinder get this library's
 * `http` and `net`, and runs on the current runtime; Node runs the same file
 * with its own modules. The fixture's servers and raw clients are in the
 * program itself, so both ends are ours in the bundle. Every step must come
 * out as on Node: stoppable's and http-terminator's shutdown (an idle
 * keep-alive socket closed at once, a request in flight answered, with
 * `Connection: close` where the package sets it, then its socket closed;
 * or destroyed once the grace period is over), `closeIdleConnections()`,
 * EADDRINUSE arriving as an 'error' event (on "::" when no host is given),
 * close()/stop()/terminate() twice, and get-port and portfinder skipping a
 * taken port. Both programs must exit by themselves.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareWithNode } from "../_util/client_programs.ts";

const fixture = join(
  dirname(fileURLToPath(import.meta.url)),
  "fixtures",
  "lifecycle_packages.cjs",
);

const program = compareWithNode(fixture, false);
const { step } = program;

test("lifecycle packages: the bundle's server sockets are this library's, Node's its own", () =>
  program.assertOurHandles());

test("lifecycle packages: every step prints what it prints on Node, in the same order", () =>
  program.assertSameSteps());

test("stoppable: the idle socket closes first, the in-flight request is answered, then stop() calls back", () => {
  const drained = step("stoppable: idle closed, in-flight drained with Connection: close");
  assert.deepEqual(drained.order, [
    "idle closed",
    "slow closed",
    "server close",
    "stopped undefined true",
  ]);
  assert.match((drained.slow as { data: string }).data, /\r\n\r\nslow done$/);
  const forced = step("stoppable: grace period over, the in-flight socket destroyed");
  assert.deepEqual(forced.result, { err: "undefined", graceful: false });
  assert.deepEqual(forced.slow, { data: "", events: ["end", "close"] });
});

test("http-terminator: Connection: close on the in-flight response, sockets destroyed after the timeout", () => {
  const drained = step(
    "http-terminator: idle destroyed, in-flight drained with Connection: close",
  );
  assert.deepEqual(drained.order, ["idle closed", "slow closed", "terminated"]);
  assert.match(
    (drained.slow as { data: string }).data,
    /^HTTP\/1\.1 200 OK\r\nconnection: close\r\n[^]*\r\n\r\nslow done$/,
  );
  assert.equal(drained.listening, false);
  const forced = step("http-terminator: timeout over, the in-flight socket destroyed");
  assert.deepEqual(forced.slow, { data: "", events: ["end", "close"] });
  assert.deepEqual(forced.late, { data: "", events: ["error ECONNREFUSED", "close"] });
});

test("closeIdleConnections: the busy socket stays open until its response is done", () => {
  const seen = step("closeIdleConnections: only the idle socket closes");
  assert.deepEqual(seen.whileInFlight, []);
  assert.match((seen.slow as { data: string }).data, /slow done$/);
});

test("ports: EADDRINUSE as an 'error' event, and get-port and portfinder skip a taken port", () => {
  const taken = step("listen on a taken port: EADDRINUSE as an 'error' event");
  assert.match((taken.events as string[])[0], /^error EADDRINUSE listen 127\.0\.0\.1 P\d+$/);
  assert.equal(taken.closed, "ERR_SERVER_NOT_RUNNING");
  // Without a host the probe binds "::" and fails there (this machine has
  // IPv6), not on a retried "0.0.0.0".
  const hosts = step("listen on a taken port: any host, 0.0.0.0, localhost, options object");
  assert.match((hosts.outcomes as string[])[0], /^EADDRINUSE listen (::|0\.0\.0\.0) P\d+$/);
  assert.deepEqual(step("close twice, and stop()/terminate() twice").order, [
    "stop1 undefined true",
    "stop2 ERR_SERVER_NOT_RUNNING true",
    "terminated false",
    "close again ERR_SERVER_NOT_RUNNING",
  ]);
  assert.deepEqual(step("portfinder: several ports at once"), {
    count: 3,
    distinct: 3,
    after: true,
    ascending: true,
  });
  assert.deepEqual(step("get-port: a free port, and another when the wanted one is taken"), {
    free: true,
    notBusy: true,
    onHost: true,
    inRange: true,
  });
  assert.deepEqual(step("get-port: an excluded or taken range"), { other: true });
  assert.deepEqual(step("portfinder: the next free port at or after the one asked for"), {
    after: true,
    self: true,
  });
  assert.match(
    (step("portfinder: no open port in the range").error as { message: string }).message,
    /^No open ports found in between P\d+ and P\d+$/,
  );
});
