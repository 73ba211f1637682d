/**
 * Node's `http` module over this project's `net`. So far it holds the
 * protocol tables and header validation; the server and client build on the
 * parser in `_internal/http/`.
 *
 * @example
 * ```ts
 * import { METHODS, STATUS_CODES } from "@x/node-http/http";
 * console.log(STATUS_CODES[404], METHODS.includes("PATCH")); // Not Found true
 * ```
 *
 * @module
 */
import { STATUS_CODES } from "./_internal/http/status_codes.ts";
import { METHODS } from "./_internal/http/methods.ts";
import { validateHeaderName, validateHeaderValue } from "./_internal/http/headers.ts";

export { METHODS, STATUS_CODES, validateHeaderName, validateHeaderValue };

/**
 * The largest head the parser accepts by default, in bytes (Node: 16 KiB).
 *
 * @example
 * ```ts
 * import { maxHeaderSize } from "@x/node-http/http";
 * console.log(maxHeaderSize); // 16384
 * ```
 */
export const maxHeaderSize = 16384;

/** The module object, as `require("http")` returns it in Node. */
const http = {
  METHODS,
  STATUS_CODES,
  maxHeaderSize,
  validateHeaderName,
  validateHeaderValue,
};

export default http;
