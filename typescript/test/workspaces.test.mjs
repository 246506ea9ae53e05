// Workspaces, workspace files and memories through the real addon against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, LONG } from "./helpers.mjs";

const { Everruns, NotFoundError } = sdk();
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

test("two sessions share a workspace's files; delete archives it", async () => {
  const ws = await client.workspaces.create({ name: "team", description: "Shared" });
  assert.match(ws.id, /^wsp_/);
  await client.workspaceFiles.create(ws.id, "/notes/a.md", "hello");
  const agent = await client.agents.create({ name: `ws-${Date.now()}`, systemPrompt: "You help." });
  const s1 = await client.sessions.create({ agentId: agent.id, workspaceId: ws.id });
  const s2 = await client.sessions.create({ agentId: agent.id, workspaceId: ws.id });
  assert.equal(s1.workspaceId, ws.id);
  const f = await client.filesystem.read(s2.id, "/notes/a.md");
  assert.equal(f.content, "hello");
  await client.filesystem.create(s1.id, "/from-s1.txt", "one");
  const listed = await client.workspaceFiles.list(ws.id, "/", { recursive: true });
  assert.deepEqual(listed.map((e) => e.path).sort(), ["/from-s1.txt", "/notes", "/notes/a.md"]);
  const hits = await client.workspaceFiles.grep(ws.id, { pattern: "hel+o" });
  assert.equal(hits[0].path, "/notes/a.md");
  const moved = await client.workspaceFiles.moveFile(ws.id, "/from-s1.txt", "/moved.txt");
  assert.equal(moved.path, "/moved.txt");
  const st = await client.workspaceFiles.stat(ws.id, "/moved.txt");
  assert.equal(st.sizeBytes, 3);
  await client.workspaces.delete(ws.id);
  assert.equal((await client.workspaces.get(ws.id)).status, "archived");
  await assert.rejects(client.workspaces.get("wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"), NotFoundError);
});

test("memories: files, grep, mounted read-only into an agent's sessions", async () => {
  const mem = await client.memories.create({ name: "kb", description: "facts" });
  assert.match(mem.id, /^mem_/);
  assert.equal(mem.sourceType, "manual");
  const info = await client.memories.createFile(mem.id, "/facts/sky.md", "The sky is teal.");
  assert.equal(info.path, "/facts/sky.md");
  const grep = await client.memories.grepFiles(mem.id, { pattern: "teal" });
  assert.deepEqual(grep, [{ path: "/facts/sky.md", sizeBytes: 16 }]);
  assert.equal((await client.memories.readFile(mem.id, "/facts/sky.md")).content, "The sky is teal.");
  const agent = await client.agents.create({ name: `mem-${Date.now()}`, systemPrompt: "You help.", memoryIds: [mem.id] });
  const s = await client.sessions.create({ agentId: agent.id });
  const f = await client.filesystem.read(s.id, "/memories/kb/facts/sky.md");
  assert.equal(f.content, "The sky is teal.");
  assert.equal(f.isReadonly, true);
  await assert.rejects(client.filesystem.update(s.id, "/memories/kb/facts/sky.md", "no"), /read-only/);
  await assert.rejects(client.memories.sync(mem.id), /not sync|only manual/);
});
