# Octopus: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt

.PHONY: demo demo-prepare test test-fast lint serve clean help

help:
	@echo "make demo   - install Octopus, prepare the Westminster demo and serve it at http://127.0.0.1:8000"
	@echo "make test   - install what the tests need and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make lint   - ruff, and no direct queries of resident data in views or the API"

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

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests
	$(BIN)/python scripts/lint_model_usage.py

serve: $(VENV)/.installed-runtime
	OCTOPUS_ENV=demo $(BIN)/octopus serve

clean:
	rm -rf $(VENV) var .pytest_cache
