// The session's files: a tree of the whole workspace, a viewer and an upload form.

import { api, ApiError, encodePath } from "../api";
import { field, fmtBytes, h, notice, replace } from "../dom";
import type { FileInfo, List, SessionFile } from "../types";

interface Node {
  name: string;
  path: string;
  info?: FileInfo;
  children: Map<string, Node>;
}

/** The files panel of a session. */
export class FilesPanel {
  readonly el: HTMLElement;
  private readonly tree: HTMLElement;
  private readonly viewer: HTMLElement;
  private readonly status: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly base: string;

  constructor(sessionId: string) {
    this.base = `/sessions/${encodeURIComponent(sessionId)}/fs`;
    this.tree = h("div", { class: "file-tree" });
    this.viewer = h("div", { class: "file-view", "aria-live": "polite" });
    this.status = h("div", { "aria-live": "polite", class: "status-line" });
    const file = h("input", { type: "file", name: "upload" });
    const dir = h("input", { name: "dir", value: "/", autocomplete: "off" });
    const overwrite = h("input", { type: "checkbox", id: `ow-${sessionId}` });
    const form = h(
      "form",
      {
        class: "upload",
        onsubmit: async (ev: SubmitEvent) => {
          ev.preventDefault();
          const f = file.files?.[0];
          if (!f) {
            replace(this.status, notice("Choose a file to upload.", "error"));
            return;
          }
          const path = `${dir.value.replace(/\/+$/, "")}/${f.name}`;
          try {
            await this.upload(path, f, overwrite.checked);
            replace(this.status, notice(`Uploaded ${path}.`));
            file.value = "";
            await this.load();
            await this.open(path);
          } catch (e) {
            replace(this.status, notice(`Upload failed: ${e instanceof ApiError ? e.message : e}`, "error"));
          }
        },
      },
      field("File to upload", file),
      field("Into folder", dir),
      h("span", { class: "check" }, overwrite, h("label", { for: overwrite.id }, "Replace an existing file")),
      h("button", { type: "submit" }, "Upload"),
    );
    this.el = h(
      "div",
      { class: "files-panel" },
      h("div", { class: "toolbar" }, h("button", { type: "button", onclick: () => void this.load() }, "Refresh")),
      this.status,
      this.tree,
      this.viewer,
      h("details", { class: "upload-box" }, h("summary", null, "Upload a file"), form),
    );
  }

  /** Reloads the tree a moment later (many `file.written` events come in bursts). */
  refreshSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), 300);
  }

  /** Loads the tree. */
  async load(): Promise<void> {
    try {
      const list = await api.get<List<FileInfo>>(`${this.base}?recursive=true`);
      const root: Node = { name: "/", path: "/", children: new Map() };
      for (const f of list.data) {
        let cur = root;
        const segs = f.path.split("/").filter(Boolean);
        segs.forEach((seg, i) => {
          let next = cur.children.get(seg);
          if (!next) {
            next = { name: seg, path: `/${segs.slice(0, i + 1).join("/")}`, children: new Map() };
            cur.children.set(seg, next);
          }
          cur = next;
        });
        cur.info = f;
      }
      replace(this.tree, root.children.size === 0 ? h("p", { class: "muted" }, "No files yet.") : this.renderDir(root));
    } catch (e) {
      replace(this.status, notice(`Could not list files: ${e instanceof ApiError ? e.message : e}`, "error"));
    }
  }

  private renderDir(n: Node): HTMLUListElement {
    const kids = [...n.children.values()].sort((a, b) => {
      const da = a.info?.is_directory || a.children.size > 0 ? 0 : 1;
      const db = b.info?.is_directory || b.children.size > 0 ? 0 : 1;
      return da - db || a.name.localeCompare(b.name);
    });
    return h(
      "ul",
      { class: "tree" },
      kids.map((k) => {
        const isDir = k.info?.is_directory || k.children.size > 0;
        if (isDir) {
          return h("li", null, h("details", { open: true }, h("summary", { class: "dir" }, `${k.name}/`), this.renderDir(k)));
        }
        return h(
          "li",
          null,
          h("button", { type: "button", class: "file link-button", "data-path": k.path, onclick: () => void this.open(k.path) }, k.name),
          h("span", { class: "muted small" }, ` ${fmtBytes(k.info?.size_bytes ?? 0)}${k.info?.is_readonly ? " · read-only" : ""}`),
        );
      }),
    );
  }

  /** Shows one file. */
  async open(path: string): Promise<void> {
    try {
      const f = await api.get<SessionFile>(`${this.base}/${encodePath(path)}`);
      const body =
        f.encoding === "base64"
          ? h("p", { class: "muted" }, `Binary file, ${fmtBytes(f.size_bytes)} (not shown).`)
          : h("pre", { class: "file-content", tabindex: 0, "aria-label": `Content of ${f.path}` }, f.content ?? "");
      replace(this.viewer, h("h3", { class: "mono" }, f.path), h("p", { class: "muted small" }, `${fmtBytes(f.size_bytes)} · ${f.encoding ?? "text"}`), body);
    } catch (e) {
      replace(this.viewer, notice(`Could not open ${path}: ${e instanceof ApiError ? e.message : e}`, "error"));
    }
  }

  private async upload(path: string, f: File, overwrite: boolean): Promise<void> {
    const bytes = new Uint8Array(await f.arrayBuffer());
    let content: string;
    let encoding: "text" | "base64" = "text";
    try {
      if (bytes.subarray(0, 8192).includes(0)) throw new Error("binary");
      content = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      encoding = "base64";
      let bin = "";
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      content = btoa(bin);
    }
    const url = `${this.base}/${encodePath(path)}`;
    try {
      await api.post(url, { content, encoding });
    } catch (e) {
      if (overwrite && e instanceof ApiError && e.status === 409) await api.put(url, { content, encoding });
      else throw e;
    }
  }
}
