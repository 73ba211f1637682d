/**
 * Node's `net.BlockList` in TypeScript: rules on single addresses, ranges and
 * subnets, checked newest first, with Node's cross-family semantics:
 *
 * - an IPv4 rule matches the IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) of its
 *   addresses, and an IPv6 rule on a mapped address matches the plain IPv4
 *   address;
 * - a range compares only addresses that can be compared: an IPv4 address
 *   against an IPv6 bound is compared through the bound's mapped IPv4 part,
 *   and never matches when the bound is not mapped.
 *
 * `net.Server` uses `check(address, family)` for its `blockList` option.
 *
 * @module
 */

import { inspect as utilInspect } from "node:util";
import { ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE } from "../errors.ts";
import { validateArray, validateInt32, validateString } from "../validators.ts";
import { type Inspect, SocketAddress, socketAddressBytes } from "./socket_address.ts";

/** A parsed endpoint as the rules see it: the family and its raw bytes. */
interface Ip {
  v6: boolean;
  bytes: Uint8Array;
}

type Rule =
  | { kind: "address"; ip: Ip; text: string }
  | { kind: "range"; start: Ip; end: Ip; text: string }
  | { kind: "subnet"; net: Ip; prefix: number; text: string };

const kCustomInspect = Symbol.for("nodejs.util.inspect.custom");
// Offset of the IPv4 part inside an IPv4-mapped IPv6 address.
const kMappedAt = 12;

function ipOf(address: SocketAddress): Ip {
  return { v6: address.family === "ipv6", bytes: socketAddressBytes(address) };
}

function familyLabel(address: SocketAddress): string {
  return address.family === "ipv4" ? "IPv4" : "IPv6";
}

/** True when the 16 bytes hold `::ffff:a.b.c.d`. */
function isMapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function compareBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const d = a[aAt + i] - b[bAt + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Orders two addresses: -1, 0 or 1, or NaN when an IPv4 address meets an
 * IPv6 one that is not IPv4-mapped (so every comparison with it fails).
 */
function compare(a: Ip, b: Ip): number {
  if (a.v6 === b.v6) return compareBytes(a.bytes, 0, b.bytes, 0, a.bytes.length);
  if (a.v6) return -compare(b, a);
  if (!isMapped(b.bytes)) return NaN;
  return compareBytes(a.bytes, 0, b.bytes, kMappedAt, 4);
}

/** True when the first `bits` bits of the two byte windows agree. */
function prefixEqual(
  a: Uint8Array,
  aAt: number,
  b: Uint8Array,
  bAt: number,
  bits: number,
): boolean {
  const whole = bits >> 3;
  if (compareBytes(a, aAt, b, bAt, whole) !== 0) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[aAt + whole] & mask) === (b[bAt + whole] & mask);
}

function inSubnet(ip: Ip, net: Ip, prefix: number): boolean {
  if (ip.v6 === net.v6) return prefixEqual(ip.bytes, 0, net.bytes, 0, prefix);
  if (net.v6) {
    // The IPv4 address is tested in its mapped form against the IPv6 subnet.
    const mapped = new Uint8Array(16);
    mapped[10] = mapped[11] = 0xff;
    mapped.set(ip.bytes, kMappedAt);
    return prefixEqual(mapped, 0, net.bytes, 0, prefix);
  }
  return isMapped(ip.bytes) && prefixEqual(ip.bytes, kMappedAt, net.bytes, 0, prefix);
}

function applies(rule: Rule, ip: Ip): boolean {
  switch (rule.kind) {
    case "address":
      return compare(rule.ip, ip) === 0;
    case "range":
      return compare(ip, rule.start) >= 0 && compare(ip, rule.end) <= 0;
    case "subnet":
      return inSubnet(ip, rule.net, rule.prefix);
  }
}

function toSocketAddress(value: unknown, name: string, family: unknown): SocketAddress {
  if (SocketAddress.isSocketAddress(value)) return value;
  validateString(value, name);
  validateString(family, "family");
  return new SocketAddress({ address: value, family });
}

