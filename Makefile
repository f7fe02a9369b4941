# Two entry points: `make run` (build the graph, open the explorer) and `make test` (lint, the installed-wheel
# smoke test, the whole suite). Both create the virtual environment and install the project on first use.

VENV  ?= .venv
PY    := $(VENV)/bin/python
STORE ?= data/store
PORT  ?= 8501
ENDPOINT_PORT ?= 7878

.PHONY: run test install lint build clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

install: $(VENV)/.installed

build: install
	$(VENV)/bin/kg build --store $(STORE)

# The explorer and the SPARQL endpoint on one store (kg serve owns it, the explorer works through it); Ctrl-C stops
# both. `kg build` works through the owner too when they already run.
run: build
	$(VENV)/bin/kg explore --store $(STORE) --port $(PORT) --endpoint $(ENDPOINT_PORT)

lint: install
	$(VENV)/bin/ruff check .

test: install
	bash scripts/test-services.sh
	$(VENV)/bin/ruff check .
	$(PY) scripts/wheel_smoke.py
	$(PY) -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$rc

clean:
	rm -rf $(VENV) $(STORE) .pytest_cache artifacts build dist
