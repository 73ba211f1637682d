import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  getTimerDuration,
  isInt32,
  isUint32,
  kValidateObjectAllowArray,
  kValidateObjectAllowFunction,
  kValidateObjectAllowNullable,
  TIMEOUT_MAX,
  validateAbortSignal,
  validateArray,
  validateBoolean,
  validateBuffer,
  validateFunction,
  validateInt32,
  validateInteger,
  validateLinkHeaderValue,
  validateNumber,
  validateObject,
  validateOneOf,
  validatePort,
  validateString,
  validateStringArray,
  validateUint32,
  validateUndefined,
} from "../_internal/validators.ts";

test("validateString() throws ERR_INVALID_ARG_TYPE for non-strings", () => {
  validateString("", "name");
  assert.throws(() => validateString(1, "name"), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "name" argument must be of type string. Received type number (1)',
  });
  assert.throws(() => validateString(undefined, "options.host"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "options.host" property must be of type string. Received undefined',
  });
});

test("validateNumber() checks the type, then the optional bounds", () => {
  validateNumber(NaN, "n");
  validateNumber(5, "n", 0, 10);
  assert.throws(() => validateNumber("5", "n"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "n" argument must be of type number. Received type string ('5')`,
  });
  assert.throws(() => validateNumber(11, "n", 0, 10), {
    name: "RangeError",
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "n" is out of range. It must be >= 0 && <= 10. Received 11',
  });
  assert.throws(() => validateNumber(-1, "n", 0), {
    message: 'The value of "n" is out of range. It must be >= 0. Received -1',
  });
  assert.throws(() => validateNumber(NaN, "n", undefined, 3), {
    message: 'The value of "n" is out of range. It must be <= 3. Received NaN',
  });
});

test("validateInteger() refuses fractions and values past the safe range", () => {
  validateInteger(2 ** 53 - 1, "n");
  assert.throws(() => validateInteger(1.5, "n"), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "n" is out of range. It must be an integer. Received 1.5',
  });
  assert.throws(() => validateInteger(2 ** 53, "n"), {
    message: 'The value of "n" is out of range. It must be >= -9007199254740991 && ' +
      "<= 9007199254740991. Received 9_007_199_254_740_992",
  });
  assert.throws(() => validateInteger(-1, "maxHeaderSize", 0), {
    message: 'The value of "maxHeaderSize" is out of range. It must be >= 0 && ' +
      "<= 9007199254740991. Received -1",
  });
});

test("validateInt32() uses the int32 range unless given one", () => {
  validateInt32(-2147483648, "n");
  assert.throws(() => validateInt32(2147483648, "n"), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "n" is out of range. It must be >= -2147483648 && <= 2147483647. ' +
      "Received 2147483648",
  });
  assert.throws(() => validateInt32(33, "prefix", 0, 32), {
    message: 'The value of "prefix" is out of range. It must be >= 0 && <= 32. Received 33',
  });
  assert.throws(() => validateInt32(null, "prefix", 0, 32), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "prefix" argument must be of type number. Received null',
  });
});

test("validateUint32() reports Node 25's inclusive upper bound", () => {
  validateUint32(4294967295, "n");
  assert.throws(() => validateUint32(-1, "options.flowlabel", false), {
    message: 'The value of "options.flowlabel" is out of range. It must be >= 0 && ' +
      "<= 4294967295. Received -1",
  });
  assert.throws(() => validateUint32(0, "n", true), {
    message: 'The value of "n" is out of range. It must be >= 1 && <= 4294967295. Received 0',
  });
});

test("isInt32() and isUint32() test exact 32-bit round trips", () => {
  assert.equal(isInt32(-1), true);
  assert.equal(isInt32(2 ** 31), false);
  assert.equal(isInt32("1"), false);
  assert.equal(isUint32(2 ** 32 - 1), true);
  assert.equal(isUint32(-1), false);
});

test("validateBoolean() and validateFunction() name the expected type", () => {
  validateBoolean(false, "b");
  validateFunction(class {}, "f");
  assert.throws(() => validateBoolean(0, "options.noDelay"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "options.noDelay" property must be of type boolean. Received type number (0)',
  });
  assert.throws(() => validateFunction("x", "callback"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "callback" argument must be of type function. Received type string ('x')`,
  });
});

