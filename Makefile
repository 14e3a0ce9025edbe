# Octopus: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt

.PHONY: demo demo-prepare test test-fast lint format serve bench clean help

help:
	@echo "make demo   - install Octopus, prepare the Westminster demo and serve it at http://127.0.0.1:8000"
	@echo "make test   - install what the tests need and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make lint   - ruff check, ruff format --check, and no direct queries of resident data in views or the API"
	@echo "make format - ruff format, then the lint fixes ruff can make by itself"
	@echo "make bench  - the pipeline at 20k-9M residents (9M where memory allows): JSON in benchmarks/results, a plot, a regression check"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Octopus needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs only when the dependency files change.
$(VENV)/.installed-runtime: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $@ $(VENV)/.installed-runtime

demo: $(VENV)/.installed-runtime
	OCTOPUS_ENV=demo $(BIN)/octopus demo --serve

demo-prepare: $(VENV)/.installed-runtime
	OCTOPUS_ENV=demo $(BIN)/octopus demo

test: $(VENV)/.installed-dev
	@bash scripts/system-deps.sh
	@bash scripts/run-tests.sh

test-fast: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -m "not browser and not spark and not slow" -n 2

# Also run by `make test` (tests/unit/test_code_style.py), as CI runs only that; decision 0068.
LINTED := src tests benchmarks scripts

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/python scripts/lint_model_usage.py

format: $(VENV)/.installed-dev
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

# BENCH_ARGS, e.g. "--sizes 20000 275000 --repeats 5" or "--sizes 20000 ... 9000000" where memory allows;
# exits 1 when a step is more than 20% slower than the last recorded run (decision 0061).
bench: $(VENV)/.installed-dev
	PYTHONPATH=src $(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

serve: $(VENV)/.installed-runtime
	OCTOPUS_ENV=demo $(BIN)/octopus serve

clean:
	rm -rf $(VENV) var .pytest_cache
