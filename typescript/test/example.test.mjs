// The quick-start example (examples/typescript/quickstart.ts) compiles under --strict and runs
// as written against the real reference server (dev mode: the llmsim provider answers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync, rmSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, pkgDir, repoDir, LONG } from "./helpers.mjs";

test("examples/typescript/quickstart.ts runs against the reference server", { timeout: LONG * 2 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "everruns-node-example-"));
  const server = await startServer();
  try {
    // Resolve `@everruns/sdk` to this package, as an installed dependency would.
    mkdirSync(join(dir, "node_modules", "@everruns"), { recursive: true });
    symlinkSync(pkgDir, join(dir, "node_modules", "@everruns", "sdk"), "dir");
    const out = join(dir, "out");
    execFileSync(
      join(pkgDir, "node_modules", ".bin", "tsc"),
      ["-p", join(repoDir, "examples", "typescript", "tsconfig.json"), "--strict", "--outDir", out],
      { stdio: "inherit" },
    );
    const child = spawn(process.execPath, [join(out, "quickstart.js")], {
      env: {
        ...process.env,
        NODE_PATH: join(dir, "node_modules"),
        EVERRUNS_API_URL: server.baseUrl,
        EVERRUNS_API_KEY: "dev",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), LONG);
    const [code] = await once(child, "exit");
    clearTimeout(timer);
    assert.equal(code, 0, output);
    assert.match(output, /Agent created: agent_[0-9a-f]{32} \(research-assistant\)/);
    assert.match(output, /Session created: session_[0-9a-f]{32}/);
    assert.match(output, /\[Turn completed\]/);
    assert.match(output, /Cleaned up\./);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
