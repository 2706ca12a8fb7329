/**
 * The floor no Node gateway can beat: a bare node:http pipe proxy with a keep-alive agent.
 * Usage: node dist/gateway/bench/bare-proxy.js PORT TARGET_URL
 */
import { Agent, createServer, request } from "node:http";

const [port = "0", target = "http://127.0.0.1:8090"] = process.argv.slice(2);
const upstream = new URL(target);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

createServer((req, res) => {
  const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, agent }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(res);
  });
  forward.on("error", () => res.writeHead(502).end());
  req.pipe(forward);
}).listen(Number(port), "127.0.0.1", () => process.stdout.write("bare proxy listening\n"));
