/**
 * Runs a Koa app on a node:http server and drains it without dropping a request: stop
 * accepting connections, answer every further request with `Connection: close`, let open
 * connections finish (streams included) and idle ones expire, then close what is left at the
 * grace deadline. Clients never see a connection closed under a request they just sent.
 * A port that cannot be bound is a ListenError that says why.
 */
import { createServer, type Server } from "node:http";
import { Server as NetServer } from "node:net";
import type { AddressInfo } from "node:net";
import type Koa from "koa";
import { toListenError } from "./listen-error.ts";

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly host: string;
  /** Requests being answered right now. */
  inFlight(): number;
  /** Stops accepting; resolves when every connection is closed (forced at `graceMs`). */
  drain(graceMs: number): Promise<void>;
}

/** Node's default: long enough for keep-alive, short enough that drains finish quickly. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * After a drain starts, keep accepting this long (every answer says `Connection: close`): a
 * request already on its way (a client that connected as the signal arrived, a load balancer
 * that has not seen readiness change yet) is served instead of refused, or reset in the cluster
 * primary's accept queue once the last worker stopped listening.
 */
const LAME_DUCK_MS = 500;

/** `name` is what a ListenError calls the server ("the gateway cannot listen: port 4000 on 0.0.0.0 is in use"). */
export async function listen<S>(app: Koa<S>, host: string, port: number, name = "the gateway"): Promise<RunningServer> {
  const server = createServer(app.callback());
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let inFlight = 0;
  let draining = false;
  server.on("request", (_req, res) => {
    inFlight += 1;
    if (draining) res.setHeader("connection", "close");
    res.once("close", () => {
      inFlight -= 1;
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => reject(toListenError(error, name, host, port));
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let drained: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    host,
    inFlight: () => inFlight,
    drain(graceMs) {
      drained ??= new Promise<void>((resolve) => {
        draining = true;
        const deadline = setTimeout(() => {
          server.closeAllConnections();
        }, graceMs);
        deadline.unref();
        // net.Server#close stops accepting and waits for open connections, without http.Server's
        // extra step of closing idle keep-alive connections (a client may be sending on one).
        setTimeout(() => {
          NetServer.prototype.close.call(server, () => {
            clearTimeout(deadline);
            resolve();
          });
        }, Math.min(LAME_DUCK_MS, graceMs / 2));
      });
      return drained;
    },
  };
}
