/**
 * nginx's TLS listener (nginx/snippets/tls.conf) with a `make certs`-style self-signed pair:
 * which protocol versions and ciphers it accepts, HTTP/2, HSTS, and plain HTTP redirecting to
 * HTTPS (or serving the API when TLS ends in front of nginx).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect as http2Connect } from "node:http2";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../scripts/stack/nginx.ts";
import { startGateway, stopAllGateways } from "./support/gateway-process.ts";
import type { GatewayProcess } from "./support/gateway-process.ts";
import { startNginx, stopAllNginx } from "./support/nginx.ts";
import type { NginxProcess } from "./support/nginx.ts";
import { removeTempDirs, tempDir } from "./support/temp-dir.ts";

let gateway: GatewayProcess;
let edge: NginxProcess;
let ca: Buffer;

beforeAll(async () => {
  gateway = await startGateway();
  edge = await startNginx({ upstreams: [gateway.port] });
  ca = readFileSync(edge.certFile);
});

afterAll(async () => {
  await stopAllNginx();
  await stopAllGateways();
  removeTempDirs();
});

interface Handshake {
  readonly protocol: string | null;
  readonly cipher: string;
  readonly alpn: string | false | null;
}

function handshake(options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({ host: "127.0.0.1", port: edge.httpsPort, ca, servername: "localhost", ...options }, () => {
      resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().standardName, alpn: socket.alpnProtocol });
      socket.end();
    });
    socket.once("error", reject);
    socket.setTimeout(5000, () => socket.destroy(new Error("handshake timed out")));
  });
}

describe("TLS protocol versions and ciphers (Mozilla intermediate)", () => {
  it("completes a TLS 1.2 handshake with an ECDHE AEAD cipher and a verified certificate", async () => {
    const result = await handshake({ minVersion: "TLSv1.2", maxVersion: "TLSv1.2" });
    expect(result.protocol).toBe("TLSv1.2");
    expect(result.cipher).toMatch(/^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/);
  });

  it("completes a TLS 1.3 handshake", async () => {
    const result = await handshake({ minVersion: "TLSv1.3", maxVersion: "TLSv1.3" });
    expect(result.protocol).toBe("TLSv1.3");
  });

  it("refuses TLS 1.1 with a protocol_version alert (the client offers it: security level 0)", async () => {
    const error = await handshake({ minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }).then(
      () => undefined,
      (failure: unknown) => failure as Error & { code?: string },
    );
    expect(error).toBeDefined();
    // The server's alert, not the client refusing to offer TLS 1.1.
    expect(`${error!.code} ${error!.message}`).toMatch(/ALERT_PROTOCOL_VERSION|alert protocol version/i);
  });

  it("refuses a TLS 1.2 client that offers only non-ECDHE CBC ciphers", async () => {
    await expect(handshake({ minVersion: "TLSv1.2", maxVersion: "TLSv1.2", ciphers: "AES128-SHA:AES256-SHA256" })).rejects.toThrow(/handshake failure|HANDSHAKE_FAILURE/i);
  });

  it("negotiates HTTP/2 by ALPN and answers the API over it, with HSTS", async () => {
    const result = await handshake({ ALPNProtocols: ["h2", "http/1.1"] });
    expect(result.alpn).toBe("h2");
    const session = http2Connect(edge.httpsUrl, { ca, servername: "localhost" });
    try {
      const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/v1/models", ":method": "GET" });
        let body = "";
        let status = 0;
        let headers: Record<string, unknown> = {};
        stream.on("response", (received) => {
          status = Number(received[":status"]);
          headers = received;
        });
        stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
        stream.on("end", () => resolve({ status, headers, body }));
        stream.on("error", reject);
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ object: "list" });
      expect(headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
      expect(headers["x-content-type-options"]).toBe("nosniff");
    } finally {
      session.close();
    }
    // In the syntax this nginx wants: no "listen ... http2 is deprecated" warning at start.
    expect(edge.errorLog()).not.toMatch(/\[warn\].*deprecated/);
  });

  it("renders HTTP/2 for the nginx that will run it: `listen … http2` before 1.25.1, `http2 on;` from then on", () => {
    const dir = tempDir("pharos-nginx-version-");
    const fakeNginx = (version: string): string => {
      const path = join(dir, `nginx-${version}`);
      writeFileSync(path, `#!/bin/sh\necho "nginx version: nginx/${version}" >&2\n`, { mode: 0o755 });
      return path;
    };
    const rendered = (env: Record<string, string>): string => {
      const out = join(dir, `out-${Object.values(env).join("-").replace(/\W/g, "_")}`);
      const result = spawnSync("sh", [join(REPO_ROOT, "nginx/render.sh"), join(REPO_ROOT, "nginx"), out], { env: { PATH: process.env["PATH"] ?? "", NGINX_UPSTREAMS: "127.0.0.1:1", ...env }, encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
      const servers = readFileSync(join(out, "conf.d/30-servers.conf"), "utf8");
      return /listen 443 ssl[^\n]*\n[^\n]*\n/.exec(servers)![0];
    };
    const oldForm = /listen 443 ssl http2 default_server;\n\s*#/;
    const newForm = /listen 443 ssl default_server;\n\s*http2 on;/;
    expect(rendered({ NGINX_BIN: fakeNginx("1.22.1") })).toMatch(oldForm);
    expect(rendered({ NGINX_BIN: fakeNginx("1.25.0") })).toMatch(oldForm);
    expect(rendered({ NGINX_BIN: fakeNginx("1.25.1") })).toMatch(newForm);
    expect(rendered({ NGINX_BIN: fakeNginx("1.30.6") })).toMatch(newForm);
    expect(rendered({ NGINX_BIN: join(dir, "no-such-nginx") })).toMatch(newForm);
    expect(rendered({ NGINX_BIN: fakeNginx("1.30.6"), NGINX_HTTP2_SYNTAX: "listen" })).toMatch(oldForm);
    const bad = spawnSync("sh", [join(REPO_ROOT, "nginx/render.sh"), join(REPO_ROOT, "nginx"), join(dir, "bad")], { env: { PATH: process.env["PATH"] ?? "", NGINX_HTTP2_SYNTAX: "h2" }, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("NGINX_HTTP2_SYNTAX must be auto, directive or listen, got 'h2'");
  });
});

describe("plain HTTP", () => {
  it("redirects to HTTPS with the path and query kept", async () => {
    const response = await fetch(`${edge.httpUrl}/v1/models?limit=2`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(`https://127.0.0.1:${edge.httpsPort}/v1/models?limit=2`);
  });

  it("still serves Let's Encrypt HTTP-01 challenges from the ACME webroot", async () => {
    const challenges = join(edge.run.dir, "acme", ".well-known", "acme-challenge");
    mkdirSync(challenges, { recursive: true });
    writeFileSync(join(challenges, "token-123"), "token-123.thumbprint");
    const response = await fetch(`${edge.httpUrl}/.well-known/acme-challenge/token-123`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("token-123.thumbprint");
  });

  it("serves the API itself when NGINX_PLAIN_HTTP=serve (TLS ends at a load balancer in front)", async () => {
    const behindLb = await startNginx({ upstreams: [gateway.port], variables: { NGINX_PLAIN_HTTP: "serve" } });
    const response = await fetch(`${behindLb.httpUrl}/v1/models`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: "list" });
    await behindLb.stop();
  });
});
