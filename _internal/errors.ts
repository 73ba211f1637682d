/**
 * Node-style errors: `ERR_*` classes carrying Node's exact `code` and message,
 * and system errors (`code`, `errno`, `syscall`, `address`, `port`).
 *
 * Messages are built the way Node builds them, so that code which matches on
 * `err.message` keeps working.
 *
 * @module
 */

/** Constructor shape shared by every `ERR_*` class below. */
export interface NodeErrorConstructor<A extends unknown[]> {
  new (...args: A): Error & { code: string };
}

type ErrorBase = ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;

/**
 * Declares one `ERR_*` class. The class extends the given base so `instanceof
 * TypeError` and `err.name` hold as in Node, and prints as
 * `TypeError [ERR_X]: message` like Node's do.
 */
function define<A extends unknown[]>(
  code: string,
  Base: ErrorBase,
  message: (...args: A) => string,
  extra?: (err: Record<string, unknown>, ...args: A) => void,
): NodeErrorConstructor<A> {
  const Cls = class extends (Base as ErrorConstructor) {
    code = code;
    constructor(...args: A) {
      super(message(...args));
      extra?.(this as unknown as Record<string, unknown>, ...args);
    }
    override toString(): string {
      return `${this.name} [${code}]: ${this.message}`;
    }
  };
  Object.defineProperty(Cls, "name", { value: code });
  return Cls as unknown as NodeErrorConstructor<A>;
}

const kTypes = new Set([
  "string",
  "function",
  "number",
  "object",
  "Function",
  "Object",
  "boolean",
  "bigint",
  "symbol",
]);
const kClassName = /^([A-Z][a-z0-9]*)+$/;

/** Describes a received value the way Node's messages do: "type string ('x')". */
export function describeReceived(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "bigint":
      return `type bigint (${value}n)`;
    case "number":
      if (value === 0) return 1 / value < 0 ? "type number (-0)" : "type number (0)";
      return `type number (${value})`;
    case "boolean":
      return `type boolean (${value})`;
    case "symbol":
      return `type symbol (${String(value)})`;
    case "function":
      return `function ${value.name}`;
    case "object": {
      const ctor = (value as { constructor?: { name?: string } }).constructor;
      if (ctor && typeof ctor.name === "string" && ctor.name !== "") {
        return `an instance of ${ctor.name}`;
      }
      return inspectShallow(value);
    }
    case "string": {
      const s = value.length > 28 ? `${value.slice(0, 25)}...` : value;
      return s.includes("'") ? `type string (${JSON.stringify(s)})` : `type string ('${s}')`;
    }
  }
  return String(value);
}

function inspectShallow(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string") return `'${value}'`;
    return String(value);
  }
  if (Array.isArray(value)) return "[Array]";
  const keys = Object.keys(value);
  if (keys.length === 0) {
    return Object.getPrototypeOf(value) === null ? "[Object: null prototype] {}" : "{}";
  }
  return "[Object]";
}

const kCustomInspect = Symbol.for("nodejs.util.inspect.custom");

/** A compact `util.inspect`-like rendering used inside ERR_INVALID_ARG_VALUE. */
export function inspectValue(value: unknown): string {
  // Node's messages show objects through util.inspect, which honours a
  // class's custom inspect (e.g. "SocketAddress { address: ... }").
  if (value !== null && typeof value === "object") {
    const custom = (value as Record<symbol, unknown>)[kCustomInspect];
    if (typeof custom === "function") {
      const shown = custom.call(value, 2, { depth: 2 }, inspectValue);
      if (typeof shown === "string") return shown;
    }
  }
  switch (typeof value) {
    case "string":
      return value.includes("'") && !value.includes('"')
        ? `"${value}"`
        : `'${value.replaceAll("'", "\\'")}'`;
    case "bigint":
      return `${value}n`;
    case "function":
      return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
    case "symbol":
      return String(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        return value.length === 0 ? "[]" : `[ ${value.map(inspectValue).join(", ")} ]`;
      }
      const entries = Object.entries(value);
      if (entries.length === 0) return "{}";
      const body = entries.map(([k, v]) =>
        `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${
          v !== null && typeof v === "object" ? "[Object]" : inspectValue(v)
        }`
      );
      // util.inspect's breakLength of 80: past it, one entry per line.
      const width = body.reduce((sum, entry) => sum + entry.length, 2 * body.length + 11);
      if (width > 80) return `{\n  ${body.join(",\n  ")}\n}`;
      return `{ ${body.join(", ")} }`;
    }
    default:
      return String(value);
  }
}

