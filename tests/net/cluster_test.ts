import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { transport } from "../../_internal/transport/select.ts";
import net, { type AddressInfo } from "../../net.ts";
import { closeServer, listen } from "../_util/net.ts";
import { runFixture } from "../_util/process.ts";

test(
  "net.Server in cluster workers share one port through SO_REUSEPORT",
  {
    skip: transport().capabilities.reusePort
      ? false
      : "this runtime offers no SO_REUSEPORT through its public API",
  },
  async () => {
    // A free port: bind, note it, release it.
    const probe = net.createServer();
    const port = await listen(probe, 0, "127.0.0.1");
    await closeServer(probe);
    const fixture = fileURLToPath(new URL("./fixtures/cluster_share.ts", import.meta.url));
    const result = await runFixture(fixture, 20_000, [String(port)]);
    assert.equal(result.timedOut, false, result.stderr);
    assert.equal(result.stdout.trim(), "listening,listening", result.stderr);
    assert.ok((probe.address() as AddressInfo | null) === null);
  },
);
