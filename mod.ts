/**
 * @x/node-http: Node's `net` and `http` modules rebuilt over the native
 * sockets of Deno and Bun, so Node code runs unchanged with one behaviour on
 * both runtimes.
 *
 * @example
 * ```ts
 * import { net } from "@x/node-http";
 *
 * const server = net.createServer((socket) => socket.end("hello\n"));
 * server.listen(0, () => server.close());
 * ```
 *
 * @module
 */
export { default as net } from "./net.ts";
export { default as http } from "./http.ts";
