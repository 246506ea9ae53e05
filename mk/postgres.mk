# PostgreSQL backend of the server (issue 16). Every target runs inside a throwaway cluster
# (scripts/pg-cluster.sh: a temp directory, a free port, the `postgres` user, stopped at the end
# even when tests fail; `apt-get install -y postgresql` only where the binaries are missing).
#
#   make test-store-pg     the store tests on SQLite and PostgreSQL (the same tests, parametrised)
#   make test-server-pg    the whole server suite (real binary, real sockets) on PostgreSQL
#   make test-scaleout     two `serve --no-worker` + two `worker` processes, SIGKILL of the worker
#                          holding a turn and of an API process; followed over SSE and with the
#                          Python and Node SDKs (built by `make python-wheel` / `make node`)
#   make test-pg           all three (in `make test`)

PG_CLUSTER ?= scripts/pg-cluster.sh
PG_TARGET_DIR ?= $(CURDIR)/target

TEST_TARGETS += test-pg

.PHONY: test-pg test-store-pg test-server-pg test-scaleout

test-store-pg: ## Store tests on both backends (throwaway PostgreSQL cluster)
	CARGO_TARGET_DIR=$(PG_TARGET_DIR) $(PG_CLUSTER) $(CARGO) test -p everruns-server --locked --test store -- --include-ignored

# The TCP_NODELAY latency test (backend independent; it runs on SQLite in test-rust) is skipped:
# its 20 ms bound measures the socket, not the database.
test-server-pg: ## The server's test suite on PostgreSQL (throwaway cluster)
	CARGO_TARGET_DIR=$(PG_TARGET_DIR) $(PG_CLUSTER) env EVERRUNS_TEST_BACKEND=postgres $(CARGO) test -p everruns-server --locked --tests -- --skip first_frame_on_a_reused_connection_is_not_delayed

test-scaleout: python-wheel node ## Multi-process kill test on PostgreSQL (2 APIs, 2 workers, SDK followers)
	CARGO_TARGET_DIR=$(PG_TARGET_DIR) $(PG_CLUSTER) env EVERRUNS_TEST_BACKEND=postgres \
		EVERRUNS_TEST_PYTHON=$(PY_BIN) EVERRUNS_TEST_NODE_SDK=$(CURDIR)/$(NODE_DIR) \
		$(CARGO) test -p everruns-server --locked --test scaleout -- --include-ignored --nocapture

test-pg: test-store-pg test-server-pg test-scaleout ## PostgreSQL backend: store tests, server suite, multi-process kill test
