# Embeddable runtime (runtime/): its unit/integration tests run in `test-rust` (workspace);
# this fragment adds running the four seed-003 examples, so the documented embedding flow is
# executed in CI, not only compiled. Each example checks its own output and exits non-zero
# when it is wrong.
#
#   make test-runtime            cargo test -p everruns-runtime (all targets)
#   make test-runtime-examples   cargo run the examples in_process_runtime, inspect_context,
#                                real_disk_agent_instructions, real_disk_file_system_tools

.PHONY: test-runtime test-runtime-examples

TEST_TARGETS += test-runtime-examples

test-runtime: ## Runtime: its tests only
	$(CARGO) test -p everruns-runtime --all-targets --locked

test-runtime-examples: ## Runtime: run the seed-003 examples
	$(CARGO) run -q -p everruns-runtime --locked --example in_process_runtime
	$(CARGO) run -q -p everruns-runtime --locked --example inspect_context
	$(CARGO) run -q -p everruns-runtime --locked --example real_disk_agent_instructions
	$(CARGO) run -q -p everruns-runtime --locked --example real_disk_file_system_tools
