# Benchmarks (bench/).
#
#   make bench          release build of the server, the harness, the upstream Rust client
#                       (bench/upstream-rust) and our Python/Node packages (make python / make
#                       node), the upstream pure-Python SDK in .venv-bench-upstream, then one run
#                       of every measurement: the table on stdout and bench/results/bench.{md,json,png}
#   make bench-smoke    the same harness at toy sizes (one round each): proves it runs end to end;
#                       writes bench/results/bench-quick.*. Not part of `make test` (it needs
#                       release builds of every binding).
#   make bench-client   only the client-only rows (SDK decoding against pre-framed SSE, no
#                       server): writes bench/results/client/bench.* (bench-quick.* with --quick).
#   make bench-parser   the SSE parser table (release); the criterion bench itself is
#                       `cargo bench -p everruns-bench --bench sse_parser`
#
# Knobs: BENCH_TARGET_DIR (default target/), BENCH_BINDINGS=0 to skip rebuilding the Python wheel
# and the Node addon (use what is already built), BENCH_PY_VENV (virtualenv with our wheel,
# default .venv as made by `make python`), BENCH_ARGS (extra `everruns-bench run` flags).

BENCH_TARGET_DIR ?= $(CURDIR)/target
BENCH_BIN_DIR := $(BENCH_TARGET_DIR)/release
BENCH_PY_VENV ?= $(CURDIR)/.venv
BENCH_UPSTREAM_VENV ?= $(CURDIR)/.venv-bench-upstream
BENCH_UPSTREAM_SDK ?= everruns-sdk>=0.3,<0.4
BENCH_PY_BASE ?= $(shell pyenv which python3.11 2>/dev/null || command -v python3.11 || command -v python3)
BENCH_BINDINGS ?= 1
BENCH_ARGS ?=

.PHONY: bench-client
.PHONY: bench bench-smoke bench-build bench-bindings bench-upstream-venv bench-parser

$(BENCH_UPSTREAM_VENV)/.deps-ok:
	$(BENCH_PY_BASE) -m venv $(BENCH_UPSTREAM_VENV)
	$(BENCH_UPSTREAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_UPSTREAM_VENV)/bin/python -m pip install --quiet "$(BENCH_UPSTREAM_SDK)"
	touch $@

bench-upstream-venv: $(BENCH_UPSTREAM_VENV)/.deps-ok ## Bench: upstream pure-Python everruns-sdk 0.3.x in its own venv

bench-build: ## Bench: release build of the server, the harness and the upstream Rust client
	CARGO_TARGET_DIR=$(BENCH_TARGET_DIR) $(CARGO) build --release --locked \
		-p everruns-server -p everruns-bench --bin everruns-server --bin everruns-bench
	CARGO_TARGET_DIR=$(BENCH_TARGET_DIR) $(CARGO) build --release --locked \
		--manifest-path bench/upstream-rust/Cargo.toml

# A binding that fails to build is reported as "not built" in the table instead of stopping the run.
bench-bindings:
ifeq ($(BENCH_BINDINGS),1)
	-$(MAKE) --no-print-directory python PY_TARGET_DIR=$(BENCH_TARGET_DIR) PY_VENV=$(BENCH_PY_VENV)
	-$(MAKE) --no-print-directory node NODE_TARGET_DIR=$(BENCH_TARGET_DIR)
endif

BENCH_RUN = $(BENCH_BIN_DIR)/everruns-bench run \
	--server-bin $(BENCH_BIN_DIR)/everruns-server \
	--upstream-rust-bin $(BENCH_BIN_DIR)/everruns-bench-upstream \
	--py-ours $(BENCH_PY_VENV)/bin/python \
	--py-upstream $(BENCH_UPSTREAM_VENV)/bin/python

# The run sits inside a throwaway PostgreSQL cluster (fsync on) for the PostgreSQL rows.
bench: bench-build bench-bindings $(BENCH_UPSTREAM_VENV)/.deps-ok ## Benchmarks vs peers: one table + bench/results/
	PG_FSYNC=on scripts/pg-cluster.sh $(BENCH_RUN) $(BENCH_ARGS)

bench-smoke: bench-build bench-bindings $(BENCH_UPSTREAM_VENV)/.deps-ok ## Bench harness at toy sizes (< 1 min once built)
	$(BENCH_RUN) --quick $(BENCH_ARGS)

bench-parser: ## SSE parser comparison table (release)
	CARGO_TARGET_DIR=$(BENCH_TARGET_DIR) $(CARGO) run --release --locked -p everruns-bench --bin sse_parser_table

bench-client: bench-build bench-bindings $(BENCH_UPSTREAM_VENV)/.deps-ok ## Bench: only the client-only decode rows (pre-framed SSE, no server)
	$(BENCH_RUN) --client-row-only --out $(CURDIR)/bench/results/client $(BENCH_ARGS)
