// Budgets, connections and session secrets through the real addon against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, sleep, LONG } from "./helpers.mjs";

const { Everruns, ApiError, NotFoundError, ValidationError } = sdk();
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

async function session(name) {
  const agent = await client.agents.create({ name: `${name}-${Date.now()}`, systemPrompt: "You help." });
  const s = await client.sessions.create({ agentId: agent.id });
  await client.sessions.setLlmsimScript(s.id, { steps: [{ text: "Done." }] });
  return s;
}

async function waitFor(sid, type, count = 1) {
  for (let i = 0; i < 200; i++) {
    const types = (await client.events.list(sid)).map((e) => e.type);
    if (types.filter((t) => t === type).length >= count) return types;
    await sleep(50);
  }
  throw new Error(`no ${type} in session ${sid}`);
}

test("a budget pauses the next step until topped up; resume lifts a pause", { timeout: LONG }, async () => {
  const s = await session("node-budgets");
  const b = await client.budgets.create({ subjectType: "session", subjectId: s.id, currency: "tokens", limit: 1, softLimit: 0.5 });
  assert.match(b.id, /^bdgt_/);
  assert.deepEqual([b.balance, b.status, b.currency], [1, "active", "tokens"]);
  assert.equal((await client.sessions.budgetCheck(s.id)).action, "continue");
  assert.deepEqual((await client.sessions.budgets(s.id)).map((x) => x.id), [b.id]);

  await client.messages.create(s.id, "hi");
  const types = await waitFor(s.id, "turn.completed");
  assert.ok(types.includes("budget.exhausted"), types.join());
  const check = await client.sessions.budgetCheck(s.id);
  assert.deepEqual([check.action, check.errorCode, check.budgetId], ["pause", "budget_exhausted", b.id]);

  await client.messages.create(s.id, "again");
  await waitFor(s.id, "budget.paused");
  const topped = await client.budgets.topUp(b.id, { amount: 1000, description: "more" });
  assert.equal(topped.status, "active");
  await waitFor(s.id, "turn.completed", 2);
  const ledger = await client.budgets.ledger(b.id);
  assert.deepEqual(ledger.map((e) => e.meterSource), ["llm_tokens", "manual", "llm_tokens"]);
  assert.equal(ledger[1].amount, -1000);

  assert.equal((await client.budgets.update(b.id, { status: "paused" })).status, "paused");
  const r = await client.sessions.resume(s.id);
  assert.deepEqual([r.resumedBudgets, r.sessionId], [1, s.id]);
  assert.equal((await client.budgets.check(b.id)).action, "continue");
  await client.budgets.delete(b.id);
  await assert.rejects(client.budgets.get(b.id), NotFoundError);
});

test("bad budget input", { timeout: LONG }, async () => {
  const s = await session("node-budgets-bad");
  await assert.rejects(
    client.budgets.create({ subjectType: "session", subjectId: s.id, currency: "eur", limit: 5 }),
    (e) => e instanceof ApiError && e.status === 400 && e.code === "unsupported_currency",
  );
  const b = await client.budgets.create({ subjectType: "session", subjectId: s.id, currency: "usd", limit: 5 });
  await assert.rejects(client.budgets.topUp(b.id, { amount: -5 }), ValidationError);
  await assert.rejects(client.budgets.topUp("bdgt_unknown", { amount: 5 }), NotFoundError);
});

test("connections never show the key; secrets are write-only", { timeout: LONG }, async () => {
  const key = "sk-node-conn-SECRET-abcdef";
  const c = await client.connections.set("anthropic", key);
  assert.equal(c.provider, "anthropic");
  assert.equal(c.keyHint, "…cdef");
  assert.ok(!JSON.stringify(c).includes("SECRET"));
  const list = await client.connections.list();
  assert.ok(list.some((x) => x.provider === "anthropic"));
  assert.ok(!JSON.stringify(list).includes("SECRET"));
  await client.connections.remove("anthropic");
  await assert.rejects(client.connections.remove("anthropic"), NotFoundError);
  await assert.rejects(client.connections.set("daytona", "k"), (e) => e instanceof ApiError && e.code === "unknown_provider");

  const s = await session("node-secrets");
  const res = await client.sessions.setSecrets(s.id, { secrets: { API_TOKEN: "tok-SECRET-1" } });
  assert.equal(res.count, 1);
  assert.ok(!JSON.stringify(await client.sessions.get(s.id)).includes("SECRET"));
});
