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
 * Builds the constructor `name` whose prototype is `Methods.prototype`, whose
 * static parent is `Parent` (so static methods inherit), and whose body is
 * `init(self, ...args)`. Calling it without `new` constructs, like Node's.
 */
export function nodeConstructor<C>(
  name: string,
  Methods: AnyClass,
  Parent: AnyFunction | AnyClass,
  init: (self: never, ...args: never[]) => void,
): C {
  const holder = {
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
