// Cancellation and stream resilience: abort of a call and of a stream (the Rust work and its
// connection really stop), streams across a server restart and across connection cycles
// without loss or duplicates, bulk throughput, and prompt process exit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startServer, localServer, sdk, sleep, collectTurn, pkgDir, LONG } from "./helpers.mjs";

const E = sdk();
const SID = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";

test("AbortSignal aborts a pending call and drops its HTTP request", { timeout: LONG }, async () => {
  let arrived;
  let closed;
  const requestArrived = new Promise((r) => (arrived = r));
  const requestClosed = new Promise((r) => (closed = r));
  const local = await localServer((_req, res) => {
    res.on("close", closed); // never answered: only the client can end it
    arrived();
  });
  const c = new E.Everruns({ apiKey: "k", baseUrl: local.url, maxRetries: 0, timeoutMs: 600_000, readEnv: false });
  try {
    const ac = new AbortController();
    const pending = c.harnesses.list({ signal: ac.signal });
    await requestArrived; // the request is in flight on the server
    ac.abort();
    const err = await pending.catch((e) => e);
    assert.ok(err instanceof E.AbortError, String(err));
    await requestClosed; // the core's future was dropped: the connection closed
  } finally {
    await c.close();
    await local.close();
  }
});

test("close() rejects in-flight calls with ClientClosedError", { timeout: LONG }, async () => {
  let arrivedCb;
  const local = await localServer(() => arrivedCb());
  const c = new E.Everruns({ apiKey: "k", baseUrl: local.url, maxRetries: 0, timeoutMs: 600_000, readEnv: false });
  const requestArrived = new Promise((r) => (arrivedCb = r));
  const pending = c.models.list(); // in flight: the server never answers
  await requestArrived;
  await c.close();
  await assert.rejects(pending, E.ClientClosedError);
  await local.close();
});

/** A local SSE endpoint: sends `connected`, then events from `gen`, then heartbeats. */
async function sseServer(gen) {
  const open = new Set();
  const local = await localServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    open.add(res);
    res.on("close", () => open.delete(res));
    res.write(`event: connected\ndata: {}\n\n`);
    gen(res, new URL(req.url, "http://x"));
  });
  return { ...local, open };
}

function eventFrame(seq) {
  const hex = seq.toString(16).padStart(32, "0");
  const ev = {
    id: `event_${hex}`,
    type: "output.message.delta",
    ts: "2026-01-01T00:00:00.000Z",
    session_id: SID,
    sequence: seq,
    context: { turn_id: "turn_1" },
    data: { delta: `w${seq} ` },
  };
  return `id: ${ev.id}\nevent: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

test("a stream's signal aborts it and closes its connection; stream.abort() ends it quietly", { timeout: LONG }, async () => {
  const s = await sseServer((res) => {
    const t = setInterval(() => res.write(": heartbeat\n\n"), 100);
    res.on("close", () => clearInterval(t));
  });
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, readEnv: false });
  try {
    const ac = new AbortController();
    const stream = c.events.stream(SID, { signal: ac.signal, fromBeginning: true });
    const it = stream[Symbol.asyncIterator]();
    const pending = it.next();
    while (s.open.size === 0) await sleep(20);
    ac.abort();
    await assert.rejects(pending, E.AbortError);
    while (s.open.size > 0) await sleep(20);
    assert.equal(stream.closed, true);

    const quiet = c.events.stream(SID, { fromBeginning: true });
    const p2 = quiet.next();
    while (s.open.size === 0) await sleep(20);
    quiet.abort();
    assert.deepEqual(await p2, { value: undefined, done: true });
    while (s.open.size > 0) await sleep(20);
  } finally {
    await c.close();
    await s.close();
  }
});

test("100k events stream into JavaScript in order, once each (throughput measured)", { timeout: LONG * 2 }, async () => {
  const N = 100_000;
  // Built up front so that producing frames does not compete with the consumer under test.
  let frames = "";
  for (let seq = 1; seq <= N; seq++) frames += eventFrame(seq);
  const payload = Buffer.from(frames);
  const s = await sseServer((res) => res.write(payload));
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, readEnv: false });
  try {
    const t0 = process.hrtime.bigint();
    let n = 0;
    let last = 0;
    for await (const e of c.events.stream(SID, { fromBeginning: true })) {
      assert.equal(e.sequence, last + 1);
      last = e.sequence;
      if (++n === N) break;
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(n, N);
    console.log(`# streamed ${N} events in ${secs.toFixed(2)} s (${Math.round(N / secs)} events/s)`);
    while (s.open.size > 0) await sleep(20);
  } finally {
    await c.close();
    await s.close();
  }
});

