// Logging: nothing is printed unless the application asks; a `logger` receives the reconnect
// warnings and, with `debug: true`, one line per request with the token redacted.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { pkgDir, require } from "./helpers.mjs";

const E = require(pkgDir);
const SID = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";

function frame(i, type) {
  const ev = { id: `event_${i.toString(16).padStart(32, "0")}`, type, ts: "2026-01-01T00:00:00Z", session_id: SID, sequence: i, data: {} };
  return `event: ${type}\nid: ${ev.id}\ndata: ${JSON.stringify(ev)}\n\n`;
}

/** First SSE connection: one event, then a drop; the second ends the turn. Other paths: 404. */
async function flakyServer() {
  let streams = 0;
  const server = http.createServer((req, res) => {
    if (!req.url.includes("/sse")) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "no such agent" } }));
      return;
    }
    streams += 1;
    res.writeHead(200, { "Content-Type": "text/event-stream", Connection: "close" });
    res.end(`event: connected\ndata: {}\n\n${streams === 1 ? frame(1, "turn.started") : frame(2, "turn.completed")}`);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/api`, close: () => server.close() };
}

async function run(options) {
  const s = await flakyServer();
  const client = new E.Everruns({ apiKey: "evr_secret_token", baseUrl: s.url, readEnv: false, ...options });
  const seen = [];
  for await (const e of client.events.stream(SID, { fromBeginning: true, initialBackoffMs: 50 })) {
    seen.push(e.type);
    if (e.type === "turn.completed") break;
  }
  await assert.rejects(client.agents.get("agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"), E.NotFoundError);
  await client.close();
  s.close();
  assert.deepEqual(seen, ["turn.started", "turn.completed"]);
}

test("an injected logger gets the reconnect warning and, with debug, the request lines", async () => {
  const records = [];
  const logger = {
    debug: (m) => records.push(["debug", m]),
    info: (m) => records.push(["info", m]),
    warn: (m) => records.push(["warn", m]),
    error: (m) => records.push(["error", m]),
  };
  await run({ logger, debug: true });
  assert.ok(records.some(([l, m]) => l === "warn" && m.includes("event stream interrupted; reconnecting")), JSON.stringify(records));
  const requests = records.filter(([l, m]) => l === "info" && m.startsWith("everruns request"));
  assert.ok(requests.some(([, m]) => m.includes("/agents/agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")), JSON.stringify(records));
  assert.ok(requests.every(([, m]) => m.includes("authorization=evr_****")), JSON.stringify(requests));
  assert.ok(!JSON.stringify(records).includes("evr_secret_token"));
});

test("a client nobody configured logs nothing, even when its stream reconnects", async () => {
  const { spawnSync } = await import("node:child_process");
  const script = `
    const E = require(process.env.PKG);
    const http = require("node:http");
    const SID = ${JSON.stringify(SID)};
    const frame = ${frame.toString()};
    let streams = 0;
    const server = http.createServer((req, res) => {
      streams += 1;
      res.writeHead(200, { "Content-Type": "text/event-stream", Connection: "close" });
      res.end("event: connected\\ndata: {}\\n\\n" + (streams === 1 ? frame(1, "turn.started") : frame(2, "turn.completed")));
    });
    server.listen(0, "127.0.0.1", async () => {
      const c = new E.Everruns({ apiKey: "k", baseUrl: "http://127.0.0.1:" + server.address().port + "/api", readEnv: false });
      const seen = [];
      for await (const e of c.events.stream(SID, { fromBeginning: true, initialBackoffMs: 50 })) {
        seen.push(e.type);
        if (e.type === "turn.completed") break;
      }
      console.log(seen.join(",") + " " + streams);
      await c.close();
      server.close();
    });
  `;
  const r = spawnSync(process.execPath, ["-e", script], { env: { PATH: process.env.PATH, PKG: pkgDir }, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "turn.started,turn.completed 2");
  assert.equal(r.stderr, "");
});
