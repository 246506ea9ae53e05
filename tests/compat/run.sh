#!/usr/bin/env bash
# Runs upstream_sdk.py (public everruns-sdk 0.3.x, in its own virtualenv) against a freshly
# started reference server on a free port. Usage: tests/compat/run.sh SERVER_BIN VENV_PYTHON
set -euo pipefail
BIN="$1"; PY="$2"
DIR="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" --dev --addr 127.0.0.1:0 --database-url "sqlite://$DIR/everruns.db" >"$DIR/out" 2>"$DIR/err" &
PID=$!
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$DIR/out" 2>/dev/null && break
  sleep 0.1
done
ORIGIN="$(sed -n 's/^listening on //p' "$DIR/out" | head -1)"
if [ -z "$ORIGIN" ]; then echo "server did not start"; cat "$DIR/err"; exit 1; fi
EVERRUNS_API_URL="$ORIGIN/api" EVERRUNS_API_KEY=dev "$PY" "$(dirname "$0")/upstream_sdk.py"
# the upstream AgentClient against the Agent Execution API
EVERRUNS_API_URL="$ORIGIN/api" "$PY" "$(dirname "$0")/upstream_agent.py"
EVERRUNS_API_URL="$ORIGIN/api" "$PY" "$(dirname "$0")/upstream_tools.py"
# upstream's own examples from its sdist (downloaded at test time, never committed): the basic
# flow, workspaces, memories and starter files, run unchanged against our server
EVERRUNS_API_URL="$ORIGIN/api" bash "$(dirname "$0")/upstream_examples.sh" "$PY" \
  basic.py workspaces.py memories.py initial_files.py
