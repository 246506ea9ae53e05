// The web console in a real Chromium (Debian's, driven by playwright-core) against the real
// everruns-server binary: agents, a scripted llmsim turn streamed token by token with a tool
// call, files, cancel, a server restart mid-turn (timeline recovers without duplicates) and the
// API-key prompt of a non-dev server. Screenshots go to target/console-screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TestServer } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const { chromium } = createRequire(join(repo, "console/package.json"))("playwright-core");
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? join(repo, "target/console-screenshots");
const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const T = 30000; // per-step bound

let server;
let browser;
let page;
const pageErrors = [];
const foreignRequests = [];
const sseUrls = [];

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Event ids in the timeline, in DOM order. */
const timelineIds = () => page.$$eval("ol.timeline li", (els) => els.map((e) => e.dataset.eventId));

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await new TestServer().start();
  const probe = await fetch(`${server.origin}/`);
  if (probe.status !== 200 || !(probe.headers.get("content-type") ?? "").startsWith("text/html")) {
    throw new Error(`${process.env.EVERRUNS_SERVER_BIN} does not serve the console at / (status ${probe.status}): build it from this tree`);
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 } });
  page = await ctx.newPage();
  page.setDefaultTimeout(T);
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(server.origin) && !u.startsWith("data:")) foreignRequests.push(u);
    if (u.includes("/sse")) sseUrls.push(u);
  });
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

test("the console is served with the right types and never shadows the API", async () => {
  const root = await fetch(`${server.origin}/sessions/session_0123`);
  assert.equal(root.status, 200);
  assert.match(root.headers.get("content-type"), /^text\/html/);
  assert.equal(root.headers.get("cache-control"), "no-cache");
  assert.match(root.headers.get("content-security-policy"), /default-src 'none'/);
  const html = await root.text();
  const js = /\/assets\/app\.js\?v=([0-9a-f]+)/.exec(html);
  assert.ok(js, html);
  const asset = await fetch(`${server.origin}${js[0]}`);
  assert.match(asset.headers.get("content-type"), /^text\/javascript/);
  assert.match(asset.headers.get("cache-control"), /immutable/);
  const etag = asset.headers.get("etag");
  assert.equal((await fetch(`${server.origin}/assets/app.js`, { headers: { "if-none-match": etag } })).status, 304);
  const api404 = await fetch(`${server.origin}/api/v1/sessions-nope`);
  assert.equal(api404.status, 404);
  assert.match(api404.headers.get("content-type"), /^application\/json/);
  assert.equal((await fetch(`${server.origin}/no-such-page`)).status, 404);
});

test("agents: create, import markdown, edit, delete", { timeout: 60000 }, async () => {
  await page.goto(`${server.origin}/agents`);
  await page.getByRole("heading", { name: "Agents" }).waitFor();
  await page.getByRole("link", { name: "New agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("console-writer");
  await page.getByLabel("Display name", { exact: true }).fill("Console Writer");
  await page.getByLabel("Description", { exact: true }).fill("Writes notes into the session workspace");
  await page.getByLabel("System prompt", { exact: true }).fill("You write short notes to /workspace and say what you wrote.");
  await page.getByLabel(/^session_file_system/).check();
  await page.getByLabel(/^current_time/).check();
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.locator('tr[data-agent="console-writer"]').waitFor();

  // import a markdown agent (front matter + prompt)
  await page.getByLabel("Agent file text", { exact: true }).fill(
    "---\nname: release-notes\ndisplay_name: Release Notes\ndescription: Drafts release notes\ncapabilities:\n  - current_time\n---\nYou draft release notes.",
  );
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const imported = page.locator('tr[data-agent="release-notes"]');
  await imported.waitFor();
  // a bad import shows the server's message
  await page.getByLabel("Agent file text", { exact: true }).fill("---\nname: [unclosed\n---\n");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "Import failed" }).waitFor();

  // edit the imported agent
  await imported.getByRole("link", { name: "Edit Release Notes" }).click();
  await page.getByRole("heading", { name: "Edit Release Notes" }).waitFor();
  assert.equal(await page.getByLabel("System prompt", { exact: true }).inputValue(), "You draft release notes.");
  await page.getByLabel("Description", { exact: true }).fill("Drafts customer-facing release notes");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator('tr[data-agent="release-notes"]', { hasText: "customer-facing" }).waitFor();
  const viaApi = await server.api("GET", "/agents/release-notes");
  assert.equal(viaApi.description, "Drafts customer-facing release notes");

  // a throwaway agent to delete
  await page.getByLabel("Agent file text", { exact: true }).fill("---\nname: throwaway\n---\nTemporary.");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await page.locator('tr[data-agent="throwaway"]').waitFor();
  page.once("dialog", (d) => d.accept());
  await page.locator('tr[data-agent="throwaway"]').getByRole("button", { name: "Delete throwaway" }).click();
  await page.locator('tr[data-agent="throwaway"]').waitFor({ state: "detached" });
  const listed = await server.api("GET", "/agents?limit=100");
  assert.deepEqual(listed.data.map((a) => a.name).sort(), ["console-writer", "release-notes"]);
  await shot("agents-page");
});

