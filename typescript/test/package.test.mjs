// The package itself: entry points, the native surface against its generated declarations,
// the error classes and argument checking. No server needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pkgDir, require } from "./helpers.mjs";
import * as esm from "@everruns/sdk";

const cjs = require("@everruns/sdk");

test("ESM and CommonJS entry points export the same values (one copy of each class)", () => {
  const esmNames = Object.keys(esm).filter((k) => k !== "default").sort();
  const cjsNames = Object.keys(cjs).filter((k) => k !== "__esModule").sort();
  assert.deepEqual(esmNames, cjsNames);
  const esmValues = new Map(Object.entries(esm));
  for (const name of cjsNames) assert.equal(esmValues.get(name), cjs[name], name);
  assert.equal(esm.default, cjs);
  const err = new esm.NotFoundError("x", { status: 404 });
  assert.ok(err instanceof cjs.NotFoundError);
  assert.ok(err instanceof cjs.ApiError);
  assert.ok(err instanceof cjs.EverrunsError);
  assert.ok(err instanceof Error);
});

test("package.json points at files that exist", () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const exp = pkg.exports["."];
  for (const f of [pkg.main, pkg.types, exp.import.default, exp.import.types, exp.require.default, exp.require.types]) {
    readFileSync(join(pkgDir, f));
  }
  assert.equal(pkg.napi.binaryName, "everruns");
  assert.equal(cjs.VERSION, pkg.version);
});