/**
 * What Node's `util.format("%s", value)` gives: plain objects and arrays are
 * inspected (`{}`, `[]`), -0 keeps its sign, anything else is `String(value)`.
 */
function formatAsString(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  const toString = (value as { toString?: unknown }).toString;
  if (toString !== Object.prototype.toString && toString !== Array.prototype.toString) {
    return String(value);
  }
  return inspectValue(value);
}

function listTypes(items: string[], kind: string, joiner = "one of "): string {
  if (items.length > 2) {
    const last = items[items.length - 1];
    return `${joiner}${kind}${items.slice(0, -1).join(", ")}, or ${last}`;
  }
  if (items.length === 2) return `${joiner}${kind}${items[0]} or ${items[1]}`;
  return `${kind}${items[0]}`;
}

function invalidArgTypeMessage(name: string, expected: string | string[], actual: unknown): string {
  const list = Array.isArray(expected) ? expected : [expected];
  let msg = name.endsWith(" argument")
    ? `The ${name} must be `
    : `The "${name}" ${name.includes(".") ? "property" : "argument"} must be `;
  const types: string[] = [];
  const instances: string[] = [];
  const other: string[] = [];
  for (const item of list) {
    if (kTypes.has(item)) types.push(item.toLowerCase());
    else if (kClassName.test(item)) instances.push(item);
    else other.push(item);
  }
  if (instances.length > 0) {
    const at = types.indexOf("object");
    if (at !== -1) {
      types.splice(at, 1);
      instances.push("Object");
    }
  }
  if (types.length > 0) {
    msg += types.length === 1 ? `of type ${types[0]}` : listTypes(types, "type ");
    if (instances.length > 0 || other.length > 0) msg += " or ";
  }
  if (instances.length > 0) {
    if (instances.length > 2) {
      msg += `an instance of ${instances.slice(0, -1).join(", ")}, or ${
        instances[instances.length - 1]
      }`;
    } else {
      msg += `an instance of ${instances.join(" or ")}`;
    }
    if (other.length > 0) msg += " or ";
  }
  if (other.length > 0) {
    if (other.length === 1) {
      msg += other[0].toLowerCase() !== other[0] ? `an ${other[0]}` : other[0];
    } else {
      msg += listTypes(other, "");
    }
  }
  return `${msg}. Received ${describeReceived(actual)}`;
}

function withSeparators(value: string): string {
  let out = "";
  let i = value.length;
  const start = value[0] === "-" ? 1 : 0;
  for (; i >= start + 4; i -= 3) out = `_${value.slice(i - 3, i)}${out}`;
  return `${value.slice(0, i)}${out}`;
}

function outOfRangeMessage(name: string, range: string, received: unknown): string {
  let shown: string;
  if (Number.isInteger(received) && Math.abs(received as number) > 2 ** 32) {
    shown = withSeparators(String(received));
  } else if (typeof received === "bigint") {
    shown = String(received);
    if (received > 2n ** 32n || received < -(2n ** 32n)) shown = withSeparators(shown);
    shown += "n";
  } else {
    shown = inspectValue(received);
  }
  return `The value of "${name}" is out of range. It must be ${range}. Received ${shown}`;
}

// --- argument errors -------------------------------------------------------

