// The scripted raw-HTTP server the conformance runner plays the shared vectors against: plain
// HTTP/1.1 on a real local socket (node:net, one request per connection). It records every
// request exactly as it arrived (method, raw percent-encoded path, ordered query pairs with
// repeated keys, lower-cased headers, body). The Node twin of the Rust runner's server in
// core/tests/conformance_http.rs:
//
// - `routes`: requests matching [method, path] get that route's responses in order (the last one
//   repeats); anything else gets `default`.
// - `sseConnections`: `GET …/sse` connection k gets `sseConnections[k]` (the last repeats): a plain
//   response (`status`/`body`), or `chunks` written one by one (flushed separately) followed by
//   `then`: `close` or `hold` (keep the socket open, send nothing).
import { createServer } from "node:net";
import { STATUS_CODES } from "node:http";

/** Starts a scripted server; resolves `{ baseUrl, captured, requestsTo, sseRequests, close }`. */
export async function scriptedServer({ routes = [], defaultResponse, sseConnections } = {}) {
  const fallback = defaultResponse ?? { status: 200, body: { data: [] } };
  const table = routes.map(([method, path, responses]) => ({ method, path, responses, hits: 0 }));
  const captured = [];
  const sockets = new Set();
  const timers = new Set();
  let sseCount = 0;

  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    let buf = Buffer.alloc(0);
    let done = false;
    sock.on("data", (d) => {
      if (done) return;
      buf = Buffer.concat([buf, d]);
      const req = parseRequest(buf);
      if (req === undefined) return;
      done = true;
      captured.push(req);
      answer(req, sock).catch(() => sock.destroy());
    });
  });

  function sleep(ms) {
    return new Promise((r) => {
      const t = setTimeout(() => {
        timers.delete(t);
        r();
      }, ms);
      timers.add(t);
    });
  }

  function write(sock, data) {
    return new Promise((resolve, reject) => {
      if (sock.destroyed) return reject(new Error("socket closed"));
      sock.write(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  async function respond(sock, r) {
    const status = r.status ?? 200;
    const body = Buffer.from(bodyText(r.body), "utf8");
    const contentType = body.toString("utf8").trimStart().startsWith("<") ? "text/html" : "application/json";
    let head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n`;
    for (const [k, v] of Object.entries(r.headers ?? {})) head += `${k}: ${v}\r\n`;
    head += "\r\n";
    await write(sock, Buffer.concat([Buffer.from(head, "latin1"), body]));
    sock.end();
  }

  async function answer(req, sock) {
    if (sseConnections !== undefined) {
      if (!req.path.endsWith("/sse")) return respond(sock, fallback);
      const conn = sseConnections[Math.min(sseCount++, sseConnections.length - 1)];
      if (conn.status !== undefined) return respond(sock, conn);
      await write(
        sock,
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
      );
      for (const chunk of conn.chunks) {
        await write(sock, Buffer.from(chunk, "utf8"));
        await sleep(2);
      }
      if (conn.then === "hold") return; // the socket stays open until the client or close() ends it
      sock.end();
      return;
    }
    for (const route of table) {
      if (route.method === req.method && route.path === req.path) {
        const r = route.responses[Math.min(route.hits++, route.responses.length - 1)];
        return respond(sock, r);
      }
    }
    return respond(sock, fallback);
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}/api`,
    captured,
    requestsTo: (method, path) => captured.filter((r) => r.method === method && r.path === path),
    sseRequests: () => captured.filter((r) => r.path.endsWith("/sse")),
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** The request in `buf` once it is complete (head and Content-Length body), else undefined. */
function parseRequest(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const [method = "", target = ""] = lines[0].split(" ");
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0) || 0;
  if (buf.length < end + 4 + length) return undefined;
  const body = buf.subarray(end + 4, end + 4 + length);
  const q = target.indexOf("?");
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? [] : [...new URLSearchParams(target.slice(q + 1))];
  return { method, path, query, headers, body };
}

function bodyText(body) {
  if (body === null || body === undefined) return "";
  if (typeof body === "string") return body;
  return JSON.stringify(body);
}
