// AgentClient (the Agent Execution API) through the real addon against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, LONG } from "./helpers.mjs";

const { Everruns, AgentClient, AGENT_OPERATIONS, TurnFailedError, AuthenticationError, ConfigurationError, ValidationError } = sdk();
let server;
let client;

before(async () => {
  server = await startServer();
  client = new Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
}, { timeout: LONG * 3 });

after(async () => {
  await client?.close();
  await server?.close();
});

async function api(method, path, body) {
  const r = await fetch(`${server.baseUrl}/v1${path}`, {
    method,
    headers: { authorization: "dev", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const t = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${t}`);
  return t ? JSON.parse(t) : null;
}

async function setup() {
  const agent = await client.agents.create({ name: `shop-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`, systemPrompt: "You help." });
  const ch = await api("POST", `/agents/${agent.id}/channels`, { channel_type: "api" });
  await api("POST", `/agents/${agent.id}/channels/${ch.id}/publish`, {});
  const key = await api("POST", `/agents/${agent.id}/channels/${ch.id}/keys`, { name: "app", permissions: ["sessions", "end_user"] });
  return { url: ch.agent_url, key: key.secret };
}

const script = (sid, steps, more = {}) => api("PUT", `/sessions/${sid}/llmsim`, { steps, ...more });

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

test("the facade exposes every method of the core's table", () => {
  const methods = Object.getOwnPropertyNames(AgentClient.prototype).filter(
    (n) =>
      n !== "constructor" &&
      n !== "close" &&
      n !== "forEndUser" &&
      typeof Object.getOwnPropertyDescriptor(AgentClient.prototype, n).value === "function",
  );
  assert.deepEqual(new Set(methods), new Set(AGENT_OPERATIONS.map((o) => camel(o.name))));
});

test("run and every method against the server", { timeout: LONG }, async () => {
  const { url, key } = await setup();
  const agent = new AgentClient({ agentUrl: url, credential: key, readEnv: false });
  assert.equal(agent.agentUrl, url);
  assert.equal((await agent.card()).streaming, true);

  const s = await agent.createSession({ title: "orders", idempotencyKey: "k1" });
  const again = await agent.createSession({ title: "orders", idempotencyKey: "k1" });
  assert.equal(s.id, again.id);
  assert.deepEqual((await agent.listSessions()).data.map((x) => x.id), [s.id]);
  assert.deepEqual((await agent.getSession(s.id)).pendingQuestions, []);

  await script(s.id, [{ text: "first" }, { text: "second" }]);
  assert.equal(await agent.run("one", s.id), "first");
  assert.equal(await agent.run("two", s.id), "second");
  const events = await agent.listEvents(s.id);
  assert.equal(events.filter((e) => e.type === "turn.completed").length, 2);
  const last = events.at(-1).sequence;
  assert.deepEqual(await agent.listEvents(s.id, { afterSequence: last }), []);
  const seen = [];
  for await (const e of agent.streamEvents(s.id, { afterSequence: 0 })) {
    seen.push(e.type);
    if (seen.filter((t) => t === "turn.completed").length === 2) break;
  }
  assert.equal(seen[0], "input.message");
  const m1 = await agent.sendMessage(s.id, "again", { idempotencyKey: "m1" });
  const m2 = await agent.sendMessage(s.id, "again", { idempotencyKey: "m1" });
  assert.equal(m1.id, m2.id);

  assert.ok((await agent.run("hello")).length > 0);
  assert.equal((await agent.listSessions()).data.length, 2);

  const f = await agent.createSession();
  await script(f.id, [{ error: "server_error" }], { on_exhausted: "error" });
  await assert.rejects(agent.run("boom", f.id), (e) => e instanceof TurnFailedError && e.code === "internal_error");

  await assert.rejects(agent.runtimeToken(), ValidationError);
  const alice = agent.forEndUser("alice");
  assert.equal(alice.endUser, "alice");
  assert.deepEqual((await alice.listSessions()).data, []);
  const tok = await alice.runtimeToken();
  assert.equal(tok.virtualUserId, "alice");
  const browser = new AgentClient({ agentUrl: url, credential: tok.accessToken, readEnv: false });
  const bs = await browser.createSession();
  assert.deepEqual((await alice.listSessions()).data.map((x) => x.id), [bs.id]);
  await browser.close();

  const bad = new AgentClient({ agentUrl: url, credential: "evr_ak_wrong", readEnv: false });
  await assert.rejects(bad.card(), AuthenticationError);
  await agent.close();
});

test("configuration comes from EVERRUNS_AGENT_URL and EVERRUNS_AGENT_KEY", () => {
  const saved = { url: process.env.EVERRUNS_AGENT_URL, key: process.env.EVERRUNS_AGENT_KEY };
  try {
    delete process.env.EVERRUNS_AGENT_URL;
    delete process.env.EVERRUNS_AGENT_KEY;
    assert.throws(() => new AgentClient(), (e) => e instanceof ConfigurationError && /EVERRUNS_AGENT_URL/.test(e.message));
    process.env.EVERRUNS_AGENT_URL = "http://127.0.0.1:9/api/v1/channels/appchan_x";
    process.env.EVERRUNS_AGENT_KEY = "evr_ak_x";
    assert.equal(new AgentClient().agentUrl, "http://127.0.0.1:9/api/v1/channels/appchan_x");
    assert.throws(() => new AgentClient({ agentUrl: "http://127.0.0.1:9/api/v1/sessions", credential: "k" }), ConfigurationError);
  } finally {
    if (saved.url === undefined) delete process.env.EVERRUNS_AGENT_URL; else process.env.EVERRUNS_AGENT_URL = saved.url;
    if (saved.key === undefined) delete process.env.EVERRUNS_AGENT_KEY; else process.env.EVERRUNS_AGENT_KEY = saved.key;
  }
});

test("the management client runs a session in one call", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: `m-${Date.now()}`, systemPrompt: "You help." });
  const s = await client.sessions.create({ agentId: agent.id });
  await script(s.id, [{ text: "alpha" }, { error: "server_error" }], { on_exhausted: "error" });
  assert.equal(await client.sessions.run(s.id, "a"), "alpha");
  await assert.rejects(client.sessions.run(s.id, "b"), TurnFailedError);
});