export const ERR_INVALID_ARG_TYPE = define(
  "ERR_INVALID_ARG_TYPE",
  TypeError,
  invalidArgTypeMessage,
);
export const ERR_INVALID_ARG_VALUE = define(
  "ERR_INVALID_ARG_VALUE",
  TypeError,
  (name: string, value: unknown, reason = "is invalid") =>
    `The ${name.includes(".") ? "property" : "argument"} '${name}' ${reason}. Received ${
      inspectValue(value)
    }`,
);
export const ERR_OUT_OF_RANGE = define("ERR_OUT_OF_RANGE", RangeError, outOfRangeMessage);
export const ERR_MISSING_ARGS = define(
  "ERR_MISSING_ARGS",
  TypeError,
  (...names: (string | string[])[]) => {
    const quoted = names.map((n) =>
      Array.isArray(n) ? n.map((x) => `"${x}"`).join(" or ") : `"${n}"`
    );
    if (quoted.length === 1) return `The ${quoted[0]} argument must be specified`;
    if (quoted.length === 2) return `The ${quoted[0]} and ${quoted[1]} arguments must be specified`;
    const last = quoted[quoted.length - 1];
    return `The ${quoted.slice(0, -1).join(", ")}, and ${last} arguments must be specified`;
  },
);

// --- net ---------------------------------------------------------------------

export const ERR_SOCKET_BAD_PORT = define(
  "ERR_SOCKET_BAD_PORT",
  RangeError,
  (name: string, port: unknown, allowZero = true) =>
    `${name} should be ${allowZero ? ">=" : ">"} 0 and < 65536. Received ${
      describeReceived(port)
    }.`,
);
export const ERR_SERVER_ALREADY_LISTEN = define(
  "ERR_SERVER_ALREADY_LISTEN",
  Error,
  () => "Listen method has been called more than once without closing.",
);
export const ERR_SERVER_NOT_RUNNING = define(
  "ERR_SERVER_NOT_RUNNING",
  Error,
  () => "Server is not running.",
);
export const ERR_SOCKET_CLOSED = define("ERR_SOCKET_CLOSED", Error, () => "Socket is closed");
export const ERR_SOCKET_CLOSED_BEFORE_CONNECTION = define(
  "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
  Error,
  () => "Socket closed before the connection was established",
);
export const ERR_SOCKET_CONNECTION_TIMEOUT = define(
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  Error,
  () => "Socket connection timeout",
);
export const ERR_INVALID_IP_ADDRESS = define(
  "ERR_INVALID_IP_ADDRESS",
  TypeError,
  (ip: unknown) => `Invalid IP address: ${ip}`,
);
export const ERR_INVALID_ADDRESS = define(
  "ERR_INVALID_ADDRESS",
  Error,
  () => "Invalid socket address",
);
export const ERR_INVALID_ADDRESS_FAMILY = define(
  "ERR_INVALID_ADDRESS_FAMILY",
  RangeError,
  (family: unknown, host: unknown, port: unknown) =>
    `Invalid address family: ${family} ${host}:${port}`,
  (err, _family, host, port) => {
    err.host = host;
    err.port = port;
  },
);
export const ERR_INVALID_FD_TYPE = define(
  "ERR_INVALID_FD_TYPE",
  TypeError,
  (type: unknown) => `Unsupported fd type: ${type}`,
);
export const ERR_INVALID_HANDLE_TYPE = define(
  "ERR_INVALID_HANDLE_TYPE",
  TypeError,
  () => "This handle type cannot be sent",
);
export const ERR_FEATURE_UNAVAILABLE_ON_PLATFORM = define(
  "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
  TypeError,
  (feature: string) =>
    `The feature ${feature} is unavailable on the current platform, which is being used to run Node.js`,
);
export const ERR_METHOD_NOT_IMPLEMENTED = define(
  "ERR_METHOD_NOT_IMPLEMENTED",
  Error,
  (method: string) => `The ${method} method is not implemented`,
);

// --- streams -----------------------------------------------------------------

export const ERR_STREAM_WRITE_AFTER_END = define(
  "ERR_STREAM_WRITE_AFTER_END",
  Error,
  () => "write after end",
);
export const ERR_STREAM_DESTROYED = define(
  "ERR_STREAM_DESTROYED",
  Error,
  (method: string) => `Cannot call ${method} after a stream was destroyed`,
);
export const ERR_STREAM_ALREADY_FINISHED = define(
  "ERR_STREAM_ALREADY_FINISHED",
  Error,
  (method: string) => `Cannot call ${method} after a stream was finished`,
);
export const ERR_STREAM_NULL_VALUES = define(
  "ERR_STREAM_NULL_VALUES",
  TypeError,
  () => "May not write null values to stream",
);
export const ERR_STREAM_CANNOT_PIPE = define(
  "ERR_STREAM_CANNOT_PIPE",
  Error,
  () => "Cannot pipe, not readable",
);

