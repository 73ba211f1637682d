import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { BlockList } from "../../_internal/net/blocklist.ts";
import { SocketAddress } from "../../_internal/net/socket_address.ts";

test("net.BlockList.addAddress() blocks exactly that address", () => {
  const list = new BlockList();
  list.addAddress("1.2.3.4");
  list.addAddress("8592:757c:efae:4e45::1", "ipv6");
  assert.equal(list.check("1.2.3.4"), true);
  assert.equal(list.check("1.2.3.5"), false);
  assert.equal(list.check("8592:757c:efae:4e45:0:0:0:1", "ipv6"), true);
  assert.equal(list.check("8592:757c:efae:4e45::2", "ipv6"), false);
});

test("net.BlockList.addRange() blocks inclusive ranges", () => {
  const list = new BlockList();
  list.addRange("10.0.0.1", "10.0.0.10");
  list.addRange("8592:757c:efae:4e45::f", "8592:757c:efae:4e45::ff", "ipv6");
  assert.equal(list.check("10.0.0.1"), true);
  assert.equal(list.check("10.0.0.10"), true);
  assert.equal(list.check("10.0.0.11"), false);
  assert.equal(list.check("10.0.0.0"), false);
  assert.equal(list.check("8592:757c:efae:4e45::f0", "ipv6"), true);
  assert.equal(list.check("8592:757c:efae:4e45::100", "ipv6"), false);
});

test("net.BlockList.addSubnet() blocks by prefix, 0 and full lengths included", () => {
  const list = new BlockList();
  list.addSubnet("192.168.1.0", 24);
  list.addSubnet("8592:757c:efae:4e45::", 64, "ipv6");
  list.addSubnet("5.6.7.8", 32);
  assert.equal(list.check("192.168.1.255"), true);
  assert.equal(list.check("192.168.2.0"), false);
  assert.equal(list.check("8592:757c:efae:4e45:f::", "ipv6"), true);
  assert.equal(list.check("8592:757c:efae:4e46::", "ipv6"), false);
  assert.equal(list.check("5.6.7.8"), true);
  assert.equal(list.check("5.6.7.9"), false);
  const all = new BlockList();
  all.addSubnet("0.0.0.0", 0);
  assert.equal(all.check("255.1.2.3"), true);
  const odd = new BlockList();
  odd.addSubnet("10.128.0.0", 9);
  assert.equal(odd.check("10.255.255.255"), true);
  assert.equal(odd.check("10.127.255.255"), false);
});

test("net.BlockList matches IPv4 rules against IPv4-mapped IPv6 addresses", () => {
  const list = new BlockList();
  list.addAddress("1.2.3.4");
  list.addRange("10.0.0.1", "10.0.0.10");
  list.addSubnet("192.168.0.0", 16);
  assert.equal(list.check("::ffff:1.2.3.4", "ipv6"), true);
  assert.equal(list.check("::ffff:102:304", "ipv6"), true);
  assert.equal(list.check("::ffff:10.0.0.5", "ipv6"), true);
  assert.equal(list.check("::ffff:10.0.0.11", "ipv6"), false);
  assert.equal(list.check("::ffff:192.168.7.7", "ipv6"), true);
  // IPv4-compatible (not mapped) addresses are different addresses.
  assert.equal(list.check("::1.2.3.4", "ipv6"), false);
  assert.equal(list.check("::10.0.0.5", "ipv6"), false);
});

test("net.BlockList matches IPv6 rules on mapped addresses against IPv4", () => {
  const list = new BlockList();
  list.addAddress("::ffff:1.2.3.4", "ipv6");
  list.addSubnet("::ffff:10.0.0.0", 120, "ipv6");
  assert.equal(list.check("1.2.3.4"), true);
  assert.equal(list.check("10.0.0.77"), true);
  assert.equal(list.check("10.0.1.77"), false);
  const wide = new BlockList();
  wide.addSubnet("::", 0, "ipv6");
  assert.equal(wide.check("8.8.8.8"), true);
});

