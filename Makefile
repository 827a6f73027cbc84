# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.serve-stamp
PORT ?= 8080

.PHONY: run test lint bench clean

# What serving needs: the package and its dependencies (no test tools).
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# The development tools on top (pytest, ruff, mypy, ...).
$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Set up and run the server on the embedded default (SQLite under ./data) at http://127.0.0.1:8080
run: $(RUN_STAMP)
	$(BIN)/codeannals serve --host 127.0.0.1 --port $(PORT)

## Set up and run ruff, mypy and the whole suite (SQLite, and PostgreSQL when one answers)
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/events.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