let sid;

test("session: a scripted turn streams token by token, with its tool call and result", { timeout: 60000 }, async () => {
  await page.locator('tr[data-agent="console-writer"]').getByRole("button", { name: /New session/ }).click();
  await page.waitForURL(/\/sessions\/session_[0-9a-f]{32}$/);
  sid = page.url().split("/").pop();
  await page.locator('.conn[data-state="live"]').waitFor();
  const answer =
    "I wrote /workspace/notes.md with a heading and the three points you asked for: the console streams answers, shows tool calls with their results, and lists the session files.";
  await server.api("PUT", `/sessions/${sid}/llmsim`, {
    steps: [
      { text: "Let me write the notes file first.", tool_calls: [{ name: "write_file", arguments: { path: "/workspace/notes.md", content: "# Notes\n\n- streams answers\n- shows tool calls\n- lists files\n" } }] },
      { text: answer },
    ],
    chunk_delay_ms: 45,
  });
  // record every text the streaming bubble shows
  await page.evaluate(() => {
    window.__seen = [];
    new MutationObserver(() => {
      const el = document.querySelector(".text.streaming");
      if (el && el.textContent && window.__seen.at(-1) !== el.textContent) window.__seen.push(el.textContent);
    }).observe(document.querySelector("ol.conversation"), { subtree: true, childList: true, characterData: true });
  });
  const box = page.getByLabel("Message", { exact: true });
  await box.fill("Please write my notes.");
  await box.press("Enter");
  await page.locator(".msg-user", { hasText: "Please write my notes." }).waitFor();
  // mid-turn: the second answer is streaming
  await page.waitForFunction(() => {
    const el = document.querySelector(".text.streaming");
    return el && el.textContent.startsWith("I wrote") && el.textContent.length > 40;
  });
  await shot("session-mid-turn");
  await page.locator('[data-status="idle"]').waitFor();
  const final = page.locator(".msg-agent .text", { hasText: answer });
  await final.waitFor();
  const seen = await page.evaluate(() => window.__seen);
  const partial = seen.filter((s) => answer.startsWith(s) && s.length < answer.length);
  assert.ok(partial.length >= 3, `saw the answer grow in several steps: ${JSON.stringify(seen)}`);
  // the tool call and its result
  const tool = page.locator('details.tool', { hasText: "write_file" });
  assert.equal(await tool.locator(".tool-state").textContent(), "success");
  await tool.locator("summary").click();
  await tool.locator(".tool-result", { hasText: "notes.md" }).waitFor();
  assert.match(await tool.locator("pre.json").first().textContent(), /"path": "\/workspace\/notes.md"/);
  // timeline: filter by type and expand an event's JSON
  await page.getByLabel("Type", { exact: true }).selectOption("tool.completed");
  const visible = page.locator("ol.timeline li:visible");
  assert.equal(await visible.count(), 1);
  await visible.locator("summary").click();
  await visible.locator("pre.json", { hasText: '"tool_call_id"' }).waitFor();
  await page.getByLabel("Type", { exact: true }).selectOption("");
  const ids = await timelineIds();
  const events = (await server.api("GET", `/sessions/${sid}/events`)).data.map((e) => e.id);
  assert.deepEqual(ids, events, "timeline = the stored log, in order");
  assert.ok((await page.locator("ol.conversation .msg-agent").count()) >= 2);
  await shot("session-after-turn");
});

