// Parity: the Node client exposes every operation of the core's table under its camelCase name,
// with JavaScript's argument rule (ids and paths positional with the table's defaults, one
// trailing options object when the operation has other parameters), and no undeclared public
// method. The table is read from the compiled core and from core/generated/operations.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pkgDir, require } from "./helpers.mjs";

const E = require(pkgDir);
const table = JSON.parse(readFileSync(join(pkgDir, "..", "core", "generated", "operations.json"), "utf8"));
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The parameter list of a compiled method: [{ name, def }] (`def`: default source text). */
function params(fn) {
  const src = fn.toString();
  const inner = src.slice(src.indexOf("(") + 1, src.indexOf(")"));
  return inner
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [name, def] = p.split("=").map((x) => x.trim());
      return { name, def };
    });
}

test("the compiled core and the generated table agree", () => {
  const native = require(join(pkgDir, "native", "index.js"));
  const compiled = JSON.parse(native.operations());
  assert.deepEqual(
    compiled.operations.map((o) => `${o.group}.${o.name}`),
    table.operations.map((o) => `${o.group}.${o.name}`),
  );
});

test("every operation, with the table's positional parameters and defaults", () => {
  const client = new E.Everruns({ apiKey: "k", baseUrl: "http://127.0.0.1:9/api", readEnv: false });
  let checked = 0;
  for (const group of table.groups) {
    const sub = client[camel(group)];
    assert.ok(sub, `client.${camel(group)}`);
    const ops = table.operations.filter((o) => o.group === group);
    const proto = Object.getPrototypeOf(sub);
    const actual = Object.getOwnPropertyNames(proto).filter((n) => n !== "constructor").sort();
    assert.deepEqual(actual, ops.map((o) => camel(o.name)).sort(), `${group}: undeclared or missing methods`);
    for (const op of ops) {
      const got = params(sub[camel(op.name)]);
      const addresses = op.params.filter((p) => p.role === "address");
      const others = op.params.filter((p) => p.role !== "address");
      const want = addresses.map((p) => ({
        name: camel(p.name),
        def: p.default === null ? undefined : JSON.stringify(p.default),
      }));
      if (others.length > 0 || op.kind !== "local") want.push({ name: "options", def: undefined });
      assert.deepEqual(got, want, `${group}.${op.name}`);
      checked += 1;
    }
  }
  assert.ok(checked === table.operations.length && checked >= 40, String(checked));
});

test("a string stands for the options object only where the table has one string primary", async () => {
  const client = new E.Everruns({ apiKey: "k", baseUrl: "http://127.0.0.1:9/api", readEnv: false, maxRetries: 0 });
  // agents.create has two primary parameters: a string is refused before anything is sent.
  await assert.rejects(client.agents.create("x"), (e) => e instanceof E.ValidationError && /options object/.test(e.message));
  // A typo in an options object names the accepted keys.
  await assert.rejects(
    client.agents.create({ name: "a", systemPromt: "typo" }),
    (e) => e instanceof E.ValidationError && /unknown field `systemPromt`/.test(e.message) && /systemPrompt/.test(e.message),
  );
});
