#!/usr/bin/env bash
# Runs examples shipped in the upstream everruns-sdk sdist (PyPI, version COMPAT_SDK_VERSION,
# default 0.3.1) against a running server. The sdist is downloaded at test time into the
# compat virtualenv's directory (nothing of upstream is committed) and reused afterwards.
#
# Usage: tests/compat/upstream_examples.sh VENV_PYTHON EXAMPLE...   (e.g. basic.py)
# Needs EVERRUNS_API_URL (…/api) in the environment; EVERRUNS_API_KEY defaults to `dev`.
set -euo pipefail
PY="$1"; shift
VERSION="${COMPAT_SDK_VERSION:-0.3.1}"
VENV="$(cd "$(dirname "$PY")/.." && pwd)"
SRC="$VENV/upstream-sdist/everruns_sdk-$VERSION"
if [ ! -d "$SRC/examples" ]; then
  mkdir -p "$VENV/upstream-sdist"
  "$PY" -m pip download --quiet --no-deps --no-binary :all: \
    "everruns-sdk==$VERSION" -d "$VENV/upstream-sdist"
  tar -xzf "$VENV/upstream-sdist/everruns_sdk-$VERSION.tar.gz" -C "$VENV/upstream-sdist"
fi
export EVERRUNS_API_KEY="${EVERRUNS_API_KEY:-dev}"
for EXAMPLE in "$@"; do
  FILE="$SRC/examples/$EXAMPLE"
  if [ ! -f "$FILE" ]; then echo "upstream example $EXAMPLE not in the $VERSION sdist"; exit 1; fi
  echo "== upstream example $EXAMPLE"
  OUT="$(mktemp)"
  if ! (cd "$SRC/examples" && timeout 120 "$PY" "$EXAMPLE") >"$OUT" 2>&1; then
    cat "$OUT"; rm -f "$OUT"; echo "upstream example $EXAMPLE failed"; exit 1
  fi
  cat "$OUT"
  # An example that gives up waiting (it prints and exits 0) is a failure here.
  if grep -qi "timed out" "$OUT"; then rm -f "$OUT"; echo "upstream example $EXAMPLE timed out"; exit 1; fi
  rm -f "$OUT"
done
