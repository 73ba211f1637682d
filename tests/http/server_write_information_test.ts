// response.writeInformation() (Node 26.2 / 24.18): any 1xx interim response
// with headers, before the final one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "../../http.ts";
import { ServerResponse } from "../../_internal/http/server_response.ts";
import { exchange, fakeRequest } from "../_util/response.ts";
import { serve, stop } from "../_util/serve.ts";

const OK_HEAD = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n";

test("http.ServerResponse.writeInformation() writes each 1xx head, in every headers shape", async () => {
  const done: string[] = [];
  const { text } = await exchange((res) => {
    res.writeInformation(110, { "X-Progress": "50%" }, () => done.push("a"));
    res.writeInformation(199, [["A", "1"], ["b", "2"]]);
    res.writeInformation(150, ["C", "3", "d", 4 as unknown as string]);
    res.writeInformation(102, null, () => done.push("b"));
    res.writeInformation(103);
    res.end("x");
  });
  assert.equal(
    text,
    "HTTP/1.1 110 unknown\r\nX-Progress: 50%\r\n\r\n" +
      "HTTP/1.1 199 unknown\r\nA: 1\r\nb: 2\r\n\r\n" +
      "HTTP/1.1 150 unknown\r\nC: 3\r\nd: 4\r\n\r\n" +
      "HTTP/1.1 102 Processing\r\n\r\n" +
      "HTTP/1.1 103 Early Hints\r\n\r\n" +
      OK_HEAD + "Content-Length: 1\r\n\r\nx",
  );
  assert.deepEqual(done, ["a", "b"]);
});

test("http.ServerResponse.writeInformation() validates as Node", () => {
  const res = new ServerResponse(fakeRequest());
  assert.throws(() => res.writeInformation(101), {
    code: "ERR_HTTP_INVALID_STATUS_CODE",
    message: "Invalid status code: 101",
  });
  for (const code of [99, 200]) {
    assert.throws(() => res.writeInformation(code), {
      code: "ERR_OUT_OF_RANGE",
      message: `The value of "statusCode" is out of range. It must be >= 100 && <= 199. ` +
        `Received ${code}`,
    });
  }
  assert.throws(() => res.writeInformation("103" as unknown as number), {
    code: "ERR_INVALID_ARG_TYPE",
  });
  assert.throws(() => res.writeInformation(150.5), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => res.writeInformation(110, ["a"]), {
    code: "ERR_INVALID_ARG_VALUE",
    message: "The argument 'headers' is invalid. Received [ 'a' ]",
  });
  assert.throws(() => res.writeInformation(110, "x" as unknown as string[]), {
    code: "ERR_INVALID_ARG_TYPE",
  });
  assert.throws(() => res.writeInformation(110, { "bad name": "1" }), {
    code: "ERR_INVALID_HTTP_TOKEN",
  });
  assert.throws(() => res.writeInformation(110, { a: "x\r\ny" }), { code: "ERR_INVALID_CHAR" });
  assert.throws(() => res.writeInformation(110, { a: undefined as unknown as string }), {
    code: "ERR_HTTP_INVALID_HEADER_VALUE",
  });
});

test("http.ServerResponse.writeInformation() throws ERR_HTTP_HEADERS_SENT after the final head", async () => {
  let error: unknown;
  await exchange((res) => {
    res.writeHead(200);
    try {
      res.writeInformation(110);
    } catch (err) {
      error = err;
    }
    res.end();
  });
  assert.equal((error as { code?: string }).code, "ERR_HTTP_HEADERS_SENT");
});

test("http.ServerResponse.writeInformation() reaches a client's 'information' event", async (t) => {
  const [server, port] = await serve((_req, res) => {
    res.writeInformation(110, { "x-progress": "50%" });
    res.writeInformation(199, [["x-step", "2"]]);
    res.end("done");
  });
  t.after(() => stop(server));
  const seen: { statusCode: number; headers: Record<string, unknown> }[] = [];
  const req = http.get({ port, host: "127.0.0.1", agent: false });
  req.on(
    "information",
    (info) => seen.push({ statusCode: info.statusCode, headers: info.headers }),
  );
  const [res] = await once(req, "response");
  res.resume();
  await once(res, "end");
  assert.equal(res.statusCode, 200);
  assert.deepEqual(seen, [
    { statusCode: 110, headers: { "x-progress": "50%" } },
    { statusCode: 199, headers: { "x-step": "2" } },
  ]);
});
