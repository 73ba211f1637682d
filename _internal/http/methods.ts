/**
 * HTTP request methods: Node's public `http.METHODS` list and the lookup
 * table the parser walks to recognise a method byte by byte.
 *
 * Node's list is llhttp's HTTP method map, sorted. The parser accepts a wider
 * set, like llhttp does: the RTSP methods and `PRI` (the HTTP/2 preface) are
 * recognised in the request line, and which protocol token may follow a
 * method ("HTTP", "RTSP" or "ICE") is checked afterwards.
 *
 * @module
 */

/**
 * The methods of `http.METHODS`, in the order Node returns them.
 *
 * @example
 * ```ts
 * import { METHODS } from "@x/node-http/http";
 * console.log(METHODS.includes("PATCH")); // true
 * ```
 */
export const METHODS: string[] = [
  "ACL",
  "BIND",
  "CHECKOUT",
  "CONNECT",
  "COPY",
  "DELETE",
  "GET",
  "HEAD",
  "LINK",
  "LOCK",
  "M-SEARCH",
  "MERGE",
  "MKACTIVITY",
  "MKCALENDAR",
  "MKCOL",
  "MOVE",
  "NOTIFY",
  "OPTIONS",
  "PATCH",
  "POST",
  "PROPFIND",
  "PROPPATCH",
  "PURGE",
  "PUT",
  "QUERY",
  "REBIND",
  "REPORT",
  "SEARCH",
  "SOURCE",
  "SUBSCRIBE",
  "TRACE",
  "UNBIND",
  "UNLINK",
  "UNLOCK",
  "UNSUBSCRIBE",
];

/** The method may be followed by `HTTP/x.y`. */
export const PROTO_HTTP = 1;
/** The method may be followed by `RTSP/x.y`. */
export const PROTO_RTSP = 2;
/** The method may be followed by `ICE/x.y`. */
export const PROTO_ICE = 4;

const RTSP_ONLY = [
  "DESCRIBE",
  "ANNOUNCE",
  "SETUP",
  "PLAY",
  "PAUSE",
  "TEARDOWN",
  "GET_PARAMETER",
  "SET_PARAMETER",
  "REDIRECT",
  "RECORD",
  "FLUSH",
];

/** Methods valid with both HTTP and RTSP in llhttp's tables. */
const HTTP_AND_RTSP = new Set(["GET", "POST", "OPTIONS"]);

/**
 * Number of byte classes a trie node branches on: `A`..`Z`, `-` and `_`,
 * the only bytes that occur in method names.
 */
const WIDTH = 28;

/** Byte -> class index in a trie row, or -1 for a byte no method contains. */
export const METHOD_CLASS: Int8Array = new Int8Array(256).fill(-1);
for (let c = 0x41; c <= 0x5a; c++) METHOD_CLASS[c] = c - 0x41;
METHOD_CLASS[0x2d] = 26;
METHOD_CLASS[0x5f] = 27;

const allMethods: [string, number][] = [
  ...METHODS.map((m): [string, number] => [
    m,
    m === "SOURCE"
      ? PROTO_HTTP | PROTO_ICE
      : HTTP_AND_RTSP.has(m)
      ? PROTO_HTTP | PROTO_RTSP
      : PROTO_HTTP,
  ]),
  ["PRI", PROTO_HTTP],
  ...RTSP_ONLY.map((m): [string, number] => [m, PROTO_RTSP]),
];

const rows: number[][] = [new Array(WIDTH).fill(0)];
const names: string[] = [""];
const protos: number[] = [0];
for (const [name, proto] of allMethods) {
  let node = 0;
  for (let k = 0; k < name.length; k++) {
    const cls = METHOD_CLASS[name.charCodeAt(k)];
    if (rows[node][cls] === 0) {
      rows.push(new Array(WIDTH).fill(0));
      names.push("");
      protos.push(0);
      rows[node][cls] = rows.length - 1;
    }
    node = rows[node][cls];
  }
  names[node] = name;
  protos[node] = proto;
}

/**
 * The method trie: `METHOD_TRIE[node * 28 + METHOD_CLASS[byte]]` is the next
 * node, or 0 when no method continues with that byte. Node 0 is the root.
 */
export const METHOD_TRIE: Int16Array = Int16Array.from(rows.flat());

/** Per trie node: the method name ending there, or "". */
export const METHOD_NAME: readonly string[] = names;

/** Per trie node: the PROTO_* bits of the method ending there, 0 if none. */
export const METHOD_PROTO: Uint8Array = Uint8Array.from(protos);

/** Row width of {@link METHOD_TRIE}. */
export const METHOD_TRIE_WIDTH = WIDTH;
