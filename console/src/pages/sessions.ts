// Sessions: the list with status, and a new session from an agent.

import { api, ApiError } from "../api";
import { badge, field, fmtTime, focusHeading, h, notice, replace } from "../dom";
import { navigate } from "../router";
import type { Agent, List, Session } from "../types";

/** `/sessions` (and `/`). */
export function sessionsPage(root: HTMLElement): () => void {
  const status = h("div", { "aria-live": "polite", class: "status-line" });
  const agentSel = h("select", { name: "agent" }, h("option", { value: "" }, "No agent (harness only)"));
  const title = h("input", { name: "title", autocomplete: "off" });
  const form = h(
    "form",
    {
      class: "card inline-form",
      onsubmit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        const body: Record<string, unknown> = {};
        if (agentSel.value) body.agent_id = agentSel.value;
        if (title.value.trim()) body.title = title.value.trim();
        try {
          const s = await api.post<Session>("/sessions", body);
          navigate(`/sessions/${s.id}`);
        } catch (e) {
          replace(status, notice(`Could not create the session: ${e instanceof ApiError ? e.message : e}`, "error"));
        }
      },
    },
    h("h2", null, "New session"),
    field("Agent", agentSel),
    field("Title", title),
    h("button", { type: "submit", class: "primary" }, "Start session"),
  );
  const tbody = h("tbody");
  const total = h("p", { class: "muted" });
  root.append(
    h("div", { class: "page-head" }, h("h1", null, "Sessions")),
    status,
    form,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "list", "aria-label": "Sessions" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, "Session"), h("th", { scope: "col" }, "Agent"),
          h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Created"), h("th", { scope: "col" }, "Updated"))),
        tbody,
      ),
    ),
    total,
  );
  focusHeading(root);

  const agents = new Map<string, Agent>();
  let lastKey = "";
  async function load(): Promise<void> {
    try {
      const [al, sl] = await Promise.all([
        api.get<List<Agent>>("/agents?limit=100"),
        api.get<List<Session>>("/sessions?limit=100"),
      ]);
      if (agents.size === 0) {
        for (const a of al.data) {
          agents.set(a.id, a);
          agentSel.append(h("option", { value: a.id }, a.display_name || a.name));
        }
        if (al.data.length > 0) agentSel.value = al.data[0].id;
      }
      const rows = [...sl.data].sort((a, b) => b.created_at.localeCompare(a.created_at));
      // re-render only on change: a refresh must not take the keyboard focus away
      const key = JSON.stringify([sl.total, rows.map((s) => [s.id, s.status, s.updated_at, s.title])]);
      if (key === lastKey) return;
      lastKey = key;
      replace(
        tbody,
        rows.length === 0
          ? h("tr", null, h("td", { colspan: 5, class: "empty" }, "No sessions yet."))
          : rows.map((s) => {
              const a = s.agent_id ? agents.get(s.agent_id) : undefined;
              return h(
                "tr",
                { "data-session": s.id },
                h("td", null, h("a", { href: `/sessions/${s.id}` }, s.title || s.id), s.title ? h("div", { class: "muted mono small" }, s.id) : null),
                h("td", null, a ? a.display_name || a.name : s.agent_id ?? "—"),
                h("td", null, badge(s.status)),
                h("td", null, fmtTime(s.created_at)),
                h("td", null, fmtTime(s.updated_at)),
              );
            }),
      );
      replace(total, `${sl.total ?? sl.data.length} session(s)` + ((sl.total ?? 0) > sl.data.length ? `, newest ${sl.data.length} shown` : ""));
    } catch (e) {
      replace(status, notice(`Could not list sessions: ${e instanceof ApiError ? e.message : e}`, "error"));
    }
  }
  void load();
  // statuses change while turns run elsewhere: refresh while the page is open
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void load();
  }, 5000);
  return () => clearInterval(timer);
}
