# The two commands of the README: `make demo` and `make test`. Everything else is reachable
# from them or is a long-running target of its own (bench, fuzz, reliability).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := var/demo

.PHONY: help setup system-deps samples demo test lint typecheck check clean

help:
	@echo "make demo   - set up, fill a local inbox from samples/, ingest it, show the result"
	@echo "make test   - set up and run the whole suite (lint, types, tests)"
	@echo "make samples - regenerate samples/ deterministically"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: system-deps $(STAMP)

system-deps:
	bash .ci/install-system-deps

samples: $(STAMP)
	$(BIN)/python samples/generate.py

lint: $(STAMP)
	$(BIN)/ruff check cvbridge tests samples

typecheck: $(STAMP)
	$(BIN)/mypy cvbridge

test: setup lint typecheck
	$(BIN)/python -m pytest -q

DEMO_DB := sqlite:///$(DEMO_DIR)/cvbridge.db
DEMO := $(BIN)/cvbridge --db $(DEMO_DB)

# A fresh store and a local inbox filled from samples/ (the valid bundles and two that fail),
# ingested, then what came in.
demo: setup
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)/inbox
	cp samples/valid/*.zip samples/conformance/error-ref-missing.zip \
	   samples/conformance/error-doc-macro.zip $(DEMO_DIR)/inbox/
	$(DEMO) ingest $(DEMO_DIR)/inbox/*.zip || echo "(some bundles failed, as two should)"
	@echo; echo "== bundles"; $(DEMO) bundles list
	@echo; echo "== candidates"; $(DEMO) candidates list
	@echo; echo "== search: ingenieur"; $(DEMO) candidates search ingenieur
	@echo; echo "== why bundle 1 failed"; $(DEMO) bundles show 1
	@echo; echo "Store: $(DEMO_DB). Try: $(DEMO) candidates show 2"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
