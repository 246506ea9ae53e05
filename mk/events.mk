# Event wire shapes: every event type the server emits validates against the published OpenAPI
# document (tests/schemas/check_events.py, Python `jsonschema` in its own virtualenv).
#
#   make test-event-schemas   real turns of every kind on the real server; each stored event's
#                             envelope and `data` checked (strictly) against openapi.json's
#                             `Event` and `EventDataByType` schemas

SCHEMAS_PY_BASE ?= $(shell command -v python3.11 || command -v python3)
SCHEMAS_VENV ?= $(CURDIR)/.venv-schemas
SCHEMAS_JSONSCHEMA ?= jsonschema==4.26.0

TEST_TARGETS += test-event-schemas

.PHONY: test-event-schemas

$(SCHEMAS_VENV)/.deps-ok:
	$(SCHEMAS_PY_BASE) -m venv $(SCHEMAS_VENV)
	$(SCHEMAS_VENV)/bin/python -m pip install --quiet "$(SCHEMAS_JSONSCHEMA)"
	touch $@

test-event-schemas: $(SCHEMAS_VENV)/.deps-ok server ## Every emitted event validates against the published OpenAPI schemas
	$(SCHEMAS_VENV)/bin/python tests/schemas/check_events.py $(SERVER_BIN)
