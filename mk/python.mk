# Python SDK (python/): venv, abi3 wheel, pytest against the real reference server, mypy.
#
#   make python        venv (.venv) + wheel into target/wheels/
#   make test-python   wheel + install + pytest + mypy --strict on examples/python
#
# Works on a fresh clone with nothing preinstalled but CPython (pyenv 3.11 when present) and cargo.

PY_BASE ?= $(shell pyenv which python3.11 2>/dev/null || command -v python3.11 || command -v python3)
PY_VENV ?= $(CURDIR)/.venv
PY_BIN := $(PY_VENV)/bin/python
PY_TARGET_DIR ?= $(CURDIR)/target
PY_WHEEL_DIR ?= $(PY_TARGET_DIR)/wheels
PY_RUST_TARGET ?= x86_64-unknown-linux-gnu
PY_DEV_REQS := maturin==1.16.0 ziglang==0.17.1 auditwheel pytest pytest-asyncio mypy
# The reference server the Python tests start and the scripted server of the conformance runner
# (built here unless the caller provides them).
PY_SERVER_BIN ?= $(PY_TARGET_DIR)/debug/everruns-server
PY_CONFORMANCE_BIN ?= $(PY_TARGET_DIR)/debug/conformance-server
PYTEST_ARGS ?=

# cargo test of the bridge crate would need libpython at run time: pytest tests it instead.
RUST_TEST_EXCLUDE += --exclude everruns-python
TEST_TARGETS += test-python

.PHONY: python python-venv python-wheel python-auditwheel python-server test-python python-mypy

$(PY_VENV)/.deps-ok:
	$(PY_BASE) -m venv $(PY_VENV)
	$(PY_BIN) -m pip install --quiet --upgrade pip
	$(PY_BIN) -m pip install --quiet $(PY_DEV_REQS)
	touch $@

python-venv: $(PY_VENV)/.deps-ok ## Python virtualenv with maturin, pytest, pytest-asyncio, mypy

# One portable wheel (abi3, manylinux2014 = glibc 2.17, linked by zig) serves every check:
# pytest, the fresh-venv runs on CPython 3.10/3.11/3.13, `auditwheel show` and `make dist`.
# maturin finds zig through `python3 -m ziglang`, so the venv's bin goes first on PATH.
python-wheel: python-venv ## Build the portable everruns-sdk wheel (abi3, manylinux2014) into target/wheels/
	rm -f $(PY_WHEEL_DIR)/everruns_sdk-*.whl
	PATH=$(PY_VENV)/bin:$$PATH CARGO_TARGET_DIR=$(PY_TARGET_DIR) $(PY_VENV)/bin/maturin build --release \
		--manifest-path python/Cargo.toml --target $(PY_RUST_TARGET) \
		--zig --compatibility manylinux2014 \
		--interpreter $(PY_BIN) --strip -o $(PY_WHEEL_DIR)
	$(PY_BIN) -m pip install --quiet --force-reinstall --no-deps $(PY_WHEEL_DIR)/everruns_sdk-*.whl

python-auditwheel: python-venv ## auditwheel show of the built wheel (must be manylinux_2_17)
	$(PY_VENV)/bin/auditwheel show $(PY_WHEEL_DIR)/everruns_sdk-*.whl | tee $(PY_TARGET_DIR)/auditwheel.txt
	grep -q 'manylinux_2_17_x86_64' $(PY_TARGET_DIR)/auditwheel.txt

python: python-wheel ## Python SDK: venv + wheel (installed into .venv)

python-server: ## Build the reference server and the conformance server used by the Python tests
	CARGO_TARGET_DIR=$(PY_TARGET_DIR) $(CARGO) build -p everruns-server -p everruns-conformance

python-mypy: python-venv ## mypy --strict on examples/python
	$(PY_VENV)/bin/mypy --strict python/python/everruns_sdk $(wildcard examples/python)

test-python: python-wheel python-auditwheel python-server python-mypy ## Python SDK tests (pytest vs the real server)
	cd python && EVERRUNS_SERVER_BIN=$(PY_SERVER_BIN) PY_WHEEL_DIR=$(PY_WHEEL_DIR) \
		EVERRUNS_CONFORMANCE_SERVER_BIN=$(PY_CONFORMANCE_BIN) PY_BASE=$(PY_BASE) $(PY_BIN) -m pytest -q $(PYTEST_ARGS)
