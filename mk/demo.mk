# The tutorial, runnable: `make demo`, the examples test and the README test.
#
#   make demo            build what it needs, start the reference server (dev mode, llmsim, fresh
#                        SQLite) with an offline HackerNews API fixture, run the HackerNews reader
#                        in Python and the quick start in TypeScript and Rust, stop everything
#   make test-examples   every example in every language against the server, output checked
#   make test-readme     README.md: the Python/TypeScript/Rust quick starts run verbatim against a
#                        fresh dev server, every command in it checked (tests/readme/check_readme.py),
#                        and perturbed copies of the README must fail the check
#
# Binaries come from $(EXAMPLES_TARGET_DIR) (CARGO_TARGET_DIR when set, else target/); the README's
# Rust quick start is built as a crate of its own (README_TARGET_DIR/readme-crate) into the same
# target directory, so the dependencies already built are reused.

TEST_TARGETS += test-examples test-readme

EXAMPLES_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(CURDIR)/target)
README_TARGET_DIR ?= $(EXAMPLES_TARGET_DIR)
EXAMPLES_ENV = EVERRUNS_SERVER_BIN=$(EXAMPLES_TARGET_DIR)/debug/everruns-server \
	EVERRUNS_EXAMPLES_BIN_DIR=$(EXAMPLES_TARGET_DIR)/debug PYTHON=$(PY_VENV)/bin/python

.PHONY: demo test-examples test-readme examples-build examples-ts

examples-ts: node ## Compile examples/typescript against the local @everruns/sdk
	mkdir -p examples/typescript/node_modules/@everruns
	ln -sfn ../../../../typescript examples/typescript/node_modules/@everruns/sdk
	cd examples/typescript && ../../typescript/node_modules/.bin/tsc -p tsconfig.json

examples-build: python examples-ts
	CARGO_TARGET_DIR=$(EXAMPLES_TARGET_DIR) $(CARGO) build -p everruns-server -p everruns-examples

demo: examples-build ## Run the tutorial flows in Python, TypeScript and Rust against a fresh server
	$(EXAMPLES_ENV) $(PY_VENV)/bin/python scripts/demo.py

test-examples: examples-build ## Run every example in every language; check their output
	$(EXAMPLES_ENV) $(PY_VENV)/bin/python scripts/demo.py --check

README_CHECK = $(PY_VENV)/bin/python tests/readme/check_readme.py \
	--server-bin $(EXAMPLES_TARGET_DIR)/debug/everruns-server --target-dir $(README_TARGET_DIR) \
	--wheel-dir $(PY_WHEEL_DIR)

test-readme: examples-build ## Run README.md: quick starts verbatim, every command checked
	$(PY_VENV)/bin/mypy --strict tests/readme/check_readme.py scripts/demo.py
	$(README_CHECK) --self-test
	$(README_CHECK)
