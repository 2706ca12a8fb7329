/** A local OTLP/HTTP receiver for the telemetry benches: accepts trace exports, answers 200, counts them. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface OtlpSink {
  readonly url: string;
  /** Exports received so far. */
  exports(): number;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      exports += 1;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, exports: () => exports, close: () => new Promise((done) => server.close(() => done())) };
}
