// Retry settings, stream counters and the delivered cursor.
//
// * `retryBaseDelayMs` / `retryMaxDelayMs` / `maxRetries` / `maxRetryAfterMs` reach the core's
//   retry policy: a local server answers 503 before 200; attempts are counted and the gaps
//   between them measured (lower bounds, plus one generous upper bound separating a capped
//   backoff from an uncapped one).
// * `retryCount` / `reconnectCount` / `lastEventId` of an event stream follow the wire (real
//   server): graceful cycles count as reconnects, not retries; a stopped server counts retries
//   (readable while a `next()` is pending) until a connection delivers again.
// * Only events handed to user code count as delivered: after taking k events of a big batch,
//   a new default stream resumes at event k+1, nothing lost or repeated.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, localServer, sdk, sleep, LONG } from "./helpers.mjs";

const E = sdk();
const TERMINAL = ["turn.completed", "turn.failed", "turn.cancelled"];
const PAGE = JSON.stringify({ data: [], total: 0, offset: 0, limit: 20 });

/** A local server answering from `replies` in order (then 200 PAGE); records arrival times. */
async function scripted(replies) {
  const at = [];
  const local = await localServer((_req, res) => {
    at.push(performance.now());
    const r = replies.shift() ?? { status: 200 };
    const headers = { "content-type": "application/json", ...(r.headers ?? {}) };
    res.writeHead(r.status, headers);
    res.end(r.status === 200 ? PAGE : JSON.stringify({ error: { code: "unavailable", message: "busy" }, status: r.status }));
  });
  const gaps = () => at.slice(1).map((t, i) => t - at[i]);
  return { ...local, at, gaps };
}

const unavailable = (headers) => ({ status: 503, headers });

test("retryBaseDelayMs: 503, 503, 200 succeeds after two waits of at least the base delay", { timeout: LONG }, async () => {
  const s = await scripted([unavailable(), unavailable()]);
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, maxRetries: 2, retryBaseDelayMs: 300, retryMaxDelayMs: 300, readEnv: false });
  try {
    const page = await c.agents.list();
    assert.equal(page.total, 0);
    assert.equal(s.at.length, 3);
    for (const g of s.gaps()) assert.ok(g >= 280, `gap ${g} ms`);
  } finally {
    await c.close();
    await s.close();
  }
});

test("retryMaxDelayMs caps the backoff", { timeout: LONG }, async () => {
  const s = await scripted([unavailable(), unavailable(), unavailable(), unavailable(), unavailable()]);
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, maxRetries: 5, retryBaseDelayMs: 100, retryMaxDelayMs: 200, readEnv: false });
  try {
    await c.agents.list();
    const gaps = s.gaps();
    assert.equal(gaps.length, 5);
    for (const g of gaps) assert.ok(g >= 90, `gap ${g} ms`);
    // Uncapped, the 5th delay would be at least 100 * 2^4 = 1600 ms.
    assert.ok(gaps[4] < 1200, `last gap ${gaps[4]} ms`);
  } finally {
    await c.close();
    await s.close();
  }
});

test("maxRetries bounds the attempts; 0 disables retries", { timeout: LONG }, async () => {
  const s = await scripted(Array.from({ length: 10 }, () => unavailable()));
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, maxRetries: 4, retryBaseDelayMs: 10, readEnv: false });
  const c0 = new E.Everruns({ apiKey: "k", baseUrl: s.url, maxRetries: 0, readEnv: false });
  try {
    await assert.rejects(c.agents.list(), E.ServerError);
    assert.equal(s.at.length, 5);
    await assert.rejects(c0.agents.list(), E.ServerError);
    assert.equal(s.at.length, 6);
  } finally {
    await c.close();
    await c0.close();
    await s.close();
  }
});

