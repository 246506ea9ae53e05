// Entry point: the key prompt (unless the server needs none), the top navigation and the routes.

import "./styles.css";
import { api, apiKey, ApiError, setApiKey, setUnauthorizedHandler } from "./api";
import { field, h, notice, replace } from "./dom";
import { agentsPage, agentEditPage } from "./pages/agents";
import { modelsPage } from "./pages/models";
import { sessionPage } from "./pages/session";
import { sessionsPage } from "./pages/sessions";
import { route, startRouter } from "./router";

const app = document.getElementById("app")!;

function shell(needsKey: boolean): HTMLElement {
  const main = h("main", { id: "main", class: "main" });
  const signOut = needsKey
    ? h(
        "button",
        {
          type: "button",
          class: "link-button",
          onclick: () => {
            setApiKey(null);
            location.reload();
          },
        },
        "Forget key",
      )
    : h("span", { class: "dev-tag", title: "The server runs with --dev: no API key is needed" }, "dev mode");
  replace(
    app,
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h(
      "header",
      { class: "top" },
      h("a", { class: "brand", href: "/" }, "Everruns"),
      h(
        "nav",
        { class: "top", "aria-label": "Main" },
        h("a", { href: "/sessions" }, "Sessions"),
        h("a", { href: "/agents" }, "Agents"),
        h("a", { href: "/models" }, "Models"),
        h("a", { href: "/api/docs", target: "_blank", rel: "noopener" }, "API docs"),
      ),
      signOut,
    ),
    main,
  );
  return main;
}

function keyPrompt(message?: string): void {
  const input = h("input", {
    type: "password",
    name: "api-key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const status = h("div", { "aria-live": "polite" }, message ? notice(message, "error") : null);
  const form = h(
    "form",
    {
      class: "card login",
      onsubmit: async (ev: SubmitEvent) => {
        ev.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        setApiKey(key);
        try {
          await api.get("/models", { quiet401: true });
          boot();
        } catch (e) {
          setApiKey(null);
          replace(status, notice(e instanceof ApiError ? e.message : String(e), "error"));
          input.focus();
        }
      },
    },
    h("h1", null, "Everruns console"),
    h("p", null, "This server needs an API key. It is kept in this browser tab only (session storage)."),
    field("API key", input, "Create one on the server with `everruns-server keys create`."),
    h("button", { type: "submit", class: "primary" }, "Continue"),
    status,
  );
  replace(app, h("main", { class: "main narrow" }, form));
  input.focus();
}

async function boot(): Promise<void> {
  try {
    await api.get("/models", { quiet401: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      const had = apiKey();
      setApiKey(null);
      keyPrompt(had ? "The stored key was refused; enter a valid one." : undefined);
      return;
    }
    replace(app, h("main", { class: "main" }, notice(`Cannot reach the API: ${String(e)}`, "error")));
    return;
  }
  setUnauthorizedHandler(() => {
    setApiKey(null);
    keyPrompt("The API key was refused (revoked?); enter a valid one.");
  });
  const main = shell(apiKey() !== null);
  startRouter(main);
}

route("/", sessionsPage);
route("/sessions", sessionsPage);
route("/sessions/:id", sessionPage);
route("/agents", agentsPage);
route("/agents/new", agentEditPage);
route("/agents/:id", agentEditPage);
route("/models", modelsPage);

void boot();
