/**
 * An http server of ours on an ephemeral loopback port, for tests that talk
 * to it, and the way to stop it with every connection gone.
 *
 * @module
 */
import { once } from "node:events";
import http, {
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "../../http.ts";
import type { AddressInfo } from "../../net.ts";
import { RawClient } from "./wire.ts";

/** A 'request' listener. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Starts `server` (made by the caller) on 127.0.0.1 and an ephemeral port. */
export async function listenOn(server: Server): Promise<[Server, number]> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return [server, (server.address() as AddressInfo).port];
}

/** `http.createServer(options, handler)`, listening; resolves with it and its port. */
export function serve(handler: Handler, options: ServerOptions = {}): Promise<[Server, number]> {
  return listenOn(http.createServer(options, handler));
}

/** Closes `server` after destroying its connections; resolves on 'close'. */
export function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Sends `wire` (may be empty) to `server` on `port` from a raw client, waits
 * until the server closes the connection, and returns what it sent back.
 * The client and the server are gone afterwards, whatever happened.
 */
export async function untilServerCloses(
  server: Server,
  port: number,
  wire: string,
): Promise<string> {
  const client = new RawClient(port);
  try {
    if (wire !== "") client.write(wire);
    await client.closed;
    return client.text;
  } finally {
    client.destroy();
    await stop(server);
  }
}
