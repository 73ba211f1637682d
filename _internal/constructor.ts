/**
 * Node-style constructors. Node's `net.Socket`, `http.Server`,
 * `http.OutgoingMessage`... are plain functions, and old code relies on it:
 * it calls them without `new` and inherits with `Parent.call(this, ...)` plus
 * `util.inherits`. A class constructor allows neither, so each public class
 * here is written as a methods class (never constructed itself) plus an
 * `init` function, joined into one callable constructor by `nodeConstructor`.
 *
 * @module
 */

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => any;
// deno-lint-ignore no-explicit-any
type AnyClass = abstract new (...args: any[]) => any;

/**
 * V8 and JavaScriptCore give objects made by `new F` in-object room for the
 * `this.x = ...` assignments they count in F's source (V8 trims what goes
 * unused after a few constructions). The constructor below assigns nothing
 * itself (the init functions do), so objects would start with room for a
 * few fields and grow an out-of-line store step by step, each step a copy:
 * on Deno 1.6 KB allocated per `OutgoingMessage` instead of 0.6 KB; on Bun a
 * `ServerResponse` took 273 ns to construct instead of 163. The block guarded
 * by this flag, which stays off, is what they count: 56 assignments, which
 * with V8's slack of 8 make room for 64 fields (a `ClientRequest` has 59).
 * JavaScriptCore keeps that room for good (about 610 bytes an object), so
 * objects that live long and in numbers, sockets, are built without it.
 */
const sizeHint = { on: false };

/**
 * Builds the constructor `name` whose prototype is `Methods.prototype`, whose
 * static parent is `Parent` (so static methods inherit), and whose body is
 * `init(self, ...args)`. Calling it without `new` constructs, like Node's.
 * `sized: false` leaves out the size hint (see `sizeHint`).
 */
export function nodeConstructor<C>(
  name: string,
  Methods: AnyClass,
  Parent: AnyFunction | AnyClass,
  init: (self: never, ...args: never[]) => void,
  sized = true,
): C {
  const holder = sized ? sizedHolder(name, init) : {
    [name]: function (this: unknown, ...args: unknown[]): unknown {
      if (!(this instanceof ctor)) return Reflect.construct(ctor, args);
      (init as (self: unknown, ...a: unknown[]) => void)(this, ...args);
      return undefined;
    },
  };
  const ctor = holder[name];
  Object.defineProperty(ctor, "prototype", { value: Methods.prototype, writable: false });
  Object.defineProperty(Methods.prototype, "constructor", {
    value: ctor,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.setPrototypeOf(ctor, Parent);
  return ctor as unknown as C;
}

/** The constructor with the size hint (see sizeHint). */
function sizedHolder(
  name: string,
  init: (self: never, ...args: never[]) => void,
): Record<string, AnyFunction> {
  const holder = {
    [name]: function (this: Record<string, number>, ...args: unknown[]): unknown {
      if (!(this instanceof ctor)) return Reflect.construct(ctor, args);
      // deno-fmt-ignore
      if (sizeHint.on) {
        // Never runs: see sizeHint.
        this.s0 = this.s1 = this.s2 = this.s3 = this.s4 = this.s5 = this.s6 = this.s7 = 0;
        this.s8 = this.s9 = this.s10 = this.s11 = this.s12 = this.s13 = this.s14 = this.s15 = 0;
        this.s16 = this.s17 = this.s18 = this.s19 = this.s20 = this.s21 = this.s22 = this.s23 = 0;
        this.s24 = this.s25 = this.s26 = this.s27 = this.s28 = this.s29 = this.s30 = this.s31 = 0;
        this.s32 = this.s33 = this.s34 = this.s35 = this.s36 = this.s37 = this.s38 = this.s39 = 0;
        this.s40 = this.s41 = this.s42 = this.s43 = this.s44 = this.s45 = this.s46 = this.s47 = 0;
        this.s48 = this.s49 = this.s50 = this.s51 = this.s52 = this.s53 = this.s54 = this.s55 = 0;
      }
      (init as (self: unknown, ...a: unknown[]) => void)(this, ...args);
      return undefined;
    },
  };
  const ctor = holder[name];
  return holder;
}
