import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { SocketAddress } from "../../_internal/net/socket_address.ts";

test("net.SocketAddress defaults to 127.0.0.1:0 over IPv4", () => {
  const sa = new SocketAddress();
  assert.deepEqual(sa.toJSON(), { address: "127.0.0.1", port: 0, family: "ipv4", flowlabel: 0 });
  assert.equal(sa.address, "127.0.0.1");
  assert.equal(sa.port, 0);
  assert.equal(sa.family, "ipv4");
  assert.equal(sa.flowlabel, 0);
});

test("net.SocketAddress defaults the IPv6 address to '::'", () => {
  const sa = new SocketAddress({ family: "ipv6", port: 8080, flowlabel: 5 });
  assert.deepEqual(sa.toJSON(), { address: "::", port: 8080, family: "ipv6", flowlabel: 5 });
});

test("net.SocketAddress lowercases the family but picks the default address first", () => {
  const sa = new SocketAddress({ family: "IPv6", address: "::1" });
  assert.equal(sa.family, "ipv6");
  // Node chooses '::' for a family that is not exactly 'ipv4', then refuses it.
  assert.throws(() => new SocketAddress({ family: "IPv4" }), {
    name: "Error",
    code: "ERR_INVALID_ADDRESS",
    message: "Invalid socket address",
  });
  assert.equal(new SocketAddress({ family: "IPV4", address: "1.2.3.4" }).family, "ipv4");
});

test("net.SocketAddress normalises the address text as inet_ntop does", () => {
  const v6 = (address: string) => new SocketAddress({ family: "ipv6", address }).address;
  assert.equal(v6("0:0:0:0:0:0:0:1"), "::1");
  assert.equal(v6("::FFFF:1.2.3.4"), "::ffff:1.2.3.4");
  assert.equal(v6("ABCD:0DB8::"), "abcd:db8::");
  assert.equal(v6("fe80::1%eth0"), "fe80::1");
  assert.equal(v6("fe80::1%"), "fe80::1");
});

test("net.SocketAddress keeps the flow label for IPv6 only", () => {
  assert.equal(new SocketAddress({ address: "1.2.3.4", flowlabel: 7 }).flowlabel, 0);
  assert.equal(new SocketAddress({ family: "ipv6", flowlabel: 0xfffff }).flowlabel, 0xfffff);
});

test("net.SocketAddress refuses addresses of the wrong family", () => {
  for (
    const options of [
      { address: "::1" },
      { address: "1.2.3.4", family: "ipv6" },
      { address: "localhost" },
      { address: "01.2.3.4" },
      { address: "" },
    ]
  ) {
    assert.throws(() => new SocketAddress(options), {
      code: "ERR_INVALID_ADDRESS",
      message: "Invalid socket address",
    });
  }
});

test("net.SocketAddress validates its options with Node's errors", () => {
  assert.throws(() => new SocketAddress("x" as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: `The "options" argument must be of type object. Received type string ('x')`,
  });
  assert.throws(() => new SocketAddress(null as never), {
    message: 'The "options" argument must be of type object. Received null',
  });
  assert.throws(() => new SocketAddress({ family: "ipv5" }), {
    name: "TypeError",
    code: "ERR_INVALID_ARG_VALUE",
    message: "The property 'options.family' is invalid. Received 'ipv5'",
  });
  assert.throws(() => new SocketAddress({ family: 4 as never }), {
    message: "The property 'options.family' is invalid. Received 4",
  });
  assert.throws(() => new SocketAddress({ address: 5 as never }), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "options.address" property must be of type string. Received type number (5)',
  });
  assert.throws(() => new SocketAddress({ flowlabel: -1 }), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "options.flowlabel" is out of range. It must be >= 0 && ' +
      "<= 4294967295. Received -1",
  });
});

test("net.SocketAddress validates the port as validatePort does", () => {
  assert.equal(new SocketAddress({ port: 65535 }).port, 65535);
  assert.equal(new SocketAddress({ port: "443" as never }).port, 443);
  assert.throws(() => new SocketAddress({ port: 65536 }), {
    name: "RangeError",
    code: "ERR_SOCKET_BAD_PORT",
    message: "options.port should be >= 0 and < 65536. Received type number (65536).",
  });
  assert.throws(() => new SocketAddress({ port: "" as never }), {
    message: "options.port should be >= 0 and < 65536. Received type string ('').",
  });
});

test("net.SocketAddress refuses a flow label wider than 20 bits", () => {
  // Node aborts the process here; this module throws instead.
  assert.throws(() => new SocketAddress({ family: "ipv6", flowlabel: 0x100000 }), {
    code: "ERR_OUT_OF_RANGE",
  });
});

test("net.SocketAddress.isSocketAddress() recognises instances only", () => {
  assert.equal(SocketAddress.isSocketAddress(new SocketAddress()), true);
  assert.equal(SocketAddress.isSocketAddress({ address: "1.2.3.4", port: 0 }), false);
  assert.equal(SocketAddress.isSocketAddress(null), false);
  assert.equal(SocketAddress.isSocketAddress("1.2.3.4"), false);
});

test("net.SocketAddress.parse() reads host:port and [ipv6]:port", () => {
  assert.deepEqual(SocketAddress.parse("1.2.3.4:8080")?.toJSON(), {
    address: "1.2.3.4",
    port: 8080,
    family: "ipv4",
    flowlabel: 0,
  });
  assert.deepEqual(SocketAddress.parse("[::1]:443")?.toJSON(), {
    address: "::1",
    port: 443,
    family: "ipv6",
    flowlabel: 0,
  });
  assert.equal(SocketAddress.parse("1.2.3.4")?.port, 0);
  // The URL parser drops http's default port, so Node reads it back as 0.
  assert.equal(SocketAddress.parse("1.2.3.4:80")?.port, 0);
  // ...and normalises shorthand IPv4 the WHATWG way.
  assert.equal(SocketAddress.parse("127.1:5")?.address, "127.0.0.1");
});

test("net.SocketAddress.parse() returns undefined for non-endpoints", () => {
  assert.equal(SocketAddress.parse("example.com:80"), undefined);
  assert.equal(SocketAddress.parse("1.2.3.4:99999"), undefined);
  assert.equal(SocketAddress.parse("[::1"), undefined);
  assert.equal(SocketAddress.parse(""), undefined);
  assert.throws(() => SocketAddress.parse(1 as never), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "input" argument must be of type string. Received type number (1)',
  });
});

test("net.SocketAddress renders like Node in util.inspect and JSON", () => {
  const sa = new SocketAddress({ address: "::1", family: "ipv6", port: 80 });
  assert.equal(
    inspect(sa),
    "SocketAddress { address: '::1', port: 80, family: 'ipv6', flowlabel: 0 }",
  );
  assert.equal(
    JSON.stringify(sa),
    '{"address":"::1","port":80,"family":"ipv6","flowlabel":0}',
  );
});
