/**
 * supertest (and its client, superagent), unchanged, bundled by
 * scripts/bundle.mjs with an Express app, so that the ephemeral server
 * supertest starts for each request (`listen(0)`, `address()`, `close()`)
 * and the client requesting it are both this library, runs a suite
 * in-process on the current runtime; Node runs the same file with its own
 * modules. Every case's outcome (status, headers, body, error, whether the
 * server is still listening) must match Node's line for line, the requests
 * a raw server receives too, and the program must exit by itself: JSON,
 * text, redirects, streamed and binary bodies, JSON/form/text uploads,
 * multipart fields and files, agent cookies, keep-alive agents, timeouts,
 * retries, error statuses, failed expectations, a server shared by
 * concurrent requests, promises and pipes, a refused connection.
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

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const app = join(fixtures, "supertest_app.cjs");

/**
 * Runs the suite; it must exit by itself, with status 0. It takes well under
 * a second; the limit is below the 5 s of the keep-alive timeout and of the
 * slow route's timer, so a socket or timer left holding the process fails.
 */
function run(cmd: string, args: string[]): Record<string, unknown>[] {
  const result = spawnSync(cmd, args, {
    encoding: "utf8",
    timeout: 4_500,
    env: { ...process.env, NO_COLOR: "1", FIXTURE_DIR: fixtures },
  });
  assert.equal(result.signal, null, `${cmd} did not exit by itself: ${result.stdout}`);
  assert.equal(result.status, 0, `${cmd} ${args.join(" ")}: ${result.stderr}`);
  const lines = result.stdout.trimEnd().split("\n");
  assert.equal(lines.pop(), "done", result.stdout);
  return lines.map((line) => JSON.parse(line));
}

/** The line reported for case `name`. */
function find(lines: Record<string, unknown>[], name: string): Record<string, unknown> {
  const line = lines.find((l) => l.name === name);
  assert.ok(line, `no line for ${name}`);
  return line;
}

test("supertest: a suite over Express reports as on Node, and the program exits", () => {
  const dir = mkdtempSync(join(tmpdir(), "node-http-supertest-"));
  try {
    const bundled = join(dir, "supertest_app.cjs");
    bundle(app, bundled);
    const [ourImpl, ...ours] = run(...onThisRuntime(bundled));
    const [nodeImpl, ...node] = run("node", [app]);
    // Both ends are the bundled library's; Node's client socket is a TCP wrap.
    const impl = { socket: true, request: true, response: true, client: true };
    assert.match(String((ourImpl.body as { handle: string }).handle), /^(Deno|Bun)/);
    assert.deepEqual(ourImpl.body, {
      ...impl,
      handle: (ourImpl.body as { handle: string }).handle,
    });
    assert.deepEqual(nodeImpl.body, { ...impl, handle: "TCP" });

    assert.deepEqual(ours, node);
    // What the lines say, so that a fixture gone wrong on both cannot pass.
    assert.equal(ours.length, 45);
    assert.deepEqual(find(ours, "json").body, { hello: "world", list: [1, 2, 3] });
    assert.equal(find(ours, "json").listening, false);
    assert.deepEqual(find(ours, "redirects followed").redirects, [
      "http://127.0.0.1:PORT/redirect/2",
      "http://127.0.0.1:PORT/redirect/1",
      "http://127.0.0.1:PORT/redirect/0",
    ]);
    assert.equal(find(ours, "redirects limited").status, 302);
    assert.equal(find(ours, "streamed text").text, "one\ntwo\nthree\n");
    assert.deepEqual(find(ours, "binary").body, { buffer: 100000, sum: 37934 });
    assert.equal((find(ours, "multipart").body as { parts: unknown[] }).parts.length, 2);
    assert.deepEqual(find(ours, "agent cookie").body, { cookie: "sid=abc123; theme=dark" });
    assert.deepEqual(find(ours, "timeout").error, {
      name: "Error",
      message: "Timeout of 100ms exceeded",
      code: "ECONNABORTED",
      errno: "ETIME",
      timeout: 100,
    });
    assert.equal(
      (find(ours, "keep-alive agent again").headers as Record<string, string>).connection,
      "keep-alive",
    );
    assert.equal(find(ours, "retried").text, "third time lucky");
    assert.equal(find(ours, "retries run out").text, "attempt 2");
    assert.equal(find(ours, "500").status, 500);
    assert.deepEqual(find(ours, "expect status fails").error, {
      name: "Error",
      message: 'expected 201 "Created", got 200 "OK"',
    });
    // Three requests share the server supertest started; the last closes it.
    assert.deepEqual(
      [0, 1, 2].map((i) => find(ours, `shared server ${i}`).listening),
      [true, true, false],
    );
    assert.match(
      (find(ours, "raw JSON").body as { captured: string }).captured,
      /^POST \/json HTTP\/1\.1\r\nContent-Type: application\/json\r\nHost: 127\.0\.0\.1:PORT\r\n/,
    );
    assert.deepEqual(find(ours, "refused").error, {
      name: "Error",
      message: "ECONNREFUSED: Connection refused",
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
