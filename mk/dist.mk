# Release artefacts, one version number.
#
#   make dist           target/dist/: the portable wheel (the one `make python-wheel` built), the
#                       sdist, the npm tarball and the `.crate` files of everruns-core and
#                       everruns-sdk (`cargo package`, verified by building them)
#   make version-check  every package carries the workspace version
#   make set-version VERSION=x.y.z   rewrites the version everywhere it is repeated
#
# The one place: `version` in [workspace.package] of the root Cargo.toml. The Python package
# reads it through maturin (`dynamic = ["version"]`); typescript/package.json and the
# workspace's path dependencies repeat it, which `make version-check` (part of `make dist`)
# enforces and `make set-version` rewrites.
DIST_DIR ?= $(CURDIR)/target/dist
WORKSPACE_VERSION := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)

# `make test` runs `test-dist`: the same artefacts, with the crates packaged but not rebuilt
# (`cargo package` verification compiles each crate and its dependencies on their own, without
# the workspace's feature unification: ~6 min per crate on 2 busy cores). `make dist` verifies.
TEST_TARGETS += test-dist
test-dist: DIST_NO_VERIFY = 1
test-dist: dist ## make dist without the crates' verification build (part of make test)

.PHONY: dist test-dist version-check set-version

version-check: ## Every package carries the one version of Cargo.toml's [workspace.package]
	@test -n "$(WORKSPACE_VERSION)" || { echo "no version in [workspace.package]"; exit 1; }
	@node -e 'const v=require("./$(NODE_DIR)/package.json").version; if (v !== "$(WORKSPACE_VERSION)") { console.error("typescript/package.json has " + v + ", the workspace $(WORKSPACE_VERSION): run make set-version VERSION=$(WORKSPACE_VERSION)"); process.exit(1); }'
	@n=$$(grep -cE '^everruns-(core|sdk) = \{ path = "[^"]+", version = "$(WORKSPACE_VERSION)"' Cargo.toml); \
		test "$$n" = 2 || { echo "Cargo.toml: the path dependencies do not carry version $(WORKSPACE_VERSION)"; exit 1; }
	@grep -q "^## $(WORKSPACE_VERSION)" CHANGELOG.md || { echo "CHANGELOG.md has no section for $(WORKSPACE_VERSION)"; exit 1; }
	@echo "version $(WORKSPACE_VERSION) everywhere"

set-version: ## Set the one version everywhere: make set-version VERSION=x.y.z
	@test -n "$(VERSION)" || { echo "usage: make set-version VERSION=x.y.z"; exit 1; }
	sed -i '/^\[workspace.package\]/,/^\[/s/^version = ".*"/version = "$(VERSION)"/' Cargo.toml
	sed -i -E 's/^(everruns-(core|sdk) = \{ path = "[^"]+", version = )"[^"]+"/\1"$(VERSION)"/' Cargo.toml
	cd $(NODE_DIR) && npm version --no-git-tag-version --allow-same-version $(VERSION)

dist: version-check python-wheel node ## Release artefacts into target/dist/: wheel, sdist, npm tarball, crates
	rm -rf $(DIST_DIR) && mkdir -p $(DIST_DIR)
	cp $(PY_WHEEL_DIR)/everruns_sdk-$(WORKSPACE_VERSION)-*.whl $(DIST_DIR)/
	$(PY_VENV)/bin/maturin sdist --manifest-path python/Cargo.toml -o $(DIST_DIR)
	cd $(NODE_DIR) && npm pack --pack-destination $(DIST_DIR)
	$(CARGO) package -p everruns-core -p everruns-sdk --allow-dirty $(if $(DIST_NO_VERIFY),--no-verify)
	cp $${CARGO_TARGET_DIR:-target}/package/everruns-core-$(WORKSPACE_VERSION).crate \
		$${CARGO_TARGET_DIR:-target}/package/everruns-sdk-$(WORKSPACE_VERSION).crate $(DIST_DIR)/
	@ls -l $(DIST_DIR)

# The sdist builds a working wheel from source (a full release build: not part of make test).
.PHONY: dist-sdist-check
dist-sdist-check: dist ## Build a wheel from the sdist in target/dist/ and import it in a fresh venv
	rm -rf $(PY_TARGET_DIR)/sdist-check && mkdir -p $(PY_TARGET_DIR)/sdist-check
	PATH=$(PY_VENV)/bin:$$PATH CARGO_TARGET_DIR=$(PY_TARGET_DIR)/sdist-build $(PY_BIN) -m pip wheel \
		--no-deps --no-build-isolation -w $(PY_TARGET_DIR)/sdist-check $(DIST_DIR)/everruns_sdk-$(WORKSPACE_VERSION).tar.gz
	$(PY_BASE) -m venv $(PY_TARGET_DIR)/sdist-check/venv
	$(PY_TARGET_DIR)/sdist-check/venv/bin/pip install --quiet --no-index $(PY_TARGET_DIR)/sdist-check/everruns_sdk-*.whl
	cd $(PY_TARGET_DIR)/sdist-check && venv/bin/python -c "import everruns_sdk as e; c = e.SyncEverruns(api_key='k', base_url='http://127.0.0.1:9/api', read_env=False); print('sdist wheel works:', e.__version__, c.base_url)"
