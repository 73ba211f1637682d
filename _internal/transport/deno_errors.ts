/**
 * Reduces the errors Deno's socket ops throw to Node's `{ code, syscall }`.
 *
 * Deno 2.9 puts the OS error name on most of them (`err.code === "EPIPE"`),
 * which is already Node's spelling; the class name is the fallback for the
 * few that carry none (a closed resource, a cancelled op, argument errors).
 *
 * @module
 */
import type { TransportError } from "./types.ts";

/** Deno's error class names (`err.name`) for errors that may lack `code`. */
const kCodeByName: Record<string, string> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  AlreadyExists: "EEXIST",
  BadResource: "EBADF",
  BrokenPipe: "EPIPE",
  ConnectionAborted: "ECONNABORTED",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  Interrupted: "ECANCELED",
  InvalidData: "EINVAL",
  NetworkUnreachable: "ENETUNREACH",
  NotCapable: "EACCES",
  NotConnected: "ENOTCONN",
  NotFound: "ENOENT",
  NotSupported: "ENOTSUP",
  PermissionDenied: "EACCES",
  TimedOut: "ETIMEDOUT",
  WouldBlock: "EAGAIN",
  // Argument errors (bad host, bad port) come back as plain JS errors.
  TypeError: "EINVAL",
  RangeError: "EINVAL",
  URIError: "EINVAL",
  AbortError: "ECANCELED",
};

/** The system error code Deno reported, in Node's spelling. */
export function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (e !== null && typeof e === "object") {
    if (typeof e.code === "string" && /^E[A-Z0-9]+$/.test(e.code)) return e.code;
    if (typeof e.name === "string" && e.name in kCodeByName) return kCodeByName[e.name];
  }
  return "UNKNOWN";
}

/** Wraps a thrown Deno error as a transport error for `syscall`. */
export function toTransportError(err: unknown, syscall: string): TransportError {
  const message = (err as { message?: unknown } | null)?.message;
  return {
    code: codeOf(err),
    syscall,
    detail: typeof message === "string" ? message : String(err),
  };
}
