# Node package @everruns/sdk (typescript/): napi-rs addon + TypeScript layer.
#
#   make node        npm deps, release addon (napi build), TypeScript → typescript/dist
#   make test-node   node --test against the real reference server (built by the tests)
#   make node-pack   installable tarball typescript/everruns-sdk-<version>.tgz
#   make node-wire   regenerate typescript/ts/generated/wire.ts from the core's schemas
NODE_DIR := typescript
NODE_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(CURDIR)/target)

.PHONY: node node-deps node-native node-ts test-node node-pack node-wire node-example

TEST_TARGETS += test-node

node-deps: $(NODE_DIR)/node_modules/.package-lock.json

# `npm install`, not `npm ci` (see shared TOOLCHAIN.md: the lockfile lacks other platforms'
# optional packages).
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json
	cd $(NODE_DIR) && npm install --no-audit --no-fund
	@touch $@

node-native: node-deps ## Node: build the native addon (release)
	cd $(NODE_DIR) && CARGO_TARGET_DIR=$(NODE_TARGET_DIR) npx napi build --platform --release --strip --output-dir native

node-ts: node-deps
	cd $(NODE_DIR) && npx tsc -p tsconfig.json

node: node-native node-ts ## Node: build @everruns/sdk (addon + TypeScript)

# Test files run by `make test-node`: the server-backed suites start the real reference server
# (built here, or $EVERRUNS_SERVER_BIN) on free ports with their own SQLite databases; the
# conformance runner starts tests/conformance's conformance-server ($EVERRUNS_CONFORMANCE_SERVER_BIN).
NODE_TESTS ?= test/package.test.mjs test/pack.test.mjs test/errors.test.mjs test/net.test.mjs test/tutorial.test.mjs test/streams.test.mjs \
	test/example.test.mjs test/delivery.test.mjs \
	test/conformance.test.mjs test/parity.test.mjs test/logging.test.mjs test/agent_client.test.mjs \
	test/budgets.test.mjs test/workspaces.test.mjs test/event_filters.test.mjs test/versions.test.mjs

test-node: node ## Node: node --test (server-backed suites start the real reference server)
	CARGO_TARGET_DIR=$(NODE_TARGET_DIR) $(CARGO) build -p everruns-server -p everruns-conformance
	cd $(NODE_DIR) && EVERRUNS_SERVER_BIN=$${EVERRUNS_SERVER_BIN:-$(NODE_TARGET_DIR)/debug/everruns-server} \
		EVERRUNS_CONFORMANCE_SERVER_BIN=$${EVERRUNS_CONFORMANCE_SERVER_BIN:-$(NODE_TARGET_DIR)/debug/conformance-server} \
		node --test --test-concurrency=1 --test-timeout=600000 $(NODE_TESTS)
# tsc --strict on test/types.check.ts and examples/typescript runs in `make lint-ts` (mk/lint.mk).

node-pack: node ## Node: npm pack → typescript/everruns-sdk-<version>.tgz
	cd $(NODE_DIR) && npm pack

node-wire: ## Node: regenerate the TypeScript wire types from the core
	EVERRUNS_UPDATE_WIRE=1 $(CARGO) test -p everruns-node --test wire_types
