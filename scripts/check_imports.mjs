#!/usr/bin/env node
// Enforces the import rules of DESIGN.md on library code (mod.ts, net.ts,
// http.ts, _internal/**): no node:net/http/https/tls/http2, no jsr:/npm:
// specifiers, and the names Deno and Bun only under _internal/transport/.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = ["mod.ts", "net.ts", "http.ts"].filter((f) => exists(join(root, f)));
walk(join(root, "_internal"));

function exists(p) {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function walk(dir) {
  if (!exists(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) files.push(relative(root, p));
  }
}

const forbidden = /(?:from|import|require\()\s*\(?\s*["'](?:node:)?(net|http|https|tls|http2)["']/;
const registry = /(?:from|import)\s*\(?\s*["'](?:jsr|npm):/;
const runtimeName = /\b(Deno|Bun)\s*[.[]/;
const problems = [];

for (const file of files) {
  const lines = readFileSync(join(root, file), "utf8").split("\n");
  const inTransport = file.startsWith("_internal/transport/");
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    // Doc comments may mention require("net"); only code counts.
    const trimmed = line.trimStart();
    if (trimmed.startsWith("*") || trimmed.startsWith("/*")) return;
    const code = line.replace(/\/\/.*$/, "");
    if (forbidden.test(code)) problems.push(`${where}: imports a module this project replaces`);
    if (registry.test(code)) problems.push(`${where}: jsr:/npm: import in library code`);
    if (!inTransport && runtimeName.test(code)) {
      problems.push(`${where}: names Deno or Bun outside _internal/transport/`);
    }
  });
}

if (problems.length > 0) {
  console.log(problems.join("\n"));
  process.exit(1);
}
console.log(`imports: ${files.length} library files follow the rules`);
