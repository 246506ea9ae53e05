# Fuzzing the HTTP API with schemathesis (PyPI, own virtualenv) against the published schema.
#
#   make test-fuzz   bounded run (fixed seed, few examples per operation), part of `make test`
#   make fuzz        the same, longer (FUZZ_EXAMPLES, FUZZ_SEED to vary)
#
# The property tests of the SSE parser and the agent importer run in `cargo test`
# (core/tests/sse_parser_properties.rs, server/src/agent_md.rs).

FUZZ_PY_BASE ?= $(shell pyenv which python3.11 2>/dev/null || command -v python3.11 || command -v python3)
FUZZ_VENV ?= $(CURDIR)/.venv-fuzz
FUZZ_SCHEMATHESIS ?= schemathesis==4.32.5
FUZZ_EXAMPLES ?= 300
FUZZ_SEED ?= 1

TEST_TARGETS += test-fuzz

.PHONY: test-fuzz fuzz

$(FUZZ_VENV)/.deps-ok:
	$(FUZZ_PY_BASE) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FUZZ_VENV)/bin/python -m pip install --quiet "$(FUZZ_SCHEMATHESIS)"
	touch $@

test-fuzz: $(FUZZ_VENV)/.deps-ok server ## Schemathesis against the dev server's schema (bounded, fixed seed)
	bash tests/fuzz/run.sh $(SERVER_BIN) $(FUZZ_VENV)/bin/st 15 1

fuzz: $(FUZZ_VENV)/.deps-ok server ## Longer schemathesis run (FUZZ_EXAMPLES per operation, FUZZ_SEED)
	bash tests/fuzz/run.sh $(SERVER_BIN) $(FUZZ_VENV)/bin/st $(FUZZ_EXAMPLES) $(FUZZ_SEED)
