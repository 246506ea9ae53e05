// Scale-out test follower: streams a session with the Node SDK from the beginning and prints
// each event as one JSON line (sequence, id, type) until the turn's terminal event and the
// following session.idled. Usage: EVERRUNS_NODE_SDK=<typescript dir> node follow.mjs BASE_URL SESSION_ID
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { Everruns } = require(join(process.env.EVERRUNS_NODE_SDK, "dist", "index.js"));
const TERMINALS = new Set(["turn.completed", "turn.failed", "turn.cancelled", "turn.sealed"]);

const [baseUrl, sessionId] = process.argv.slice(2);
const client = new Everruns({ apiKey: "dev", baseUrl });
const timer = setTimeout(() => {
  console.error("follow.mjs: no end of turn within 120 s");
  process.exit(2);
}, 120_000);
let terminal = false;
try {
  for await (const event of client.events.stream(sessionId, { fromBeginning: true })) {
    console.log(JSON.stringify({ sequence: event.sequence, id: event.id, type: event.type }));
    terminal = terminal || TERMINALS.has(event.type);
    if (terminal && event.type === "session.idled") break;
  }
} finally {
  clearTimeout(timer);
  await client.close();
}
