// Agent versions, copy, stats, harness writes, session pins/export and withReason through the
// real addon against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, LONG } from "./helpers.mjs";

const { Everruns, NotFoundError, ConflictError, PermissionDeniedError, ValidationError } = sdk();
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

const uniq = (stem) => `${stem}-${Math.random().toString(16).slice(2, 10)}`;

test("every change makes a version; withReason records why", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: uniq("node-versioned"), systemPrompt: "First." });
  let versions = await client.agents.listVersions(agent.id);
  assert.deepEqual(versions.map((v) => v.version), ["1.0.0"]);
  const v1 = versions[0];
  assert.equal(v1.changeKind, "auto");
  assert.equal(v1.authoredConfig.system_prompt, "First.");

  const updated = await client.withReason("ship it ✓").agents.update(agent.id, { systemPrompt: "Second." });
  versions = await client.agents.listVersions(agent.id);
  const v2 = versions[0];
  assert.equal(v2.changeReason, "ship it ✓");
  assert.equal(v2.parentVersionId, v1.id);
  assert.equal(updated.defaultVersionId, v2.id);

  const diff = await client.agents.diffVersions(agent.id, v1.id, v2.id);
  assert.deepEqual(diff.authoredDiff, [{ field: "system_prompt", from: "First.", to: "Second." }]);
  const got = await client.agents.getVersion(agent.id, v1.id);
  assert.equal(got.id, v1.id);

  const major = await client.agents.createVersion(agent.id, { changeKind: "major" });
  assert.equal(major.version, "2.0.0");
  const back = await client.agents.setDefaultVersion(agent.id, v1.id);
  assert.equal(back.systemPrompt, "First.");
  const session = await client.sessions.create({ agentId: agent.id });
  assert.equal(session.agentVersionId, v1.id);
  const rolled = await client.agents.rollbackVersion(agent.id, v2.id, { saveVersion: false });
  assert.equal(rolled.systemPrompt, "Second.");
  assert.equal(rolled.defaultVersionId, v2.id);

  const forkName = uniq("node-fork");
  const fork = await client.agents.forkVersion(agent.id, v1.id, { name: forkName });
  assert.equal(fork.name, forkName);
  assert.equal(fork.forkedFromAgentId, agent.id);
  const copy = await client.agents.copy(agent.id);
  assert.equal(copy.name, `${agent.name}-copy`);
  const stats = await client.agents.stats(agent.id);
  assert.equal(stats.sessionCount, 1);
});

test("version bad input", { timeout: LONG }, async () => {
  const a = await client.agents.create({ name: uniq("node-a"), systemPrompt: "A." });
  const b = await client.agents.create({ name: uniq("node-b"), systemPrompt: "B." });
  const [vb] = await client.agents.listVersions(b.id);
  const [va] = await client.agents.listVersions(a.id);
  await assert.rejects(client.agents.getVersion(a.id, vb.id), (e) => e instanceof NotFoundError && e.code === "agent_version_not_found");
  await assert.rejects(client.agents.diffVersions(a.id, va.id, vb.id), NotFoundError);
  await assert.rejects(client.agents.getVersion(a.id, "v1"), ValidationError);
  await assert.rejects(client.agents.forkVersion(a.id, va.id, { name: b.name }), ConflictError);
  assert.throws(() => client.withReason("a\u0000b"), (e) => e instanceof ValidationError && /control/.test(e.message));
});

test("harness writes and search", { timeout: LONG }, async () => {
  const name = uniq("node-harness");
  const h = await client.harnesses.create({ name, systemPrompt: "Cite sources." });
  assert.equal(h.isBuiltIn, false);
  assert.deepEqual((await client.harnesses.search(name)).map((x) => x.id), [h.id]);
  const h2 = await client.harnesses.update(h.id, { systemPrompt: "Cite two." });
  assert.equal(h2.systemPrompt, "Cite two.");
  await assert.rejects(client.harnesses.update("generic", { systemPrompt: "x" }), PermissionDeniedError);
  await client.harnesses.delete(h.id);
  assert.deepEqual(await client.harnesses.search(name), []);
});

test("pin, unpin and export", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: uniq("node-pin"), systemPrompt: "You help." });
  const s = await client.sessions.create({ agentId: agent.id });
  assert.equal(s.isPinned, false);
  await client.sessions.pin(s.id);
  assert.equal((await client.sessions.get(s.id)).isPinned, true);
  await client.sessions.unpin(s.id);
  assert.equal((await client.sessions.get(s.id)).isPinned, false);
  await client.sessions.setLlmsimScript(s.id, { steps: [{ text: "hello" }] });
  assert.equal(await client.sessions.run(s.id, "hi"), "hello");
  const lines = (await client.sessions.export(s.id)).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((e) => e.sequence), lines.map((_, i) => i + 1));
  assert.ok(lines.some((e) => e.type === "turn.completed"));
  await assert.rejects(client.sessions.export("session_0123456789abcdef0123456789abcdef"), NotFoundError);
});