// --- http --------------------------------------------------------------------

export const ERR_HTTP_HEADERS_SENT = define(
  "ERR_HTTP_HEADERS_SENT",
  Error,
  (action: string) => `Cannot ${action} headers after they are sent to the client`,
);
export const ERR_HTTP_INVALID_STATUS_CODE = define(
  "ERR_HTTP_INVALID_STATUS_CODE",
  RangeError,
  (code: unknown) => `Invalid status code: ${formatAsString(code)}`,
);
export const ERR_HTTP_INVALID_HEADER_VALUE = define(
  "ERR_HTTP_INVALID_HEADER_VALUE",
  TypeError,
  (value: unknown, name: string) => `Invalid value "${value}" for header "${name}"`,
);
export const ERR_INVALID_HTTP_TOKEN = define(
  "ERR_INVALID_HTTP_TOKEN",
  TypeError,
  (what: string, name: unknown) => `${what} must be a valid HTTP token ["${name}"]`,
);
export const ERR_INVALID_CHAR = define(
  "ERR_INVALID_CHAR",
  TypeError,
  (name: string, field?: string) =>
    field === undefined
      ? `Invalid character in ${name}`
      : `Invalid character in ${name} ["${field}"]`,
);
export const ERR_HTTP_TRAILER_INVALID = define(
  "ERR_HTTP_TRAILER_INVALID",
  Error,
  () => "Trailers are invalid with this transfer encoding",
);
export const ERR_HTTP_CONTENT_LENGTH_MISMATCH = define(
  "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
  Error,
  (actual: number, expected: number) =>
    `Response body's content-length of ${actual} byte(s) does not match the content-length of ${expected} byte(s) set in header`,
);
export const ERR_HTTP_BODY_NOT_ALLOWED = define(
  "ERR_HTTP_BODY_NOT_ALLOWED",
  Error,
  () => "Adding content for this request method or response status is not allowed.",
);
export const ERR_HTTP_SOCKET_ENCODING = define(
  "ERR_HTTP_SOCKET_ENCODING",
  Error,
  () => "Changing the socket encoding is not allowed per RFC7230 Section 3.",
);
export const ERR_HTTP_SOCKET_ASSIGNED = define(
  "ERR_HTTP_SOCKET_ASSIGNED",
  Error,
  () => "ServerResponse has an already assigned socket",
);
/** Node's proxy configuration error; the message is given whole (Node's `'%s'`). */
export const ERR_PROXY_INVALID_CONFIG = define(
  "ERR_PROXY_INVALID_CONFIG",
  Error,
  (message: string) => message,
);

/** Node's TypeError for a string `URL` cannot parse; `input` holds the string. */
export const ERR_INVALID_URL = define(
  "ERR_INVALID_URL",
  TypeError,
  (_input: string) => "Invalid URL",
  (err, input) => {
    err.input = input;
  },
);

export const ERR_HTTP_REQUEST_TIMEOUT = define(
  "ERR_HTTP_REQUEST_TIMEOUT",
  Error,
  () => "Request timeout",
);
export const ERR_UNESCAPED_CHARACTERS = define(
  "ERR_UNESCAPED_CHARACTERS",
  TypeError,
  (what: string) => `${what} contains unescaped characters`,
);
export const ERR_INVALID_PROTOCOL = define(
  "ERR_INVALID_PROTOCOL",
  TypeError,
  (actual: string, expected: string) =>
    `Protocol "${actual}" not supported. Expected "${expected}"`,
);

// --- abort -------------------------------------------------------------------

