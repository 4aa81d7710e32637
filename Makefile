.PHONY: demo test setup lint format bench

demo:        ## install, seed the demo data and serve http://127.0.0.1:8000
	scripts/demo.sh

test:        ## ruff + the whole test suite against PostgreSQL and Redis
	scripts/test.sh

setup:
	scripts/setup.sh --dev

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .
