# Reference server (server/), its OpenAPI document (openapi/) and the upstream-SDK compat test
# (tests/compat/).
#
#   make start-dev      run everruns-server --dev on http://127.0.0.1:9300 (SDK base URL .../api);
#                       with a real default model (key in DEFAULT_OPENAI_API_KEY):
#                       make start-dev SERVER_DEV_ARGS="--dev --addr 127.0.0.1:9300 --default-model gpt-4.1-mini"
#   make openapi        regenerate openapi/openapi.json from the code
#   make openapi-docs   rebuild openapi/index.html with Redocly (npm install into openapi/node_modules)
#   make test-compat    upstream pure-Python everruns-sdk 0.3.x (own venv) against the server, and its
#                       sdist's own examples basic.py, workspaces.py, memories.py, initial_files.py

SERVER_TARGET_DIR ?= $(CURDIR)/target
SERVER_BIN ?= $(SERVER_TARGET_DIR)/debug/everruns-server
SERVER_DEV_ARGS ?= --dev --addr 127.0.0.1:9300
COMPAT_PY_BASE ?= $(shell pyenv which python3.11 2>/dev/null || command -v python3.11 || command -v python3)
COMPAT_VENV ?= $(CURDIR)/.venv-upstream
COMPAT_SDK ?= everruns-sdk==0.3.1

TEST_TARGETS += test-compat

.PHONY: server start-dev openapi openapi-docs test-compat test-server

server: ## Build the everruns-server binary
	CARGO_TARGET_DIR=$(SERVER_TARGET_DIR) $(CARGO) build -p everruns-server

start-dev: ## Run the reference server in dev mode on 127.0.0.1:9300 (SQLite in ./.everruns/)
	CARGO_TARGET_DIR=$(SERVER_TARGET_DIR) $(CARGO) run -p everruns-server -- $(SERVER_DEV_ARGS)

openapi: ## Regenerate openapi/openapi.json from the code
	CARGO_TARGET_DIR=$(SERVER_TARGET_DIR) $(CARGO) run -q -p everruns-server -- openapi --out openapi/openapi.json

openapi-docs: openapi ## Rebuild openapi/index.html (Redocly, offline after npm install)
	cd openapi && ( [ -x node_modules/.bin/redocly ] || npm install --no-audit --no-fund ) && npm run --silent build-docs

test-server: ## Server integration tests (real binary over real sockets)
	CARGO_TARGET_DIR=$(SERVER_TARGET_DIR) $(CARGO) test -p everruns-server --locked

$(COMPAT_VENV)/.deps-ok:
	$(COMPAT_PY_BASE) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT_VENV)/bin/python -m pip install --quiet "$(COMPAT_SDK)"
	touch $@

test-compat: $(COMPAT_VENV)/.deps-ok server ## Upstream everruns-sdk (PyPI) against the reference server
	bash tests/compat/run.sh $(SERVER_BIN) $(COMPAT_VENV)/bin/python
