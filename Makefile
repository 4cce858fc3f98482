# Cầu Nối: the two commands a newcomer needs.
#   make run   set up a virtualenv and start the bot (terminal chat when no token is configured)
#   make test  set up the test tools, lint, type-check, and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench

run: $(VENV)/.runtime
	$(BIN)/python bot.py

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(VENV)/.runtime
	$(BIN)/python benchmarks/bench_matcher.py

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The catalogues' compiled .mo files are not committed: setting up compiles them (a .po edited since
# is compiled in memory at start-up instead, see core/language/i18n.py).
COMPILE_CATALOGUES = $(BIN)/pybabel compile -d locales -D messages --statistics

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(COMPILE_CATALOGUES)
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(COMPILE_CATALOGUES)
	touch $(VENV)/.runtime $@
