/**
 * Deterministic malformed-request generator for server robustness tests:
 * a seeded PRNG mutates a handful of valid requests into a fixed list of
 * cases, the same on every runtime, so an expected table recorded once
 * against Node's own http server stays valid.
 *
 * @module
 */

/** One generated request: what was done to which base, and its bytes (latin1). */
export interface FuzzCase {
  index: number;
  label: string;
  wire: string;
}

/** mulberry32: small, fast, and identical on every JS engine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return function next(): number {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES: readonly string[] = [
  "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
  "GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nX-Y: z\r\n\r\n",
  "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
  "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "PUT /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
  "GET /old HTTP/1.0\r\n\r\n",
  "DELETE /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
];

const INSERTS: readonly string[] = ["\r", "\n", "\0", " ", ":", "\t", "\r\n", "\x7f", "\xff"];

const HEADER_ADDS: readonly string[] = [
  "Content-Length: 5\r\n",
  "Content-Length: 0\r\n",
  "Content-Length: 6\r\n",
  "Content-Length: -1\r\n",
  "Content-Length: 1e3\r\n",
  "Content-Length: 99999999999999999999\r\n",
  "Content-Length: 5, 5\r\n",
  "Content-Length:  5 \r\n",
  "Transfer-Encoding: chunked\r\n",
  "Transfer-Encoding: identity\r\n",
  "Transfer-Encoding: chunked, identity\r\n",
  "Transfer-Encoding: gzip\r\n",
  "Transfer-Encoding:  chunked\r\n",
  "Transfer-Encoding: xchunked\r\n",
  "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
  "Transfer-Encoding : chunked\r\n",
  " folded: value\r\n",
  "X-Folded: a\r\n b\r\n",
  ": empty-name\r\n",
  "Bad Name: v\r\n",
  "X-Ok: \x01ctl\r\n",
  "Connection: upgrade\r\nUpgrade: h2c\r\n",
  "Expect: 100-continue\r\n",
  "Expect: bogus\r\n",
  "Host: y\r\n",
];

const CHUNK_BODIES: readonly string[] = [
  "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
  "7fffffffffffffff\r\nabc\r\n",
  "5;ext=1\r\nhello\r\n0\r\n\r\n",
  '5;ext="q;uoted"\r\nhello\r\n0\r\n\r\n',
  "5 ;ext\r\nhello\r\n0\r\n\r\n",
  `5;${"e".repeat(20000)}\r\nhello\r\n0\r\n\r\n`,
  "5\r\nhelloX\r\n0\r\n\r\n",
  "5\nhello\n0\n\n",
  "-5\r\nhello\r\n0\r\n\r\n",
  "0x5\r\nhello\r\n0\r\n\r\n",
  "5\r\nhello\r\n0\r\nX-T: 1\r\n",
  "5\r\nhel",
  "",
  "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
];

/** An element of `list`, chosen by `rand`. */
export function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function at(rand: () => number, text: string): number {
  return Math.floor(rand() * (text.length + 1));
}

/** Inserts a header line right after the first line (request or status line). */
export function addHeader(wire: string, line: string): string {
  const eol = wire.indexOf("\r\n");
  return eol < 0 ? wire : wire.slice(0, eol + 2) + line + wire.slice(eol + 2);
}

/**
 * The mutations both generators share, kinds 0-5: flip a bit, insert one of
 * `inserts`, delete a byte, add one of `headerAdds` (kinds 3 and 4),
 * truncate. Null for a later kind, which the caller's own list defines. Each
 * draws from `rand` in a fixed order, so a recorded table stays valid.
 */
