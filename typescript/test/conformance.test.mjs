// Node runner of the language-neutral conformance vectors (tests/conformance/vectors). The Rust
// runner (tests/conformance/tests/http.rs) and the Python runner (python/tests/test_conformance.py)
// play the same files. Every case goes through the package's public API only (`require` of the
// built package, the real native addon) against a scripted listener of `conformance-server` (the
// Rust binary in tests/conformance, shared by the three runners) on a real local socket, and checks
// what went on the wire and what the call returned or threw.
//
// Covered: http_requests.json, http_retries.json, sse_streams.json, error_bodies.json (as the
// answer to agents.get), names.json (resolve_name via agents.create), ids.json (via calls that
// take that kind of id) and paths.json (via filesystem.read). sse_framing.json is parser-level
// with no public Node surface; the Rust runner covers it.
//
// Each test logs how many cases passed and fails with one line per failing case.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { sdk, repoDir } from "./helpers.mjs";

const E = sdk();
// The shared vectors; EVERRUNS_CONFORMANCE_VECTORS points the runner at another copy (e.g. a
// deliberately perturbed one, to see the runner fail).
const VECTORS = process.env.EVERRUNS_CONFORMANCE_VECTORS || join(repoDir, "tests", "conformance", "vectors");
const CASE_TIMEOUT_MS = 60_000;
const LANG_UA = /^everruns-node-sdk\/\S+$/;