/** Names declared in napi's generated native/index.d.ts: top-level and per class. */
function declaredNativeSurface() {
  const dts = readFileSync(join(pkgDir, "native", "index.d.ts"), "utf8");
  const surface = { functions: new Set(), classes: new Map() };
  let current;
  for (const line of dts.split("\n")) {
    const cls = line.match(/^export declare class (\w+)/);
    const fn = line.match(/^export declare (?:function|const) (\w+)/);
    const member = current && line.match(/^ {2}(?:get |set )?(\w+)\s*[(:<]/);
    if (cls) {
      current = new Set();
      surface.classes.set(cls[1], current);
    } else if (fn) {
      surface.functions.add(fn[1]);
    } else if (member) {
      if (member[1] !== "constructor") current.add(member[1]);
    } else if (line.startsWith("}")) {
      current = undefined;
    }
  }
  return surface;
}

test("the native addon's exports match its generated declarations exactly", () => {
  const addon = require(join(pkgDir, "native", "index.js"));
  const surface = declaredNativeSurface();
  const actualTop = Object.keys(addon).sort();
  const declaredTop = [...surface.functions, ...surface.classes.keys()].sort();
  assert.deepEqual(actualTop, declaredTop, "top-level exports");
  for (const [cls, members] of surface.classes) {
    const proto = addon[cls].prototype;
    const actual = Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor").sort();
    assert.deepEqual(actual, [...members].sort(), `members of ${cls}`);
  }
  // The TypeScript layer is compiled against these declarations (tsc fails on a mismatch);
  // every native client method is used by it.
  const used = ["client.js", "base.js"].map((f) => readFileSync(join(pkgDir, "dist", f), "utf8")).join("\n");
  for (const m of surface.classes.get("NativeClient")) {
    if (["baseUrl", "userAgent", "orgId", "debug", "closed", "close"].includes(m)) continue; // getters, and close()
    assert.ok(used.includes(`.${m}(`), `NativeClient.${m} is not used by the TypeScript layer`);
  }
});

test("error classes carry status, code and requestId and subclass correctly", () => {
  const e = new cjs.RateLimitError("slow", { code: "rate_limited", requestId: "r1", retryAfterMs: 1500 });
  assert.equal(e.status, 429);
  assert.equal(e.retryAfter, 1.5);
  assert.equal(e.name, "RateLimitError");
  assert.ok(e instanceof cjs.ApiError);
  assert.ok(e.stack.includes("RateLimitError"));
  const n = new cjs.NetworkError("down", { connect: true });
  assert.equal(n.connect, true);
  assert.ok(!(n instanceof cjs.ApiError));
  assert.equal(cjs.EverrunsTimeoutError, cjs.TimeoutError);
});

test("bad client settings throw ConfigurationError", () => {
  assert.throws(
    () => new cjs.Everruns({ baseUrl: "ftp://x.test", readEnv: false }),
    (e) => e instanceof cjs.ConfigurationError && /http or https/.test(e.message),
  );
  assert.throws(
    () => new cjs.Everruns({ orgId: "a\nb", readEnv: false }),
    (e) => e instanceof cjs.ConfigurationError,
  );
  assert.throws(
    () => new cjs.Everruns({ baseUrl: "http://x.test", timeoutMS: 5, readEnv: false }),
    (e) => e instanceof cjs.ConfigurationError && /unknown field `timeoutMS`/.test(e.message) && /timeoutMs/.test(e.message),
  );
});

test("client settings and environment", () => {
  const c = new cjs.Everruns({ apiKey: "dev", baseUrl: "http://127.0.0.1:9/api/v1/", readEnv: false });
  assert.equal(c.baseUrl, "http://127.0.0.1:9/api/");
  assert.match(c.userAgent, /^everruns-node-sdk\//);
  const saved = process.env.EVERRUNS_API_URL;
  process.env.EVERRUNS_API_URL = "http://env.test/api";
  try {
    assert.equal(cjs.Everruns.fromEnv().baseUrl, "http://env.test/api/");
    assert.equal(new cjs.Everruns({ baseUrl: "http://explicit.test/api" }).baseUrl, "http://explicit.test/api/");
  } finally {
    if (saved === undefined) delete process.env.EVERRUNS_API_URL;
    else process.env.EVERRUNS_API_URL = saved;
  }
});

test("bad arguments are rejected before anything is sent, with clear errors", async () => {
  // Port 9 (discard) on loopback: nothing is listening; a request would be a NetworkError.
  const c = new cjs.Everruns({ apiKey: "dev", baseUrl: "http://127.0.0.1:9/api", maxRetries: 0, readEnv: false });
  await assert.rejects(c.sessions.get("not-an-id"), (e) => e instanceof cjs.ValidationError && e.status === undefined && e.code === "invalid_input");
  await assert.rejects(c.sessions.get(42), (e) => e instanceof cjs.ValidationError && /sessionId must be a string/.test(e.message));
  await assert.rejects(
    c.agents.create({ name: "a", systemPromt: "typo" }),
    (e) => e instanceof cjs.ValidationError && /unknown field `systemPromt`/.test(e.message),
  );
  await assert.rejects(c.agents.create({ name: "a" }), (e) => e instanceof cjs.ValidationError && /systemPrompt/.test(e.message));
  await assert.rejects(
    c.filesystem.read("session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", "/a/../etc/passwd"),
    (e) => e instanceof cjs.ValidationError && /\.\./.test(e.message),
  );
  await assert.rejects(
    c.sessions.setLlmsimScript("session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", { steps: [{ txt: "x" }] }),
    (e) => e instanceof cjs.ValidationError && /unknown field `txt`/.test(e.message),
  );
  await assert.rejects(
    c.agents.get("agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"),
    (e) => e instanceof cjs.NetworkError && e.connect === true,
  );
  await c.close();
});

test("an already-aborted signal rejects with AbortError without calling the core", async () => {
  const c = new cjs.Everruns({ apiKey: "dev", baseUrl: "http://127.0.0.1:9/api", readEnv: false });
  const ac = new AbortController();
  ac.abort(new Error("because"));
  await assert.rejects(c.agents.list({ signal: ac.signal }), (e) => {
    assert.ok(e instanceof cjs.AbortError);
    assert.equal(e.name, "AbortError");
    assert.equal(e.cause.message, "because");
    return true;
  });
  await c.close();
});

test("calls after close() reject with ClientClosedError", async () => {
  const c = new cjs.Everruns({ apiKey: "dev", baseUrl: "http://127.0.0.1:9/api", readEnv: false });
  await c.close();
  await c.close();
  assert.equal(c.closed, true);
  await assert.rejects(c.agents.list(), (e) => e instanceof cjs.ClientClosedError);
});

