// The Python tutorial's scenarios (seed 000), in TypeScript, against the real reference server
// with scripted llmsim turns.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, sdk, collectTurn, messageText, LONG } from "./helpers.mjs";

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

const RESEARCH_PROMPT =
  "You are a research assistant. When given a topic, you:\n" +
  "1. Create a task list to track your work\n" +
  "2. Fetch relevant web pages for information\n" +
  "3. Save your notes to files in /workspace\n" +
  "4. Produce a concise summary of your findings";

const AGENT_MARKDOWN = `---
name: "HackerNews Reader"
description: "An agent that browses HackerNews autonomously"
tags:
  - demo
  - hackernews
capabilities:
  - web_fetch
  - current_time
  - session_file_system
---
You are a HackerNews reader agent. You autonomously browse
Hacker News to find interesting stories, read discussions,
and research authors.`;

test("step 2: create an agent with a human name", { timeout: LONG }, async () => {
  const agent = await client.agents.create({ name: "Research Assistant", systemPrompt: RESEARCH_PROMPT });
  assert.match(agent.id, /^agent_[0-9a-f]{32}$/);
  assert.equal(agent.name, "research-assistant");
  assert.equal(agent.displayName, "Research Assistant");
  assert.equal(agent.systemPrompt, RESEARCH_PROMPT);
  const got = await client.agents.get(agent.id);
  assert.equal(got.id, agent.id);
  const page = await client.agents.list({ search: "research" });
  assert.ok(page.data.some((a) => a.id === agent.id));
  const all = [];
  for await (const a of client.agents.listAll({ limit: 1 })) all.push(a.id);
  assert.ok(all.includes(agent.id));
  assert.equal(new Set(all).size, all.length, "listAll yields each agent once");
  const viaList = [];
  for await (const a of client.agents.list({ limit: 1 })) viaList.push(a.id);
  assert.deepEqual(viaList, all, "for await over list() walks every page");
  await assert.rejects(client.agents.list({ limit: 1000 }), (e) => e.status === 400 || e.code === "invalid_input");
  await client.agents.delete(agent.id);
});

test("import an agent from markdown, export it back", { timeout: LONG }, async () => {
  const agent = await client.agents.importAgent(AGENT_MARKDOWN);
  assert.equal(agent.name, "hackernews-reader");
  assert.equal(agent.displayName, "HackerNews Reader");
  assert.deepEqual(agent.capabilities.map((c) => c.ref), ["web_fetch", "current_time", "session_file_system"]);
  assert.deepEqual(agent.tags, ["demo", "hackernews"]);
  const md = await client.agents.export(agent.id);
  assert.match(md, /^---/);
  assert.match(md, /HackerNews reader agent/);
  await client.agents.delete(agent.id);
});

