// The event timeline of a session: one row per stored event (keyed by its id, so a row can
// never appear twice), a type filter, deltas hidden on demand, and each event's JSON on expand.

import { fmtClock, h } from "../dom";
import type { EventEnvelope } from "../types";

/** The timeline panel. */
export class Timeline {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly typeSel: HTMLSelectElement;
  private readonly hideDeltas: HTMLInputElement;
  private readonly follow: HTMLInputElement;
  private readonly count: HTMLSpanElement;
  private readonly ids = new Set<string>();
  private readonly types = new Set<string>();
  private readonly events = new Map<string, EventEnvelope>();

  constructor() {
    this.typeSel = h("select", { id: "tl-type", onchange: () => this.refilter() }, h("option", { value: "" }, "All types"));
    this.hideDeltas = h("input", { type: "checkbox", id: "tl-deltas", onchange: () => this.refilter() });
    this.follow = h("input", { type: "checkbox", id: "tl-follow", checked: true });
    this.count = h("span", { class: "muted small", "aria-live": "off" }, "0 events");
    this.list = h("ol", { class: "timeline", "aria-label": "Events" });
    this.list.addEventListener("toggle", (ev) => this.expand(ev.target as HTMLDetailsElement), true);
    this.el = h(
      "div",
      { class: "timeline-panel" },
      h(
        "div",
        { class: "toolbar" },
        h("label", { for: "tl-type" }, "Type"),
        this.typeSel,
        h("span", { class: "check" }, this.hideDeltas, h("label", { for: "tl-deltas" }, "Hide deltas")),
        h("span", { class: "check" }, this.follow, h("label", { for: "tl-follow" }, "Follow")),
        this.count,
      ),
      h("div", { class: "timeline-scroll" }, this.list),
    );
  }

  /** Adds an event (ignored when its id is already shown). */
  add(e: EventEnvelope): void {
    if (this.ids.has(e.id)) return;
    this.ids.add(e.id);
    this.events.set(e.id, e);
    if (!this.types.has(e.type)) {
      this.types.add(e.type);
      const opts = [...this.typeSel.options].slice(1);
      const before = opts.find((o) => o.value > e.type) ?? null;
      this.typeSel.insertBefore(h("option", { value: e.type }, e.type), before);
    }
    const li = h(
      "li",
      { "data-event-id": e.id, "data-type": e.type, class: `ev ev-${e.type.split(".")[0]}` },
      h(
        "details",
        null,
        h(
          "summary",
          null,
          h("span", { class: "seq mono" }, e.sequence !== undefined ? `#${e.sequence}` : ""),
          h("time", { datetime: e.ts, class: "mono" }, fmtClock(e.ts)),
          h("span", { class: "type mono" }, e.type),
          h("span", { class: "preview" }, preview(e)),
        ),
      ),
    );
    li.hidden = !this.visible(e.type);
    this.list.append(li);
    this.count.textContent = `${this.ids.size} events`;
    if (this.follow.checked && !li.hidden) {
      const box = this.list.parentElement!;
      box.scrollTop = box.scrollHeight;
    }
  }

  private visible(type: string): boolean {
    if (this.typeSel.value && type !== this.typeSel.value) return false;
    if (this.hideDeltas.checked && type.endsWith(".delta")) return false;
    return true;
  }

  private refilter(): void {
    for (const li of this.list.children as HTMLCollectionOf<HTMLLIElement>) li.hidden = !this.visible(li.dataset.type ?? "");
  }

  /** Renders the JSON the first time a row opens (keeps long timelines light). */
  private expand(d: HTMLDetailsElement): void {
    if (!d.open || d.querySelector("pre")) return;
    const id = d.parentElement?.dataset.eventId ?? "";
    const e = this.events.get(id);
    if (e) d.append(h("pre", { class: "json" }, JSON.stringify(e, null, 2)));
  }
}

function preview(e: EventEnvelope): string {
  const d = e.data ?? {};
  let s = "";
  switch (e.type) {
    case "output.message.delta":
      s = String(d.delta ?? "");
      break;
    case "tool.started":
      s = String(d.tool_call?.name ?? "");
      break;
    case "tool.completed":
      s = `${d.tool_name ?? ""} ${d.status ?? ""}`;
      break;
    case "file.written":
      s = `${d.operation ?? ""} ${d.path ?? ""}`;
      break;
    case "turn.failed":
      s = String(d.error ?? "");
      break;
    case "input.message":
    case "output.message.completed":
      s = (d.message?.content ?? []).filter((p: any) => p.type === "text").map((p: any) => p.text).join("");
      break;
  }
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}
