# Everruns SDK — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: help test test-rust fmt-check doc

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

test: test-rust ## Every test in every language

test-rust: ## Rust unit and integration tests (core, sdk, runtime, server)
	$(CARGO) test --workspace --all-targets --locked

fmt-check: ## rustfmt check
	$(CARGO) fmt --all -- --check

doc: ## API docs of the Rust crates, warnings denied
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p everruns-core -p everruns-sdk
