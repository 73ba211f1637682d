/**
 * Node command-line flags that change net/http defaults. On Deno they can
 * only arrive through `NODE_OPTIONS`; Bun shows them in `process.execArgv`.
 * Both are read, as Node reads both.
 *
 * @module
 */
import process from "node:process";
import { transport } from "./transport/select.ts";

/** The value of `--name=value` (or true for a bare `--name`), else undefined. */
export function nodeFlag(name: string): string | true | undefined {
  const fromEnv = (process.env.NODE_OPTIONS ?? "").split(/\s+/);
  const args = [...(process.execArgv ?? []), ...fromEnv];
  let found: string | true | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === name) {
      const next = args[i + 1];
      found = next !== undefined && /^\d+$/.test(next) ? next : true;
    } else if (arg.startsWith(`${name}=`)) {
      found = arg.slice(name.length + 1);
    }
  }
  return found;
}

let http: { maxHeaderSize: number; insecureHTTPParser: boolean } | null = null;

/** `--max-http-header-size` and `--insecure-http-parser`, read once. */
export function httpFlags(): { maxHeaderSize: number; insecureHTTPParser: boolean } {
  if (http === null) {
    const size = nodeFlag("--max-http-header-size");
    const n = typeof size === "string" ? Number(size) : NaN;
    http = {
      maxHeaderSize: Number.isInteger(n) && n > 0 ? n : 16384,
      insecureHTTPParser: nodeFlag("--insecure-http-parser") !== undefined,
    };
  }
  return http;
}

/**
 * An environment variable Node reads at startup (`NODE_USE_ENV_PROXY`, ...).
 * Where reading it needs a permission the program was not given (Deno
 * without `--allow-env`), it reads as unset: importing this library never
 * prompts or throws for it.
 */
export function startupEnv(name: string): string | undefined {
  const current = transport();
  return current.readEnv ? current.readEnv(name) : process.env[name];
}
