# LeadFlow: `make run` serves the demo, `make test` runs the suite on SQLite then PostgreSQL.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV

.PHONY: run deps lint format typecheck test test-sqlite test-postgres bench bench-quick clean

# --compile-bytecode: these machines set PYTHONDONTWRITEBYTECODE=1, so without it every process
# would compile Django and every dependency from source again.
deps:
	@scripts/ensure-uv
	@$(UV) sync --locked --compile-bytecode --quiet

# The project's own modules may be cached as bytecode (the environment is compiled by `deps`).
# `leadflow start` migrates, loads the demo if it is missing and serves, in one Django start.
run: deps
	@env -u PYTHONDONTWRITEBYTECODE DEBUG=$${DEBUG:-1} $(UV) run --locked leadflow start

lint: deps
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy
	$(UV) run --locked lint-imports --no-logo

format: deps
	$(UV) run --locked ruff format .
	$(UV) run --locked ruff check --fix .

test: deps
	@scripts/test

test-sqlite: deps
	@scripts/test sqlite

test-postgres: deps
	@scripts/test postgres

bench: deps
	@scripts/bench

# Every benchmark at a small size, nothing recorded: proves they still run (a CI smoke run).
bench-quick: deps
	@scripts/bench --quick

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