test("session, message, stream to turn end, follow-up turns, files from a tool-calling turn", { timeout: LONG * 2 }, async () => {
  const agent = await client.agents.create({
    name: "Research Assistant",
    systemPrompt: RESEARCH_PROMPT,
    capabilities: [{ ref: "session_file_system" }],
  });
  const session = await client.sessions.create({ agentId: agent.id, title: "Research: Durable Execution Engines" });
  assert.match(session.id, /^session_[0-9a-f]{32}$/);
  assert.equal(session.title, "Research: Durable Execution Engines");

  // Turn 1: plain text, streamed as deltas.
  await client.sessions.setLlmsimScript(session.id, {
    steps: [{ text: "Durable execution engines persist every step." }],
  });
  await client.messages.create(session.id, "Research the concept of durable execution engines.");
  let deltas = "";
  let final;
  const events = [];
  const stream = client.events.stream(session.id);
  for await (const event of stream) {
    events.push(event);
    if (event.type === "output.message.delta") deltas += event.data.delta ?? "";
    else if (event.type === "output.message.completed") final = messageText(event);
    else if (event.type === "turn.completed" || event.type === "turn.failed") break;
  }
  assert.equal(events.at(-1).type, "turn.completed", JSON.stringify(events.at(-1)));
  assert.equal(stream.lastEventId, events.at(-1).id);
  assert.equal(stream.closed, true, "break closed the stream");
  assert.equal(final, "Durable execution engines persist every step.");
  assert.equal(deltas, final);
  for (const e of events) {
    assert.match(e.id, /^event_/);
    assert.equal(e.sessionId, session.id);
  }

  // Turn 2: the follow-up writes a file through a scripted tool call.
  await client.sessions.setLlmsimScript(session.id, {
    steps: [
      {
        toolCalls: [
          { name: "write_file", arguments: { path: "/workspace/comparison.md", content: "# Temporal vs Postgres\n" } },
        ],
      },
      { text: "Saved the analysis to /workspace/comparison.md" },
    ],
  });
  await client.messages.create(session.id, "Compare Temporal.io vs the PostgreSQL-based approach. Save your analysis to /workspace/comparison.md");
  const turn2 = await collectTurn(client, session.id);
  assert.equal(turn2.at(-1).type, "turn.completed");
  assert.ok(!turn2.some((e) => events.some((o) => o.id === e.id)), "turn 2 starts after turn 1");
  const started = turn2.find((e) => e.type === "tool.started");
  assert.equal(started.data.tool_call.name, "write_file");
  const completed = turn2.find((e) => e.type === "tool.completed");
  assert.equal(completed.data.success, true);
  assert.equal(messageText(turn2.findLast((e) => e.type === "output.message.completed")), "Saved the analysis to /workspace/comparison.md");

  const listing = await client.filesystem.list(session.id, "/workspace");
  assert.ok(listing.entries.some((e) => e.name === "comparison.md" && e.isDirectory === false));
  const file = await client.filesystem.read(session.id, "/workspace/comparison.md");
  assert.equal(file.content, "# Temporal vs Postgres\n");

  // Turn 3: another follow-up; the stream again yields only the new turn.
  await client.sessions.setLlmsimScript(session.id, { steps: [{ text: "Third answer." }] });
  await client.messages.create(session.id, "Anything else?");
  const turn3 = await collectTurn(client, session.id);
  assert.equal(messageText(turn3.find((e) => e.type === "output.message.completed")), "Third answer.");
  const msgs = await client.messages.list(session.id);
  assert.ok(msgs.filter((m) => m.role === "user").length >= 3);
  assert.ok(msgs.some((m) => m.role === "agent" && m.content.some((p) => p.type === "text" && p.text === "Third answer.")));

  await client.sessions.delete(session.id);
  await assert.rejects(client.sessions.get(session.id), NotFoundError);
  await client.agents.delete(agent.id);
});

test("multi-agent pipeline: one session's output feeds another", { timeout: LONG * 2 }, async () => {
  const researcher = await client.agents.create({
    name: "Researcher",
    systemPrompt: "Research the given topic thoroughly. Write detailed notes.",
  });
  const researchSession = await client.sessions.create({ agentId: researcher.id });
  await client.sessions.setLlmsimScript(researchSession.id, {
    steps: [{ text: "asyncio, trio and anyio are the main Python async frameworks." }],
  });
  await client.messages.create(researchSession.id, "Research Python async frameworks");
  let researchOutput;
  for await (const event of client.events.stream(researchSession.id)) {
    if (event.type === "output.message.completed") researchOutput = messageText(event);
    else if (event.type === "turn.completed" || event.type === "turn.failed") break;
  }
  assert.equal(researchOutput, "asyncio, trio and anyio are the main Python async frameworks.");

  const writer = await client.agents.create({
    name: "Technical Writer",
    systemPrompt: "Write clear, well-structured technical articles.",
  });
  const writerSession = await client.sessions.create({ agentId: writer.id });
  await client.sessions.setLlmsimScript(writerSession.id, { steps: [{ text: "# Async Python\n\nA blog post." }] });
  await client.messages.create(writerSession.id, `Write a blog post based on this research:\n\n${researchOutput}`);
  let post = "";
  for await (const event of client.events.stream(writerSession.id)) {
    if (event.type === "output.message.delta") post += event.data.delta ?? "";
    else if (event.type === "turn.completed" || event.type === "turn.failed") break;
  }
  assert.equal(post, "# Async Python\n\nA blog post.");
  const writerMsgs = await client.messages.list(writerSession.id);
  assert.ok(writerMsgs.some((m) => m.role === "user" && m.content.some((p) => p.type === "text" && p.text.includes(researchOutput))));

  for (const sid of [researchSession.id, writerSession.id]) await client.sessions.delete(sid);
  for (const aid of [researcher.id, writer.id]) await client.agents.delete(aid);
});

