// Starts the real everruns-server binary for the console tests: a fresh SQLite file per run,
// a free port, and restart on the same port and database (to drop SSE connections mid-turn).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Path of the server binary ($EVERRUNS_SERVER_BIN, as in mk/console.mk). */
export const BIN = process.env.EVERRUNS_SERVER_BIN;

/** A server process over one database directory. */
export class TestServer {
  constructor({ dev = true } = {}) {
    if (!BIN) throw new Error("set EVERRUNS_SERVER_BIN to the everruns-server binary (make test-console does)");
    this.dev = dev;
    this.dir = mkdtempSync(join(tmpdir(), "everruns-console-"));
    this.dbUrl = `sqlite://${this.dir}/everruns.db`;
    this.port = 0;
    this.proc = null;
    this.log = [];
  }

  /** Starts (port 0 the first time, then the same port); resolves once it listens. */
  async start() {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#spawn();
        return this;
      } catch (e) {
        if (attempt >= 20 || this.port === 0) throw e;
        await new Promise((r) => setTimeout(r, 100)); // port still held: retry shortly
      }
    }
  }

  #spawn() {
    const args = ["--database-url", this.dbUrl, "--addr", `127.0.0.1:${this.port}`];
    if (this.dev) args.push("--dev");
    const proc = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
    this.proc = proc;
    proc.stderr.on("data", (d) => this.log.push(String(d)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${this.log.join("")}`)), 20000);
      createInterface({ input: proc.stdout }).on("line", (line) => {
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          this.origin = `http://127.0.0.1:${this.port}`;
          resolve();
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}):\n${this.log.join("")}`));
      });
    });
  }

  /** SIGKILL (no graceful `disconnecting`: clients see a dropped connection). */
  async kill9() {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await gone;
  }

  /** Graceful stop. */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (p.exitCode === null && !p.signalCode) p.kill("SIGKILL");
  }

  /** Stops and removes the database directory. */
  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Creates an API key with the binary's `keys create` (non-dev servers). */
  createKey() {
    const out = execFileSync(BIN, ["--database-url", this.dbUrl, "keys", "create", "--name", "console-test"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const m = /(evr_[A-Za-z0-9]+)/.exec(out);
    if (!m) throw new Error(`no key in: ${out}`);
    return m[1];
  }

  /** A JSON API call (`/api/v1` + path). */
  async api(method, path, body, key) {
    const headers = { "content-type": "application/json" };
    if (key) headers.authorization = key;
    const res = await fetch(`${this.origin}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return json;
  }
}
