# Store and fan-out speed without losing an event (issues 16 and 17): group commit, shared
# pre-framed live reads, batch replay. Their tests (server/tests/fanout.rs) run on SQLite in
# `make test-rust` and on PostgreSQL in `make test-server-pg`; this target adds the
# PostgreSQL-only test that kills the API process's LISTEN connection with
# pg_terminate_backend mid-stream.
#
#   make test-fanout-pg    the lost-LISTEN test of server/tests/fanout.rs on a throwaway cluster

FANOUT_TARGET_DIR ?= $(CURDIR)/target

TEST_TARGETS += test-fanout-pg

.PHONY: test-fanout-pg

test-fanout-pg: ## Group commit, shared reads and the lost-LISTEN catch-up on PostgreSQL
	CARGO_TARGET_DIR=$(FANOUT_TARGET_DIR) scripts/pg-cluster.sh env EVERRUNS_TEST_BACKEND=postgres \
		$(CARGO) test -p everruns-server --locked --test fanout -- --ignored --nocapture