test("maxRetryAfterMs: a Retry-After within it is waited for, a longer one surfaces the error", { timeout: LONG }, async () => {
  const s = await scripted([unavailable({ "retry-after": "1" }), { status: 200 }, unavailable({ "retry-after": "30" })]);
  const c = new E.Everruns({ apiKey: "k", baseUrl: s.url, retryBaseDelayMs: 10, maxRetryAfterMs: 5000, readEnv: false });
  try {
    await c.agents.list();
    assert.equal(s.at.length, 2);
    assert.ok(s.gaps()[0] >= 950, `gap ${s.gaps()[0]} ms`);
    const err = await c.agents.list().catch((e) => e);
    assert.ok(err instanceof E.ServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(s.at.length, 3, "no retry when the server asks for more than maxRetryAfterMs");
  } finally {
    await c.close();
    await s.close();
  }
});

test("bad retry settings are a ConfigurationError", () => {
  for (const bad of [{ retryBaseDelayMs: -1 }, { retryMaxDelayMs: "1s" }, { maxRetryAfterMs: 1.5e300 }, { maxRetries: -2 }]) {
    assert.throws(() => new E.Everruns({ apiKey: "k", baseUrl: "http://127.0.0.1:1/api", readEnv: false, ...bad }), E.ConfigurationError, JSON.stringify(bad));
  }
});

async function newSession(c) {
  const agent = await c.agents.create({ name: "Delivery", systemPrompt: "Say things." });
  return (await c.sessions.create({ agentId: agent.id })).id;
}

async function storedTurns(c, sid, turns) {
  const end = Date.now() + 60_000;
  for (;;) {
    const stored = await c.events.list(sid);
    if (stored.filter((e) => TERMINAL.includes(e.type)).length >= turns) return stored;
    assert.ok(Date.now() < end, "turn did not finish");
    await sleep(100);
  }
}

test("taking k events of a batch: the next default stream resumes at event k+1", { timeout: LONG }, async () => {
  const server = await startServer();
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
  try {
    const sid = await newSession(c);
    const words = Array.from({ length: 150 }, (_, i) => `w${i}`).join(" ");
    await c.sessions.setLlmsimScript(sid, { steps: [{ text: words }] });
    await c.messages.create(sid, "go");
    // The whole turn is stored first, so the stream's first pull takes one big batch.
    const stored = await storedTurns(c, sid, 1);
    const ids = stored.map((e) => e.id);
    const k = 5;
    // Manual next() calls and no return(): the first stream stays open and unclosed.
    const first = c.events.stream(sid);
    const got = [];
    for (let i = 0; i < k; i++) got.push((await first.next()).value);
    assert.ok(!TERMINAL.includes(got[k - 1].type));
    assert.equal(first.lastEventId, got[k - 1].id);
    assert.equal(c.events.defaultCursor(sid), got[k - 1].id);
    const rest = [];
    for await (const e of c.events.stream(sid)) {
      rest.push(e);
      if (TERMINAL.includes(e.type)) break;
    }
    const start = ids.indexOf(got[0].id);
    assert.equal(rest[0].id, ids[start + k], "the resumed stream skipped or repeated events");
    assert.deepEqual([...got, ...rest].map((e) => e.id), ids.slice(start, ids.indexOf(rest.at(-1).id) + 1));
    // `break` in for-await: the event the loop saw last is the cursor.
    await c.sessions.setLlmsimScript(sid, { steps: [{ text: words }] });
    await c.messages.create(sid, "again");
    const stored2 = await storedTurns(c, sid, 2);
    let n = 0;
    let lastSeen;
    for await (const e of c.events.stream(sid)) {
      lastSeen = e;
      if (++n === 7) break;
    }
    assert.equal(c.events.defaultCursor(sid), lastSeen.id);
    const next = (await c.events.stream(sid).next()).value;
    const ids2 = stored2.map((e) => e.id);
    assert.equal(next.id, ids2[ids2.indexOf(lastSeen.id) + 1]);
    first.abort();
  } finally {
    await c.close();
    await server.close();
  }
});

test("stream counters over graceful server cycles", { timeout: LONG }, async () => {
  const server = await startServer({ env: { SSE_REALTIME_CYCLE_SECS: "1" } });
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
  try {
    const sid = await newSession(c);
    const words = Array.from({ length: 80 }, (_, i) => `w${i}`).join(" ");
    await c.sessions.setLlmsimScript(sid, { steps: [{ text: words }], chunkDelayMs: 40 });
    await c.messages.create(sid, "go");
    const stream = c.events.stream(sid);
    assert.deepEqual([stream.retryCount, stream.reconnectCount, stream.lastEventId], [0, 0, undefined]);
    let maxRetries = 0;
    let last;
    for await (const e of stream) {
      maxRetries = Math.max(maxRetries, stream.retryCount);
      assert.equal(stream.lastEventId, e.id);
      last = e;
      if (TERMINAL.includes(e.type)) break;
    }
    assert.equal(last.type, "turn.completed");
    assert.ok(stream.reconnectCount >= 2, `reconnects ${stream.reconnectCount}`);
    assert.equal(maxRetries, 0);
    assert.equal(stream.lastEventId, last.id);
  } finally {
    await c.close();
    await server.close();
  }
});

test("stream counters while the server is down, then back", { timeout: LONG }, async () => {
  const server = await startServer();
  const c = new E.Everruns({ apiKey: "dev", baseUrl: server.baseUrl, readEnv: false });
  try {
    const sid = await newSession(c);
    await c.sessions.setLlmsimScript(sid, { steps: [{ text: "before" }] });
    await c.messages.create(sid, "go");
    await storedTurns(c, sid, 1);
    const stored = await c.events.list(sid);
    // Start after the last stored event: the next event can only come from a new turn.
    const stream = c.events.stream(sid, { sinceId: stored.at(-1).id, initialBackoffMs: 50, maxBackoffMs: 200 });
    const pending = stream.next();
    await sleep(300);
    await server.stop();
    const end = Date.now() + 60_000;
    while (stream.retryCount < 2) {
      assert.ok(Date.now() < end, `retryCount stayed ${stream.retryCount}`);
      await sleep(50);
    }
    assert.ok(stream.reconnectCount >= 1);
    assert.equal(stream.lastEventId, undefined);
    await server.restart();
    await c.sessions.setLlmsimScript(sid, { steps: [{ text: "after" }] });
    await c.messages.create(sid, "again");
    const r = await pending;
    assert.equal(r.done, false);
    assert.ok(r.value.sequence > stored.at(-1).sequence);
    assert.equal(stream.lastEventId, r.value.id);
    assert.equal(stream.retryCount, 0);
    stream.abort();
  } finally {
    await c.close();
    await server.close();
  }
});
