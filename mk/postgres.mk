# PostgreSQL backend of the server (issue 16). Every target runs inside a throwaway cluster
# (scripts/pg-cluster.sh: a temp directory, a free port, the `postgres` user, stopped at the end
# even when tests fail; `apt-get install -y postgresql` only where the binaries are missing).
#
#   make test-store-pg     the store tests on SQLite and PostgreSQL (the same tests, parametrised)
#   make test-server-pg    the whole server suite (real binary, real sockets) on PostgreSQL
#   make test-pg           both (in `make test`)

PG_CLUSTER ?= scripts/pg-cluster.sh
PG_TARGET_DIR ?= $(CURDIR)/target

TEST_TARGETS += test-pg

.PHONY: test-pg test-store-pg test-server-pg

test-store-pg: ## Store tests on both backends (throwaway PostgreSQL cluster)
	CARGO_TARGET_DIR=$(PG_TARGET_DIR) $(PG_CLUSTER) $(CARGO) test -p everruns-server --locked --test store -- --include-ignored

test-server-pg: ## The server's test suite on PostgreSQL (throwaway cluster)
	CARGO_TARGET_DIR=$(PG_TARGET_DIR) $(PG_CLUSTER) env EVERRUNS_TEST_BACKEND=postgres $(CARGO) test -p everruns-server --locked --tests

test-pg: test-store-pg test-server-pg ## PostgreSQL backend: store tests and the server suite
