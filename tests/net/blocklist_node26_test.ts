// Node 26.8's BlockList additions: CIDR texts, batch adds, removal, clear,
// size and the PRIVATE_RANGES preset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BlockList } from "../../_internal/net/blocklist.ts";
import { SocketAddress } from "../../_internal/net/socket_address.ts";

test("net.BlockList.addCIDR() reads the family from the address text", () => {
  const list = new BlockList();
  list.addCIDR("10.0.0.0/8");
  list.addCIDR("2001:db8::/32");
  assert.deepEqual(list.rules, ["Subnet: IPv6 2001:db8::/32", "Subnet: IPv4 10.0.0.0/8"]);
  assert.equal(list.check("10.200.1.1"), true);
  assert.equal(list.check("11.0.0.1"), false);
  assert.equal(list.check("2001:db8:ffff::1", "ipv6"), true);
  assert.equal(list.check("2001:db9::1", "ipv6"), false);
});

test("net.BlockList.addCIDR() rejects texts without a canonical prefix as Node", () => {
  const list = new BlockList();
  assert.throws(() => list.addCIDR("10.0.0.0"), {
    code: "ERR_INVALID_ARG_VALUE",
    message: `The argument 'cidr' must contain a prefix length (e.g. "10.0.0.0/8"). ` +
      `Received '10.0.0.0'`,
  });
  for (const bad of ["10.0.0.0/08", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/ 8"]) {
    assert.throws(() => list.addCIDR(bad), {
      code: "ERR_INVALID_ARG_VALUE",
      message: `The argument 'cidr' prefix length must be a valid integer. Received '${bad}'`,
    });
  }
  assert.throws(() => list.addCIDR(8 as unknown as string), { code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => list.addCIDR("10.0.0.0/33"), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => list.addCIDR("::/129"), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => list.addCIDR("10.0.0.300/8"), { code: "ERR_INVALID_ADDRESS" });
  assert.equal(list.size, 0);
});

test("net.BlockList.addCIDRs() adds all or nothing", () => {
  const list = new BlockList();
  list.addCIDRs(["1.0.0.0/8", "2.0.0.0/8"]);
  assert.equal(list.size, 2);
  assert.throws(() => list.addCIDRs(["3.0.0.0/8", 4 as unknown as string]), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /The "cidrs\[1\]" argument must be of type string/,
  });
  assert.throws(() => list.addCIDRs(["3.0.0.0/8", "4.0.0.0/8", "5.0.0.0"]), {
    code: "ERR_INVALID_ARG_VALUE",
  });
  assert.equal(list.size, 2);
  assert.equal(list.check("3.1.1.1"), false);
  assert.throws(() => list.addCIDRs("1.0.0.0/8" as unknown as string[]), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /The "cidrs" argument must be an instance of Array/,
  });
  // As in Node, only the CIDR syntax is checked up front: a bad address
  // surfaces when its rule is made, after the entries before it.
  assert.throws(() => list.addCIDRs(["3.0.0.0/8", "4.0.0/8"]), { code: "ERR_INVALID_ADDRESS" });
  assert.equal(list.check("3.1.1.1"), true);
});

test("net.BlockList.addAddresses() adds every address of one family, all or nothing", () => {
  const list = new BlockList();
  list.addAddresses(["1.1.1.1", new SocketAddress({ address: "::2", family: "ipv6" })]);
  list.addAddresses(["::3"], "ipv6");
  assert.deepEqual(list.rules, [
    "Address: IPv6 ::3",
    "Address: IPv6 ::2",
    "Address: IPv4 1.1.1.1",
  ]);
  assert.throws(() => list.addAddresses(["9.9.9.9", 7 as unknown as string]), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /The "addresses\[1\]" argument must be of type string/,
  });
  assert.throws(() => list.addAddresses(["9.9.9.9", "::1"]), { code: "ERR_INVALID_ADDRESS" });
  assert.throws(() => list.addAddresses([], 4 as unknown as string), {
    code: "ERR_INVALID_ARG_TYPE",
    message: /The "family" argument must be of type string/,
  });
  assert.equal(list.size, 3);
  assert.equal(list.check("9.9.9.9"), false);
});

test("net.BlockList.remove*() drop only the exact rule, newest first", () => {
  const list = new BlockList();
  list.addAddress("1.2.3.4");
  list.addRange("10.0.0.1", "10.0.0.9");
  list.addSubnet("192.168.0.0", 16);
  list.addCIDR("fe80::/10");
  // Near misses leave everything in place.
  list.removeAddress("1.2.3.5");
  list.removeAddress("::ffff:1.2.3.4", "ipv6");
  list.removeRange("10.0.0.1", "10.0.0.8");
  list.removeSubnet("192.168.0.0", 24);
  list.removeCIDR("fe80::/11");
  assert.equal(list.size, 4);
  list.removeRange("10.0.0.1", "10.0.0.9");
  assert.equal(list.check("10.0.0.5"), false);
  list.removeSubnet(new SocketAddress({ address: "192.168.0.0" }), 16);
  assert.equal(list.check("192.168.3.3"), false);
  list.removeCIDR("fe80::/10");
  assert.equal(list.check("fe80::1", "ipv6"), false);
  list.removeAddress("1.2.3.4");
  assert.equal(list.check("1.2.3.4"), false);
  assert.deepEqual(list.rules, []);
  assert.throws(() => list.removeSubnet("1.0.0.0", 40), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => list.removeAddress(5 as unknown as string), { code: "ERR_INVALID_ARG_TYPE" });
});

test("net.BlockList.clear() and size", () => {
  const list = new BlockList();
  assert.equal(list.size, 0);
  list.addAddress("1.1.1.1");
  list.addSubnet("2.0.0.0", -0);
  assert.equal(list.size, 2);
  assert.equal(list.rules[0], "Subnet: IPv4 2.0.0.0/0");
  list.clear();
  assert.equal(list.size, 0);
  assert.equal(list.check("1.1.1.1"), false);
  assert.deepEqual(list.rules, []);
});

test("net.BlockList.PRIVATE_RANGES lists Node's ranges, frozen", () => {
  assert.deepEqual([...BlockList.PRIVATE_RANGES], [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "::1/128",
    "169.254.0.0/16",
    "fe80::/10",
    "fc00::/7",
  ]);
  assert.equal(Object.isFrozen(BlockList.PRIVATE_RANGES), true);
  const list = new BlockList();
  list.addCIDRs(BlockList.PRIVATE_RANGES);
  assert.equal(list.check("172.31.255.255"), true);
  assert.equal(list.check("172.32.0.0"), false);
  assert.equal(list.check("127.0.0.1"), true);
  assert.equal(list.check("fd00::1", "ipv6"), true);
  assert.equal(list.check("8.8.8.8"), false);
});
