// The console's HTTP client: the public `/api/v1` API only, with the API key (if any) in the
// `Authorization` header. The key lives in sessionStorage: it is gone when the tab closes.

const KEY_STORAGE = "everruns.console.apiKey";

/** An API error with the server's message (hybrid error body: `detail` / `error.message`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Called when the server answers 401 (the key is wrong or was revoked). */
let onUnauthorized: (() => void) | null = null;

/** Registers the 401 handler (the app shows the key prompt again). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** The stored API key, if any. */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Stores (or with `null` forgets) the API key for this browser tab session. */
export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** Request headers with the key. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = apiKey();
  return key ? { ...extra, Authorization: key } : extra;
}

/** Builds `/api/v1/…` with every path segment given separately encoded by the caller. */
export function apiUrl(path: string): string {
  return `/api/v1${path}`;
}

/** Encodes a file path for `/fs/{path}`: each segment encoded, slashes kept. */
export function encodePath(path: string): string {
  return path
    .split("/")
    .filter((s) => s.length > 0)
    .map(encodeURIComponent)
    .join("/");
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  let code = "http_error";
  let message = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(text);
    code = body.code ?? body.error?.code ?? code;
    message = body.detail ?? body.error?.message ?? body.title ?? message;
  } catch {
    if (text && !/^\s*</.test(text)) message = text.slice(0, 300);
  }
  return new ApiError(res.status, code, message);
}

/** Options of a request. */
export interface RequestOptions {
  /** A raw text body (e.g. agent import) instead of JSON. */
  text?: string;
  /** Content type of `text`. */
  contentType?: string;
  /** Answer as text, not JSON. */
  asText?: boolean;
  /** Do not call the 401 handler (the key prompt probes with it). */
  quiet401?: boolean;
}

/** One API call; throws `ApiError` on non-2xx. */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = authHeaders({ Accept: "application/json" });
  let payload: string | undefined;
  if (opts.text !== undefined) {
    payload = opts.text;
    headers["Content-Type"] = opts.contentType ?? "text/plain";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const res = await fetch(apiUrl(path), { method, headers, body: payload, cache: "no-store" });
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  if (opts.asText) return (await res.text()) as T;
  return (await res.json()) as T;
}

/** Shorthands. */
export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>("GET", path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>("POST", path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, body),
  patch: <T>(path: string, body?: unknown) => request<T>("PATCH", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
};
