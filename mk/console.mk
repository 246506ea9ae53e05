# Web console (console/): TypeScript + DOM, bundled by esbuild into console/dist/, which is
# committed and embedded by everruns-server (so `cargo build` needs no Node; see console/README.md).
#
#   make console        npm deps, type check, rebuild console/dist (commit the result)
#   make console-check  type check; fail when console/dist is stale versus console/src
#   make test-console   the console in Debian's Chromium (playwright-core) against the real dev
#                       server; screenshots in target/console-screenshots/
CONSOLE_DIR := console
CONSOLE_TARGET_DIR ?= $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),$(CURDIR)/target)
CHROMIUM ?= /usr/bin/chromium
CONSOLE_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

TEST_TARGETS += test-console

.PHONY: console console-deps console-check console-chromium test-console

console-deps: $(CONSOLE_DIR)/node_modules/.package-lock.json

# `npm install`, not `npm ci` (see shared TOOLCHAIN.md).
$(CONSOLE_DIR)/node_modules/.package-lock.json: $(CONSOLE_DIR)/package.json
	@command -v npm >/dev/null || { echo "the console build needs Node.js 20+ and npm (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	cd $(CONSOLE_DIR) && npm install --no-audit --no-fund
	@touch $@

console: console-deps ## Console: type check and rebuild console/dist (commit it)
	cd $(CONSOLE_DIR) && node_modules/.bin/tsc -p tsconfig.json && node build.mjs

console-check: console-deps ## Console: type check; fail when console/dist is stale
	cd $(CONSOLE_DIR) && node_modules/.bin/tsc -p tsconfig.json && node build.mjs --check

# Debian's Chromium (a Playwright browser download cannot work here).
console-chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$(CHROMIUM)" != /usr/bin/chromium ]; then echo "CHROMIUM=$(CHROMIUM) is not executable" >&2; exit 1; fi; \
		echo "installing Debian's chromium"; \
		$(CONSOLE_SUDO) apt-get install -y chromium || { $(CONSOLE_SUDO) apt-get update && $(CONSOLE_SUDO) apt-get install -y chromium; }; \
	fi

test-console: console-check console-chromium ## Console: browser tests (Chromium + playwright-core, real dev server)
	$(CARGO) build -p everruns-server
	@# a private copy: a shared target dir may get another tree's binary at debug/everruns-server
	mkdir -p $(CONSOLE_TARGET_DIR)/console-test && cp $(CONSOLE_TARGET_DIR)/debug/everruns-server $(CONSOLE_TARGET_DIR)/console-test/
	EVERRUNS_SERVER_BIN=$${EVERRUNS_SERVER_BIN:-$(CONSOLE_TARGET_DIR)/console-test/everruns-server} CHROMIUM_BIN=$(CHROMIUM) \
		timeout 300 node --test --test-concurrency=1 --test-timeout=180000 tests/console/sse.test.mjs tests/console/console.test.mjs
