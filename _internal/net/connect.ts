/**
 * `socket.connect()`: argument checks, name resolution through `dns.lookup`,
 * family autoselection (happy eyeballs) and the transport connect itself.
 *
 * @module
 */
import dns from "node:dns";
import process from "node:process";
import { clearTimeout, setImmediate, setTimeout } from "node:timers";
import type { ConnectableHandle, TransportError } from "../transport/types.ts";
import { transport } from "../transport/select.ts";
import {
  ERR_INVALID_ADDRESS_FAMILY,
  ERR_INVALID_ARG_TYPE,
  ERR_INVALID_IP_ADDRESS,
  ERR_MISSING_ARGS,
  ERR_SOCKET_CONNECTION_TIMEOUT,
  exceptionWithHostPort,
  type SystemError,
} from "../errors.ts";
import {
  validateBoolean,
  validateFunction,
  validateInt32,
  validateNumber,
  validateOneOf,
  validatePort,
  validateString,
} from "../validators.ts";
import { isIP } from "./ip.ts";
import {
  type AnyOptions,
  getDefaultAutoSelectFamily,
  getDefaultAutoSelectFamilyAttemptTimeout,
  kNormalized,
  normalizeArgs,
  type NormalizedArgs,
} from "./normalize.ts";
import { kAdoptHandle, kConnected, kRace } from "./symbols.ts";
import type { Socket } from "./socket.ts";

type LookupAddress = { address: string; family: number };
type Family = 4 | 6;

/** Blocks connecting to addresses a socket's `blockList` denies. */
function blockedError(socket: Socket, address: string, family: Family): Error | null {
  const list = socket.blockList as { check(a: string, t: string): boolean } | undefined;
  if (list && list.check(address, `ipv${family}`)) {
    const err = new Error(`IP(${address}) is blocked by net.BlockList`) as Error & { code: string };
    err.code = "ERR_IP_BLOCKED";
    return err;
  }
  return null;
}

function resetForReconnect(socket: Socket): void {
  // deno-lint-ignore no-explicit-any
  const s = socket as any;
  socket._handle = null;
  socket._peername = null;
  socket._sockname = null;
  if (typeof s._undestroy === "function") s._undestroy();
}

/** The body of `Socket#connect(...args)`. */
export function connectSocket<T extends Socket>(socket: T, args: unknown[]): T {
  const first = args[0] as NormalizedArgs | undefined;
  const normalized = Array.isArray(first) && first[kNormalized] ? first : normalizeArgs(args);
  const [options, cb] = normalized;
  if (options.port === undefined && options.path == null) {
    throw new ERR_MISSING_ARGS(["options", "port", "path"]);
  }
  // deno-lint-ignore no-explicit-any
  const proto = Object.getPrototypeOf(socket) as any;
  if (socket.write !== proto.write) socket.write = proto.write;
  if (socket.destroyed) resetForReconnect(socket);
  const path = options.path;
  // Like libuv, the handle exists before the lookup: code reads `_handle`.
  if (socket._handle === null) {
    socket[kAdoptHandle](path ? transport().createPipe() : transport().createTcp());
  }
  if (cb !== null) socket.once("connect", cb);
  socket._unrefTimer();
  socket.connecting = true;
  if (path) {
    validateString(path, "options.path");
    connectPath(socket, path);
  } else {
    lookupAndConnect(socket, options);
  }
  return socket;
}

function connectPath(socket: Socket, path: string): void {
  const handle = socket._handle as ConnectableHandle;
  handle.connect(path, (err) => {
    if (socket.destroyed || socket._handle !== handle) return;
    if (err !== null) {
      socket.destroy(exceptionWithHostPort(err.code, "connect", path));
      return;
    }
    socket[kConnected]();
  });
}

