import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "../../http.ts";

test("http.Server[Symbol.asyncDispose]() closes, and rejects when the server is not running", async () => {
  const server = http.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const closed = once(server, "close");
  await server[Symbol.asyncDispose]();
  await closed;
  assert.equal(server.listening, false);
  // Unlike net.Server's, Node's http version closes without checking first.
  await assert.rejects(server[Symbol.asyncDispose](), {
    code: "ERR_SERVER_NOT_RUNNING",
    message: "Server is not running.",
  });
  await assert.rejects(http.createServer()[Symbol.asyncDispose](), {
    code: "ERR_SERVER_NOT_RUNNING",
  });
});