const AGENT_ID = "agent_00000000000000000000000000000002";
const SESSION_ID = "session_00000000000000000000000000000001";
const AGENT_BODY = {
  id: AGENT_ID,
  name: "a",
  system_prompt: "p",
  harness_id: "harness_00000000000000000000000000000003",
  status: "active",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const SESSION_BODY = {
  id: SESSION_ID,
  organization_id: "org_00000000000000000000000000000004",
  harness_id: "harness_00000000000000000000000000000003",
  status: "idle",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};
const FILE_BODY = {
  id: "f",
  session_id: SESSION_ID,
  path: "/a.md",
  name: "a.md",
  is_directory: false,
  is_readonly: false,
  size_bytes: 2,
  content: "hi",
  encoding: "text",
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

function load(name) {
  return JSON.parse(readFileSync(join(VECTORS, name), "utf8"));
}

// --- vocabulary --------------------------------------------------------------------------------

const KIND_CLASSES = {
  validation: [E.ValidationError],
  authentication: [E.AuthenticationError],
  permission: [E.PermissionDeniedError],
  not_found: [E.NotFoundError],
  conflict: [E.ConflictError],
  rate_limited: [E.RateLimitError],
  network: [E.NetworkError, E.TimeoutError],
};

/**
 * The exact error class(es) for a vector error kind. `api` is "any other status": ServerError
 * (the package's documented class for 5xx) when the status is 5xx, otherwise ApiError itself.
 */
function expectedClasses(kind, status) {
  if (kind === "api") return status !== undefined && status !== null && status >= 500 ? [E.ServerError] : [E.ApiError];
  const c = KIND_CLASSES[kind];
  if (!c) throw new Error(`unknown error kind ${JSON.stringify(kind)} in the vectors`);
  return c;
}

function classProblem(err, kind, status) {
  const want = expectedClasses(kind, status);
  if (!want.some((c) => err?.constructor === c)) {
    return `threw ${err?.constructor?.name} (${String(err)}), expected exactly ${want.map((c) => c.name).join(" or ")} for ${JSON.stringify(kind)}`;
  }
  return undefined;
}

// Known divergences of the Node package from the vectors: real cross-language bugs, reported to
// the package owner, not accepted behaviour. They are still checked exactly (the divergent shape
// below, else a plain failure), every affected case is logged on each run and does not count as
// passed, and once the package conforms the runner fails until the entry is removed.
// EVERRUNS_CONFORMANCE_STRICT=1 turns them into failures.
const STRICT = process.env.EVERRUNS_CONFORMANCE_STRICT === "1";
const KNOWN_DIVERGENCES = {
  // None at present. An entry maps an id to a predicate that accepts one documented way a
  // message may differ; every listed divergence is logged on each run.
};

/** Compares an error message with the vector's, allowing only the listed known divergence. */
function checkMessage(out, got, want) {
  const id = "node-error-message";
  if (got === want) {
    if (KNOWN_DIVERGENCES[id] && !STRICT) {
      out.push(`known divergence ${id} no longer occurs (message ${show(got)} conforms): remove it from KNOWN_DIVERGENCES`);
    }
    return;
  }
  if (KNOWN_DIVERGENCES[id]?.(got, want)) out.push({ known: id, text: `message ${show(got)} != ${show(want)}` });
  else out.push(`message ${show(got)} != ${show(want)}`);
}

function makeClient(v, baseUrl, overrides = {}) {
  const c = v.client ?? {};
  return new E.Everruns({
    apiKey: c.api_key ?? "evr_test_key",
    baseUrl,
    orgId: c.org_id,
    maxRetries: c.max_retries,
    retryBaseDelayMs: c.retry_base_delay_ms,
    retryMaxDelayMs: c.retry_max_delay_ms,
    maxRetryAfterMs: c.max_retry_after_ms,
    readEnv: false,
    ...overrides,
  });
}

/** Performs a vector `call` with the Node SDK. */
async function perform(client, call, a) {
  switch (call) {
    case "agents.get":
      return client.agents.get(a.id);
    case "agents.list":
      return client.agents.list({ search: a.search, offset: a.offset, limit: a.limit });
    case "agents.create":
      return client.agents.create({
        name: a.name,
        systemPrompt: a.system_prompt,
        displayName: a.display_name ?? undefined,
      });
    case "agents.delete":
      return client.agents.delete(a.id);
    case "sessions.create":
      return client.sessions.create({ agentId: a.agent_id, title: a.title, harnessId: a.harness_id });
    case "sessions.get":
      return client.sessions.get(a.id);
    case "sessions.cancel":
      return client.sessions.cancel(a.id);
    case "messages.create":
      return client.messages.create(a.session_id, a.text);
    case "events.list":
      return client.events.list(a.session_id, { sinceId: a.since_id, types: a.types, exclude: a.exclude });
    case "filesystem.read":
      return client.filesystem.read(a.session_id, a.path);
    case "filesystem.list":
      return client.filesystem.list(a.session_id, a.path);
    default:
      throw new Error(`unknown call ${JSON.stringify(call)} in the vectors`);
  }
}

function subset(expected, actual) {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    return (
      actual !== null &&
      typeof actual === "object" &&
      !Array.isArray(actual) &&
      Object.entries(expected).every(([k, v]) => k in actual && subset(v, actual[k]))
    );
  }
  try {
    assert.deepStrictEqual(actual, expected);
    return true;
  } catch {
    return false;
  }
}

const same = (a, b) => subset(b, a) && subset(a, b);
const show = (x) => JSON.stringify(x);
const pairs = (v) => v.map(([k, val]) => [k, val]);

function jsonBody(req) {
  try {
    return JSON.parse(req.body.toString("utf8"));
  } catch {
    return undefined;
  }
}

const sinceIdOf = (req) => req.query.find(([k]) => k === "since_id")?.[1] ?? null;
const isSdkError = (e) => e instanceof E.EverrunsError;

// --- running -----------------------------------------------------------------------------------

/**
 * Runs the cases concurrently; logs the count; fails naming every failing case. A problem is a
 * string (a failure) or `{ known, text }` (a listed known divergence, see KNOWN_DIVERGENCES).
 */
async function runCases(title, cases) {
  const results = await Promise.all(
    cases.map(async ([name, run]) => {
      let timer;
      let problems;
      try {
        problems = await Promise.race([
          run(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not finish within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
          }),
        ]);
      } catch (e) {
        problems = [`unexpected ${e?.constructor?.name}: ${String(e)}`];
      } finally {
        clearTimeout(timer);
      }
      const label = `${title}: case ${JSON.stringify(name)}`;
      return {
        failures: problems.filter((p) => typeof p === "string" || STRICT).map((p) => `${label}: ${p.text ?? p}`),
        known: STRICT ? [] : problems.filter((p) => typeof p !== "string").map((p) => `${label}: [${p.known}] ${p.text}`),
      };
    }),
  );
  const failed = results.filter((r) => r.failures.length > 0).length;
  const knownOnly = results.filter((r) => r.failures.length === 0 && r.known.length > 0);
  const passed = results.length - failed - knownOnly.length;
  let line = `[conformance/node] ${title}: ${passed}/${cases.length} cases passed`;
  if (knownOnly.length > 0) line += `, ${knownOnly.length} differ only by KNOWN DIVERGENCES (bugs, not accepted behaviour)`;
  console.log(line);
  for (const r of knownOnly) for (const k of r.known) console.log(`[conformance/node]   KNOWN DIVERGENCE ${k}`);
  if (failed > 0) assert.fail(results.flatMap((r) => r.failures).join("\n"));
}