test("session files: the agent's file, upload and view", { timeout: 60000 }, async () => {
  // keyboard: the tabs follow the ARIA tab pattern (arrow keys)
  await page.getByRole("tab", { name: "Timeline" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getByRole("tab", { name: "Files" }).getAttribute("aria-selected"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Files");
  await page.getByRole("tabpanel", { name: "Files" }).waitFor();
  await page.locator('button.file[data-path="/notes.md"]').click();
  await page.locator("pre.file-content", { hasText: "- shows tool calls" }).waitFor();
  await page.getByText("Upload a file").click();
  await page.getByLabel("File to upload", { exact: true }).setInputFiles({ name: "todo.txt", mimeType: "text/plain", buffer: Buffer.from("buy milk\nship the console\n") });
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await page.locator("pre.file-content", { hasText: "ship the console" }).waitFor();
  await page.locator('button.file[data-path="/todo.txt"]').waitFor();
  const f = await server.api("GET", `/sessions/${sid}/fs/todo.txt`);
  assert.equal(f.content, "buy milk\nship the console\n");
  // the same name again without "replace" is refused with the server's message
  await page.getByLabel("File to upload", { exact: true }).setInputFiles({ name: "todo.txt", mimeType: "text/plain", buffer: Buffer.from("other") });
  await page.getByRole("button", { name: "Upload", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "Upload failed" }).waitFor();
  assert.equal((await server.api("GET", `/sessions/${sid}/fs/todo.txt`)).content, "buy milk\nship the console\n");
  await shot("session-files");
  await page.getByRole("tab", { name: "Timeline" }).click();
});

test("cancel a long turn", { timeout: 60000 }, async () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
  await server.api("PUT", `/sessions/${sid}/llmsim`, { steps: [{ text: words }], chunk_delay_ms: 100 });
  const box = page.getByLabel("Message", { exact: true });
  await box.fill("Tell me a very long story.");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForFunction(() => (document.querySelector(".text.streaming")?.textContent ?? "").includes("word3"));
  const cancel = page.getByRole("button", { name: "Cancel turn" });
  assert.equal(await cancel.isEnabled(), true);
  await cancel.click();
  await page.locator(".msg-note", { hasText: "Turn cancelled." }).waitFor();
  await page.locator('[data-status="idle"]').waitFor();
  assert.equal(await cancel.isEnabled(), false);
  const events = (await server.api("GET", `/sessions/${sid}/events`)).data;
  const turns = events.filter((e) => e.type === "turn.started");
  const last = turns.at(-1).data.turn_id;
  const terminals = events.filter((e) => e.data?.turn_id === last && /^turn\.(completed|failed|cancelled|sealed)$/.test(e.type));
  assert.deepEqual(terminals.map((e) => e.type), ["turn.cancelled"]);
  await page.locator('ol.timeline li[data-type="turn.cancelled"]').waitFor({ state: "attached" });
  assert.ok(!(await page.locator(".msg-agent .text").last().textContent()).includes("word199"), "the story was cut");
});

test("server restarted mid-turn: the timeline resumes without a duplicate", { timeout: 90000 }, async () => {
  const text = Array.from({ length: 40 }, (_, i) => `chunk${i}`).join(" ");
  await server.api("PUT", `/sessions/${sid}/llmsim`, { steps: [{ text }], chunk_delay_ms: 80 });
  await page.evaluate(() => {
    window.__states = [];
    new MutationObserver(() => window.__states.push(document.querySelector(".conn").dataset.state)).observe(
      document.querySelector(".conn"), { attributes: true });
  });
  const before = sseUrls.length;
  await page.getByLabel("Message", { exact: true }).fill("Count in chunks.");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForFunction(() => (document.querySelector(".text.streaming")?.textContent ?? "").includes("chunk5"));
  await server.kill9();
  await page.locator('.conn[data-state="reconnecting"]').waitFor();
  await server.start(); // same port, same SQLite file
  await page.locator('.conn[data-state="live"]').waitFor();
  // the interrupted turn finishes after the restart and the page shows it
  await page.locator(".msg-agent .text", { hasText: "chunk39" }).waitFor();
  await page.locator('[data-status="idle"]').waitFor();
  await page.waitForFunction(
    async ([sid, ]) => {
      const r = await fetch(`/api/v1/sessions/${sid}/events`);
      const n = (await r.json()).data.length;
      return document.querySelectorAll("ol.timeline li").length === n;
    },
    [sid],
  );
  const ids = await timelineIds();
  assert.equal(new Set(ids).size, ids.length, "no event twice in the timeline");
  const events = (await server.api("GET", `/sessions/${sid}/events`)).data.map((e) => e.id);
  assert.deepEqual(ids, events, "timeline = the stored log after the restart");
  const states = await page.evaluate(() => window.__states);
  assert.ok(states.includes("reconnecting") && states.at(-1) === "live", `states ${states}`);
  const resumed = sseUrls.slice(before).filter((u) => u.includes("since_id=event_"));
  assert.ok(resumed.length >= 1, `reconnected with since_id: ${sseUrls.slice(before)}`);
  assert.equal(await page.locator(".msg-agent .text", { hasText: "chunk39" }).count(), 1, "one final answer");
  await shot("session-after-restart");
  // phone width
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.locator('.conn[data-state="live"]').waitFor();
  await page.locator(".msg-agent .text", { hasText: "chunk39" }).waitFor();
  await shot("session-phone");
  await page.setViewportSize({ width: 1366, height: 860 });
});

test("sessions: the list with status, and a new session from an agent", { timeout: 60000 }, async () => {
  await page.getByRole("link", { name: "Sessions", exact: true }).click();
  await page.getByRole("heading", { name: "Sessions" }).waitFor();
  const row = page.locator(`tr[data-session="${sid}"]`);
  await row.locator(".badge", { hasText: "idle" }).waitFor();
  assert.match(await row.textContent(), /Console Writer/);
  await page.getByLabel("Agent", { exact: true }).selectOption({ label: "Release Notes" });
  await page.getByLabel("Title", { exact: true }).fill("Notes for 0.2");
  await page.getByRole("button", { name: "Start session" }).click();
  await page.waitForURL(/\/sessions\/session_[0-9a-f]{32}$/);
  await page.getByRole("heading", { name: "Notes for 0.2" }).waitFor();
  const created = await server.api("GET", `/sessions/${page.url().split("/").pop()}`);
  const agent = await server.api("GET", "/agents/release-notes");
  assert.equal(created.agent_id, agent.id);
  await page.goBack();
  await page.locator("tr", { hasText: "Notes for 0.2" }).locator(".badge", { hasText: "started" }).waitFor();
  await shot("sessions-page");
});

test("models and providers, read-only", async () => {
  await page.getByRole("link", { name: "Models" }).click();
  await page.getByRole("heading", { name: "Models and providers" }).waitFor();
  await page.getByRole("heading", { name: /LLM Simulator/ }).waitFor();
  await page.locator("td", { hasText: "llmsim-model" }).waitFor();
});

test("a non-dev server asks for an API key and keeps it only in session storage", { timeout: 60000 }, async () => {
  const secure = await new TestServer({ dev: false }).start();
  try {
    const key = secure.createKey();
    const p = await browser.newPage();
    p.setDefaultTimeout(T);
    p.on("pageerror", (e) => pageErrors.push(String(e)));
    await p.goto(`${secure.origin}/sessions`);
    const input = p.getByLabel("API key", { exact: true });
    await input.fill("evr_wrong");
    await p.getByRole("button", { name: "Continue" }).click();
    await p.getByRole("alert").filter({ hasText: /invalid|revoked/i }).waitFor();
    await input.fill(key);
    await p.getByRole("button", { name: "Continue" }).click();
    await p.getByRole("heading", { name: "Sessions" }).waitFor();
    await p.reload();
    await p.getByRole("heading", { name: "Sessions" }).waitFor();
    const stored = await p.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookie: document.cookie }));
    assert.deepEqual(stored, { session: ["everruns.console.apiKey"], local: [], cookie: "" });
    // a session page streams with the key in the Authorization header
    const s = await secure.api("POST", "/sessions", {}, key);
    await p.goto(`${secure.origin}/sessions/${s.id}`);
    await p.locator('.conn[data-state="live"]').waitFor();
    await p.locator('ol.timeline li[data-type="session.started"]').waitFor();
    await p.close();
  } finally {
    await secure.dispose();
  }
});

test("no page errors and no request left the server's origin", () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(foreignRequests, []);
});
