/**
 * The http benchmarks' load generator: wrk (Debian's `wrk` package), a
 * separate process whose CPU time is not the server's. A Lua script makes
 * it report as one JSON line and, for uploads, send a chunked POST body.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One wrk run. */
export interface WrkPlan {
  port: number;
  path: string;
  connections: number;
  threads: number;
  seconds: number;
  /** Bytes of chunked request body per request; 0 sends GET requests. */
  uploadSize: number;
  /** Bytes per chunk of the upload body. */
  uploadChunk: number;
  /** Niceness for wrk (0: unchanged). */
  nice: number;
}

/** What wrk reports for a run. */
export interface WrkResult {
  requests: number;
  seconds: number;
  /** Response bytes read. */
  bytes: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx answers. */
  errors: number;
  p50Micros: number;
  p99Micros: number;
}

/**
 * Builds the request once per wrk thread. GET keeps wrk's own request; an
 * upload is written out by hand because `wrk.format` would add a
 * Content-Length header.
 */
const kScript = `
local payload = nil
function init(args)
  local size = tonumber(args[1]) or 0
  if size == 0 then return end
  local chunk = tonumber(args[2])
  local parts = {
    "POST " .. wrk.path .. " HTTP/1.1\\r\\nHost: " .. wrk.host .. ":" .. wrk.port ..
    "\\r\\nContent-Type: application/octet-stream\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
  }
  local left = size
  while left > 0 do
    local n = math.min(chunk, left)
    parts[#parts + 1] = string.format("%x\\r\\n", n) .. string.rep("u", n) .. "\\r\\n"
    left = left - n
  end
  parts[#parts + 1] = "0\\r\\n\\r\\n"
  payload = table.concat(parts)
  request = function() return payload end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"event":"wrk","requests":%.0f,"durationUs":%.0f,"bytes":%.0f,"errors":%.0f,' ..
    '"p50Us":%.0f,"p99Us":%.0f}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

let scriptFile: string | null = null;

function script(): string {
  if (scriptFile === null) {
    scriptFile = join(mkdtempSync(join(tmpdir(), "http_bench_")), "wrk.lua");
    writeFileSync(scriptFile, kScript);
  }
  return scriptFile;
}

/** Runs wrk to completion; rejects if it fails, is missing or overruns. */
export function runWrk(plan: WrkPlan): Promise<WrkResult> {
  const args = [
    `-t${plan.threads}`,
    `-c${plan.connections}`,
    `-d${plan.seconds}s`,
    "--timeout",
    "10s",
    "-s",
    script(),
    `http://127.0.0.1:${plan.port}${plan.path}`,
    "--",
    String(plan.uploadSize),
    String(plan.uploadChunk),
  ];
  const [bin, argv] = plan.nice === 0
    ? ["wrk", args]
    : ["nice", ["-n", String(plan.nice), "wrk", ...args]];
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (text: string) => out += text);
    proc.stderr.setEncoding("utf8").on("data", (text: string) => out += text);
    const timer = setTimeout(() => proc.kill("SIGKILL"), (plan.seconds + 20) * 1000);
    proc.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`wrk: ${err.message} (install it: apt-get install wrk)`));
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith('{"event":"wrk"'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited (${signal ?? code}):\n${out.trim().slice(-2000)}`));
        return;
      }
      const r = JSON.parse(line);
      resolve({
        requests: r.requests,
        seconds: r.durationUs / 1e6,
        bytes: r.bytes,
        errors: r.errors,
        p50Micros: r.p50Us,
        p99Micros: r.p99Us,
      });
    });
  });
}
