/**
 * Node's `net.SocketAddress`: an immutable IP address, port, family and IPv6
 * flow label, validated and normalised as Node 25 does.
 *
 * Node keeps the parsed `sockaddr` in C++; here the 16 or 4 address bytes live
 * in a private field that `BlockList` reads through `socketAddressBytes()`.
 *
 * @module
 */

import { inspect as utilInspect } from "node:util";
import { ERR_INVALID_ADDRESS, ERR_INVALID_ARG_VALUE, ERR_OUT_OF_RANGE } from "../errors.ts";
import { validateObject, validatePort, validateString, validateUint32 } from "../validators.ts";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip.ts";

/** The address families `SocketAddress` knows, in Node's lowercase spelling. */
export type SocketAddressFamily = "ipv4" | "ipv6";

/** Options of `new SocketAddress()`; every field has Node's default. */
export interface SocketAddressInitOptions {
  /** Defaults to '127.0.0.1' for IPv4 and '::' for IPv6. */
  address?: string;
  /** Defaults to 0. */
  port?: number;
  /** 'ipv4' (the default) or 'ipv6', in any letter case. */
  family?: string;
  /** The IPv6 flow label; ignored for IPv4. Defaults to 0. */
  flowlabel?: number;
}

/** The plain-object form `SocketAddress#toJSON()` returns. */
export interface SocketAddressJSON {
  /** The normalised IP address. */
  address: string;
  /** The port number. */
  port: number;
  /** `'ipv4'` or `'ipv6'`. */
  family: SocketAddressFamily;
  /** The IPv6 flow label; `0` for IPv4. */
  flowlabel: number;
}

const kCustomInspect = Symbol.for("nodejs.util.inspect.custom");
// The flow label is a 20-bit field of the IPv6 header.
const kFlowLabelMax = 0xfffff;

/**
 * The `inspect` function Node passes as the third argument of a
 * `[util.inspect.custom](depth, options, inspect)` method.
 */
export type Inspect = (value: unknown, options?: unknown) => string;

/**
 * Reads the raw address bytes (4 for IPv4, 16 for IPv6) of a SocketAddress.
 * Assigned by the class's static block so the bytes stay private.
 */
export let socketAddressBytes: (address: SocketAddress) => Uint8Array;

/**
 * An IP endpoint, as Node's `net.SocketAddress`.
 *
 * @example
 * ```ts
 * import { SocketAddress } from "@x/node-http/net";
 *
 * const sa = new SocketAddress({ address: "::1", family: "ipv6", port: 80 });
 * sa.toJSON(); // { address: "::1", port: 80, family: "ipv6", flowlabel: 0 }
 * ```
 */
export class SocketAddress {
  #bytes: Uint8Array;
  #address: string;
  #port: number;
  #family: SocketAddressFamily;
  #flowlabel: number;

  static {
    socketAddressBytes = (address) => address.#bytes;
  }

  /** True when `value` is a SocketAddress made by this module. */
  static isSocketAddress(value: unknown): value is SocketAddress {
    return typeof value === "object" && value !== null && #bytes in value;
  }

  /**
   * Parses "host:port" or "[ipv6]:port" text as a URL authority does, and
   * returns undefined when it is not an IP endpoint. As in Node, the port of
   * a URL's default ("80") reads back as 0.
   */
  static parse(input: string): SocketAddress | undefined {
    validateString(input, "input");
    try {
      const { hostname, port } = new URL(`http://${input}`);
      if (hostname.startsWith("[") && hostname.endsWith("]")) {
        return new SocketAddress({
          address: hostname.slice(1, -1),
          port: +port | 0,
          family: "ipv6",
        });
      }
      return new SocketAddress({ address: hostname, port: +port | 0 });
    } catch {
      return undefined;
    }
  }

  /** Validates `options` with Node's errors and normalises the address text. */
  constructor(options: SocketAddressInitOptions = {}) {
    validateObject(options, "options");
    const rawFamily: unknown = options.family === undefined ? "ipv4" : options.family;
    // Node picks the default address before lowercasing the family, so
    // { family: 'IPv4' } defaults to '::' and is then refused.
    const {
      address = rawFamily === "ipv4" ? "127.0.0.1" : "::",
      port = 0,
      flowlabel = 0,
    } = options;
    const family = typeof (rawFamily as { toLowerCase?: unknown })?.toLowerCase === "function"
      ? (rawFamily as string).toLowerCase()
      : rawFamily;
    if (family !== "ipv4" && family !== "ipv6") {
      throw new ERR_INVALID_ARG_VALUE("options.family", options.family);
    }
    validateString(address, "options.address");
    const portNumber = validatePort(port, "options.port");
    validateUint32(flowlabel, "options.flowlabel", false);
    // Node aborts the process on a label past 20 bits; an error is kinder.
    if (family === "ipv6" && flowlabel > kFlowLabelMax) {
      throw new ERR_OUT_OF_RANGE("options.flowlabel", `>= 0 && <= ${kFlowLabelMax}`, flowlabel);
    }
    const bytes = family === "ipv4" ? parseIPv4(address) : parseIPv6(address);
    if (bytes === null) throw new ERR_INVALID_ADDRESS();
    this.#bytes = bytes;
    this.#address = family === "ipv4" ? formatIPv4(bytes) : formatIPv6(bytes);
    this.#port = portNumber;
    this.#family = family;
    this.#flowlabel = family === "ipv6" ? flowlabel : 0;
  }

  /** The address in canonical text form (IPv6 compressed, zone dropped). */
  get address(): string {
    return this.#address;
  }

  /** The port, 0 to 65535. */
  get port(): number {
    return this.#port;
  }

  /** 'ipv4' or 'ipv6'. */
  get family(): SocketAddressFamily {
    return this.#family;
  }

  /** The IPv6 flow label (always 0 for IPv4). */
  get flowlabel(): number {
    return this.#flowlabel;
  }

  /** The fields as a plain object, as `JSON.stringify` shows them. */
  toJSON(): SocketAddressJSON {
    return {
      address: this.#address,
      port: this.#port,
      family: this.#family,
      flowlabel: this.#flowlabel,
    };
  }

  /** Renders as Node does: `SocketAddress { address: '::1', port: 0, ... }`. */
  [kCustomInspect](depth: number, options: { depth?: number | null }, inspect?: Inspect): unknown {
    if (depth < 0) return this;
    const show = typeof inspect === "function" ? inspect : utilInspect as Inspect;
    const opts = { ...options, depth: options?.depth == null ? null : options.depth - 1 };
    return `SocketAddress ${show(this.toJSON(), opts)}`;
  }
}