/** Node's `AbortError`: name 'AbortError', code 'ABORT_ERR', optional cause. */
export class AbortError extends Error {
  code = "ABORT_ERR";
  constructor(message = "The operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

// --- system errors -----------------------------------------------------------

/** Linux errno numbers and libuv's descriptions for the codes sockets report. */
const kSystemErrors: Record<string, [number, string]> = {
  EPERM: [-1, "operation not permitted"],
  ENOENT: [-2, "no such file or directory"],
  EINTR: [-4, "interrupted system call"],
  EBADF: [-9, "bad file descriptor"],
  EAGAIN: [-11, "resource temporarily unavailable"],
  ENOMEM: [-12, "not enough memory"],
  EACCES: [-13, "permission denied"],
  EEXIST: [-17, "file already exists"],
  ENOTDIR: [-20, "not a directory"],
  EISDIR: [-21, "illegal operation on a directory"],
  EINVAL: [-22, "invalid argument"],
  EMFILE: [-24, "too many open files"],
  EPIPE: [-32, "broken pipe"],
  ENAMETOOLONG: [-36, "name too long"],
  ENOTSOCK: [-88, "socket operation on non-socket"],
  ENOTSUP: [-95, "operation not supported on socket"],
  EAFNOSUPPORT: [-97, "address family not supported"],
  EADDRINUSE: [-98, "address already in use"],
  EADDRNOTAVAIL: [-99, "address not available"],
  ENETDOWN: [-100, "network is down"],
  ENETUNREACH: [-101, "network is unreachable"],
  ECONNABORTED: [-103, "software caused connection abort"],
  ECONNRESET: [-104, "connection reset by peer"],
  ENOBUFS: [-105, "no buffer space available"],
  EISCONN: [-106, "socket is already connected"],
  ENOTCONN: [-107, "socket is not connected"],
  ETIMEDOUT: [-110, "connection timed out"],
  ECONNREFUSED: [-111, "connection refused"],
  EHOSTUNREACH: [-113, "host is unreachable"],
  EALREADY: [-114, "connection already in progress"],
  ECANCELED: [-125, "operation canceled"],
  ENOTFOUND: [-3008, "getaddrinfo ENOTFOUND"],
};

/** The negative errno Node reports for a code (libuv's numbering on Linux). */
export function errnoOf(code: string): number | undefined {
  return kSystemErrors[code]?.[0];
}

/** A Node system error: `Error` with `code`, `errno`, `syscall` and address fields. */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall: string;
  address?: string;
  port?: number;
  path?: string;
}

function formatTarget(address?: string, port?: number): string {
  if (port !== undefined && port > 0) return ` ${address}:${port}`;
  if (address) return ` ${address}`;
  return "";
}

function decorate(
  err: Error,
  code: string,
  syscall: string,
  address?: string,
  port?: number,
): SystemError {
  const sys = err as SystemError;
  sys.errno = errnoOf(code);
  sys.code = code;
  sys.syscall = syscall;
  if (address !== undefined) sys.address = address;
  if (port !== undefined && port > 0) sys.port = port;
  return sys;
}

/**
 * Node's `exceptionWithHostPort`: "connect ECONNREFUSED 127.0.0.1:80", with an
 * optional " - Local (addr:port)" suffix.
 */
export function exceptionWithHostPort(
  code: string,
  syscall: string,
  address?: string,
  port?: number,
  additional?: string,
): SystemError {
  let details = formatTarget(address, port);
  if (additional) details += ` - Local (${additional})`;
  return decorate(new Error(`${syscall} ${code}${details}`), code, syscall, address, port);
}

/**
 * Node's `uvExceptionWithHostPort`: "listen EADDRINUSE: address already in use
 * :::80", used by listen and bind.
 */
export function uvExceptionWithHostPort(
  code: string,
  syscall: string,
  address?: string,
  port?: number,
): SystemError {
  const text = kSystemErrors[code]?.[1] ?? "unknown error";
  const err = new Error(`${syscall} ${code}: ${text}${formatTarget(address, port)}`);
  return decorate(err, code, syscall, address, port);
}

/** Node's `errnoException`: "read ECONNRESET", "write EPIPE". */
export function errnoException(code: string, syscall: string, original?: string): SystemError {
  const message = original ? `${syscall} ${code} ${original}` : `${syscall} ${code}`;
  return decorate(new Error(message), code, syscall);
}

/** Node's "socket hang up" ECONNRESET error. */
export function connResetException(message: string): SystemError {
  const err = new Error(message) as SystemError;
  err.code = "ECONNRESET";
  return err;
}
