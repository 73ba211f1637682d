/**
 * Micro-benchmarks of the HTTP/1.x parser: how many requests per second it
 * turns into heads with `rawHeaders` built, with no socket involved.
 *
 * Run: `deno bench bench/parser_bench.ts`. Each iteration parses BATCH
 * (100) requests, so requests per second are 100 × iter/s: timing a single
 * sub-microsecond parse would mostly measure the bench harness itself.
 *
 * @module
 */

import { type HeadInfo, HTTPParser, REQUEST } from "../_internal/http/parser.ts";

const encoder = new TextEncoder();

const GET = encoder.encode(
  "GET /api/v1/users/12345?fields=name,email HTTP/1.1\r\n" +
    "Host: api.example.com:8080\r\n" +
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\n" +
    "Accept: application/json, text/plain, */*\r\n" +
    "Accept-Language: en-US,en;q=0.9\r\n" +
    "Accept-Encoding: gzip, deflate, br\r\n" +
    "Connection: keep-alive\r\n" +
    "Cookie: session=abc123def456; theme=dark\r\n" +
    "Cache-Control: no-cache\r\n" +
    "\r\n",
);

const CHUNKED = encoder.encode(
  "POST /upload HTTP/1.1\r\n" +
    "Host: api.example.com\r\n" +
    "Content-Type: application/json\r\n" +
    "Transfer-Encoding: chunked\r\n" +
    "\r\n" +
    "1a\r\n" + '{"name":"a","items":[1,2,3' + "\r\n" +
    "10\r\n" + ",4,5,6,7,8,9,10]" + "\r\n" +
    "1\r\n" + "}" + "\r\n" +
    "0\r\n\r\n",
);

let heads = 0;
let bodyBytes = 0;
let messages = 0;
let lastHeaders: string[] = [];

const handler = {
  onHeadersComplete(info: HeadInfo): number {
    heads++;
    lastHeaders = info.rawHeaders;
    return 0;
  },
  onBody(_data: Uint8Array, start: number, end: number): void {
    bodyBytes += end - start;
  },
  onMessageComplete(_trailers: string[]): void {
    messages++;
  },
};

const parser = new HTTPParser(REQUEST, handler);

function parseOne(bytes: Uint8Array): void {
  if (parser.execute(bytes) !== bytes.length) throw new Error("parse failed");
}

function check(what: string, ok: boolean): void {
  if (!ok) throw new Error(`${what} not parsed as expected`);
}

// A wrong parse would make the numbers meaningless: check once up front.
parseOne(GET);
check("GET", lastHeaders.length === 16 && heads === 1 && messages === 1);
parseOne(CHUNKED);
check("chunked POST", bodyBytes === 43 && messages === 2);

const BATCH = 100;

Deno.bench("parser: GET with 8 headers, rawHeaders built (x100)", () => {
  for (let k = 0; k < BATCH; k++) parseOne(GET);
});

Deno.bench("parser: chunked POST, 3 chunks (x100)", () => {
  for (let k = 0; k < BATCH; k++) parseOne(CHUNKED);
});

Deno.bench("parser: GET split into 4 reads (x100)", () => {
  for (let k = 0; k < BATCH; k++) {
    parser.execute(GET, 0, 40);
    parser.execute(GET, 40, 150);
    parser.execute(GET, 150, 300);
    if (parser.execute(GET, 300) !== GET.length) throw new Error("parse failed");
  }
});
