# Embeddable runtime (runtime/): its unit/integration tests run in `test-rust` (workspace);
# this fragment adds running the two seed-003 examples, so the documented embedding flow is
# executed in CI, not only compiled.
#
#   make test-runtime            cargo test -p everruns-runtime (all targets)
#   make test-runtime-examples   cargo run the examples in_process_runtime and inspect_context

.PHONY: test-runtime test-runtime-examples

TEST_TARGETS += test-runtime-examples

test-runtime: ## Runtime: its tests only
	$(CARGO) test -p everruns-runtime --all-targets --locked

test-runtime-examples: ## Runtime: run the seed-003 examples
	$(CARGO) run -q -p everruns-runtime --locked --example in_process_runtime
	$(CARGO) run -q -p everruns-runtime --locked --example inspect_context
