// Chaos client for the Node package (@everruns/sdk): follows one session and reports JSON lines.
//
//   node chaos_client.mjs --base-url http://127.0.0.1:PORT/api --session session_... \
//       [--liveness-ms 1500] [--connect-timeout-ms 5000] [--initial-backoff-ms 200]
//       [--max-backoff-ms 1000]
//
// Streams the session from the beginning with `client.events.stream` and stops on the first
// terminal event (turn.completed / failed / cancelled / sealed). Lines printed on stdout, one
// JSON object each:
//
//   {"kind":"ready","lang":"node"}
//   {"kind":"events","ids":[...],"seqs":[...],"recv_ms":[...]}
//   {"kind":"end","terminal":"turn.completed","events":N}
//   {"kind":"error","message":"..."}            (then exit status 1)
//
// `recv_ms` is when each event was handed to this loop (ms since the Unix epoch). The package
// is imported from the repository's build (`make node`: typescript/esm/index.mjs), or from
// $EVERRUNS_NODE_SDK when set. The orchestrator (everruns_chaos::suite) checks the ids.
import { parseArgs } from "node:util";
import { pathToFileURL, fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const TERMINAL = new Set(["turn.completed", "turn.failed", "turn.cancelled", "turn.sealed"]);
const FLUSH_EVENTS = 500;
const FLUSH_MS = 250;

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function follow(args) {
  const here = dirname(fileURLToPath(import.meta.url));
  const entry = process.env.EVERRUNS_NODE_SDK ?? resolve(here, "../../../typescript/esm/index.mjs");
  const { Everruns } = await import(pathToFileURL(entry).href);
  const client = new Everruns({ apiKey: "dev", baseUrl: args["base-url"], readEnv: false });
  const stream = client.events.stream(args.session, {
    fromBeginning: true,
    livenessTimeoutMs: Number(args["liveness-ms"]),
    connectTimeoutMs: Number(args["connect-timeout-ms"]),
    initialBackoffMs: Number(args["initial-backoff-ms"]),
    maxBackoffMs: Number(args["max-backoff-ms"]),
    maxEventBytes: 256 * 1024 * 1024,
  });
  emit({ kind: "ready", lang: "node" });
  let ids = [];
  let seqs = [];
  let recv = [];
  let count = 0;
  let lastFlush = Date.now();
  const flush = () => {
    if (ids.length > 0) {
      emit({ kind: "events", ids, seqs, recv_ms: recv });
      ids = [];
      seqs = [];
      recv = [];
    }
    lastFlush = Date.now();
  };
  try {
    for await (const event of stream) {
      ids.push(event.id);
      seqs.push(event.sequence ?? -1);
      recv.push(Date.now());
      count += 1;
      if (TERMINAL.has(event.type)) {
        flush();
        emit({ kind: "end", terminal: event.type, events: count });
        return 0;
      }
      if (ids.length >= FLUSH_EVENTS || Date.now() - lastFlush >= FLUSH_MS) flush();
    }
  } catch (err) {
    flush();
    emit({ kind: "error", message: `${err?.name ?? "Error"}: ${err?.message ?? err}` });
    return 1;
  } finally {
    stream.abort();
  }
  flush();
  emit({ kind: "error", message: "the stream ended before a terminal event" });
  return 1;
}

const { values } = parseArgs({
  options: {
    "base-url": { type: "string" },
    session: { type: "string" },
    "liveness-ms": { type: "string", default: "1500" },
    "connect-timeout-ms": { type: "string", default: "5000" },
    "initial-backoff-ms": { type: "string", default: "200" },
    "max-backoff-ms": { type: "string", default: "1000" },
  },
});
if (!values["base-url"] || !values.session) {
  emit({ kind: "error", message: "--base-url and --session are required" });
  process.exit(2);
}
follow(values).then(
  (code) => process.exit(code),
  (err) => {
    emit({ kind: "error", message: `${err?.name ?? "Error"}: ${err?.message ?? err}` });
    process.exit(1);
  },
);
