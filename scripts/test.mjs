#!/usr/bin/env node
// Runs everything `npm test` promises, in order: format, lint, type check,
// the doc lint and examples, the import rules, the suite on Deno, the same suite on Bun.
// Prints each step's output, then one closing line `tests: N passed, N failed`
// that counts both runtimes (a failed static check counts as one failure).
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
const only = process.argv.slice(2); // optional test file filters
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function run(label, cmd, args) {
  process.stdout.write(`\n== ${label}: ${[cmd.split("/").pop(), ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", maxBuffer: 1 << 28 });
  // deno test colours its summary even under NO_COLOR; strip escapes to parse it.
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.replace(ANSI, "");
  process.stdout.write(out);
  return { ok: r.status === 0, out };
}

let passed = 0;
let failed = 0;
const failures = [];

function check(label, cmd, args) {
  const r = run(label, cmd, args);
  if (r.ok) passed++;
  else {
    failed++;
    failures.push(label);
  }
}

const testRoots = only.length > 0 ? only : ["tests/"];

if (only.length === 0) {
  check("fmt", bin("deno"), ["fmt", "--check"]);
  check("lint", bin("deno"), ["lint"]);
  check("check", bin("deno"), [
    "check",
    "mod.ts",
    "net.ts",
    "http.ts",
    "tests/",
    "bench/",
    "examples/",
  ]);
  check("doc lint", bin("deno"), ["doc", "--lint", "mod.ts", "net.ts", "http.ts"]);
  // Every JSDoc example runs, so none goes stale.
  check("doc examples", bin("deno"), [
    "test",
    "--doc",
    "-A",
    "mod.ts",
    "net.ts",
    "http.ts",
    "_internal",
  ]);
  check("imports", process.execPath, ["scripts/check_imports.mjs"]);
}

// deno: "ok | 12 passed | 0 failed" (flat tests: steps are not used here)
{
  const r = run("deno test", bin("deno"), ["test", "-A", "--no-check", ...testRoots]);
  const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(r.out);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
    if (Number(m[2]) > 0) failures.push("deno test");
  }
  if (!m || (!r.ok && Number(m[2]) === 0)) {
    failed++;
    failures.push("deno test (did not complete)");
  }
}

// bun: " 12 pass" / " 0 fail" lines
{
  const r = run("bun test", bin("bun"), [
    "test",
    "--timeout",
    "60000",
    ...testRoots.map((t) => `./${t}`),
  ]);
  const p = /^\s*(\d+) pass$/m.exec(r.out);
  const f = /^\s*(\d+) fail$/m.exec(r.out);
  if (p) passed += Number(p[1]);
  if (f) failed += Number(f[1]);
  if (f && Number(f[1]) > 0) failures.push("bun test");
  if (!p || (!r.ok && !(f && Number(f[1]) > 0))) {
    failed++;
    failures.push("bun test (did not complete)");
  }
}

if (failures.length > 0) process.stdout.write(`\nfailed: ${failures.join(", ")}\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
