import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatIPv4,
  formatIPv6,
  isIP,
  isIPv4,
  isIPv6,
  parseIPv4,
  parseIPv6,
} from "../../_internal/net/ip.ts";

const validV4 = [
  "0.0.0.0",
  "127.0.0.1",
  "255.255.255.255",
  "1.2.3.4",
  "10.0.0.10",
  "192.168.100.199",
];
const invalidV4 = [
  "",
  "1.2.3",
  "1.2.3.4.",
  "1.2.3.4.5",
  "256.1.1.1",
  "01.2.3.4",
  "1.2.3.00",
  "1.2.3.-1",
  " 1.2.3.4",
  "1.2.3.4 ",
  "1..3.4",
  "0x1.2.3.4",
  "1.2.3.4%eth0",
  "localhost",
];
const validV6 = [
  "::",
  "::1",
  "1::",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1::8",
  "fe80::1%eth0",
  "fe80::1%1",
  "fe80::1%lo.0:a-b",
  "::ffff:1.2.3.4",
  "::1.2.3.4",
  "1:2:3:4:5:6:1.2.3.4",
  "1::5:6:1.2.3.4",
  "ABCD:EF01:2345:6789:abcd:ef01:2345:6789",
  "0000:0000:0000:0000:0000:0000:0000:0001",
  "2001:db8::8a2e:370:7334",
];
const invalidV6 = [
  ":",
  ":::",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7",
  "1::2::3",
  "1:::2",
  ":1::2",
  "1::2:",
  "12345::1",
  "g::1",
  "fe80::1%",
  "fe80::1%eth_0",
  "fe80::1%a%b",
  "::ffff:1.2.3",
  "::ffff:01.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4",
  "1:2:3:4:5:6::1.2.3.4",
  "::1.2.3.4:5",
  "1.2.3.4::",
  "[::1]",
  "",
];

test("net.isIPv4() accepts only strict dotted decimal", () => {
  for (const s of validV4) assert.equal(isIPv4(s), true, s);
  for (const s of invalidV4) assert.equal(isIPv4(s), false, s);
});

test("net.isIPv6() accepts Node's IPv6 forms, zones included", () => {
  for (const s of validV6) assert.equal(isIPv6(s), true, s);
  for (const s of invalidV6) assert.equal(isIPv6(s), false, s);
});

test("net.isIP() returns 4, 6 or 0", () => {
  for (const s of validV4) assert.equal(isIP(s), 4, s);
  for (const s of validV6) assert.equal(isIP(s), 6, s);
  for (const s of [...invalidV4, ...invalidV6]) {
    if (!validV6.includes(s)) assert.equal(isIP(s), 0, s);
  }
});

test("net.isIP() converts non-strings to text as Node's regular expressions do", () => {
  assert.equal(isIP(undefined), 0);
  assert.equal(isIP(null), 0);
  assert.equal(isIP(127), 0);
  assert.equal(isIP({}), 0);
  assert.equal(isIP(["1.2.3.4"]), 4);
  assert.equal(isIP({ toString: () => "::1" }), 6);
  assert.equal(isIPv4(undefined), false);
  assert.equal(isIPv6(undefined), false);
  assert.throws(() => isIP(Symbol("x")), TypeError);
});

test("parseIPv4() returns the four bytes", () => {
  assert.deepEqual(parseIPv4("192.168.0.255"), new Uint8Array([192, 168, 0, 255]));
  assert.equal(parseIPv4("192.168.0.256"), null);
  assert.equal(formatIPv4(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
});

test("parseIPv6() expands '::' and the IPv4 tail into 16 bytes", () => {
  assert.deepEqual(
    parseIPv6("1:2::ff:1.2.3.4"),
    new Uint8Array([0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3, 4]),
  );
  assert.deepEqual(parseIPv6("::"), new Uint8Array(16));
  assert.equal(parseIPv6("1::2::3"), null);
});

test("parseIPv6() drops any zone, as libuv does for SocketAddress", () => {
  assert.deepEqual(parseIPv6("fe80::1%anything_at_all"), parseIPv6("fe80::1"));
  assert.deepEqual(parseIPv6("fe80::1%"), parseIPv6("fe80::1"));
  // libuv keeps only the first 39 characters before a zone.
  assert.equal(
    formatIPv6(parseIPv6("a76d:187f:4a2a:d65d:7ce3:c626:dd0f:5077:293.37.190.152%x")!),
    "a76d:187f:4a2a:d65d:7ce3:c626:dd0f:5077",
  );
});

test("formatIPv6() prints the inet_ntop form Node shows", () => {
  const cases: [string, string][] = [
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["::2", "::2"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["ABCD:0DB8::", "abcd:db8::"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
    ["1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"],
    ["0:0:1::", "0:0:1::"],
    ["0:1::", "0:1::"],
    ["::FFFF:1.2.3.4", "::ffff:1.2.3.4"],
    ["0:0:0:0:0:ffff:0102:0304", "::ffff:1.2.3.4"],
    ["::ffff:0:0", "::ffff:0.0.0.0"],
    ["::ffff:0:1", "::ffff:0.0.0.1"],
    ["::1.2.3.4", "::1.2.3.4"],
    ["::1:2", "::0.1.0.2"],
    ["::0.0.0.1", "::1"],
    ["::fffe:1.2.3.4", "::fffe:102:304"],
    ["::ffff", "::ffff"],
    ["::ffff:1:2:3", "::ffff:1:2:3"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(formatIPv6(parseIPv6(input)!), expected, input);
  }
});
