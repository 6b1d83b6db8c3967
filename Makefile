# E-Hab. Quick start: `make run` (serve the demo) and `make test` (lint and the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test test-clocks install install-test lint format migrate seed clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) -m ehab.run_local

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(PY) manage.py makemigrations --check --dry-run --settings=ehab.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

# The whole suite (browser journeys aside) from eight awkward instants, each in another time zone
# (tests/clock_sweep.py). CLOCK_ARGS passes options, e.g. CLOCK_ARGS="--jobs 1 -- -x".
test-clocks: install-test
	$(PY) -m tests.clock_sweep $(CLOCK_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
