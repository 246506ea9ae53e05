# API reference per language, generated from the code, warnings fail the build.
#
#   make docs   Rust crates (rustdoc, `make doc`), Python (pdoc from the docstrings of the
#               installed wheel), TypeScript (TypeDoc from typescript/ts) into target/docs/
DOCS_DIR ?= $(CURDIR)/target/docs
DOCS_PDOC_VERSION ?= 16.0.0

TEST_TARGETS += docs

.PHONY: docs docs-rust docs-python docs-ts

docs: docs-rust docs-python docs-ts ## API reference: Rust, Python and TypeScript into target/docs/ (warnings fail)
	@echo "API reference: $(DOCS_DIR)/rust/everruns_sdk/index.html, $(DOCS_DIR)/python/index.html, $(DOCS_DIR)/typescript/index.html"

docs-rust:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p everruns-core -p everruns-sdk
	mkdir -p $(DOCS_DIR) && rm -rf $(DOCS_DIR)/rust && cp -r $${CARGO_TARGET_DIR:-target}/doc $(DOCS_DIR)/rust

# TypeDoc: NativeClient (the addon's class, an internal constructor parameter) stays out.
# pdoc imports the installed package (the wheel built by python-wheel); `-W error` turns any
# warning (e.g. an unresolvable reference) into a failure.
docs-python: python-wheel
	$(PY_VENV)/bin/pdoc --version 2>/dev/null | grep -q "$(DOCS_PDOC_VERSION)" \
		|| $(PY_BIN) -m pip install --quiet "pdoc==$(DOCS_PDOC_VERSION)"
	rm -rf $(DOCS_DIR)/python
	$(PY_BIN) -W error -m pdoc everruns_sdk -o $(DOCS_DIR)/python

docs-ts: node-deps node-native
	rm -rf $(DOCS_DIR)/typescript
	cd $(NODE_DIR) && npx typedoc --tsconfig tsconfig.json --entryPoints ts/index.ts \
		--out $(DOCS_DIR)/typescript --treatWarningsAsErrors --excludeInternal --readme none \
		--intentionallyNotExported NativeClient --intentionallyNotExported NativeAgentClient \
		--intentionallyNotExported "ts/generated/wire.ts:ContentPart"
