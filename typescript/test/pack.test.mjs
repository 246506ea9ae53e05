// The published package, tested from the packed tarball: `npm pack` holds only what users
// need; a fresh project installs it (offline: it has no dependencies), `require`s and `import`s
// it, and its declarations type-check under --strict in both module modes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pkgDir, LONG } from "./helpers.mjs";

const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
let work;
let project;
let files;

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

before(() => {
  work = mkdtempSync(join(tmpdir(), "everruns-pack-"));
  const out = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], pkgDir));
  files = out[0].files.map((f) => f.path);
  project = join(work, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, out[0].filename)], project);
  // The checker's own tools (not part of the package): TypeScript and Node's types.
  mkdirSync(join(project, "node_modules", "@types"), { recursive: true });
  symlinkSync(join(pkgDir, "node_modules", "@types", "node"), join(project, "node_modules", "@types", "node"));
}, { timeout: LONG });

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tarball holds only what users need", () => {
  assert.ok(files.includes("package.json") && files.includes("README.md"), files.join("\n"));
  for (const need of ["dist/index.js", "dist/index.d.ts", "esm/index.mjs", "esm/index.d.mts", "native/index.js", "native/index.d.ts"]) {
    assert.ok(files.includes(need), `${need} missing from ${files.join(", ")}`);
  }
  assert.ok(files.some((f) => /^native\/everruns\..+\.node$/.test(f)), "no native addon");
  const unwanted = files.filter((f) => /^(ts|src|test|tests)\/|\.rs$|Cargo\.toml|tsconfig|\.tgz$|\.map$/.test(f));
  assert.deepEqual(unwanted, []);
});

test("a fresh project can require it (CommonJS)", () => {
  const out = run("node", ["-e", "const s = require('@everruns/sdk'); console.log(s.VERSION, typeof s.Everruns, typeof s.TlsError)"], project);
  assert.equal(out.trim(), `${pkg.version} function function`);
});

test("a fresh project can import it (ESM)", () => {
  const out = run(
    "node",
    ["--input-type=module", "-e", "import sdk, { Everruns, VERSION } from '@everruns/sdk'; console.log(VERSION, sdk.Everruns === Everruns)"],
    project,
  );
  assert.equal(out.trim(), `${pkg.version} true`);
});

test("its declarations type-check under --strict in both module modes", { timeout: LONG }, () => {
  const usage = (E, T) => `
const client = new ${E}({ apiKey: "dev", baseUrl: "http://127.0.0.1:9/api", proxy: "none" });
async function main(): Promise<string> {
  const agent = await client.agents.create({ name: "Typed", systemPrompt: "x" });
  try {
    await client.models.list();
  } catch (e) {
    if (e instanceof ${T}) return e.code;
  }
  return agent.id;
}
void main();
`;
  const named = `import { Everruns, TlsError } from "@everruns/sdk";${usage("Everruns", "TlsError")}`;
  writeFileSync(join(project, "esm.mts"), named);
  writeFileSync(join(project, "cjs.cts"), `import sdk = require("@everruns/sdk");${usage("sdk.Everruns", "sdk.TlsError")}`);
  writeFileSync(join(project, "classic.ts"), named);
  const tsc = join(pkgDir, "node_modules", "typescript", "bin", "tsc");
  const common = ["--strict", "--noEmit", "--target", "es2022", "--types", "node"];
  run("node", [tsc, ...common, "--module", "nodenext", "esm.mts", "cjs.cts"], project);
  run("node", [tsc, ...common, "--module", "commonjs", "--moduleResolution", "node10", "classic.ts"], project);
});
