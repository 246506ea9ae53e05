// Test helpers: the real reference server (everruns-server) on a free port, tiny local HTTP
// servers for statuses the reference server does not produce on demand, and wait helpers.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
export const pkgDir = resolve(here, "..");
export const repoDir = resolve(pkgDir, "..");
export const require = createRequire(import.meta.url);

/** Generous timeout for anything that waits on the server. */
export const LONG = 120_000;

let binCache;
/** Path of the everruns-server binary: $EVERRUNS_SERVER_BIN, else built with cargo. */
export function serverBin() {
  if (binCache) return binCache;
  if (process.env.EVERRUNS_SERVER_BIN && existsSync(process.env.EVERRUNS_SERVER_BIN)) {
    binCache = process.env.EVERRUNS_SERVER_BIN;
    return binCache;
  }
  const targetDir = process.env.CARGO_TARGET_DIR || join(repoDir, "target");
  execFileSync("cargo", ["build", "-p", "everruns-server"], {
    cwd: repoDir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  binCache = join(targetDir, "debug", "everruns-server");
  return binCache;
}

/**
 * Starts the reference server (`--dev` unless `dev: false`) with its own SQLite database and
 * resolves once it prints `listening on http://HOST:PORT`. `restart()` stops it and starts it
 * again on the same port with the same database.
 */
export async function startServer({ dev = true, env = {}, args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "everruns-node-test-"));
  const db = `sqlite://${join(dir, "db.sqlite")}`;
  const state = { proc: undefined, origin: undefined, port: 0, dir, logs: [] };

  async function launch(port) {
    const argv = [
      ...(dev ? ["--dev"] : []),
      "--addr",
      `127.0.0.1:${port}`,
      "--database-url",
      db,
      ...args,
    ];
    const proc = spawn(serverBin(), argv, {
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    state.proc = proc;
    proc.stderr.on("data", (d) => {
      state.logs.push(d.toString());
      if (state.logs.length > 200) state.logs.shift();
    });
    const origin = await new Promise((resolveUrl, reject) => {
      let buf = "";
      const timer = setTimeout(
        () => reject(new Error(`server did not start in time:\n${state.logs.join("")}`)),
        LONG,
      );
      proc.stdout.on("data", (d) => {
        buf += d.toString();
        const m = buf.match(/listening on (http:\/\/[0-9.]+:(\d+))/);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]);
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}:\n${state.logs.join("")}`));
      });
    });
    state.origin = origin;
    state.port = Number(new URL(origin).port);
  }

  async function stop() {
    const proc = state.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  }

  await launch(0);
  return {
    get origin() {
      return state.origin;
    },
    get baseUrl() {
      return `${state.origin}/api`;
    },
    get port() {
      return state.port;
    },
    get logs() {
      return state.logs.join("");
    },
    stop,
    async restart() {
      await stop();
      // The same port, so clients reconnect to it; retry while the old socket is released.
      let lastErr;
      for (let i = 0; i < 40; i++) {
        try {
          await launch(state.port);
          return;
        } catch (e) {
          lastErr = e;
          await sleep(250);
        }
      }
      throw lastErr;
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A local HTTP server answering with `handler(req, res, body)`; resolves `{ url, close, hits }`
 * where `url` is the base URL (`…/api`) and `hits` counts requests per path.
 */
export async function localServer(handler) {
  const hits = new Map();
  const sockets = new Set();
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const path = new URL(req.url, "http://x").pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      handler(req, res, body);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/api`,
    hits,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(r);
      }),
  };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Streams a session's events until a terminal event; returns them all. */
export async function collectTurn(client, sessionId, options = {}) {
  const events = [];
  for await (const e of client.events.stream(sessionId, options)) {
    events.push(e);
    if (["turn.completed", "turn.failed", "turn.cancelled"].includes(e.type)) break;
  }
  return events;
}

/** The text parts of an `output.message.completed` event. */
export function messageText(event) {
  const parts = event?.data?.message?.content ?? [];
  return parts
    .filter((p) => p.type === "text")
    .map((p) => p.text)
    .join("\n");
}

/** Loads the package the way users do (CommonJS build). */
export function sdk() {
  return require(pkgDir);
}