export function basicMutation(
  rand: () => number,
  kind: number,
  wire: string,
  inserts: readonly string[],
  headerAdds: readonly string[],
): [string, string] | null {
  switch (kind) {
    case 0: {
      const i = Math.min(at(rand, wire), wire.length - 1);
      const bit = 1 << Math.floor(rand() * 8);
      const flipped = String.fromCharCode(wire.charCodeAt(i) ^ bit);
      return [`flip@${i}^${bit}`, wire.slice(0, i) + flipped + wire.slice(i + 1)];
    }
    case 1: {
      const i = at(rand, wire);
      const ins = pick(rand, inserts);
      return [`insert@${i}:${JSON.stringify(ins)}`, wire.slice(0, i) + ins + wire.slice(i)];
    }
    case 2: {
      const i = Math.min(at(rand, wire), wire.length - 1);
      return [`delete@${i}`, wire.slice(0, i) + wire.slice(i + 1)];
    }
    case 3:
    case 4: {
      const line = pick(rand, headerAdds);
      return [`header:${JSON.stringify(line)}`, addHeader(wire, line)];
    }
    case 5: {
      const i = Math.max(1, at(rand, wire) - 1);
      return [`truncate@${i}`, wire.slice(0, i)];
    }
  }
  return null;
}

/**
 * One of `bases` with one to three mutations applied in order: its label
 * (the base's index, then each mutation's) and its bytes.
 */
export function mutatedBase(
  rand: () => number,
  bases: readonly string[],
  mutate: (rand: () => number, wire: string) => [string, string],
): [string, string] {
  let wire = pick(rand, bases);
  const labels = [`base${bases.indexOf(wire)}`];
  const rounds = 1 + Math.floor(rand() * 3);
  for (let r = 0; r < rounds; r++) {
    const [label, next] = mutate(rand, wire);
    labels.push(label);
    wire = next;
  }
  return [labels.join(" "), wire];
}

/** Applies one mutation; returns its label and the new bytes. */
function mutate(rand: () => number, wire: string): [string, string] {
  const kind = Math.floor(rand() * 9);
  const basic = basicMutation(rand, kind, wire, INSERTS, HEADER_ADDS);
  if (basic !== null) return basic;
  switch (kind) {
    case 6: {
      const body = pick(rand, CHUNK_BODIES);
      const head = wire.slice(0, wire.indexOf("\r\n\r\n") + 4);
      const te = /transfer-encoding/i.test(head)
        ? head
        : addHeader(head, "Transfer-Encoding: chunked\r\n");
      return [
        `chunked:${JSON.stringify(body.slice(0, 24))}`,
        te.replace(/Content-Length: \d+\r\n/, "") + body,
      ];
    }
    case 7: {
      const other = pick(rand, BASES);
      return ["pipelined", wire + other];
    }
    default: {
      const line = pick(rand, ["Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n"]);
      return [`dup:${JSON.stringify(line)}`, addHeader(addHeader(wire, line), line)];
    }
  }
}

/**
 * `count` cases from `seed`: each is a base request with one to three
 * mutations applied in order.
 */
export function fuzzCases(seed: number, count: number): FuzzCase[] {
  const rand = prng(seed);
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const [label, wire] = mutatedBase(rand, BASES, mutate);
    cases.push({ index, label, wire });
  }
  return cases;
}

/**
 * The status codes of every response head in `text`, in order, joined by
 * ",": "" when the server closed without answering. Only heads at a response
 * boundary count (a body that happens to contain "HTTP/1.1 200" does not),
 * so bodies are skipped by Content-Length, chunked framing or, without
 * either, to the end (a close-delimited body).
 */
export function statusSequence(text: string): string {
  const codes: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*\r\n/.exec(rest);
    if (!m) {
      codes.push("?");
      break;
    }
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) {
      codes.push(`${m[1]}?`);
      break;
    }
    codes.push(m[1]);
    const head = rest.slice(0, end);
    rest = rest.slice(end + 4);
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (m[1] === "100") continue;
    if (cl) rest = rest.slice(Number(cl[1]));
    else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const last = rest.indexOf("0\r\n\r\n");
      rest = last < 0 ? "" : rest.slice(last + 5);
    } else rest = ""; // close-delimited: the body runs to the end
  }
  return codes.join(",");
}

