import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import net, { Socket } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";

// The kernel may rewrite the two ECN bits; the DSCP bits must survive.
const DSCP = 0xfc;

test("new net.Socket({ typeOfService }) starts with that TOS, before and after connecting", async () => {
  const server = net.createServer((s) => s.end());
  try {
    const port = await listen(server, 0, "127.0.0.1");
    const unconnected = new Socket({ typeOfService: 0x10 });
    assert.equal(unconnected.getTypeOfService(), 0x10);
    unconnected.destroy();
    const client = net.connect({ port, host: "127.0.0.1", typeOfService: 0x28 });
    assert.equal(client.getTypeOfService(), 0x28);
    await once(client, "connect");
    assert.equal(client.getTypeOfService()! & DSCP, 0x28);
    client.destroy();
    await once(client, "close");
  } finally {
    await closeServer(server);
  }
});

test("new net.Socket({ typeOfService }) validates it as setTypeOfService() does", () => {
  assert.throws(() => new Socket({ typeOfService: "16" as unknown as number }), {
    code: "ERR_INVALID_ARG_TYPE",
    message: 'The "options.typeOfService" property must be of type number. ' +
      "Received type string ('16')",
  });
  assert.throws(() => new Socket({ typeOfService: 256 }), {
    code: "ERR_OUT_OF_RANGE",
    message: 'The value of "options.typeOfService" is out of range. ' +
      "It must be >= 0 && <= 255. Received 256",
  });
  assert.throws(() => new Socket({ typeOfService: 1.5 }), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => net.connect({ port: 1, typeOfService: -1 }), { code: "ERR_OUT_OF_RANGE" });
  // Left out, nothing is set: the default of 0 is reported.
  const plain = new Socket();
  assert.equal(plain.getTypeOfService(), 0);
  plain.destroy();
});
