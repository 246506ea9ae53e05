#!/usr/bin/env node
// Node bench client for `make bench`: the same workloads, arguments and JSON output as
// `everruns-bench client` (see bench/src/bin/everruns-bench/client.rs), over `@everruns/sdk`
// loaded from EVERRUNS_BENCH_NODE_PKG (default: ../../typescript, the package `make node` builds).

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = resolve(process.env.EVERRUNS_BENCH_NODE_PKG ?? join(here, "..", "..", "typescript"));

function emit(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

/** CLOCK_REALTIME in nanoseconds (sub-microsecond resolution). */
function realtimeNs() {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

const [cmd, ...rest] = process.argv.slice(2);
const { values: a } = parseArgs({
  args: rest,
  options: {
    url: { type: "string" },
    session: { type: "string" },
    since: { type: "string" },
    agent: { type: "string" },
    count: { type: "string" },
    warmup: { type: "string", default: "100" },
    streams: { type: "string" },
    read: { type: "string" },
  },
});

if (cmd === "version") {
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  await import(pathToFileURL(join(pkgDir, "esm", "index.mjs")).href); // proves it loads
  emit({ version: pkg.version });
  process.exit(0);
}

const { Everruns } = await import(pathToFileURL(join(pkgDir, "esm", "index.mjs")).href);
const client = new Everruns({ apiKey: "dev", baseUrl: a.url });

if (cmd === "stream") {
  const count = Number(a.count);
  const start = process.hrtime.bigint();
  let n = 0;
  let typeChars = 0;
  let deltas = 0;
  let deltaChars = 0;
  const stream = client.events.stream(a.session, { fromBeginning: true });
  if (a.read === "delta") {
    for await (const event of stream) {
      const t = event.type;
      typeChars += t.length;
      if (t === "output.message.delta") {
        deltaChars += event.data.delta.length;
        deltas += 1;
      }
      n += 1;
      if (n === count) break;
    }
  } else if (a.read === "type" || a.read === undefined) {
    for await (const event of stream) {
      typeChars += event.type.length;
      n += 1;
      if (n === count) break;
    }
  } else {
    throw new Error(`--read must be type or delta, not ${a.read}`);
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  emit({ events: n, secs, typeChars, deltas, deltaChars });
} else if (cmd === "calls") {
  const count = Number(a.count);
  for (let i = 0; i < Number(a.warmup); i++) await client.agents.get(a.agent);
  const us = [];
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await client.agents.get(a.agent);
    us.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  emit({ us });
} else if (cmd === "latency") {
  const streams = Number(a.streams);
  const last = Number(a.count) - 1;
  let ready = 0;
  const one = async () => {
    let warm = false;
    const samples = [];
    for await (const event of client.events.stream(a.session, { sinceId: a.since })) {
      const now = realtimeNs();
      const k = Number(event.data.bench_k ?? -1);
      if (k < 0) {
        if (!warm) {
          warm = true;
          ready += 1;
          if (ready === streams) process.stdout.write("ready\n");
        }
        continue;
      }
      samples.push([k, (now - Number(event.data.bench_t_ns)) / 1e3]);
      if (k >= last) break;
    }
    return samples;
  };
  const results = await Promise.all(Array.from({ length: streams }, one));
  emit({ samples: results.flat() });
} else {
  console.error(`unknown command ${cmd}`);
  process.exit(2);
}
await client.close();
