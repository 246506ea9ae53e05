// The conversation of a session, built from its events: user messages, the agent's answer
// while it streams (`output.message.delta` carries the accumulated text, so a replayed or
// resumed stream redraws the same text), tool calls with their results, and turn outcomes.

import { h, replace } from "../dom";
import type { ContentPart, EventEnvelope, Message } from "../types";
import { textOf } from "../types";

interface ToolView {
  el: HTMLDetailsElement;
  state: HTMLSpanElement;
  result: HTMLElement;
}

/** Renders the conversation into `el` from events applied in order. */
export class Conversation {
  readonly el: HTMLOListElement;
  /** Screen-reader announcements of finished answers (token-by-token text is not read out). */
  readonly announcer: HTMLDivElement;
  private readonly pending = new Map<string, HTMLElement>();
  private readonly messages = new Set<string>();
  private readonly tools = new Map<string, ToolView>();

  constructor() {
    this.el = h("ol", { class: "conversation", "aria-label": "Conversation" });
    this.announcer = h("div", { class: "sr-only", "aria-live": "polite" });
  }

  /** Applies one event. */
  apply(e: EventEnvelope): void {
    const d = e.data ?? {};
    const turn = String(d.turn_id ?? e.context?.turn_id ?? "");
    switch (e.type) {
      case "input.message":
        this.message(d.message as Message);
        break;
      case "output.message.started":
        this.streaming(turn);
        break;
      case "output.message.delta":
        this.streaming(turn).textContent = String(d.accumulated ?? "");
        this.scroll();
        break;
      case "output.message.replaced":
        this.streaming(turn).textContent = String(d.replacement ?? "");
        break;
      case "output.message.completed":
        this.completed(turn, d.message as Message);
        break;
      case "tool.started":
        this.tool(d.tool_call?.id, d.tool_call?.name, d.tool_call?.arguments);
        break;
      case "tool.completed":
        this.toolDone(d);
        break;
      case "turn.failed":
        this.note(`Turn failed: ${d.error ?? "unknown error"}`, "error");
        break;
      case "turn.cancelled":
        this.dropPending(turn);
        this.note("Turn cancelled.", "warn");
        break;
      case "turn.sealed":
        this.note(`Turn stopped: ${d.reason ?? ""}`, "warn");
        break;
    }
  }

  private li(role: string, ...children: (Node | string | null)[]): HTMLLIElement {
    const li = h("li", { class: `msg msg-${role}` }, h("span", { class: "who" }, role === "user" ? "You" : role === "agent" ? "Agent" : role), ...children);
    this.el.append(li);
    this.scroll();
    return li;
  }

  private message(m: Message | undefined): void {
    if (!m || this.messages.has(m.id)) return;
    this.messages.add(m.id);
    this.li(m.role, h("div", { class: "text" }, textOf(m.content)));
  }

  private streaming(turn: string): HTMLElement {
    let text = this.pending.get(turn);
    if (!text) {
      text = h("div", { class: "text streaming", "aria-busy": "true" });
      const li = this.li("agent", text);
      li.dataset.streaming = "true";
      this.pending.set(turn, text);
    }
    return text;
  }

  private dropPending(turn: string): void {
    const text = this.pending.get(turn);
    if (text) {
      text.classList.remove("streaming");
      text.removeAttribute("aria-busy");
      text.closest("li")?.removeAttribute("data-streaming");
      if (!text.textContent) text.closest("li")?.remove();
    }
    this.pending.delete(turn);
  }

  private completed(turn: string, m: Message | undefined): void {
    if (!m || this.messages.has(m.id)) return;
    this.messages.add(m.id);
    const body = textOf(m.content);
    let text = this.pending.get(turn);
    if (!text && body) text = this.streaming(turn);
    if (text) {
      text.textContent = body;
      text.closest("li")?.setAttribute("data-message-id", m.id);
      this.dropPending(turn);
      if (body) this.announcer.textContent = `Agent: ${body}`;
    }
    for (const p of m.content ?? []) if (p.type === "tool_call") this.tool(p.id, p.name, p.arguments);
  }

  private tool(id: string | undefined, name: string | undefined, args: unknown): void {
    if (!id || this.tools.has(id)) return;
    const state = h("span", { class: "tool-state state-running" }, "running");
    const result = h("div", { class: "tool-result" });
    const el = h(
      "details",
      { class: "tool", "data-tool-call": id },
      h("summary", null, h("span", { class: "tool-name mono" }, name ?? "tool"), " ", state),
      h("div", { class: "tool-label" }, "Arguments"),
      h("pre", { class: "json" }, JSON.stringify(args ?? {}, null, 2)),
      h("div", { class: "tool-label" }, "Result"),
      result,
    );
    this.tools.set(id, { el, state, result });
    const li = h("li", { class: "msg msg-tool" }, el);
    this.el.append(li);
    this.scroll();
  }

  private toolDone(d: Record<string, any>): void {
    const id = d.tool_call_id as string | undefined;
    if (!id) return;
    if (!this.tools.has(id)) this.tool(id, d.tool_name, undefined);
    const view = this.tools.get(id)!;
    const status = String(d.status ?? (d.success ? "success" : "error"));
    view.state.textContent = status;
    view.state.className = `tool-state state-${status}`;
    const parts = (d.result ?? []) as ContentPart[];
    const text = Array.isArray(parts) ? textOf(parts) : JSON.stringify(parts);
    replace(view.result, h("pre", { class: "json" }, d.error ? String(d.error) : pretty(text)));
  }

  private note(text: string, kind: string): void {
    this.el.append(h("li", { class: `msg msg-note note-${kind}`, role: "status" }, text));
    this.scroll();
  }

  private scroll(): void {
    const box = this.el.parentElement;
    if (box && box.scrollHeight - box.scrollTop - box.clientHeight < 160) box.scrollTop = box.scrollHeight;
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
