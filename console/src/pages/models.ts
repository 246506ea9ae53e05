// Models and providers, read-only (`GET /api/v1/models`): provider keys are server settings.

import { api, ApiError } from "../api";
import { focusHeading, h, notice } from "../dom";
import type { List, Model } from "../types";

/** `/models`. */
export function modelsPage(root: HTMLElement): void {
  const body = h("div");
  root.append(
    h("div", { class: "page-head" }, h("h1", null, "Models and providers")),
    h("p", { class: "muted" }, "Read-only. Provider keys are configured on the server (for example OPENAI_API_KEY, ANTHROPIC_API_KEY) and never shown here."),
    body,
  );
  focusHeading(root);
  api
    .get<List<Model>>("/models")
    .then((list) => {
      const byProvider = new Map<string, Model[]>();
      for (const m of list.data) {
        const k = m.provider_id;
        byProvider.set(k, [...(byProvider.get(k) ?? []), m]);
      }
      for (const models of byProvider.values()) {
        const p = models[0];
        body.append(
          h(
            "section",
            { class: "card", "aria-labelledby": `p-${p.provider_id}` },
            h("h2", { id: `p-${p.provider_id}` }, p.provider_name, " ", h("span", { class: "chip" }, p.provider_type)),
            h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "list" },
                h("thead", null, h("tr", null, h("th", { scope: "col" }, "Model"), h("th", { scope: "col" }, "Id"),
                  h("th", { scope: "col" }, "Capabilities"), h("th", { scope: "col" }, "State"))),
                h(
                  "tbody",
                  null,
                  models.map((m) =>
                    h(
                      "tr",
                      null,
                      h("td", null, m.display_name, m.is_default ? h("span", { class: "chip chip-on" }, "default") : null),
                      h("td", { class: "mono" }, m.model_id),
                      h("td", null, m.capabilities.map((c) => h("span", { class: "chip" }, c))),
                      h("td", null, [m.enabled ? "enabled" : "disabled", m.healthy ? "healthy" : "unhealthy"].join(", ")),
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
      }
    })
    .catch((e) => body.append(notice(`Could not list models: ${e instanceof ApiError ? e.message : e}`, "error")));
}
