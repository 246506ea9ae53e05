// `/sessions/{id}`: conversation with the streamed answer, message box, cancel, and the
// timeline / files tabs, all fed by one SSE stream (see `../sse.ts`).

import { api, ApiError } from "../api";
import { badge, focusHeading, h, notice, replace } from "../dom";
import { SessionStream, type StreamState } from "../sse";
import type { Agent, Session } from "../types";
import { Conversation } from "./conversation";
import { FilesPanel } from "./files";
import { Timeline } from "./timeline";

const TERMINAL = new Set(["turn.completed", "turn.failed", "turn.cancelled", "turn.sealed"]);

const STATE_TEXT: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  failed: "Stream stopped",
  closed: "Closed",
};

/** Tabs with the ARIA tab pattern (arrow keys move between tabs). */
function tabs(items: { id: string; label: string; panel: HTMLElement }[]): HTMLElement {
  const list = h("div", { role: "tablist", class: "tabs", "aria-label": "Session details" });
  const panels = items.map((it) =>
    h("div", { role: "tabpanel", id: `panel-${it.id}`, "aria-labelledby": `tab-${it.id}`, class: "tabpanel" }, it.panel),
  );
  const buttons = items.map((it, i) =>
    h("button", { type: "button", role: "tab", id: `tab-${it.id}`, "aria-controls": `panel-${it.id}`, onclick: () => select(i) }, it.label),
  );
  function select(i: number, focus = false): void {
    buttons.forEach((b, j) => {
      b.setAttribute("aria-selected", String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) buttons[i].focus();
  }
  list.addEventListener("keydown", (ev) => {
    const cur = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (cur < 0) return;
    const n = buttons.length;
    const next = ev.key === "ArrowRight" ? (cur + 1) % n : ev.key === "ArrowLeft" ? (cur + n - 1) % n
      : ev.key === "Home" ? 0 : ev.key === "End" ? n - 1 : -1;
    if (next >= 0) {
      ev.preventDefault();
      select(next, true);
    }
  });
  list.append(...buttons);
  select(0);
  return h("section", { class: "side" }, list, ...panels);
}

/** The session page. */
export function sessionPage(root: HTMLElement, params: Record<string, string>): () => void {
  const id = params.id;
  const title = h("h1", null, "Session");
  const statusBadge = h("span", { class: "status-slot" });
  const conn = h("span", { class: "conn conn-connecting", role: "status" }, STATE_TEXT.connecting);
  const agentLine = h("span", { class: "muted" });
  const status = h("div", { "aria-live": "polite", class: "status-line" });
  const convo = new Conversation();
  const timeline = new Timeline();
  const files = new FilesPanel(id);

  const input = h("textarea", {
    id: "message",
    name: "message",
    rows: 3,
    placeholder: "Message the agent (Enter sends, Shift+Enter for a new line)",
  });
  const send = h("button", { type: "submit", class: "primary" }, "Send");
  const cancel = h("button", { type: "button", class: "danger", disabled: true, onclick: () => void doCancel() }, "Cancel turn");
  const composer = h(
    "form",
    { class: "composer", onsubmit: (ev: SubmitEvent) => void doSend(ev) },
    h("label", { for: "message", class: "sr-only" }, "Message"),
    input,
    h("div", { class: "composer-actions" }, send, cancel),
  );
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });

  root.append(
    h(
      "div",
      { class: "page-head session-head" },
      h("div", null, h("a", { href: "/sessions", class: "muted small" }, "← Sessions"), title,
        h("div", { class: "meta" }, statusBadge, " ", agentLine, " ", h("span", { class: "mono small muted" }, id))),
      conn,
    ),
    status,
    h(
      "div",
      { class: "session-grid" },
      h("section", { class: "chat", "aria-label": "Conversation" }, h("div", { class: "chat-scroll" }, convo.el), convo.announcer, composer),
      tabs([
        { id: "timeline", label: "Timeline", panel: timeline.el },
        { id: "files", label: "Files", panel: files.el },
      ]),
    ),
  );
  focusHeading(root);

  let running = false;
  function setStatus(s: string): void {
    running = s === "active";
    cancel.disabled = !running;
    replace(statusBadge, badge(s));
    statusBadge.dataset.status = s;
  }

  async function doSend(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    try {
      await api.post(`/sessions/${encodeURIComponent(id)}/messages`, { message: { role: "user", content: [{ type: "text", text }] } });
      input.value = "";
      replace(status);
    } catch (e) {
      replace(status, notice(`Could not send: ${e instanceof ApiError ? e.message : e}`, "error"));
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  async function doCancel(): Promise<void> {
    try {
      const r = await api.post<{ status: string; message: string }>(`/sessions/${encodeURIComponent(id)}/cancel`, {});
      replace(status, notice(r.message || r.status));
    } catch (e) {
      replace(status, notice(`Could not cancel: ${e instanceof ApiError ? e.message : e}`, "error"));
    }
  }

  const stream = new SessionStream(id, {
    onEvent(e) {
      convo.apply(e);
      timeline.add(e);
      if (e.type === "turn.started" || e.type === "session.activated") setStatus("active");
      else if (TERMINAL.has(e.type) || e.type === "session.idled") setStatus("idle");
      else if (e.type === "file.written") files.refreshSoon();
      else if (e.type === "session.title.updated" && e.data.title) title.textContent = String(e.data.title);
    },
    onState(state, detail) {
      conn.textContent = detail ? `${STATE_TEXT[state]}: ${detail}` : STATE_TEXT[state];
      conn.className = `conn conn-${state}`;
      conn.dataset.state = state;
    },
  });

  (async () => {
    try {
      const s = await api.get<Session>(`/sessions/${encodeURIComponent(id)}`);
      title.textContent = s.title || "Session";
      document.title = `${title.textContent} · Everruns console`;
      if (!running) setStatus(s.status);
      if (s.agent_id) {
        const a = await api.get<Agent>(`/agents/${encodeURIComponent(s.agent_id)}`).catch(() => null);
        if (a) replace(agentLine, "Agent ", h("a", { href: `/agents/${a.id}` }, a.display_name || a.name));
      }
    } catch (e) {
      replace(status, notice(`Could not load the session: ${e instanceof ApiError ? e.message : e}`, "error"));
      return;
    }
    stream.start();
    void files.load();
  })();

  return () => stream.stop();
}