function lookupAndConnect(socket: Socket, options: AnyOptions): void {
  // As Node, a falsy local side (undici passes `localAddress: null`) asks for
  // no bind at all; the transport sees only real values.
  const localAddress: string | undefined = options.localAddress || undefined;
  const localPort: number | undefined = options.localPort || undefined;
  const host: string = options.host || "localhost";
  validateString(host, "options.host");
  let { port, autoSelectFamily, autoSelectFamilyAttemptTimeout } = options;
  if (localAddress && !isIP(localAddress)) throw new ERR_INVALID_IP_ADDRESS(localAddress);
  if (localPort) validateNumber(localPort, "options.localPort");
  if (port !== undefined) {
    if (typeof port !== "number" && typeof port !== "string") {
      throw new ERR_INVALID_ARG_TYPE("options.port", ["number", "string"], port);
    }
    validatePort(port);
  }
  port |= 0;
  if (autoSelectFamily != null) validateBoolean(autoSelectFamily, "options.autoSelectFamily");
  else autoSelectFamily = getDefaultAutoSelectFamily();
  if (autoSelectFamilyAttemptTimeout != null) {
    validateInt32(autoSelectFamilyAttemptTimeout, "options.autoSelectFamilyAttemptTimeout", 1);
    if (autoSelectFamilyAttemptTimeout < 10) autoSelectFamilyAttemptTimeout = 10;
  } else {
    autoSelectFamilyAttemptTimeout = getDefaultAutoSelectFamilyAttemptTimeout();
  }

  const ipFamily = isIP(host);
  if (ipFamily) {
    process.nextTick(() => {
      if (socket.connecting) {
        connectTcp(socket, host, port, ipFamily as Family, localAddress, localPort);
      }
    });
    return;
  }
  if (options.lookup != null) validateFunction(options.lookup, "options.lookup");
  const dnsOptions: AnyOptions = {
    family: socketToDnsFamily(options.family),
    hints: options.hints || 0,
  };
  if (dnsOptions.family !== 4 && dnsOptions.family !== 6 && dnsOptions.hints === 0) {
    dnsOptions.hints = dns.ADDRCONFIG;
  }
  socket._host = host;
  const chosen = options.lookup || dns.lookup;
  const lookup = chosen === runtimeLookup ? lookupAfterTicks : chosen;
  // Node's own dns.lookup rejects a bad family synchronously, and so the
  // connect call throws; Bun's words it differently, so ours speaks for it.
  if (chosen === runtimeLookup && dnsOptions.family != null) {
    validateOneOf(dnsOptions.family, "options.family", [0, 4, 6]);
  }
  if (dnsOptions.family !== 4 && dnsOptions.family !== 6 && !localAddress && autoSelectFamily) {
    dnsOptions.all = true;
    const attempt = { port, localPort, timeout: autoSelectFamilyAttemptTimeout, options };
    lookup(host, dnsOptions, (err: Error | null, addresses: LookupAddress[]) => {
      onLookupAll(socket, host, err, addresses, attempt);
    });
    return;
  }
  lookup(host, dnsOptions, (err: Error | null, ip: string, family: number) => {
    socket.emit("lookup", err, ip, family, host);
    if (!socket.connecting) return;
    if (err) {
      process.nextTick(() => socket.destroy(err));
    } else if (typeof ip !== "string" || !isIP(ip)) {
      process.nextTick(() => socket.destroy(new ERR_INVALID_IP_ADDRESS(ip)));
    } else if (family !== 4 && family !== 6) {
      const e = new ERR_INVALID_ADDRESS_FAMILY(family, options.host, options.port);
      process.nextTick(() => socket.destroy(e));
    } else {
      socket._unrefTimer();
      connectTcp(socket, ip, port, family, localAddress, localPort);
    }
  });
}

/** The runtime's dns.lookup as loaded: the one whose checks we stand in for. */
const runtimeLookup = dns.lookup;

/**
 * The runtime's dns.lookup, answering no earlier than this turn's check
 * phase. Node's answers from libuv's thread pool, so 'lookup' always follows
 * the tick work queued with the connect: http's 'socket' event, whose
 * listeners (got's timings) then watch for 'lookup'. Deno's can answer a name
 * it resolved before from a microtask, ahead of that work. A lookup the user
 * supplies, or a patched dns.lookup, answers when it does, as in Node.
 */
function lookupAfterTicks(
  host: string,
  options: AnyOptions,
  callback: (...result: unknown[]) => void,
): void {
  let early: unknown[] | null = null;
  let waited = false;
  setImmediate(() => {
    waited = true;
    if (early !== null) callback(...early);
  });
  runtimeLookup(host, options, (...result: unknown[]) => {
    if (waited) callback(...result);
    else early = result;
  });
}

function socketToDnsFamily(family: unknown): number {
  switch (family) {
    case "IPv4":
      return 4;
    case "IPv6":
      return 6;
  }
  return family as number;
}

/** Starts one connect on the socket's handle; `done` gets a Node error or null. */
function attempt(
  socket: Socket,
  address: string,
  port: number,
  family: Family,
  localAddress: string | undefined,
  localPort: number | undefined,
  done: (err: SystemError | Error | null) => void,
): void {
  const handle = socket._handle as ConnectableHandle;
  // As Node: a local port alone binds the wildcard address of the family,
  // and errors name that address.
  if (localPort && !localAddress) localAddress = family === 6 ? "::" : "0.0.0.0";
  const blocked = blockedError(socket, address, family);
  if (blocked !== null) {
    process.nextTick(done, blocked);
    return;
  }
  socket.emit("connectionAttempt", address, port, family);
  handle.connect(
    { host: address, port, localAddress, localPort },
    (err: TransportError | null) => {
      if (socket._handle !== handle) return;
      if (err === null) {
        done(null);
        return;
      }
      if (err.syscall === "bind") {
        done(exceptionWithHostPort(err.code, "bind", localAddress, localPort));
        return;
      }
      const local = localAddress && localPort ? `${localAddress}:${localPort}` : undefined;
      const ex = exceptionWithHostPort(err.code, "connect", address, port, local);
      if (local) Object.assign(ex, { localAddress, localPort });
      socket.emit("connectionAttemptFailed", address, port, family, ex);
      done(ex);
    },
  );
}

