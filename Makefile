# IPBridge — the two set-up commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := ipbridge.config.settings

.PHONY: install dev run test e2e lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	mkdir -p var
	$(BIN)/ipbridge manage migrate --no-input -v 0
	$(BIN)/ipbridge demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as any person above (e.g. brand@aurora.demo)."
	PORT=$(PORT) $(BIN)/ipbridge serve

test: dev
	$(BIN)/pytest -q --ignore=tests/e2e

e2e: dev
	bash scripts/ensure-browser.sh
	$(BIN)/pytest -q tests/e2e

lint: dev
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/ipbridge manage makemigrations --check --dry-run -v 1
	$(BIN)/python scripts/openapi_snapshot.py --check

bench: dev
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

messages: dev
	cd src/ipbridge && ../../$(BIN)/ipbridge manage makemessages -l zh_Hans --no-obsolete --no-location
	cd src/ipbridge && ../../$(BIN)/ipbridge manage compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
