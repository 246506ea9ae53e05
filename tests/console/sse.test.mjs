// The console's SSE reader without a browser: console/src/sse.ts bundled by esbuild for Node,
// the parser fed awkward chunkings, and SessionStream over a scripted fetch() that drops the
// connection and then replays an already-delivered event (it must resume with since_id and
// deliver every id once).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const esbuild = createRequire(join(repo, "console/package.json"))("esbuild");
let mod;

before(async () => {
  const out = await esbuild.build({
    entryPoints: [join(repo, "console/src/sse.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
  });
  mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
  globalThis.sessionStorage = { getItem: () => "evr_test_key" };
});

test("parser: any chunking, CRLF/CR/LF, comments, multi-line data", () => {
  const wire =
    ": heartbeat\r\n\r\nevent: connected\r\ndata: {\"status\":\"connected\"}\r\n\r\n" +
    "event: a\nid: event_1\nretry: 100\ndata: {\"x\":1}\n\n" +
    "event: b\rid: event_2\rdata: line1\rdata: line2\r\r";
  const want = [
    { event: "connected", id: null, data: '{"status":"connected"}' },
    { event: "a", id: "event_1", data: '{"x":1}' },
    { event: "b", id: "event_2", data: "line1\nline2" },
  ];
  for (const size of [1, 2, 3, 7, wire.length]) {
    const p = new mod.SseParser();
    const got = [];
    for (let i = 0; i < wire.length; i += size) got.push(...p.push(wire.slice(i, i + size)));
    assert.deepEqual(got, want, `chunk size ${size}`);
  }
});

const frame = (id, type) =>
  `event: ${type}\nid: ${id}\ndata: ${JSON.stringify({ id, type, ts: "2026-01-01T00:00:00Z", session_id: "session_x", data: {} })}\n\n`;

function body(chunks, { fail = false } = {}) {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < chunks.length) c.enqueue(new TextEncoder().encode(chunks[i++]));
      else if (fail) c.error(new TypeError("network error"));
      else c.close();
    },
  });
}

test("stream: resumes with since_id after a drop and delivers each id once", async () => {
  const calls = [];
  const conns = [
    // 1: two events, then the connection breaks
    () => body(["event: connected\ndata: {}\n\n", frame("event_1", "turn.started"), frame("event_2", "output.message.delta")], { fail: true }),
    // 2: overlaps (event_2 again), then a graceful cycle
    () => body(["event: connected\ndata: {}\n\n", frame("event_2", "output.message.delta"), frame("event_3", "turn.completed"),
      'event: disconnecting\ndata: {"reason":"connection_cycle","retry_ms":10}\n\n']),
    // 3: nothing new; held open until stopped
    () => new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("event: connected\ndata: {}\n\n")); } }),
  ];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, auth: init.headers.Authorization });
    const make = conns[calls.length - 1];
    if (!make) throw new Error("too many connections");
    return new Response(make(), { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  const got = [];
  const states = [];
  let done;
  const finished = new Promise((r) => (done = r));
  const s = new mod.SessionStream("session_x", {
    onEvent: (e) => got.push(e.id),
    onState: (st) => {
      states.push(st);
      if (calls.length === 3 && st === "live") done();
    },
  });
  s.start();
  let guard;
  const stuck = new Promise((_, rej) => (guard = setTimeout(() => rej(new Error(`stuck: ${JSON.stringify(calls)} ${states}`)), 5000)));
  await Promise.race([finished, stuck]).finally(() => clearTimeout(guard));
  s.stop();
  assert.deepEqual(got, ["event_1", "event_2", "event_3"]);
  assert.equal(calls[0].url, "/api/v1/sessions/session_x/sse");
  assert.equal(calls[1].url, "/api/v1/sessions/session_x/sse?since_id=event_2");
  assert.equal(calls[2].url, "/api/v1/sessions/session_x/sse?since_id=event_3");
  assert.ok(calls.every((c) => c.auth === "evr_test_key"), "the key goes in Authorization");
  assert.ok(states.includes("reconnecting"));
});

test("stream: 404 is final (no retry loop)", async () => {
  let n = 0;
  globalThis.fetch = async () => {
    n++;
    return new Response(JSON.stringify({ detail: "Session not found" }), { status: 404 });
  };
  const states = [];
  const s = new mod.SessionStream("session_y", { onEvent: () => {}, onState: (st, d) => states.push([st, d]) });
  s.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(n, 1);
  assert.deepEqual(states.at(-1), ["failed", "Session not found"]);
});
