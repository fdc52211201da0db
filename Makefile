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

demo: setup
	$(BIN)/cvbridge validate samples/valid/*.zip

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
