// Agents: list, create, edit, import a markdown agent, delete.

import { api, ApiError } from "../api";
import { field, fmtTime, focusHeading, h, notice, replace } from "../dom";
import { navigate } from "../router";
import type { Agent, Capability, List, Model, Session } from "../types";

function errText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

/** `/agents`: the list, the import form, delete and "new session". */
export function agentsPage(root: HTMLElement): void {
  const status = h("div", { "aria-live": "polite", class: "status-line" });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "list", "aria-label": "Agents" },
    h(
      "thead",
      null,
      h("tr", null, h("th", { scope: "col" }, "Agent"), h("th", { scope: "col" }, "Capabilities"),
        h("th", { scope: "col", class: "num" }, "Sessions"), h("th", { scope: "col" }, "Updated"),
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions"))),
    ),
    tbody,
  );

  async function load(): Promise<void> {
    try {
      const list = await api.get<List<Agent>>("/agents?limit=100");
      replace(
        tbody,
        list.data.length === 0
          ? h("tr", null, h("td", { colspan: 5, class: "empty" }, "No agents yet: create one or import a markdown file."))
          : list.data.map(row),
      );
    } catch (e) {
      replace(status, notice(`Could not list agents: ${errText(e)}`, "error"));
    }
  }

  function row(a: Agent): HTMLTableRowElement {
    const label = a.display_name || a.name;
    return h(
      "tr",
      { "data-agent": a.name },
      h("td", null, h("a", { href: `/agents/${a.id}` }, label), a.display_name ? h("div", { class: "muted mono" }, a.name) : null,
        a.description ? h("div", { class: "muted" }, a.description) : null),
      h("td", null, (a.capabilities ?? []).map((c) => h("span", { class: "chip" }, c.ref))),
      h("td", { class: "num" }, String(a.session_count ?? 0)),
      h("td", null, fmtTime(a.updated_at)),
      h(
        "td",
        { class: "actions" },
        h("button", {
          type: "button",
          onclick: async () => {
            try {
              const s = await api.post<Session>("/sessions", { agent_id: a.id });
              navigate(`/sessions/${s.id}`);
            } catch (e) {
              replace(status, notice(`Could not start a session: ${errText(e)}`, "error"));
            }
          },
        }, "New session", h("span", { class: "sr-only" }, ` with ${label}`)),
        h("a", { class: "button", href: `/agents/${a.id}` }, "Edit", h("span", { class: "sr-only" }, ` ${label}`)),
        h("button", {
          type: "button",
          class: "danger",
          onclick: async () => {
            if (!confirm(`Delete agent "${label}"? Its sessions are kept.`)) return;
            try {
              await api.del(`/agents/${a.id}`);
              replace(status, notice(`Deleted ${label}.`));
              await load();
            } catch (e) {
              replace(status, notice(`Could not delete: ${errText(e)}`, "error"));
            }
          },
        }, "Delete", h("span", { class: "sr-only" }, ` ${label}`)),
      ),
    );
  }

  const importText = h("textarea", { rows: 8, class: "mono", placeholder: "---\nname: my-agent\n---\nYou are …" });
  const importFile = h("input", { type: "file", accept: ".md,.markdown,.txt,.yaml,.yml,.json,text/*" });
  importFile.addEventListener("change", async () => {
    const f = importFile.files?.[0];
    if (f) importText.value = await f.text();
  });
  const importForm = h(
    "form",
    {
      class: "card",
      onsubmit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        try {
          const a = await api.post<Agent>("/agents/import", undefined, { text: importText.value, contentType: "text/plain" });
          replace(status, notice(`Imported ${a.display_name || a.name}.`));
          importText.value = "";
          importFile.value = "";
          await load();
        } catch (e) {
          replace(status, notice(`Import failed: ${errText(e)}`, "error"));
        }
      },
    },
    h("h2", null, "Import a markdown agent"),
    h("p", { class: "muted" }, "YAML front matter (name, description, capabilities, …) and the system prompt as the body."),
    field("File", importFile),
    field("Agent file text", importText),
    h("button", { type: "submit" }, "Import"),
  );

  root.append(
    h("div", { class: "page-head" }, h("h1", null, "Agents"), h("a", { class: "button primary", href: "/agents/new" }, "New agent")),
    status,
    h("div", { class: "table-wrap" }, table),
    importForm,
  );
  focusHeading(root);
  void load();
}