function dataError(data: unknown): Error {
  return new ERR_INVALID_ARG_TYPE("data", ["string", "string[]"], data);
}

function readRuleList(data: unknown): string[] {
  let list = data;
  if (typeof list === "string") {
    list = JSON.parse(list);
    if (!Array.isArray(list)) throw dataError(list);
  } else if (!Array.isArray(list)) {
    throw dataError(list);
  }
  for (const item of list as unknown[]) if (typeof item !== "string") throw dataError(list);
  return list as string[];
}

// The rule texts `rules` produces, found anywhere in an entry as Node's
// fromJSON() looks for them; IPv6 addresses are read as hex digits and colons.
const kV4 = String.raw`(\d{1,3}(?:\.\d{1,3}){3})`;
const kV6 = "([0-9a-fA-F:]{1,39})";
const kV4Subnet = new RegExp(String.raw`Subnet: IPv4 ${kV4}\/(\d{1,2})`);
const kV4Address = new RegExp(`Address: IPv4 ${kV4}`);
const kV4Range = new RegExp(`Range: IPv4 ${kV4}-${kV4}`);
const kV6Subnet = new RegExp(String.raw`Subnet: IPv6 ${kV6}\/([0-9]{1,3})`, "i");
const kV6Address = new RegExp(`Address: IPv6 ${kV6}`, "i");
const kV6Range = new RegExp(`Range: IPv6 ${kV6}-${kV6}`, "i");

function sameIp(a: Ip, b: Ip): boolean {
  return a.v6 === b.v6 && compareBytes(a.bytes, 0, b.bytes, 0, a.bytes.length) === 0;
}

/** True when `rule` is the very rule `other` describes (same kind, same bytes). */
function sameRule(rule: Rule, other: Rule): boolean {
  switch (other.kind) {
    case "address":
      return rule.kind === "address" && sameIp(rule.ip, other.ip);
    case "range":
      return rule.kind === "range" && sameIp(rule.start, other.start) &&
        sameIp(rule.end, other.end);
    case "subnet":
      return rule.kind === "subnet" && rule.prefix === other.prefix &&
        sameIp(rule.net, other.net);
  }
}

function addressRule(sa: SocketAddress): Rule {
  return { kind: "address", ip: ipOf(sa), text: `Address: ${familyLabel(sa)} ${sa.address}` };
}

function rangeRule(first: SocketAddress, last: SocketAddress): Rule {
  return {
    kind: "range",
    start: ipOf(first),
    end: ipOf(last),
    text: `Range: ${familyLabel(first)} ${first.address}-${last.address}`,
  };
}

function subnetRule(network: unknown, prefix: unknown, family: unknown): Rule {
  const net = toSocketAddress(network, "network", family);
  validateInt32(prefix, "prefix", 0, net.family === "ipv4" ? 32 : 128);
  // -0 passes the range check; the rule text must read "/0".
  const bits = prefix + 0;
  return {
    kind: "subnet",
    net: ipOf(net),
    prefix: bits,
    text: `Subnet: ${familyLabel(net)} ${net.address}/${bits}`,
  };
}

interface Cidr {
  address: string;
  prefix: number;
  family: string;
}

/**
 * Splits `a.b.c.d/n` at its last slash. The family follows the address text
 * (a colon means IPv6); the address itself is checked when the rule is made.
 */
function parseCidr(cidr: unknown, name = "cidr"): Cidr {
  validateString(cidr, name);
  const slash = cidr.lastIndexOf("/");
  if (slash === -1) {
    throw new ERR_INVALID_ARG_VALUE(
      "cidr",
      cidr,
      'must contain a prefix length (e.g. "10.0.0.0/8")',
    );
  }
  const address = cidr.slice(0, slash);
  const digits = cidr.slice(slash + 1);
  const prefix = Number.parseInt(digits, 10);
  // "8 ", "08" and "+8" all parse, but none is the canonical spelling.
  if (Number.isNaN(prefix) || String(prefix) !== digits) {
    throw new ERR_INVALID_ARG_VALUE("cidr", cidr, "prefix length must be a valid integer");
  }
  return { address, prefix, family: address.includes(":") ? "ipv6" : "ipv4" };
}