/** A request that, if a framing bug lets it out of the body, reaches 'request'. */
export const HIDDEN = "GET /hidden HTTP/1.1\r\nHost: x\r\n\r\n";

/**
 * Request-smuggling attempts, each hiding `HIDDEN` so that one of the two
 * framings (length or chunked) would deliver it as a request of its own.
 */
export function smugglingCases(): { name: string; wire: string }[] {
  const chunkedEnd = "0\r\n\r\n";
  const body = chunkedEnd + HIDDEN;
  const len = body.length;
  const post = "POST /s HTTP/1.1\r\nHost: x\r\n";
  const viaTe = (te: string) => `${post}${te}Content-Length: ${len}\r\n\r\n${body}`;
  return [
    {
      name: "CL then TE",
      wire: `${post}Content-Length: ${len}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    },
    { name: "TE then CL", wire: viaTe("Transfer-Encoding: chunked\r\n") },
    {
      name: "TE then short CL",
      wire: `${post}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n${body}`,
    },
    {
      name: "TE chunked not final",
      wire: `${post}Transfer-Encoding: chunked, gzip\r\n\r\n${body}`,
    },
    {
      name: "TE chunked then gzip line",
      wire: `${post}Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n${body}`,
    },
    {
      name: "duplicate differing CL",
      wire: `${post}Content-Length: 5\r\nContent-Length: ${len}\r\n\r\n${body}`,
    },
    {
      name: "duplicate equal CL",
      wire: `${post}Content-Length: ${len}\r\nContent-Length: ${len}\r\n\r\n${body}`,
    },
    { name: "CL list", wire: `${post}Content-Length: 5, ${len}\r\n\r\n${body}` },
    { name: "TE leading space", wire: viaTe("Transfer-Encoding:  chunked\r\n") },
    { name: "TE chunked, identity", wire: viaTe("Transfer-Encoding: chunked, identity\r\n") },
    { name: "TE xchunked", wire: viaTe("Transfer-Encoding: xchunked\r\n") },
    { name: "TE chunkedx", wire: viaTe("Transfer-Encoding: chunkedx\r\n") },
    { name: "TE space before colon", wire: viaTe("Transfer-Encoding : chunked\r\n") },
    { name: "TE tab value", wire: viaTe("Transfer-Encoding:\tchunked\r\n") },
    { name: "TE vertical tab", wire: viaTe("Transfer-Encoding: \x0bchunked\r\n") },
    { name: "TE folded", wire: viaTe("Transfer-Encoding:\r\n chunked\r\n") },
    { name: "TE folded into X", wire: viaTe("X: y\r\n Transfer-Encoding: chunked\r\n") },
    { name: "TE upper case", wire: viaTe("TRANSFER-ENCODING: CHUNKED\r\n") },
    { name: "TE bare LF", wire: viaTe("Transfer-Encoding: chunked\n") },
    {
      name: "TE without CL, LF chunk lines",
      wire: `${post}Transfer-Encoding: chunked\r\n\r\n0\n\n${HIDDEN}`,
    },
    {
      name: "hidden in a CL body",
      wire: `${post}Content-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    },
    {
      name: "hidden in a chunk",
      wire: `${post}Transfer-Encoding: chunked\r\n\r\n${
        HIDDEN.length.toString(16)
      }\r\n${HIDDEN}\r\n0\r\n\r\n`,
    },
    {
      name: "chunk size overflow",
      wire: `${post}Transfer-Encoding: chunked\r\n\r\n1${"0".repeat(16)}5\r\n${body}`,
    },
    {
      name: "GET with CL body",
      wire: `GET /g HTTP/1.1\r\nHost: x\r\nContent-Length: ${HIDDEN.length}\r\n\r\n${HIDDEN}`,
    },
    {
      name: "HTTP/1.0 with TE",
      wire:
        `POST /s HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: ${len}\r\n\r\n${body}`,
    },
  ];
}