function connectTcp(
  socket: Socket,
  address: string,
  port: number,
  family: Family,
  localAddress?: string,
  localPort?: number,
): void {
  attempt(socket, address, port, family, localAddress, localPort, (err) => {
    if (socket.destroyed) return;
    if (err !== null) socket.destroy(err);
    else socket[kConnected]();
  });
}

interface AttemptPlan {
  port: number;
  localPort: number | undefined;
  timeout: number;
  options: AnyOptions;
}

function onLookupAll(
  socket: Socket,
  host: string,
  err: Error | null,
  addresses: LookupAddress[],
  plan: AttemptPlan,
): void {
  if (!socket.connecting) return;
  if (err) {
    socket.emit("lookup", err, undefined, undefined, host);
    process.nextTick(() => socket.destroy(err));
    return;
  }
  const byFamily: LookupAddress[][] = [[], []];
  const seen = new Set<string>();
  let order: Record<number, number> | null = null;
  for (const entry of addresses) {
    socket.emit("lookup", null, entry.address, entry.family, host);
    if (!socket.connecting) return;
    if (isIP(entry.address) && (entry.family === 4 || entry.family === 6)) {
      order ??= entry.family === 6 ? { 6: 0, 4: 1 } : { 4: 0, 6: 1 };
      if (!seen.has(entry.address)) {
        seen.add(entry.address);
        byFamily[order[entry.family]].push(entry);
      }
    }
  }
  if (byFamily[0].length === 0 && byFamily[1].length === 0) {
    const first = addresses[0];
    const e = !first || !isIP(first.address)
      ? new ERR_INVALID_IP_ADDRESS(first?.address)
      : new ERR_INVALID_ADDRESS_FAMILY(first.family, plan.options.host, plan.options.port);
    process.nextTick(() => socket.destroy(e));
    return;
  }
  const toTry: LookupAddress[] = [];
  for (let i = 0; i < Math.max(byFamily[0].length, byFamily[1].length); i++) {
    if (i < byFamily[0].length) toTry.push(byFamily[0][i]);
    if (i < byFamily[1].length) toTry.push(byFamily[1][i]);
  }
  socket._unrefTimer();
  if (toTry.length === 1) {
    const only = toTry[0];
    connectTcp(socket, only.address, plan.port, only.family as Family, undefined, plan.localPort);
    return;
  }
  socket.autoSelectFamilyAttemptedAddresses = [];
  new FamilyRace(socket, toTry, plan).next();
}

/**
 * Family autoselection: one address at a time, moving on when an attempt
 * fails or outlives the attempt timeout, as Node's `internalConnectMultiple`.
 * Each attempt after the first gets a fresh handle, as in Node.
 */
class FamilyRace {
  #current = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #errors: Error[] = [];

  constructor(
    readonly socket: Socket,
    readonly addresses: LookupAddress[],
    readonly plan: AttemptPlan,
  ) {
    socket[kRace] = this;
  }

  /** Stops the attempt timer (the socket closes its own handle). */
  abort(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  next(): void {
    const socket = this.socket;
    if (this.#current === this.addresses.length) {
      socket[kRace] = null;
      if (this.#errors.length === 0) socket.destroy(new ERR_SOCKET_CONNECTION_TIMEOUT());
      else socket.destroy(aggregate(this.#errors));
      return;
    }
    const index = this.#current++;
    if (index > 0) {
      socket._handle?.close();
      socket[kAdoptHandle](transport().createTcp());
    }
    const { address, family } = this.addresses[index];
    const { port, localPort } = this.plan;
    socket.autoSelectFamilyAttemptedAddresses!.push(`${address}:${port}`);
    attempt(socket, address, port, family as Family, undefined, localPort, (err) => {
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      if (!socket.connecting || socket.destroyed) return;
      if (err !== null) {
        this.#errors.push(err);
        this.next();
        return;
      }
      socket[kRace] = null;
      socket[kConnected]();
    });
    if (index < this.addresses.length - 1) {
      this.#timer = setTimeout(
        () => this.#onAttemptTimeout(address, port, family),
        this.plan.timeout,
      );
    }
  }

  #onAttemptTimeout(address: string, port: number, family: number): void {
    this.#timer = null;
    const ex = exceptionWithHostPort("ETIMEDOUT", "connect", address, port);
    this.#errors.push(ex);
    this.socket.emit("connectionAttemptTimeout", address, port, family);
    if (this.socket.connecting) this.next();
  }
}

function aggregate(errors: Error[]): Error {
  const err = new AggregateError(errors) as AggregateError & { code?: string };
  err.code = (errors[0] as { code?: string }).code;
  return err;
}
