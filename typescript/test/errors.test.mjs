import { inspect } from "node:util";
// Error classes from real responses: the reference server for 400/401/404/409, a tiny local
// HTTP server for 429 and 5xx (statuses the reference server does not produce on demand).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, localServer, sdk, LONG } from "./helpers.mjs";

const E = sdk();
let server;
let client;

before(async () => {
  server = await startServer();
  client = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
}, { timeout: LONG * 3 });

after(async () => {
  await client?.close();
  await server?.close();
});

test("404 → NotFoundError with status, code and requestId", { timeout: LONG }, async () => {
  const err = await client.sessions.get("session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01").catch((e) => e);
  assert.ok(err instanceof E.NotFoundError, String(err));
  assert.ok(err instanceof E.ApiError);
  assert.ok(err instanceof E.EverrunsError);
  assert.equal(err.status, 404);
  assert.equal(err.code, "session_not_found");
  assert.equal(typeof err.requestId, "string");
  assert.ok(err.requestId.length > 0);
  // message is the server's own text (as in Rust and Python); printing the error shows the rest.
  assert.equal(err.message, `Session session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01 not found.`);
  assert.ok(inspect(err).includes(err.requestId), inspect(err));
});

test("a stream of an unknown session throws NotFoundError from for-await", { timeout: LONG }, async () => {
  const err = await (async () => {
    for await (const _ of client.events.stream("session_0190f3c2a7b87e1c9d2a5b6c7d8e9f02")) {
      /* nothing arrives */
    }
  })().catch((e) => e);
  assert.ok(err instanceof E.NotFoundError, String(err));
  assert.equal(err.status, 404);
});

test("400 → ValidationError", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: "Err Agent", systemPrompt: "x" });
  const session = await client.sessions.create({ agentId: agent.id });
  const err = await client.sessions.cancel(session.id).catch((e) => e);
  assert.ok(err instanceof E.ValidationError, String(err));
  assert.equal(err.status, 400);
  assert.equal(err.code, "not_active");
  await client.sessions.delete(session.id);
  await client.agents.delete(agent.id);
});

test("409 → ConflictError", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: "Conflict Agent", systemPrompt: "x" });
  const session = await client.sessions.create({ agentId: agent.id });
  await client.filesystem.create(session.id, "/a.txt", "1");
  const err = await client.filesystem.create(session.id, "/a.txt", "2").catch((e) => e);
  assert.ok(err instanceof E.ConflictError, String(err));
  assert.equal(err.status, 409);
  assert.equal((await client.filesystem.read(session.id, "/a.txt")).content, "1", "nothing lost");
  await client.sessions.delete(session.id);
  await client.agents.delete(agent.id);
});

test("401 → AuthenticationError (reference server without --dev)", { timeout: LONG * 2 }, async () => {
  const strict = await startServer({ dev: false });
  try {
    const c = new E.Everruns({ apiKey: "evr_not_a_real_key", baseUrl: strict.baseUrl, readEnv: false });
    const err = await c.agents.list().catch((e) => e);
    assert.ok(err instanceof E.AuthenticationError, String(err));
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes("evr_not_a_real_key"), "token not leaked");
    await c.close();
  } finally {
    await strict.close();
  }
});

function problem(res, status, code, extraHeaders = {}) {
  res.writeHead(status, { "content-type": "application/json", "x-request-id": `req_${status}`, ...extraHeaders });
  res.end(JSON.stringify({ error: { code, message: `${code} happened` }, status, title: "x", detail: `${code} happened`, type: "about:blank", code }));
}

test("429 → RateLimitError after the core's retries, with retryAfterMs", { timeout: LONG }, async () => {
  const local = await localServer((_req, res) => problem(res, 429, "rate_limited", { "retry-after": "0" }));
  const c = new E.Everruns({ apiKey: "k", baseUrl: local.url, maxRetries: 2, retryBaseDelayMs: 10, readEnv: false });
  try {
    const err = await c.agents.list().catch((e) => e);
    assert.ok(err instanceof E.RateLimitError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.code, "rate_limited");
    assert.equal(err.requestId, "req_429");
    assert.equal(err.retryAfterMs, 0);
    assert.equal(local.hits.get("/api/v1/agents"), 3, "first attempt + 2 retries (core policy)");
  } finally {
    await c.close();
    await local.close();
  }
});

test("5xx → ServerError; HTML bodies become `HTTP <status>`", { timeout: LONG }, async () => {
  const local = await localServer((req, res) => {
    if (req.url.includes("agents")) return problem(res, 503, "unavailable");
    res.writeHead(500, { "content-type": "text/html" });
    res.end("<!DOCTYPE html><h1>oops</h1>");
  });
  const c = new E.Everruns({ apiKey: "k", baseUrl: local.url, maxRetries: 1, retryBaseDelayMs: 10, readEnv: false });
  try {
    const err = await c.agents.list().catch((e) => e);
    assert.ok(err instanceof E.ServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.code, "unavailable");
    const html = await c.models.list().catch((e) => e);
    assert.ok(html instanceof E.ServerError);
    assert.equal(html.status, 500);
    assert.match(html.message, /HTTP 500/);
    assert.ok(!html.message.includes("DOCTYPE"));
  } finally {
    await c.close();
    await local.close();
  }
});

test("403 → PermissionDeniedError; timeouts → TimeoutError; bad JSON → DecodeError", { timeout: LONG }, async () => {
  const local = await localServer((req, res) => {
    if (req.url.includes("harnesses")) return problem(res, 403, "readonly");
    if (req.url.includes("models")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("{not json");
    }
    // capabilities: never answer (the client's timeout fires).
  });
  const c = new E.Everruns({ apiKey: "k", baseUrl: local.url, maxRetries: 0, timeoutMs: 300, readEnv: false });
  try {
    const p = await c.harnesses.list().catch((e) => e);
    assert.ok(p instanceof E.PermissionDeniedError, String(p));
    assert.equal(p.code, "readonly");
    const d = await c.models.list().catch((e) => e);
    assert.ok(d instanceof E.DecodeError, String(d));
    const t = await c.capabilities.list().catch((e) => e);
    assert.ok(t instanceof E.TimeoutError, String(t));
  } finally {
    await c.close();
    await local.close();
  }
});

test("the SDK identifies itself and sends the token raw, with X-Org-Id", { timeout: LONG }, async () => {
  let headers;
  const local = await localServer((req, res) => {
    headers = req.headers;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ data: [] }));
  });
  const c = new E.Everruns({ apiKey: "evr_pat_abc", orgId: "org_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", baseUrl: local.url, readEnv: false });
  try {
    assert.deepEqual(await c.models.list(), []);
    assert.equal(headers["user-agent"], `everruns-node-sdk/${E.VERSION}`);
    assert.equal(headers["x-sdk-version"], `everruns-node-sdk/${E.VERSION}`);
    assert.equal(headers.authorization, "evr_pat_abc");
    assert.equal(headers["x-org-id"], "org_0190f3c2a7b87e1c9d2a5b6c7d8e9f01");
  } finally {
    await c.close();
    await local.close();
  }
});