test("net.BlockList compares IPv4 with an IPv6 range only through mapped bounds", () => {
  const unmapped = new BlockList();
  unmapped.addRange("::", "ffff::", "ipv6");
  assert.equal(unmapped.check("::ffff:1.2.3.4", "ipv6"), true);
  assert.equal(unmapped.check("1.2.3.4"), false);
  const mapped = new BlockList();
  mapped.addRange("::ffff:1.0.0.0", "::ffff:1.255.255.255", "ipv6");
  assert.equal(mapped.check("1.2.3.4"), true);
  assert.equal(mapped.check("2.0.0.0"), false);
});

test("net.BlockList.rules lists Node's rule texts, newest first", () => {
  const list = new BlockList();
  list.addAddress("1.2.3.4");
  list.addRange("1.2.3.4", "1.2.3.10");
  list.addSubnet("8592:757c:efae:4e45::", 64, "ipv6");
  list.addAddress("0:0:0:0:0:FFFF:0102:0304", "ipv6");
  assert.deepEqual(list.rules, [
    "Address: IPv6 ::ffff:1.2.3.4",
    "Subnet: IPv6 8592:757c:efae:4e45::/64",
    "Range: IPv4 1.2.3.4-1.2.3.10",
    "Address: IPv4 1.2.3.4",
  ]);
  assert.notEqual(list.rules, list.rules);
});

test("net.BlockList accepts SocketAddress instances, ignoring the family argument", () => {
  const list = new BlockList();
  const six = new SocketAddress({ address: "::1", family: "ipv6" });
  list.addAddress(six);
  list.addRange(
    new SocketAddress({ address: "1.1.1.1" }),
    new SocketAddress({ address: "1.1.1.9" }),
  );
  list.addSubnet(new SocketAddress({ address: "fe80::", family: "ipv6" }), 10);
  assert.equal(list.check(six), true);
  assert.equal(list.check(new SocketAddress({ address: "1.1.1.5" }), "ipv6"), true);
  assert.equal(list.check("febf::1", "ipv6"), true);
  assert.deepEqual(list.rules, [
    "Subnet: IPv6 fe80::/10",
    "Range: IPv4 1.1.1.1-1.1.1.9",
    "Address: IPv6 ::1",
  ]);
});

test("net.BlockList.check() answers false for text that is not an address", () => {
  const list = new BlockList();
  list.addSubnet("0.0.0.0", 0);
  assert.equal(list.check("not an ip"), false);
  assert.equal(list.check("::1"), false);
  assert.equal(list.check("1.2.3.4", "ipv5"), false);
  assert.equal(list.check("1.2.3.4", "IPv4"), true);
});

test("net.BlockList validates arguments with Node's errors", () => {
  const list = new BlockList();
  assert.throws(() => list.addAddress(1 as never), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "address" argument must be of type string. Received type number (1)',
  });
  assert.throws(() => list.addAddress("1.2.3.4", 4 as never), {
    message: 'The "family" argument must be of type string. Received type number (4)',
  });
  assert.throws(() => list.addAddress("1.2.3.4", "ipv5"), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The property 'options.family' is invalid. Received 'ipv5'",
  });
  assert.throws(() => list.addAddress("1.2.3"), {
    code: "ERR_INVALID_ADDRESS",
    message: "Invalid socket address",
  });
  assert.throws(() => list.addRange("1.2.3.4", null as never), {
    message: 'The "end" argument must be of type string. Received null',
  });
  assert.throws(() => list.addSubnet(undefined as never, 8), {
    message: 'The "network" argument must be of type string. Received undefined',
  });
  assert.throws(() => list.check(null as never), {
    message: 'The "address" argument must be of type string. Received null',
  });
  assert.deepEqual(list.rules, []);
});

