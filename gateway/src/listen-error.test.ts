import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { describeListenFailure, ListenError, toListenError } from "./listen-error.ts";

const at = { server: "the gateway", host: "127.0.0.1", port: 4000, detail: "listen Exxx" };

describe("why a server could not listen", () => {
  it.each([
    ["EADDRINUSE", "the gateway cannot listen: port 4000 on 127.0.0.1 is in use"],
    ["EACCES", "the gateway cannot listen: no permission to use port 4000 on 127.0.0.1"],
    ["EADDRNOTAVAIL", "the gateway cannot listen: 127.0.0.1 is not an address of this machine"],
    ["ENOTFOUND", "the gateway cannot listen: the host name 127.0.0.1 does not resolve"],
    ["EMFILE", "the gateway cannot listen on port 4000 on 127.0.0.1: listen Exxx"],
    [undefined, "the gateway cannot listen on port 4000 on 127.0.0.1: listen Exxx"],
  ])("%s → %s", (code, message) => {
    expect(describeListenFailure({ ...at, code })).toBe(message);
  });

  it("says that a low port needs privileges", () => {
    expect(describeListenFailure({ ...at, port: 80, code: "EACCES" })).toBe("the gateway cannot listen: no permission to use port 80 on 127.0.0.1 (ports below 1024 need privileges)");
  });

  it("turns Node's real EADDRINUSE into a ListenError that keeps the cause", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    const second = createServer();
    const error = await new Promise<unknown>((resolve) => {
      second.once("error", resolve);
      second.listen(port, "127.0.0.1");
    });
    holder.close();
    const listenError = toListenError(error, "the health app", "127.0.0.1", port);
    expect(listenError).toBeInstanceOf(ListenError);
    expect(listenError.message).toBe(`the health app cannot listen: port ${port} on 127.0.0.1 is in use`);
    expect(listenError.code).toBe("EADDRINUSE");
    expect(listenError.cause).toBe(error);
    expect(toListenError(listenError, "x", "y", 1)).toBe(listenError);
  });
});
