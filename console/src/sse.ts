// The session event stream over `fetch()`: EventSource cannot send an `Authorization` header,
// so the console reads the SSE body itself. It keeps the last event id, reconnects with
// `since_id` after a drop (backoff 1 s doubling to 10 s, with jitter; the server's
// `disconnecting` frame gives the delay of a graceful cycle) and drops any event id it has
// already delivered, so the page never shows an event twice.

import { apiUrl, authHeaders } from "./api";
import type { EventEnvelope } from "./types";

/** One parsed SSE frame. */
export interface SseFrame {
  event: string;
  id: string | null;
  data: string;
}

/** Incremental SSE parser (WHATWG rules: `\n`, `\r\n` or `\r` line ends; comments ignored). */
export class SseParser {
  private buf = "";
  private event = "";
  private id: string | null = null;
  private data: string[] = [];
  /** The last chunk ended with `\r`: a `\n` starting the next one belongs to it. */
  private skipLf = false;

  /** Feeds decoded text; returns the frames it completed. */
  push(text: string): SseFrame[] {
    if (this.skipLf && text.startsWith("\n")) text = text.slice(1);
    this.skipLf = false;
    this.buf += text;
    const out: SseFrame[] = [];
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buf);
      if (!m) break;
      // A `\r` ending the chunk ends the line now (the frame is not held back); a `\n`
      // arriving next is then the rest of a `\r\n`.
      if (m[0] === "\r" && m.index === this.buf.length - 1) this.skipLf = true;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === "") {
        if (this.data.length > 0 || this.event) {
          out.push({ event: this.event || "message", id: this.id, data: this.data.join("\n") });
        }
        this.event = "";
        this.id = null;
        this.data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (name === "event") this.event = value;
      else if (name === "data") this.data.push(value);
      else if (name === "id") this.id = value;
    }
    return out;
  }
}

/** Connection state shown to the user. */
export type StreamState = "connecting" | "live" | "reconnecting" | "failed" | "closed";

/** Callbacks of a stream. */
export interface StreamHandlers {
  /** A new event (never the same id twice). */
  onEvent(e: EventEnvelope): void;
  /** The connection changed state; `detail` explains failures. */
  onState(state: StreamState, detail?: string): void;
}

const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10000;
const IDLE_TIMEOUT_MS = 45000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Follows `GET /api/v1/sessions/{id}/sse` until `stop()`. */
export class SessionStream {
  /** Id of the last delivered event (the resume cursor). */
  lastId: string | null = null;
  /** Ids already delivered. */
  private readonly seen = new Set<string>();
  private readonly stopper = new AbortController();
  private conn: AbortController | null = null;
  /** Connections opened so far (the first one included). */
  connections = 0;

  constructor(
    private readonly sessionId: string,
    private readonly handlers: StreamHandlers,
  ) {}

  /** Starts following (returns at once). */
  start(): void {
    void this.run();
  }

  /** Stops for good. */
  stop(): void {
    this.stopper.abort();
    this.conn?.abort();
    this.handlers.onState("closed");
  }

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    let backoff = INITIAL_BACKOFF_MS;
    while (!this.stopped) {
      this.handlers.onState(this.connections === 0 ? "connecting" : "reconnecting");
      let delay: number | null = null;
      try {
        const r = await this.connectOnce();
        if (r.fatal) {
          this.handlers.onState("failed", r.fatal);
          return;
        }
        if (r.connected) backoff = INITIAL_BACKOFF_MS;
        delay = r.gracefulDelay;
      } catch {
        // network error, dropped body, idle timeout: retried below
      }
      if (this.stopped) return;
      if (delay === null) {
        this.handlers.onState("reconnecting");
        delay = backoff + Math.random() * 250;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
      await sleep(delay, this.stopper.signal);
    }
  }

  /** One connection; resolves when it ends (`gracefulDelay` set after `disconnecting`). */
  private async connectOnce(): Promise<{ fatal?: string; connected: boolean; gracefulDelay: number | null }> {
    const conn = new AbortController();
    this.conn = conn;
    this.connections += 1;
    const q = this.lastId ? `?since_id=${encodeURIComponent(this.lastId)}` : "";
    const res = await fetch(apiUrl(`/sessions/${encodeURIComponent(this.sessionId)}/sse${q}`), {
      headers: authHeaders({ Accept: "text/event-stream", "Cache-Control": "no-cache" }),
      cache: "no-store",
      signal: conn.signal,
    });
    if (!res.ok || !res.body) {
      const fatal = [400, 401, 403, 404].includes(res.status);
      const text = await res.text().catch(() => "");
      let msg = `HTTP ${res.status}`;
      try {
        const b = JSON.parse(text);
        msg = b.detail ?? b.error?.message ?? msg;
      } catch {
        /* not JSON */
      }
      if (fatal) return { fatal: msg, connected: false, gracefulDelay: null };
      throw new Error(msg);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    // stop() and the idle watchdog abort `conn`: end the pending read too
    conn.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
    const parser = new SseParser();
    let connected = false;
    let graceful: number | null = null;
    let idle = setTimeout(() => conn.abort(), IDLE_TIMEOUT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(idle);
        idle = setTimeout(() => conn.abort(), IDLE_TIMEOUT_MS);
        for (const f of parser.push(value)) {
          if (f.event === "connected") {
            connected = true;
            this.handlers.onState("live");
          } else if (f.event === "disconnecting") {
            graceful = 100;
            try {
              const ms = JSON.parse(f.data).retry_ms;
              if (typeof ms === "number" && ms >= 0) graceful = ms;
            } catch {
              /* default delay */
            }
          } else {
            this.deliver(f);
          }
        }
      }
    } finally {
      clearTimeout(idle);
      conn.abort();
    }
    if (graceful === null) throw new Error("stream ended without disconnecting");
    return { connected, gracefulDelay: graceful };
  }

  private deliver(f: SseFrame): void {
    let e: EventEnvelope;
    try {
      e = JSON.parse(f.data);
    } catch {
      return; // malformed frame: skipped
    }
    const id = e.id ?? f.id;
    if (!id || this.seen.has(id)) return;
    this.seen.add(id);
    this.lastId = id;
    this.handlers.onEvent(e);
  }
}
