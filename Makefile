# 社保批量申报 — the two commands the README promises, and a few helpers.
#   make run    set up .venv, migrate, seed the demo, start web + embedded worker
#   make test   set up .venv with dev extras, lint, run the whole suite (not the slow set)
#   make test-slow   the slow fault and load tests (kill -9 x5 of a 100k batch, outages, load)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-slow lint format bench templates system-deps clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/shebao init-db
	$(BIN)/shebao seed-demo
	$(BIN)/shebao serve --host $(HOST) --port $(PORT)

system-deps:
	bash scripts/ensure-system-deps.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(VENV)/.installed-dev system-deps lint
	$(BIN)/python -m templates_xlsx --check
	$(BIN)/pytest -n 2 --dist loadgroup -q -p no:cacheprovider

# One at a time: each starts its own workers (and servers) and measures them.
test-slow: $(VENV)/.installed-dev system-deps
	$(BIN)/pytest -m slow -q -p no:cacheprovider -s

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.installed
	$(BIN)/python -m bench.bench_import --rows 10000 100000 300000 --db sqlite postgres

templates: $(VENV)/.installed
	$(BIN)/python -m templates_xlsx

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