test("a stream survives a server restart without loss or duplicates", { timeout: LONG * 4 }, async () => {
  const server = await startServer();
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false, maxRetries: 10 });
  try {
    const agent = await c.agents.create({ name: "Restart Agent", systemPrompt: "x" });
    const session = await c.sessions.create({ agentId: agent.id });
    await c.sessions.setLlmsimScript(session.id, { steps: [{ text: "first turn" }] });
    await c.messages.create(session.id, "one");
    const seen = [];
    let completed = 0;
    let restarted;
    const stream = c.events.stream(session.id, { fromBeginning: true, initialBackoffMs: 200, maxBackoffMs: 1000 });
    for await (const e of stream) {
      seen.push(e);
      if (e.type === "turn.completed") {
        completed++;
        if (completed === 1) {
          // Restart the server under the open stream, then start turn 2.
          restarted = (async () => {
            await server.restart();
            await c.sessions.setLlmsimScript(session.id, { steps: [{ text: "second turn after restart" }] });
            await c.messages.create(session.id, "two");
          })();
        } else break;
      }
    }
    await restarted;
    const ids = seen.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, "no duplicates");
    const seqs = seen.map((e) => e.sequence);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], "in order");
    const stored = await c.events.list(session.id);
    const upTo = stored.filter((e) => e.sequence <= seqs.at(-1)).map((e) => e.id);
    assert.deepEqual(ids, upTo, "no loss: the stream saw every stored event");
    assert.ok(seen.some((e) => e.type === "output.message.completed" && JSON.stringify(e.data).includes("second turn after restart")));
    await c.sessions.delete(session.id);
    await c.agents.delete(agent.id);
  } finally {
    await c.close();
    await server.close();
  }
});

test("a stream survives connection cycling (SSE_REALTIME_CYCLE_SECS=1) without loss or duplicates", { timeout: LONG * 3 }, async () => {
  const server = await startServer({ env: { SSE_REALTIME_CYCLE_SECS: "1" } });
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
  try {
    const agent = await c.agents.create({ name: "Cycle Agent", systemPrompt: "x" });
    const session = await c.sessions.create({ agentId: agent.id });
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
    await c.sessions.setLlmsimScript(session.id, { steps: [{ text: words }], chunkDelayMs: 50 });
    await c.messages.create(session.id, "talk slowly");
    const stream = c.events.stream(session.id);
    const seen = [];
    let text = "";
    for await (const e of stream) {
      seen.push(e);
      if (e.type === "output.message.delta") text += e.data.delta ?? "";
      if (e.type === "turn.completed" || e.type === "turn.failed") break;
    }
    assert.equal(seen.at(-1).type, "turn.completed");
    const span = Date.parse(seen.at(-1).ts) - Date.parse(seen[0].ts);
    assert.ok(span > 1500, `the turn spanned ${span} ms, more than one 1 s connection cycle`);
    assert.equal(text, words, "every delta exactly once, in order");
    const ids = seen.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
    const stored = (await c.events.list(session.id)).map((e) => e.id);
    const first = stored.indexOf(ids[0]);
    assert.deepEqual(ids, stored.slice(first, first + ids.length), "no loss");
    await c.sessions.delete(session.id);
    await c.agents.delete(agent.id);
  } finally {
    await c.close();
    await server.close();
  }
});

async function runChild(source, env) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", source], {
    cwd: pkgDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const t0 = Date.now();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, 60_000);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  return { code, out, killed, ms: Date.now() - t0 };
}

test("the process exits promptly after close(), and after abandoning or breaking streams", { timeout: LONG * 3 }, async () => {
  const server = await startServer();
  try {
    const script = (withClose) => `
      import { Everruns } from "@everruns/sdk";
      const client = new Everruns({ apiKey: "dev", baseUrl: process.env.URL, readEnv: false });
      const agent = await client.agents.create({ name: "Exit Agent", systemPrompt: "x" });
      const session = await client.sessions.create({ agentId: agent.id });
      await client.sessions.setLlmsimScript(session.id, { steps: [{ text: "bye" }] });
      await client.messages.create(session.id, "hi");
      for await (const e of client.events.stream(session.id)) { if (e.type === "turn.completed") break; }
      const idle = client.events.stream(session.id);   // abandoned, never iterated
      const other = client.events.stream(session.id);  // started, then abandoned mid-wait
      other.next().catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      ${withClose ? "await client.close();" : "other.abort();"}
      globalThis.__exitStart = Date.now();
      process.on("exit", () => console.log("EXIT_AFTER_MS=" + (Date.now() - globalThis.__exitStart)));
    `;
    for (const withClose of [true, false]) {
      const r = await runChild(script(withClose), { URL: server.baseUrl });
      assert.equal(r.killed, false, `child hung (close=${withClose}):\n${r.out}`);
      assert.equal(r.code, 0, r.out);
      const m = r.out.match(/EXIT_AFTER_MS=(\d+)/);
      assert.ok(m, r.out);
      assert.ok(Number(m[1]) < 5000, `exited ${m[1]} ms after the last statement`);
    }
  } finally {
    await server.close();
  }
});

test("a turn streamed with types/exclude filters", { timeout: LONG * 2 }, async () => {
  const server = await startServer();
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
  try {
    const agent = await c.agents.create({ name: "Filter Agent", systemPrompt: "x" });
    const session = await c.sessions.create({ agentId: agent.id });
    await c.sessions.setLlmsimScript(session.id, { steps: [{ text: "a b c" }] });
    await c.messages.create(session.id, "go");
    const events = await collectTurn(c, session.id, { exclude: ["output.message.delta"] });
    assert.ok(!events.some((e) => e.type === "output.message.delta"));
    assert.equal(events.at(-1).type, "turn.completed");
  } finally {
    await c.close();
    await server.close();
  }
});