// --- the conformance server --------------------------------------------------------------------

/** $EVERRUNS_CONFORMANCE_SERVER_BIN, else `conformance-server` built with cargo. */
function conformanceServerBin() {
  const env = process.env.EVERRUNS_CONFORMANCE_SERVER_BIN;
  if (env) {
    if (!existsSync(env)) throw new Error(`EVERRUNS_CONFORMANCE_SERVER_BIN=${env} does not exist`);
    return env;
  }
  const targetDir = process.env.CARGO_TARGET_DIR || join(repoDir, "target");
  execFileSync("cargo", ["build", "-p", "everruns-conformance", "--bin", "conformance-server"], {
    cwd: repoDir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return join(targetDir, "debug", "conformance-server");
}

/** Starts the conformance server; resolves with its control URL. It exits when its stdin closes. */
async function startConformanceServer() {
  const proc = spawn(conformanceServerBin(), [], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once("line", (line) => {
      lines.close();
      resolve(line);
    });
    proc.once("exit", (code) => reject(new Error(`conformance-server exited with ${code}`)));
  });
  const prefix = "conformance-server listening on ";
  if (!first.startsWith(prefix)) throw new Error(`conformance-server did not start (first line ${show(first)})`);
  after(() => proc.stdin.end());
  return first.slice(prefix.length);
}

const CONTROL = await startConformanceServer();

/** One control-plane request; the decoded JSON answer (undefined when empty). */
async function control(method, path, body) {
  const r = await fetch(`${CONTROL}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`conformance-server ${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Runs `body(srv)` against a scripted listener (see tests/conformance/src/script.rs) that is
 * closed afterwards. `srv.captured()`, `srv.requestsTo(method, path)` and `srv.sseRequests()`
 * resolve with the requests received so far.
 */
async function withServer({ routes = [], defaultResponse, sseConnections }, body) {
  const { id, base_url: baseUrl } = await control("POST", "/scripts", {
    routes,
    default: defaultResponse,
    sse_connections: sseConnections,
  });
  const captured = () => control("GET", `/scripts/${id}/requests`);
  const srv = {
    baseUrl,
    captured,
    requestsTo: async (method, path) => (await captured()).filter((r) => r.method === method && r.path === path),
    sseRequests: async () => (await captured()).filter((r) => r.path.endsWith("/sse")),
  };
  try {
    return await body(srv);
  } finally {
    await control("DELETE", `/scripts/${id}`);
  }
}

/** The call throws the validation class before anything reaches the server. */
async function expectRejected(v, srv, call, args, kind) {
  const client = makeClient(v, srv.baseUrl);
  const out = [];
  try {
    await perform(client, call, args);
    out.push("the call succeeded, expected a client-side rejection");
  } catch (err) {
    if (!isSdkError(err)) throw err;
    const p = classProblem(err, kind, undefined);
    if (p) out.push(p);
    else if (err.status !== undefined) out.push(`status ${err.status}: the error came from the server, not the client`);
  } finally {
    await client.close();
  }
  const captured = await srv.captured();
  if (captured.length > 0) out.push(`a request was sent: ${show(captured.map((r) => [r.method, r.path]))}`);
  return out;
}

// --- http_requests.json ------------------------------------------------------------------------

test("conformance: http_requests.json", { timeout: 300_000 }, async () => {
  const v = load("http_requests.json");
  const requestCase = (c) => () =>
    withServer({ routes: [[c.expect.method, c.expect.path, [c.response]]], defaultResponse: v.default_response }, async (srv) => {
      const e = c.expect;
      const client = makeClient(v, srv.baseUrl);
      try {
        await perform(client, c.call, c.args);
      } catch (err) {
        if (!isSdkError(err)) throw err;
        return [`call failed: ${err.constructor.name}: ${err.message}`];
      } finally {
        await client.close();
      }
      const matching = await srv.requestsTo(e.method, e.path);
      if (matching.length === 0) {
        return [`no ${e.method} ${e.path} request; saw ${show((await srv.captured()).map((r) => [r.method, r.path]))}`];
      }
      const req = matching[0];
      const out = [];
      if (!same(req.query, pairs(e.query))) out.push(`query ${show(req.query)} != ${show(e.query)}`);
      for (const [k, want] of Object.entries(e.headers ?? {})) {
        if (req.headers[k] !== want) out.push(`header ${k}: ${show(req.headers[k])} != ${show(want)}`);
      }
      if (e.user_agent_pattern !== undefined) {
        const ua = req.headers["user-agent"] ?? "";
        if (!new RegExp(e.user_agent_pattern).test(ua) || !LANG_UA.test(ua)) {
          out.push(`user-agent ${show(ua)} does not match ${e.user_agent_pattern} / ${LANG_UA.source}`);
        }
        if (req.headers["x-sdk-version"] !== ua) out.push(`x-sdk-version ${show(req.headers["x-sdk-version"])} != user-agent ${show(ua)}`);
      }
      if (e.body_subset !== undefined) {
        const body = jsonBody(req);
        if (!subset(e.body_subset, body)) out.push(`body ${show(body)} lacks ${show(e.body_subset)}`);
      }
      return out;
    });
  const rejectedCase = (c) => () =>
    withServer({ defaultResponse: v.default_response }, (srv) => expectRejected(v, srv, c.call, c.args, c.error_kind));
  await runCases("http_requests.json", [
    ...v.cases.map((c) => [c.name, requestCase(c)]),
    ...v.rejected_before_sending.map((c) => [`rejected: ${c.name}`, rejectedCase(c)]),
  ]);
});

// --- http_retries.json -------------------------------------------------------------------------

test("conformance: http_retries.json", { timeout: 300_000 }, async () => {
  const v = load("http_retries.json");
  const retryCase = (c) => async () => {
    const m = c.match;
    const e = c.expect;
    let err;
    let attempts;
    await withServer({ routes: [[m.method, m.path, c.responses]], defaultResponse: v.default_response }, async (srv) => {
      const client = makeClient(v, srv.baseUrl);
      try {
        await perform(client, c.call, c.args);
      } catch (x) {
        if (!isSdkError(x)) throw x;
        err = x;
      } finally {
        await client.close();
      }
      attempts = (await srv.requestsTo(m.method, m.path)).length;
    });
    const out = [];
    if (attempts !== e.attempts) out.push(`attempts ${attempts} != ${e.attempts} (error: ${String(err)})`);
    if (e.outcome === "ok") {
      if (err !== undefined) out.push(`expected success, got ${err.constructor.name}: ${err.message}`);
      return out;
    }
    if (err === undefined) return [...out, "expected an error, the call succeeded"];
    const p = classProblem(err, e.error_kind, e.error_status);
    if (p) out.push(p);
    if (e.error_status !== undefined && err.status !== e.error_status) out.push(`status ${err.status} != ${e.error_status}`);
    if (e.error_code !== undefined && err.code !== e.error_code) out.push(`code ${show(err.code)} != ${show(e.error_code)}`);
    if (e.error_message !== undefined) checkMessage(out, err.message, e.error_message);
    if (e.error_request_id !== undefined && err.requestId !== e.error_request_id) {
      out.push(`requestId ${show(err.requestId)} != ${show(e.error_request_id)}`);
    }
    return out;
  };
  await runCases("http_retries.json", v.cases.map((c) => [c.name, retryCase(c)]));
});

// --- sse_streams.json --------------------------------------------------------------------------

test("conformance: sse_streams.json", { timeout: 300_000 }, async () => {
  const v = load("sse_streams.json");
  const so = v.stream_options;
  const streamCase = (c) => async () => {
    const o = c.options ?? {};
    const e = c.expect;
    const ids = [];
    const types = [];
    let err;
    let connections;
    await withServer({ sseConnections: c.connections, defaultResponse: v.default_response }, async (srv) => {
      const client = makeClient(v, srv.baseUrl);
      const stream = client.events.stream(v.session_id, {
        fromBeginning: Boolean(so.from_beginning),
        types: o.types,
        exclude: o.exclude,
        livenessTimeoutMs: o.liveness_timeout_ms,
        initialBackoffMs: so.initial_backoff_ms,
        maxBackoffMs: so.max_backoff_ms,
      });
      try {
        for await (const ev of stream) {
          ids.push(ev.id);
          types.push(ev.type);
          if (ev.type === c.stop_after_type) break;
        }
      } catch (x) {
        if (!isSdkError(x)) throw x;
        err = x;
      } finally {
        stream.abort();
        await client.close();
      }
      connections = await srv.sseRequests();
    });
    const out = [];
    if (!same(ids, e.ids)) out.push(`ids ${show(ids)} != ${show(e.ids)}`);
    if (e.types !== undefined && !same(types, e.types)) out.push(`types ${show(types)} != ${show(e.types)}`);
    const since = connections.map(sinceIdOf);
    if (!same(since, e.since_ids)) out.push(`since_id per connection ${show(since)} != ${show(e.since_ids)}`);
    if (e.query_first !== undefined) {
      const got = connections.length > 0 ? connections[0].query.filter(([k]) => k === "types" || k === "exclude") : [];
      if (!same(got, pairs(e.query_first))) out.push(`filters on the first connection ${show(got)} != ${show(e.query_first)}`);
    }
    // `retry_count` (unexpected drops) is not part of the Node public API; the Rust runner
    // checks it.
    if (e.error_kind !== undefined) {
      if (err === undefined) out.push(`expected a ${e.error_kind} error, the stream ended without one`);
      else {
        const p = classProblem(err, e.error_kind, err.status);
        if (p) out.push(p);
        if (e.error_code !== undefined && err.code !== e.error_code) out.push(`code ${show(err.code)} != ${show(e.error_code)}`);
      }
    } else if (err !== undefined) {
      out.push(`unexpected error ${err.constructor.name}: ${err.message}`);
    }
    return out;
  };
  await runCases("sse_streams.json", v.cases.map((c) => [c.name, streamCase(c)]));
});

// --- error_bodies.json -------------------------------------------------------------------------

test("conformance: error_bodies.json", { timeout: 300_000 }, async () => {
  const v = load("error_bodies.json");
  const path = `/api/v1/agents/${AGENT_ID}`;
  const bodyCase = (c) => () =>
    withServer({ routes: [["GET", path, [{ status: c.status, body: c.body }]]] }, async (srv) => {
      const client = makeClient(v, srv.baseUrl, { maxRetries: 0 });
      const out = [];
      try {
        await client.agents.get(AGENT_ID);
        return ["the call succeeded, expected an error"];
      } catch (err) {
        if (!isSdkError(err)) throw err;
        if (!(err instanceof E.ApiError)) {
          out.push(`threw ${err.constructor.name} (${err.message}), expected an ApiError subclass`);
        } else {
          if (err.status !== c.status) out.push(`status ${err.status} != ${c.status}`);
          if (err.code !== c.code) out.push(`code ${show(err.code)} != ${show(c.code)}`);
          checkMessage(out, err.message, c.message);
          if (err instanceof E.RateLimitError) {
            const want = c.retry_after_seconds === null ? undefined : c.retry_after_seconds * 1000;
            if (err.retryAfterMs !== want) out.push(`retryAfterMs ${err.retryAfterMs} != ${want}`);
          }
        }
      } finally {
        await client.close();
      }
      const n = (await srv.requestsTo("GET", path)).length;
      if (n !== 1) out.push(`${n} attempts with maxRetries 0`);
      return out;
    });
  await runCases("error_bodies.json", v.cases.map((c) => [c.name, bodyCase(c)]));
});

// --- names.json --------------------------------------------------------------------------------

test("conformance: names.json resolve_name", { timeout: 300_000 }, async () => {
  const v = load("names.json");
  const createCase = (c) => () =>
    withServer({ routes: [["POST", "/api/v1/agents", [{ status: 201, body: AGENT_BODY }]]] }, async (srv) => {
      const args = { name: c.input, system_prompt: "p", display_name: c.display_name };
      if (c.error !== undefined) return expectRejected(v, srv, "agents.create", args, "validation");
      const client = makeClient(v, srv.baseUrl);
      try {
        await perform(client, "agents.create", args);
      } catch (err) {
        if (!isSdkError(err)) throw err;
        return [`call failed: ${err.constructor.name}: ${err.message}`];
      } finally {
        await client.close();
      }
      const sent = await srv.requestsTo("POST", "/api/v1/agents");
      if (sent.length !== 1) return [`${sent.length} POST /api/v1/agents requests, expected 1`];
      const body = jsonBody(sent[0]) ?? {};
      const out = [];
      if (body.name !== c.name) out.push(`name ${show(body.name)} != ${show(c.name)}`);
      if ((body.display_name ?? null) !== c.resolved_display_name) {
        out.push(`display_name ${show(body.display_name)} != ${show(c.resolved_display_name)}`);
      }
      return out;
    });
  await runCases(
    "names.json resolve_name",
    v.resolve_name.map((c) => [`resolve_name(${show(c.input)}, ${show(c.display_name)})`, createCase(c)]),
  );
});

// --- ids.json ----------------------------------------------------------------------------------

// Each id kind through a call that takes exactly that kind of id (strict validation, no name
// fallback): [call, args, method, raw path on the wire, response].
const ID_CALLS = {
  agent: (i) => ["agents.delete", { id: i }, "DELETE", `/api/v1/agents/${i}`, { status: 204, body: null }],
  session: (i) => ["sessions.get", { id: i }, "GET", `/api/v1/sessions/${i}`, { status: 200, body: SESSION_BODY }],
  event: (i) => [
    "events.list",
    { session_id: SESSION_ID, since_id: i },
    "GET",
    `/api/v1/sessions/${SESSION_ID}/events`,
    { status: 200, body: { data: [] } },
  ],
  harness: (i) => ["sessions.create", { harness_id: i }, "POST", "/api/v1/sessions", { status: 201, body: SESSION_BODY }],
};

test("conformance: ids.json", { timeout: 300_000 }, async () => {
  const v = load("ids.json");
  const idCase = (c) => async () => {
    if (!ID_CALLS[c.kind]) return [`no call for id kind ${show(c.kind)}`];
    const [call, args, method, path, response] = ID_CALLS[c.kind](c.value);
    return withServer({ routes: [[method, path, [response]]] }, async (srv) => {
      if (!c.valid) return expectRejected(v, srv, call, args, "validation");
      const client = makeClient(v, srv.baseUrl);
      try {
        await perform(client, call, args);
      } catch (err) {
        if (!isSdkError(err)) throw err;
        return [`${call} failed: ${err.constructor.name}: ${err.message}`];
      } finally {
        await client.close();
      }
      const sent = await srv.requestsTo(method, path);
      if (sent.length !== 1) return [`${sent.length} ${method} ${path} requests, expected 1`];
      if (c.kind === "event" && sinceIdOf(sent[0]) !== c.value) return [`since_id ${show(sinceIdOf(sent[0]))} != ${show(c.value)}`];
      return [];
    });
  };
  await runCases(
    "ids.json",
    v.cases.map((c) => [`${c.kind} ${show(c.value)} valid=${c.valid}`, idCase(c)]),
  );
});

// --- paths.json --------------------------------------------------------------------------------

test("conformance: paths.json", { timeout: 300_000 }, async () => {
  const v = load("paths.json");
  const prefix = `/api/v1/sessions/${SESSION_ID}/fs`;
  const pathCase = ([raw, normalized]) => () =>
    withServer({ defaultResponse: { status: 200, body: FILE_BODY } }, async (srv) => {
      const args = { session_id: SESSION_ID, path: raw };
      if (normalized === null) return expectRejected(v, srv, "filesystem.read", args, "validation");
      const client = makeClient(v, srv.baseUrl);
      try {
        await perform(client, "filesystem.read", args);
      } catch (err) {
        if (!isSdkError(err)) throw err;
        return [`filesystem.read failed: ${err.constructor.name}: ${err.message}`];
      } finally {
        await client.close();
      }
      const captured = await srv.captured();
      const sent = captured.filter((r) => r.method === "GET" && r.path.startsWith(prefix));
      if (sent.length !== 1 || captured.length !== 1) {
        return [`expected one GET ${prefix}…, saw ${show(captured.map((r) => [r.method, r.path]))}`];
      }
      return [];
    });
  await runCases(
    "paths.json",
    v.cases.map((c) => [`${show(c[0])} -> ${show(c[1])}`, pathCase(c)]),
  );
});
