# Everruns SDK — the two commands: `make demo` and `make test`.
#
# Each area adds its targets in mk/<area>.mk and appends its test target to TEST_TARGETS.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# Crates whose tests need more than `cargo test` (e.g. libpython); their area runs them.
RUST_TEST_EXCLUDE ?=
TEST_TARGETS := test-rust

.PHONY: help test test-rust fmt-check doc

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

test-rust: ## Rust unit and integration tests (core, sdk, runtime, server)
	$(CARGO) test --workspace --all-targets --locked $(RUST_TEST_EXCLUDE)

fmt-check: ## rustfmt check
	$(CARGO) fmt --all -- --check

doc: ## API docs of the Rust crates, warnings denied
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p everruns-core -p everruns-sdk -p everruns-runtime

-include mk/*.mk

test: $(TEST_TARGETS) ## Every test in every language
