# The two commands of the README: `make demo` and `make test`. Everything else is reachable
# from them or is a long-running target of its own (bench, fuzz, reliability).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := var/demo

.PHONY: help setup system-deps samples demo test lint typecheck check clean i18n

help:
	@echo "make demo   - set up, fill a local inbox from samples/, ingest it, show the result"
	@echo "make test   - set up and run the whole suite (lint, types, tests)"
	@echo "make samples - regenerate samples/ deterministically"
	@echo "make i18n   - refresh the translation catalogues (cvbridge/locale) and the French spec"

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
	$(BIN)/ruff check cvbridge tests samples tools

typecheck: $(STAMP)
	$(BIN)/mypy cvbridge

test: setup lint typecheck
	$(BIN)/python -m pytest -q

# The translations (cvbridge/locale): every marked message of the package and the findings
# catalogue of the schema (our extractor, tools/schema_messages.py) into the .pot, merged into
# each language's .po for the translator, compiled into the .mo that is committed (a clean
# clone's `pip install` speaks French with no build step); then the French spec's findings
# table (formats/cvbundle-1.0.fr.md), from the same catalogue.
# No line numbers in the catalogues: a moved line would otherwise change every entry after it.
LOCALE := cvbridge/locale
i18n: $(STAMP)
	PYTHONPATH=. $(BIN)/pybabel -q extract -F babel.cfg -k LazyText \
	  --add-comments=TRANSLATORS: --sort-output --no-location --project=cvbridge \
	  --version=$$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("cvbridge"))') \
	  -o $(LOCALE)/cvbridge.pot .
	$(BIN)/pybabel -q update -i $(LOCALE)/cvbridge.pot -d $(LOCALE) -D cvbridge --ignore-obsolete \
	  --ignore-pot-creation-date
	$(BIN)/pybabel compile --statistics -d $(LOCALE) -D cvbridge
	$(BIN)/python -m tools.french_spec

DEMO_DB := sqlite:///$(DEMO_DIR)/cvbridge.db
DEMO := $(BIN)/cvbridge --db $(DEMO_DB)

# A fresh store and a local inbox filled from samples/ (the valid bundles and two that fail),
# polled once as operations would (bundles move to processed/ or failed/), then what came in.
demo: setup
	rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)/inbox
	cp samples/valid/*.zip samples/conformance/error-ref-missing.zip \
	   samples/conformance/error-doc-macro.zip $(DEMO_DIR)/inbox/
	CVBRIDGE_INBOX=$(DEMO_DIR)/inbox CVBRIDGE_SETTLE_SECONDS=1 CVBRIDGE_WORK_DIR=$(DEMO_DIR)/incoming \
	  $(DEMO) poll --once || echo "(exit $$?: some bundles were rejected, as two should be)"
	@echo; echo "== the inbox's folders"; cd $(DEMO_DIR) && ls inbox processed failed
	@echo; echo "== bundles"; $(DEMO) bundles list
	@echo; echo "== candidates"; $(DEMO) candidates list
	@echo; echo "== search: ingenieur"; $(DEMO) candidates search ingenieur
	@echo; echo "== what failed, and why"; $(DEMO) bundles list --status failed
	@failed=$$($(DEMO) bundles list --status failed --format json \
	  | $(BIN)/python -c 'import json, sys; print(json.load(sys.stdin)[0]["id"])'); \
	  echo; $(DEMO) bundles show $$failed
	@echo; echo "== the daily check (monitoring-plugin style: exit 2 = CRITICAL, a bundle failed)"
	@$(DEMO) status --stale 0 || echo "(exit $$?)"
	@echo; echo "Store: $(DEMO_DB). Try: $(DEMO) candidates show 2"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Performance against the floors and the naive peer (bench/run.py): a few minutes; writes
# bench/results.json and the Performance section of README.md. bench-quick: CI smoke, < 1 min.
.PHONY: bench bench-quick
# compileall first: an installed cvbridge starts from bytecode (pip compiles at install), so
# start-up is measured that way even where PYTHONDONTWRITEBYTECODE is set.
bench: setup
	$(BIN)/python -m compileall -q cvbridge
	$(BIN)/python -m bench --readme README.md
	$(BIN)/python -m bench.word

bench-quick: setup
	$(BIN)/python -m bench --quick

# Property-based fuzzing of validate and ingest (tests/fuzz/) for FUZZ_MINUTES (default 10):
# prints the cases tried, the distinct finding codes seen and the crashes, whose reproducers
# go to var/fuzz-crashes/. `make test` runs a fixed, CI-sized share of the same properties.
.PHONY: fuzz
FUZZ_MINUTES ?= 10
fuzz: setup
	$(BIN)/python -m tests.fuzz.long_run --minutes $(FUZZ_MINUTES)

# The ZIP property alone (issue 13) on ZIP_CASES (default 10,000) header-mutated real archives
# (tests/corpus/archives/ and samples/valid/): prints the cases, accepted/refused, the codes
# seen and the exceptions (must be 0); reproducers go to var/fuzz-crashes/.
.PHONY: fuzz-zip
ZIP_CASES ?= 10000
fuzz-zip: setup
	$(BIN)/python -m tests.fuzz.zip_run --cases $(ZIP_CASES)

# Reliability under failure (tests/reliability/): hundreds of SIGKILLs of ingest and poll on
# SQLite and PostgreSQL, three workers under a long upload stream, SFTP links cut at random,
# a full disk under the work folder and the store (a real tmpfs: needs root), PostgreSQL stopped
# mid-stream. Prints cases tried, faults injected, bundles, lost, doubled (both must be 0) and
# writes the table into README.md (Reliability). `make test` runs a CI-sized share of the same
# cases (tests/test_reliability_*.py, tests/test_security.py). RELIABILITY_SCALE=0.2: a quick look.
.PHONY: reliability
RELIABILITY_SCALE ?= 1
reliability: setup
	$(BIN)/python -m tests.reliability.long_run --scale $(RELIABILITY_SCALE) --readme README.md
