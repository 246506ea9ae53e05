// History-API routing: same-origin links render in place; the server answers the same
// `index.html` for every console path, so reloads and shared links work.

/** A page renders into `root` and may return a cleanup (e.g. stop a stream). */
export type Page = (root: HTMLElement, params: Record<string, string>) => void | (() => void);

interface Route {
  pattern: RegExp;
  keys: string[];
  page: Page;
}

const routes: Route[] = [];
let cleanup: (() => void) | null = null;
let rootEl: HTMLElement | null = null;

/** Registers `path` (e.g. `/sessions/:id`). */
export function route(path: string, page: Page): void {
  const keys: string[] = [];
  const src = path.replace(/:([a-z]+)/g, (_m, k: string) => {
    keys.push(k);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${src}/?$`), keys, page });
}

/** Renders the page of the current location. */
export function render(): void {
  if (!rootEl) return;
  cleanup?.();
  cleanup = null;
  const path = location.pathname;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
    rootEl.replaceChildren();
    cleanup = r.page(rootEl, params) ?? null;
    highlightNav(path);
    return;
  }
  rootEl.replaceChildren();
  const h1 = document.createElement("h1");
  h1.textContent = "Page not found";
  rootEl.append(h1);
}

/** Goes to `path` (adds a history entry). */
export function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  render();
}

function highlightNav(path: string): void {
  document.querySelectorAll<HTMLAnchorElement>("nav.top a").forEach((a) => {
    const href = a.getAttribute("href") ?? "";
    const on = href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

let started = false;

/** Starts routing inside `root` (again after a new key: listeners are added once). */
export function startRouter(root: HTMLElement): void {
  rootEl = root;
  if (started) {
    render();
    return;
  }
  started = true;
  window.addEventListener("popstate", render);
  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    ev.preventDefault();
    navigate(url.pathname + url.search);
  });
  render();
}