test("cancellation: sessions.cancel stops a running turn", { timeout: LONG * 2 }, async () => {
  const agent = await client.agents.create({ name: "Slow Agent", systemPrompt: "Take your time." });
  const session = await client.sessions.create({ agentId: agent.id });
  await client.sessions.setLlmsimScript(session.id, { steps: [{ text: "never finished", delayMs: 60_000 }] });
  await client.messages.create(session.id, "Analyze every Python package on PyPI");
  const seen = [];
  let cancelled = false;
  for await (const event of client.events.stream(session.id)) {
    seen.push(event);
    if (!cancelled && event.type === "turn.started") {
      cancelled = true;
      const r = await client.sessions.cancel(session.id);
      assert.equal(r.status, "cancelled");
    }
    if (event.type === "turn.cancelled" || event.type === "turn.completed" || event.type === "turn.failed") break;
  }
  assert.equal(seen.at(-1).type, "turn.cancelled");
  // The agent's closing message follows; the session goes idle.
  let closing;
  for await (const event of client.events.stream(session.id)) {
    if (event.type === "output.message.completed") closing = messageText(event);
    if (event.type === "session.idled") break;
  }
  assert.equal(closing, "Work was cancelled by user.");
  const msgs = await client.messages.list(session.id);
  assert.ok(msgs.some((m) => m.role === "user" && m.content.some((p) => p.text === "User requested to cancel the work.")));
  await assert.rejects(client.sessions.cancel(session.id), (e) => e.status === 400 && e.code === "not_active");
  await client.sessions.delete(session.id);
  await client.agents.delete(agent.id);
});

test("upload files before asking; the full filesystem surface", { timeout: LONG * 2 }, async () => {
  const agent = await client.agents.create({
    name: "CSV Summarizer",
    systemPrompt: "Summarize CSV files.",
    capabilities: [{ ref: "session_file_system" }],
  });
  const session = await client.sessions.create({ agentId: agent.id });
  const csv = "name,value\nalpha,1\nbeta,2\ngamma,3";
  const created = await client.filesystem.create(session.id, "/workspace/input.csv", csv);
  assert.equal(created.path, "/input.csv");
  assert.equal(created.sizeBytes, Buffer.byteLength(csv));

  await client.sessions.setLlmsimScript(session.id, {
    steps: [
      { toolCalls: [{ name: "read_file", arguments: { path: "/workspace/input.csv" } }] },
      { text: "Three rows: alpha, beta, gamma." },
    ],
  });
  await client.messages.create(session.id, "Read /workspace/input.csv and create a summary.");
  const turn = await collectTurn(client, session.id);
  assert.equal(turn.at(-1).type, "turn.completed");
  const done = turn.find((e) => e.type === "tool.completed");
  assert.equal(done.data.success, true);
  assert.match(JSON.stringify(done.data), /alpha,1/);

  const fs = client.filesystem;
  await fs.createDir(session.id, "/workspace/notes");
  await fs.create(session.id, "/workspace/notes/a.md", "hello world\nsecond line");
  const updated = await fs.update(session.id, "/workspace/notes/a.md", "hello again\nworld");
  assert.equal(updated.content, "hello again\nworld");
  const moved = await fs.move(session.id, "/workspace/notes/a.md", "/workspace/notes/b.md");
  assert.equal(moved.path, "/notes/b.md");
  const copy = await fs.copy(session.id, "/workspace/notes/b.md", "/workspace/c.md");
  assert.equal(copy.path, "/c.md");
  const hits = await fs.grep(session.id, "wor.d");
  assert.ok(hits.some((h) => h.path === "/c.md" && h.matches[0].lineNumber === 2));
  const st = await fs.stat(session.id, "/workspace/notes");
  assert.equal(st.isDirectory, true);
  const rec = await fs.list(session.id, "/", { recursive: true });
  assert.ok(rec.entries.some((e) => e.path === "/notes/b.md"));
  await assert.rejects(fs.create(session.id, "/workspace/c.md", "dup"), (e) => e.status === 409);
  await assert.rejects(fs.delete(session.id, "/workspace/notes"), (e) => e.status === 400);
  assert.equal(await fs.delete(session.id, "/workspace/notes", { recursive: true }), true);
  await assert.rejects(fs.read(session.id, "/workspace/notes/b.md"), NotFoundError);
  await client.sessions.delete(session.id);
  await client.agents.delete(agent.id);
});

test("catalog: capabilities, harnesses, models", { timeout: LONG }, async () => {
  const caps = await client.capabilities.list();
  assert.ok(caps.data.some((c) => c.id === "session_file_system"));
  const fsCap = await client.capabilities.get("session_file_system");
  assert.ok(fsCap.toolDefinitions.some((t) => t.name === "write_file"));
  const all = [];
  for await (const c of client.capabilities.listAll({ limit: 2 })) all.push(c.id);
  assert.equal(all.length, caps.total);
  const harnesses = await client.harnesses.list();
  assert.ok(harnesses.some((h) => h.name === "generic"));
  assert.equal((await client.harnesses.get("generic")).name, "generic");
  const models = await client.models.list();
  assert.ok(models.length >= 1);
  assert.equal((await client.models.get(models[0].id)).id, models[0].id);
});
