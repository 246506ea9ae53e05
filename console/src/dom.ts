// Small DOM helpers: elements are built with `h()` and text nodes only (never innerHTML), so
// values from the API can never inject markup.

/** A child accepted by `h()`: text, a node, nothing, or a list of those. */
export type Child = string | number | Node | null | undefined | false | Child[];

/** Attributes and `on…` listeners accepted by `h()`. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: any) => void)>;

/** Creates an element with attributes (`onclick` etc. become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === "value" && "value" in el) {
      (el as unknown as { value: string }).value = String(v);
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (flattening lists, skipping empty values). */
export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A short local date-time for a RFC 3339 timestamp. */
export function fmtTime(ts: string | undefined | null): string {
  if (!ts) return "";
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** Time of day with milliseconds (event timeline). */
export function fmtClock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Human byte size. */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A status badge (`started`, `active`, `idle`, …). */
export function badge(status: string): HTMLSpanElement {
  return h("span", { class: `badge badge-${status.replace(/[^a-z0-9]/gi, "")}` }, status);
}

/** A polite live region message (errors use role=alert). */
export function notice(text: string, kind: "info" | "error" = "info"): HTMLParagraphElement {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** Labelled form field: `<label>` + control, tied by id. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  let hintEl: HTMLElement | null = null;
  if (hint) {
    hintEl = h("small", { id: `${id}-hint`, class: "hint" }, hint);
    control.setAttribute("aria-describedby", `${id}-hint`);
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hintEl);
}

/** Sets the page title and moves focus to the main heading (keyboard and screen readers). */
export function focusHeading(root: HTMLElement): void {
  const h1 = root.querySelector("h1");
  if (h1) {
    h1.setAttribute("tabindex", "-1");
    h1.focus({ preventScroll: true });
    document.title = `${h1.textContent ?? ""} · Everruns console`;
  }
}