/** `/agents/new` and `/agents/{id}`: the agent form (create = POST, edit = PATCH). */
export function agentEditPage(root: HTMLElement, params: Record<string, string>): void {
  const editing = params.id !== undefined;
  const status = h("div", { "aria-live": "polite", class: "status-line" });
  const name = h("input", { name: "name", required: true, pattern: "[a-z0-9]+(-[a-z0-9]+)*", autocomplete: "off" });
  const displayName = h("input", { name: "display_name", autocomplete: "off" });
  const description = h("input", { name: "description", autocomplete: "off" });
  const prompt = h("textarea", { name: "system_prompt", rows: 10, required: true });
  const tags = h("input", { name: "tags", autocomplete: "off" });
  const model = h("select", { name: "default_model_id" }, h("option", { value: "" }, "Server default"));
  const caps = h("fieldset", { class: "caps" }, h("legend", null, "Capabilities"));
  const form = h(
    "form",
    { class: "card", onsubmit: (ev: SubmitEvent) => void save(ev) },
    field("Name", name, "Lowercase letters, digits and single hyphens (a slug)."),
    field("Display name", displayName),
    field("Description", description),
    field("System prompt", prompt),
    field("Default model", model),
    caps,
    field("Tags", tags, "Comma-separated."),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, editing ? "Save" : "Create agent"),
      h("a", { class: "button", href: "/agents" }, "Back to agents")),
  );
  const heading = h("h1", null, editing ? "Edit agent" : "New agent");
  root.append(h("div", { class: "page-head" }, heading), status, form);
  focusHeading(root);

  let agent: Agent | null = null;

  async function load(): Promise<void> {
    try {
      const [models, capList] = await Promise.all([
        api.get<List<Model>>("/models"),
        api.get<List<Capability>>("/capabilities?limit=100"),
      ]);
      if (editing) agent = await api.get<Agent>(`/agents/${encodeURIComponent(params.id)}`);
      for (const m of models.data) model.append(h("option", { value: m.id }, `${m.display_name} (${m.provider_name})`));
      const chosen = new Set((agent?.capabilities ?? []).map((c) => c.ref));
      for (const c of capList.data) {
        const id = `cap-${c.id}`;
        caps.append(
          h("div", { class: "check" },
            h("input", { type: "checkbox", id, name: "capability", value: c.id, checked: chosen.has(c.id) }),
            h("label", { for: id }, h("span", { class: "mono" }, c.id), " — ", c.description)),
        );
      }
      if (agent) {
        heading.textContent = `Edit ${agent.display_name || agent.name}`;
        document.title = `${heading.textContent} · Everruns console`;
        name.value = agent.name;
        displayName.value = agent.display_name ?? "";
        description.value = agent.description ?? "";
        prompt.value = agent.system_prompt;
        tags.value = (agent.tags ?? []).join(", ");
        model.value = agent.default_model_id ?? "";
      }
    } catch (e) {
      replace(status, notice(`Could not load: ${errText(e)}`, "error"));
    }
  }

  async function save(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const chosen = [...caps.querySelectorAll<HTMLInputElement>("input[name=capability]:checked")].map((c) => ({ ref: c.value }));
    const body: Record<string, unknown> = {
      name: name.value.trim(),
      display_name: displayName.value.trim() || undefined,
      description: description.value.trim() || undefined,
      system_prompt: prompt.value,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      capabilities: chosen,
    };
    if (model.value) body.default_model_id = model.value;
    try {
      if (agent) {
        // PATCH: a cleared field is sent empty so it is cleared, not left as it was
        body.display_name = displayName.value.trim();
        body.description = description.value.trim();
        if (!model.value && agent.default_model_id) body.default_model_id = null;
        await api.patch<Agent>(`/agents/${agent.id}`, body);
      } else {
        await api.post<Agent>("/agents", body);
      }
      navigate("/agents");
    } catch (e) {
      replace(status, notice(`Could not save: ${errText(e)}`, "error"));
    }
  }

  void load();
}
