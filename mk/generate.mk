# Generated files: the Python and TypeScript facades and core/generated/operations.json come from
# the core's operation table (tools/codegen); the TypeScript wire types from the core's schemas
# (typescript/tests/wire_types.rs). Each says `@generated` in its first line.
#
#   make generate         rewrite them all
#   make check-generated  fail when any is stale (run by `make test`)

.PHONY: generate check-generated
TEST_TARGETS += check-generated

generate: ## Regenerate the facades, operations.json and the TypeScript wire types
	$(CARGO) run -q --locked -p everruns-codegen
	EVERRUNS_UPDATE_WIRE=1 $(CARGO) test -q --locked -p everruns-node --test wire_types

check-generated: ## Fail when a generated file differs from what the core's table gives
	$(CARGO) run -q --locked -p everruns-codegen -- --check
	$(CARGO) test -q --locked -p everruns-node --test wire_types
