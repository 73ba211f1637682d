import { test } from "node:test";
import assert from "node:assert/strict";
import { IncomingMessage, ServerResponse } from "../../http.ts";

test("new http.IncomingMessage() has no HTTP version until a head is parsed", () => {
  const msg = new IncomingMessage(null);
  assert.equal(msg.httpVersion, null);
  assert.equal(msg.httpVersionMajor, null);
  assert.equal(msg.httpVersionMinor, null);
  // A response to such a message is framed as for an HTTP/1.0 peer.
  const res = new ServerResponse(msg as never);
  assert.equal(res.shouldKeepAlive, false);
  assert.equal(res.useChunkedEncodingByDefault, false);
});

test("http.IncomingMessage#_addHeaderLineDistinct() collects every value under the lowercase name", () => {
  const msg = new IncomingMessage(null);
  const dest: Record<string, string[]> = {};
  msg._addHeaderLineDistinct("X-Tag", "a", dest);
  msg._addHeaderLineDistinct("x-tag", "b", dest);
  msg._addHeaderLineDistinct("Host", "h", dest);
  assert.deepEqual(dest, { "x-tag": ["a", "b"], host: ["h"] });
});