test("validateObject() refuses null, arrays and functions by default", () => {
  validateObject({}, "options");
  for (const value of [null, [], () => {}, "x"]) {
    assert.throws(() => validateObject(value, "options"), {
      code: "ERR_INVALID_ARG_TYPE",
    });
  }
  assert.throws(() => validateObject(null, "options"), {
    message: 'The "options" argument must be of type object. Received null',
  });
  assert.throws(() => validateObject([], "options"), {
    message: 'The "options" argument must be of type object. Received an instance of Array',
  });
});

test("validateObject() honours Node's flags and the option-bag form", () => {
  validateObject(null, "o", kValidateObjectAllowNullable);
  validateObject([], "o", kValidateObjectAllowArray);
  validateObject(() => {}, "o", kValidateObjectAllowFunction);
  validateObject(null, "o", { nullable: true });
  validateObject([], "o", { allowArray: true });
  validateObject(() => {}, "o", { allowFunction: true });
  assert.throws(() => validateObject([], "o", kValidateObjectAllowNullable), {
    code: "ERR_INVALID_ARG_TYPE",
  });
  assert.throws(() => validateObject(1, "o", { allowFunction: true, allowArray: true }), {
    code: "ERR_INVALID_ARG_TYPE",
  });
});

test("validateArray() checks the type and the minimum length", () => {
  validateArray([], "a");
  assert.throws(() => validateArray("x", "a"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "a" argument must be an instance of Array. Received type string ('x')`,
  });
  assert.throws(() => validateArray([1], "a", 2), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'a' must be longer than 2. Received [ 1 ]",
  });
});

test("validateStringArray() names the offending element", () => {
  validateStringArray(["a"], "list");
  assert.throws(() => validateStringArray(["a", 2], "list"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "list[1]" argument must be of type string. Received type number (2)',
  });
});

test("validateOneOf() lists the allowed values", () => {
  validateOneOf("ipv4", "family", ["ipv4", "ipv6"]);
  assert.throws(() => validateOneOf("ipv5", "family", ["ipv4", "ipv6"]), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'family' must be one of: 'ipv4', 'ipv6'. Received 'ipv5'",
  });
  assert.throws(() => validateOneOf(5, "options.family", [0, 4, 6]), {
    message: "The property 'options.family' must be one of: 0, 4, 6. Received 5",
  });
});

test("validateAbortSignal() accepts undefined and signal-like objects", () => {
  validateAbortSignal(undefined, "options.signal");
  validateAbortSignal(new AbortController().signal, "options.signal");
  validateAbortSignal({ aborted: false }, "options.signal");
  assert.throws(() => validateAbortSignal({}, "options.signal"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "options.signal" property must be an instance of AbortSignal. ' +
      "Received an instance of Object",
  });
  assert.throws(() => validateAbortSignal(null, "signal"), { code: "ERR_INVALID_ARG_TYPE" });
});

test("validateUndefined() and validateBuffer() name the expected types", () => {
  validateUndefined(undefined, "u");
  validateBuffer(new Uint8Array(1));
  validateBuffer(new DataView(new ArrayBuffer(1)));
  assert.throws(() => validateUndefined(null, "u"), {
    message: 'The "u" argument must be undefined. Received null',
  });
  assert.throws(() => validateBuffer("x"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "buffer" argument must be an instance of Buffer, TypedArray, or DataView. ' +
      "Received type string ('x')",
  });
});

test("validatePort() accepts numbers and numeric strings and returns a number", () => {
  assert.equal(validatePort(0), 0);
  assert.equal(validatePort(65535), 65535);
  assert.equal(validatePort("80"), 80);
  assert.equal(validatePort(" 80 "), 80);
  assert.equal(validatePort("0x50"), 80);
  assert.equal(validatePort("1e2"), 100);
  assert.equal(validatePort(-0), 0);
  // Node refuses only the number 0 when zero is not allowed.
  assert.equal(validatePort("0", "Port", false), 0);
});

test("validatePort() throws ERR_SOCKET_BAD_PORT with Node's message", () => {
  const cases: [unknown, string][] = [
    [65536, "type number (65536)"],
    [-1, "type number (-1)"],
    [1.5, "type number (1.5)"],
    [NaN, "type number (NaN)"],
    ["", "type string ('')"],
    [" ", "type string (' ')"],
    ["abc", "type string ('abc')"],
    [null, "null"],
    [true, "type boolean (true)"],
    [80n, "type bigint (80n)"],
  ];
  for (const [port, shown] of cases) {
    assert.throws(() => validatePort(port), {
      name: "RangeError",
      code: "ERR_SOCKET_BAD_PORT",
      message: `Port should be >= 0 and < 65536. Received ${shown}.`,
    });
  }
  assert.throws(() => validatePort(0, "options.port", false), {
    message: "options.port should be > 0 and < 65536. Received type number (0).",
  });
});

test("getTimerDuration() refuses negative and non-finite durations", () => {
  assert.equal(getTimerDuration(0, "msecs"), 0);
  assert.equal(getTimerDuration(1.5, "msecs"), 1.5);
  assert.throws(() => getTimerDuration("1", "msecs"), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "msecs" argument must be of type number. Received type string ('1')`,
  });
  assert.throws(() => getTimerDuration(-1, "msecs"), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "msecs" is out of range. It must be a non-negative finite number. ' +
      "Received -1",
  });
  assert.throws(() => getTimerDuration(Infinity, "msecs"), {
    message: 'The value of "msecs" is out of range. It must be a non-negative finite number. ' +
      "Received Infinity",
  });
});

