# The tutorial, runnable: `make demo` and the examples test.
#
#   make demo            build what it needs, start the reference server (dev mode, llmsim, fresh
#                        SQLite) with an offline HackerNews API fixture, run the HackerNews reader
#                        in Python and the quick start in TypeScript and Rust, stop everything
#   make test-examples   every example in every language against the server, output checked

TEST_TARGETS += test-examples

.PHONY: demo test-examples examples-build examples-ts

examples-ts: node ## Compile examples/typescript against the local @everruns/sdk
	mkdir -p examples/typescript/node_modules/@everruns
	ln -sfn ../../../../typescript examples/typescript/node_modules/@everruns/sdk
	cd examples/typescript && ../../typescript/node_modules/.bin/tsc -p tsconfig.json

examples-build: python examples-ts
	$(CARGO) build -p everruns-server -p everruns-examples

demo: examples-build ## Run the tutorial flows in Python, TypeScript and Rust against a fresh server
	$(PY_VENV)/bin/python scripts/demo.py

test-examples: examples-build ## Run every example in every language; check their output
	$(PY_VENV)/bin/python scripts/demo.py --check
