// Proxies and TLS from Node: the core's settings through the client options, against
// tests/net/net_fixture.py (openssl-generated CA and client certificates, TLS and mutual-TLS
// servers, an authenticating CONNECT proxy) and the real reference server behind an HTTP proxy.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startServer, sdk, repoDir, LONG } from "./helpers.mjs";

const E = sdk();
let fixture;
let info;
let server;

const file = (name) => join(info.dir, name);
const url = (name, host = "127.0.0.1") => `https://${host}:${info[`${name}_port`]}/api`;
const log = () => readFileSync(file("proxy.log"), "utf8");
const client = (baseUrl, extra = {}) =>
  new E.Everruns({ apiKey: "dev", baseUrl, maxRetries: 0, readEnv: false, ...extra });

before(async () => {
  fixture = spawn("python3", [join(repoDir, "tests/net/net_fixture.py"), mkdtempSync(join(tmpdir(), "everruns-net-"))], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: fixture.stdout });
  info = JSON.parse(await new Promise((resolve) => lines.once("line", resolve)));
  server = await startServer();
}, { timeout: LONG * 3 });

after(async () => {
  fixture?.stdin.end();
  await server?.close();
});

test("custom CA and mutual TLS", { timeout: LONG }, async () => {
  const c1 = client(url("tls"), { caCert: file("ca.pem") });
  assert.deepEqual(await c1.models.list(), []);
  const c2 = client(url("mtls"), { caCert: file("ca.pem"), clientCert: file("client-bundle.pem") });
  assert.deepEqual(await c2.models.list(), []);
  const c3 = client(url("mtls"), { caCert: file("ca.pem"), clientCert: file("client.pem"), clientKey: file("client.key") });
  assert.deepEqual(await c3.models.list(), []);
  await Promise.all([c1.close(), c2.close(), c3.close()]);
});

test("SSL_CERT_FILE is read with the environment", { timeout: LONG }, async () => {
  const saved = process.env.SSL_CERT_FILE;
  process.env.SSL_CERT_FILE = file("ca.pem");
  try {
    const c = new E.Everruns({ apiKey: "dev", baseUrl: url("tls"), maxRetries: 0 });
    assert.deepEqual(await c.models.list(), []);
    await c.close();
  } finally {
    if (saved === undefined) delete process.env.SSL_CERT_FILE;
    else process.env.SSL_CERT_FILE = saved;
  }
});

const failures = [
  ["tls", "127.0.0.1", {}, "tls_unknown_issuer"],
  ["tls", "localhost", { caCert: "ca.pem" }, "tls_hostname_mismatch"],
  ["mtls", "127.0.0.1", { caCert: "ca.pem" }, "tls_client_certificate_required"],
  ["mtls", "127.0.0.1", { caCert: "ca.pem", clientCert: "rogue.pem", clientKey: "rogue.key" }, "tls_client_certificate_rejected"],
];
for (const [srv, host, files, code] of failures) {
  test(`certificate failure → TlsError ${code}`, { timeout: LONG }, async () => {
    const opts = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, file(v)]));
    const c = client(url(srv, host), opts);
    const err = await c.models.list().catch((e) => e);
    assert.ok(err instanceof E.TlsError, String(err));
    assert.ok(err instanceof E.NetworkError);
    assert.equal(err.code, code);
    await c.close();
  });
}

test("bad certificate files are configuration errors", () => {
  assert.throws(() => client(url("tls"), { caCert: "/nonexistent/ca.pem" }), (e) => e instanceof E.ConfigurationError && /cannot read the CA bundle/.test(e.message));
  assert.throws(() => client(url("tls"), { caCert: file("garbage.pem") }), (e) => e instanceof E.ConfigurationError && /holds no PEM certificate/.test(e.message));
  assert.throws(() => client(url("tls"), { clientCert: file("client.pem") }), (e) => e instanceof E.ConfigurationError && /no private key/.test(e.message));
  assert.throws(
    () => client(url("tls"), { proxy: "ftp://user:hunter2@proxy:21" }),
    (e) => e instanceof E.ConfigurationError && !e.message.includes("hunter2"),
  );
});

test("explicit proxy with credentials tunnels with CONNECT", { timeout: LONG }, async () => {
  const c = client(url("mtls"), {
    caCert: file("ca.pem"),
    clientCert: file("client-bundle.pem"),
    proxy: `http://user:secret@127.0.0.1:${info.proxy_port}`,
  });
  assert.deepEqual(await c.models.list(), []);
  await c.close();
  assert.ok(log().includes(`CONNECT 127.0.0.1:${info.mtls_port} auth=ok`), log());
});

test("HTTP_PROXY routes the real server through the proxy; NO_PROXY bypasses it", { timeout: LONG }, async () => {
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
  const port = new URL(server.baseUrl).port;
  const line = `127.0.0.1:${port}/api/v1/models`;
  try {
    process.env.HTTP_PROXY = `http://127.0.0.1:${info.open_proxy_port}`;
    delete process.env.NO_PROXY;
    const via = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl });
    assert.ok((await via.models.list()).length > 0);
    await via.close();
    const count = log().split(line).length;
    assert.ok(count > 1, log());
    process.env.NO_PROXY = "127.0.0.1,localhost";
    const direct = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl });
    assert.ok((await direct.models.list()).length > 0);
    await direct.close();
    assert.equal(log().split(line).length, count);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
