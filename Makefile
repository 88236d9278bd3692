# LeadFlow: `make run` serves the demo, `make test` runs the suite on SQLite then PostgreSQL.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export UV

.PHONY: run deps lint format typecheck test test-sqlite test-postgres bench clean

deps:
	@scripts/ensure-uv
	@$(UV) sync --locked --quiet

run: deps
	@DEBUG=$${DEBUG:-1} $(UV) run --locked leadflow migrate --noinput
	@DEBUG=$${DEBUG:-1} $(UV) run --locked leadflow demo
	@DEBUG=$${DEBUG:-1} $(UV) run --locked leadflow serve

lint: deps
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy

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

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
