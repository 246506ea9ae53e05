#!/usr/bin/env bash
# Schemathesis against a freshly started dev server's published schema (/api/openapi.json):
# generated requests for every operation; fails on any 5xx, an undocumented status code, a
# response or SSE frame that violates its schema, or a wrong content type.
# Usage: tests/fuzz/run.sh SERVER_BIN ST_BIN MAX_EXAMPLES [SEED]
set -euo pipefail
BIN="$1"; ST="$2"; EXAMPLES="$3"; SEED="${4:-1}"
DIR="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT
"$BIN" --dev --addr 127.0.0.1:0 --database-url "sqlite://$DIR/everruns.db" \
  --sse-realtime-cycle-secs 1 >"$DIR/out" 2>"$DIR/err" &
PID=$!
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$DIR/out" 2>/dev/null && break
  sleep 0.1
done
ORIGIN="$(sed -n 's/^listening on //p' "$DIR/out" | head -1)"
if [ -z "$ORIGIN" ]; then echo "server did not start"; cat "$DIR/err"; exit 1; fi
cd "$DIR"
# One worker: with several threads, CPython 3.11's AST constructor (used by hypothesis to describe
# strategies) can raise a spurious "recursion depth mismatch" SystemError (cpython gh-106905).
status=0
"$ST" run "$ORIGIN/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 --no-color \
  --header "Authorization: dev" || status=$?
if grep -q 'ERROR' "$DIR/err"; then
  echo "server logged errors:"; grep 'ERROR' "$DIR/err" | head -20; status=1
fi
exit "$status"
