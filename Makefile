# Sanea — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi:app
DEMO_PROPERTIES ?= 2000
# Where `make run` serves the admin (127.0.0.1 only): make run PORT=5001
PORT ?= 5000
# Test processes (pytest-xdist); each migrates its own template database.
TEST_WORKERS ?= 2

.PHONY: run test install install-test init demo serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

init: install
	$(FLASK) sanea init

demo: init
	$(FLASK) sanea prepare-demo --properties $(DEMO_PROPERTIES)

run: demo
	@$(FLASK) sanea create-admin --remember
	@echo "Sanea em http://127.0.0.1:$(PORT) (Ctrl+C para parar)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: install-test
	@for script in benchmarks/bench_*.py; do echo "== $$script"; \
	    $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
