# Lints, part of `make test`. Any finding fails the target.
#
#   make lint          all of the below
#   make lint-rust     cargo fmt --check; cargo clippy on the whole workspace, every target,
#                      warnings denied (the Python bridge crate needs PYO3_PYTHON: the venv's python)
#   make lint-python   ruff (config: [tool.ruff] in python/pyproject.toml) over the package, its
#                      tests, the examples and the test/bench/demo scripts; mypy --strict on the
#                      package and examples/python (python-mypy; tests/readme and scripts/demo.py
#                      are checked by test-readme)
#   make lint-ts       tsc --strict on typescript/ts, typescript/test and examples/typescript;
#                      biome lint (config: biome.jsonc) over every TypeScript/JavaScript source
#
# Tool versions are pinned here (ruff) and in typescript/package.json (biome, typescript).

LINT_RUFF_VERSION ?= 0.17.6
LINT_PY_PATHS := python/python python/tests examples/python examples/fixtures scripts \
	tests/readme tests/compat tests/schemas tests/chaos bench/clients
LINT_TS_PATHS := typescript/ts typescript/test typescript/esm examples/typescript \
	tests/chaos/clients bench/clients

TEST_TARGETS += lint

.PHONY: lint lint-rust lint-fmt lint-clippy lint-python lint-ts

lint: lint-rust lint-python lint-ts ## Lints: rustfmt, clippy -D warnings, ruff, mypy --strict, tsc --strict, biome

lint-rust: lint-fmt lint-clippy ## Lints: cargo fmt --check and clippy (workspace, all targets, -D warnings)

lint-fmt:
	$(CARGO) fmt --all -- --check

lint-clippy: python-venv
	PYO3_PYTHON=$(PY_BIN) $(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# (This file is included before mk/python.mk: PY_* variables may only appear in recipes.)
lint-python: python-venv python-mypy ## Lints: ruff + mypy --strict
	$(PY_VENV)/bin/ruff --version 2>/dev/null | grep -qx "ruff $(LINT_RUFF_VERSION)" \
		|| $(PY_BIN) -m pip install --quiet "ruff==$(LINT_RUFF_VERSION)"
	$(PY_VENV)/bin/ruff check --config python/pyproject.toml $(LINT_PY_PATHS)

# typescript/ts is compiled with `strict: true` by `make node` (node-ts), a prerequisite;
# typescript/test and examples/typescript type-check against the built package (dist/).
lint-ts: node ## Lints: tsc --strict + biome lint
	cd $(NODE_DIR) && node_modules/.bin/tsc -p test/tsconfig.json --strict
	cd examples/typescript && ../../$(NODE_DIR)/node_modules/.bin/tsc -p tsconfig.json --noEmit --strict
	$(NODE_DIR)/node_modules/.bin/biome lint $(LINT_TS_PATHS)
