// `events.list`'s filters (upstream's names, camelCase options) through the real addon against
// the real server; bad options are refused by the core (before any request) or by the server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, sleep, LONG } from "./helpers.mjs";

const { Everruns, ValidationError } = sdk();
let server;
let client;

before(async () => {
  server = await startServer();
  client = new Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
});

after(async () => {
  await client?.close();
  await server?.close();
});

async function toolSession() {
  const agent = await client.agents.create({ name: `ts-filters-${Date.now()}`, systemPrompt: "p", capabilities: ["current_time"] });
  const s = await client.sessions.create({ agentId: agent.id });
  await client.sessions.setLlmsimScript(s.id, {
    steps: [
      { tool_calls: [{ id: "call_t", name: "get_current_time", arguments: {} }] },
      { text: "It is now." },
      { text: "Zebra crossing ahead." },
    ],
  });
  assert.equal(await client.sessions.run(s.id, "time?"), "It is now.");
  await client.messages.create(s.id, { text: "more", tags: ["second"] });
  for (let i = 0; i < 400; i++) {
    if ((await client.events.list(s.id, { types: ["session.idled"] })).length >= 2) return s.id;
    await sleep(50);
  }
  throw new Error("the second turn did not end");
}

test("events.list filters reach the server", { timeout: LONG }, async () => {
  const sid = await toolSession();
  const all = await client.events.list(sid);
  const seqs = all.map((e) => e.sequence);
  const newest = await client.events.list(sid, { orderDesc: true });
  assert.deepEqual(newest.map((e) => e.sequence), [...seqs].reverse());
  const tool = await client.events.list(sid, { toolName: "get_current_time" });
  assert.ok(tool.length > 0 && tool.every((e) => e.data.tool_name === "get_current_time"));
  assert.ok((await client.events.list(sid, { q: "ZEBRA crossing" })).length > 0);
  assert.deepEqual(await client.events.list(sid, { q: "zzzz" }), []);
  const tagged = await client.events.list(sid, { tags: ["second"] });
  assert.deepEqual(tagged.map((e) => e.type), ["input.message"]);
  const mid = all[Math.floor(all.length / 2)];
  const win = await client.events.list(sid, { around: mid.id, window: 1 });
  assert.deepEqual(win.map((e) => e.sequence), [mid.sequence - 1, mid.sequence, mid.sequence + 1]);
  const exec = all.find((e) => e.context?.execId).context.execId;
  const byExec = await client.events.list(sid, { execId: exec });
  assert.ok(byExec.length > 0 && byExec.length < all.length && byExec.every((e) => e.context.execId === exec));
  const trace = all.find((e) => e.context?.traceId).context.traceId;
  assert.ok((await client.events.list(sid, { traceId: trace })).every((e) => e.context.traceId === trace));
  assert.deepEqual(await client.events.list(sid, { toTs: "2000-01-01T00:00:00Z" }), []);
});

test("bad events.list filters are refused", { timeout: LONG }, async () => {
  const sid = await toolSession();
  await assert.rejects(client.events.list(sid, { window: 3 }), ValidationError);
  await assert.rejects(client.events.list(sid, { around: "event_nope" }), ValidationError);
  await assert.rejects(client.events.list(sid, { order: "desc" }), (e) => e instanceof ValidationError && /order/.test(e.message));
  await assert.rejects(client.events.list(sid, { fromTs: "yesterday" }), (e) => e instanceof ValidationError && /from_ts/.test(e.message));
});
