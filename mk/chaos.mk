# Stream chaos suite (tests/chaos/): a fault-injecting proxy and the Rust, Python and Node SDKs
# following one long scripted turn of the reference server through it, with two server
# restarts; each SDK must deliver every stored event exactly once, in order, and end on the
# terminal event.
#
#   make test-chaos   proxy tests + the short schedule (~8k events) for all three SDKs
#                     (part of `make test`; the tests of everruns-chaos run here, not in test-rust)
#   make chaos        the long schedule (50k+ events, many faults); prints the per-SDK table and
#                     writes target/chaos-long-report.json
#
# CHAOS_LANGS=rust,node limits the SDKs; the Python and Node packages come from `make python`
# and `make node`, the server binary from `make server`.

CHAOS_TARGET_DIR ?= $(CURDIR)/target
CHAOS_LANGS ?= rust,python,node
CHAOS_SERVER_BIN ?= $(CHAOS_TARGET_DIR)/debug/everruns-server
CHAOS_PYTHON ?= $(CURDIR)/.venv/bin/python
CHAOS_ENV = CARGO_TARGET_DIR=$(CHAOS_TARGET_DIR) EVERRUNS_SERVER_BIN=$(CHAOS_SERVER_BIN) \
	CHAOS_PYTHON=$(CHAOS_PYTHON) CHAOS_LANGS=$(CHAOS_LANGS)

RUST_TEST_EXCLUDE += --exclude everruns-chaos
TEST_TARGETS += test-chaos

.PHONY: test-chaos chaos

test-chaos: python node server ## Chaos: proxy tests + short stream chaos schedule (Rust, Python, Node)
	$(CHAOS_ENV) $(CARGO) test -p everruns-chaos --locked -- --nocapture

chaos: python node server ## Chaos: long stream chaos schedule (50k+ events), per-SDK table
	CARGO_TARGET_DIR=$(CHAOS_TARGET_DIR) $(CARGO) build -q -p everruns-chaos --locked --bin chaos-suite
	$(CHAOS_ENV) $(CHAOS_TARGET_DIR)/debug/chaos-suite --schedule long --langs $(CHAOS_LANGS) \
		--report $(CHAOS_TARGET_DIR)/chaos-long-report.json