test("getTimerDuration() clamps past TIMEOUT_MAX with a TimeoutOverflowWarning", (t) => {
  const original = process.emitWarning;
  t.after(() => {
    process.emitWarning = original;
  });
  const warnings: unknown[][] = [];
  process.emitWarning = ((...args: unknown[]) => {
    warnings.push(args);
  }) as typeof process.emitWarning;
  assert.equal(getTimerDuration(2 ** 31, "msecs"), TIMEOUT_MAX);
  assert.deepEqual(warnings, [[
    "2147483648 does not fit into a 32-bit signed integer.\n" +
    "Timer duration was truncated to 2147483647.",
    "TimeoutOverflowWarning",
  ]]);
});

test("validateLinkHeaderValue() returns the Link value or throws Node's error", () => {
  assert.equal(validateLinkHeaderValue("</a.css>; rel=preload"), "</a.css>; rel=preload");
  assert.equal(
    validateLinkHeaderValue(['</a.css>; rel="preload"; as=style', "</b.js>"]),
    '</a.css>; rel="preload"; as=style, </b.js>',
  );
  assert.equal(validateLinkHeaderValue([]), "");
  const message = "The argument 'hints' must be an array or string of format " +
    `"</styles.css>; rel=preload; as=style". Received 'nope'`;
  assert.throws(() => validateLinkHeaderValue("nope"), {
    code: "ERR_INVALID_ARG_VALUE",
    message,
  });
  assert.throws(() => validateLinkHeaderValue(["</a>", "nope"]), { message });
  assert.throws(() => validateLinkHeaderValue('</a>; rel="x'), {
    code: "ERR_INVALID_ARG_VALUE",
  });
  assert.throws(() => validateLinkHeaderValue(5), { code: "ERR_INVALID_ARG_VALUE" });
});

test("validateLinkHeaderValue() rejects CR or LF anywhere in a link", () => {
  for (
    const link of [
      "</a.css\r\nSet-Cookie: x=1>; rel=preload",
      "</a.css>\r\n; rel=preload",
      "</a.css>;\nrel=preload",
    ]
  ) {
    assert.throws(() => validateLinkHeaderValue(link), { code: "ERR_INVALID_ARG_VALUE" });
    assert.throws(() => validateLinkHeaderValue(["</b.js>", link]), {
      code: "ERR_INVALID_ARG_VALUE",
    });
  }
  // A long run of name=value params with a bad tail must fail at once.
  const started = performance.now();
  assert.throws(() => validateLinkHeaderValue("<>" + ";a=b".repeat(40) + " "), {
    code: "ERR_INVALID_ARG_VALUE",
  });
  assert.ok(performance.now() - started < 1000);
  assert.equal(validateLinkHeaderValue("</a>; rel=x=y"), "</a>; rel=x=y");
});