test("net.BlockList.addRange() refuses a start after the end", () => {
  const list = new BlockList();
  assert.throws(() => list.addRange("1.2.3.10", "1.2.3.4"), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'start' must come before end. Received SocketAddress " +
      "{ address: '1.2.3.10', port: 0, family: 'ipv4', flowlabel: 0 }",
  });
  assert.throws(() => list.addRange("::ffff:1.2.3.10", "::1", "ipv6"), {
    message: "The argument 'start' must come before end. Received SocketAddress " +
      "{ address: '::ffff:1.2.3.10', port: 0, family: 'ipv6', flowlabel: 0 }",
  });
  // Past util.inspect's 80 columns Node prints one field per line.
  assert.throws(() => list.addRange("::ffff:233.0.116.33", "::1", "ipv6"), {
    message: "The argument 'start' must come before end. Received SocketAddress {\n" +
      "  address: '::ffff:233.0.116.33',\n  port: 0,\n  family: 'ipv6',\n  flowlabel: 0\n}",
  });
  list.addRange("1.2.3.4", "1.2.3.4");
  assert.deepEqual(list.rules, ["Range: IPv4 1.2.3.4-1.2.3.4"]);
});

test("net.BlockList.addSubnet() bounds the prefix by family", () => {
  const list = new BlockList();
  assert.throws(() => list.addSubnet("1.2.3.0", 33), {
    name: "RangeError",
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "prefix" is out of range. It must be >= 0 && <= 32. Received 33',
  });
  assert.throws(() => list.addSubnet("::", 129, "ipv6"), {
    message: 'The value of "prefix" is out of range. It must be >= 0 && <= 128. Received 129',
  });
  assert.throws(() => list.addSubnet("::", 1.5, "ipv6"), {
    message: 'The value of "prefix" is out of range. It must be an integer. Received 1.5',
  });
  assert.throws(() => list.addSubnet("1.2.3.0", "24" as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "prefix" argument must be of type number. Received type string ('24')`,
  });
  list.addSubnet("::", 128, "ipv6");
  assert.deepEqual(list.rules, ["Subnet: IPv6 ::/128"]);
});

test("net.BlockList.isBlockList() recognises instances only", () => {
  assert.equal(BlockList.isBlockList(new BlockList()), true);
  assert.equal(BlockList.isBlockList({ rules: [] }), false);
  assert.equal(BlockList.isBlockList(undefined), false);
});

test("net.BlockList.toJSON() and fromJSON() carry the rules", () => {
  const list = new BlockList();
  list.addAddress("10.0.0.5");
  list.addRange("10.0.0.1", "10.0.0.3");
  list.addSubnet("192.168.1.0", 24);
  list.addSubnet("2001:db8:1234::", 48, "ipv6");
  list.addAddress("2001:db8:1234::1", "ipv6");
  list.addRange("2001:db8:1234::1", "2001:db8:1234::10", "ipv6");
  assert.deepEqual(list.toJSON(), list.rules);
  const copy = new BlockList();
  copy.fromJSON(JSON.stringify(list));
  // fromJSON() adds entries in the order given, so the newest-first list flips.
  assert.deepEqual(copy.rules, [...list.rules].reverse());
  const fromArray = new BlockList();
  fromArray.fromJSON(list.toJSON());
  assert.deepEqual(fromArray.rules, copy.rules);
  for (const ip of ["10.0.0.5", "10.0.0.2", "192.168.1.9"]) assert.equal(copy.check(ip), true, ip);
  assert.equal(copy.check("2001:db8:1234:ffff::", "ipv6"), true);
  assert.equal(copy.check("10.0.0.4"), false);
});

test("net.BlockList.fromJSON() skips unknown entries and checks its input", () => {
  const list = new BlockList();
  list.fromJSON(["nonsense", "Address: IPv4 1.2.3.4", "Address: IPv7 x"]);
  assert.deepEqual(list.rules, ["Address: IPv4 1.2.3.4"]);
  const message = 'The "data" argument must be of type string or string[]. ' +
    "Received type number (1)";
  assert.throws(() => list.fromJSON(1 as never), { code: "ERR_INVALID_ARG_TYPE", message });
  assert.throws(() => list.fromJSON('"x"'), { code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => list.fromJSON(["a", 2] as never), { code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => list.fromJSON("not json"), SyntaxError);
});

test("net.BlockList renders like Node in util.inspect", () => {
  const list = new BlockList();
  assert.equal(inspect(list), "BlockList { rules: [] }");
  list.addAddress("1.2.3.4");
  assert.equal(inspect(list), "BlockList { rules: [ 'Address: IPv4 1.2.3.4' ] }");
});