const kPrivateRanges: readonly string[] = Object.freeze([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "127.0.0.0/8",
  "::1/128",
  "169.254.0.0/16",
  "fe80::/10",
  "fc00::/7",
]);

/**
 * A set of IP rules, as Node's `net.BlockList`.
 *
 * @example
 * ```ts
 * import { BlockList } from "@x/node-http/net";
 *
 * const list = new BlockList();
 * list.addSubnet("10.0.0.0", 8);
 * list.check("10.1.2.3"); // true
 * list.check("::ffff:10.1.2.3", "ipv6"); // true
 * ```
 */
export class BlockList {
  // Oldest first; checks and `rules` walk it from the end, newest first.
  #rules: Rule[] = [];

  /** True when `value` is a BlockList made by this module. */
  static isBlockList(value: unknown): value is BlockList {
    return typeof value === "object" && value !== null && #rules in value;
  }

  /**
   * The private, loopback, link-local and unique-local ranges as CIDR texts
   * (a frozen array), ready for `addCIDRs()`. Node 26.8.
   *
   * @example
   * ```ts
   * import { BlockList } from "@x/node-http/net";
   *
   * const list = new BlockList();
   * list.addCIDRs(BlockList.PRIVATE_RANGES);
   * list.check("192.168.1.1"); // true
   * list.check("8.8.8.8"); // false
   * ```
   */
  static readonly PRIVATE_RANGES: readonly string[] = kPrivateRanges;

  /** The number of rules, as `rules.length` without building the array. Node 26.8. */
  get size(): number {
    return this.#rules.length;
  }

  /** Blocks one address (a string of the given family, or a SocketAddress). */
  addAddress(address: string | SocketAddress, family = "ipv4"): void {
    this.#rules.push(addressRule(toSocketAddress(address, "address", family)));
  }

  /**
   * Blocks each address of the array, all of `family` unless given as a
   * SocketAddress. Every entry is checked before any rule is added. Node 26.8.
   */
  addAddresses(addresses: readonly (string | SocketAddress)[], family = "ipv4"): void {
    validateArray(addresses, "addresses");
    validateString(family, "family");
    const rules: Rule[] = [];
    for (let i = 0; i < addresses.length; i++) {
      rules.push(addressRule(toSocketAddress(addresses[i], `addresses[${i}]`, family)));
    }
    this.#rules.push(...rules);
  }

  /** Blocks every address from `start` to `end` inclusive; `start` may not exceed `end`. */
  addRange(start: string | SocketAddress, end: string | SocketAddress, family = "ipv4"): void {
    const first = toSocketAddress(start, "start", family);
    const last = toSocketAddress(end, "end", family);
    if (compare(ipOf(first), ipOf(last)) > 0) {
      throw new ERR_INVALID_ARG_VALUE("start", first, "must come before end");
    }
    this.#rules.push(rangeRule(first, last));
  }

  /** Blocks the subnet `network/prefix` (prefix 0-32 for IPv4, 0-128 for IPv6). */
  addSubnet(network: string | SocketAddress, prefix: number, family = "ipv4"): void {
    this.#rules.push(subnetRule(network, prefix, family));
  }

  /**
   * Blocks a subnet written as CIDR (`"10.0.0.0/8"`, `"2001:db8::/32"`); an
   * address with a colon is IPv6. Node 26.8.
   */
  addCIDR(cidr: string): void {
    const { address, prefix, family } = parseCidr(cidr);
    this.addSubnet(address, prefix, family);
  }

  /**
   * Blocks each CIDR subnet of the array. Every entry is parsed before any
   * rule is added. Node 26.8.
   */
  addCIDRs(cidrs: readonly string[]): void {
    validateArray(cidrs, "cidrs");
    const parsed = cidrs.map((cidr, i) => parseCidr(cidr, `cidrs[${i}]`));
    for (const { address, prefix, family } of parsed) this.addSubnet(address, prefix, family);
  }

