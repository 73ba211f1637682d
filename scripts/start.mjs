#!/usr/bin/env node
// The main job: serve the example with this library, on Deno by default or
// on Bun with --bun. Extra arguments go to the example (e.g. a port).
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const useBun = args.includes("--bun");
const rest = args.filter((a) => a !== "--bun");
const example = join(root, "examples", "http_server.js");
const bin = join(root, "node_modules", ".bin", useBun ? "bun" : "deno");
const argv = useBun ? [example, ...rest] : ["run", "-A", example, ...rest];
const child = spawn(bin, argv, { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(signal ? 1 : code ?? 1));
