# The two commands: `make run` serves Uplift, `make test` runs the whole suite.
# Both create .venv and install the locked dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# GraphiQL's files (development), fetched from the npm registry with pinned hashes (gateway/graphiql_assets.py)
GRAPHIQL := $(VENV)/share/uplift/graphiql/.pinned-$(shell cksum < gateway/graphiql_assets.py | cut -d' ' -f1)

.PHONY: run test lint lock schema clean graphiql bench

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# Offline, the fetch says so and the rest goes on; GraphiQL's page then says how to fetch them.
$(GRAPHIQL): $(STAMP) gateway/graphiql_assets.py
	@$(BIN)/python -m gateway.graphiql_assets && rm -f $(VENV)/share/uplift/graphiql/.pinned-* && touch $@ || true

graphiql: $(GRAPHIQL)

run: $(STAMP) $(GRAPHIQL)
	$(BIN)/uplift serve

test: $(STAMP) $(GRAPHIQL) lint
	@bash scripts/ensure-nats.sh
	$(BIN)/pytest -q

lint: $(STAMP) $(GRAPHIQL)
	$(BIN)/ruff check .
	$(BIN)/mypy .

# Maintainers: refresh the lock after changing dependencies in pyproject.toml (needs `uv`).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.runtime.lock

# Every benchmark against its baseline, three rounds; prints the ratios and writes bench/results.json
# (docs/performance.md). BENCH_ARGS=--quick for a scaled-down first look.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

schema: $(STAMP)
	$(BIN)/uplift schema export --out gateway/schema.graphql

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