  /** Drops the newest `addAddress()` rule for exactly this address; no-op without one. Node 26.8. */
  removeAddress(address: string | SocketAddress, family = "ipv4"): void {
    this.#remove(addressRule(toSocketAddress(address, "address", family)));
  }

  /** Drops the newest `addRange()` rule with exactly these bounds; no-op without one. Node 26.8. */
  removeRange(start: string | SocketAddress, end: string | SocketAddress, family = "ipv4"): void {
    const first = toSocketAddress(start, "start", family);
    this.#remove(rangeRule(first, toSocketAddress(end, "end", family)));
  }

  /** Drops the newest `addSubnet()` rule with exactly this network and prefix. Node 26.8. */
  removeSubnet(network: string | SocketAddress, prefix: number, family = "ipv4"): void {
    this.#remove(subnetRule(network, prefix, family));
  }

  /** `removeSubnet()` for a CIDR text, as `addCIDR()` reads it. Node 26.8. */
  removeCIDR(cidr: string): void {
    const { address, prefix, family } = parseCidr(cidr);
    this.removeSubnet(address, prefix, family);
  }

  /** Removes every rule. Node 26.8. */
  clear(): void {
    this.#rules.length = 0;
  }

  #remove(target: Rule): void {
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      if (sameRule(this.#rules[i], target)) {
        this.#rules.splice(i, 1);
        return;
      }
    }
  }

  /** True when a rule covers `address`; text that is not an address is never blocked. */
  check(address: string | SocketAddress, family = "ipv4"): boolean {
    let sa: SocketAddress;
    if (SocketAddress.isSocketAddress(address)) {
      sa = address;
    } else {
      validateString(address, "address");
      validateString(family, "family");
      try {
        sa = new SocketAddress({ address, family });
      } catch {
        return false;
      }
    }
    const ip = ipOf(sa);
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      if (applies(this.#rules[i], ip)) return true;
    }
    return false;
  }

  /** The rules as Node prints them ("Address: IPv4 1.2.3.4", ...), newest first. */
  get rules(): string[] {
    const out: string[] = [];
    for (let i = this.#rules.length - 1; i >= 0; i--) out.push(this.#rules[i].text);
    return out;
  }

  /** The `rules` array, so `JSON.stringify(list)` can be fed to `fromJSON()`. */
  toJSON(): string[] {
    return this.rules;
  }

  /**
   * Adds the rules of a `toJSON()` result (an array of rule strings, or its
   * JSON text) in the order given; entries that are not rule texts are skipped.
   */
  fromJSON(data: string | readonly string[]): void {
    for (const item of readRuleList(data)) this.#addRuleText(item);
  }

  #addRuleText(item: string): void {
    if (item.includes("IPv4")) {
      let m = kV4Subnet.exec(item);
      if (m) return this.addSubnet(m[1], Number.parseInt(m[2]));
      m = kV4Address.exec(item);
      if (m) return this.addAddress(m[1]);
      m = kV4Range.exec(item);
      if (m) return this.addRange(m[1], m[2]);
    }
    if (item.includes("IPv6")) {
      let m = kV6Subnet.exec(item);
      if (m) return this.addSubnet(m[1], Number.parseInt(m[2]), "ipv6");
      m = kV6Address.exec(item);
      if (m) return this.addAddress(m[1], "ipv6");
      m = kV6Range.exec(item);
      if (m) return this.addRange(m[1], m[2], "ipv6");
    }
  }

  /** Renders as Node does: `BlockList { rules: [ ... ] }`. */
  [kCustomInspect](depth: number, options: { depth?: number | null }, inspect?: Inspect): unknown {
    if (depth < 0) return this;
    const show = typeof inspect === "function" ? inspect : utilInspect as Inspect;
    const opts = { ...options, depth: options?.depth == null ? null : options.depth - 1 };
    return `BlockList ${show({ rules: this.rules }, opts)}`;
  }
}
