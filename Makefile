# Machine Learning Engineering Open Book — build and test entry points.
# Every target installs what it needs first (see scripts/bootstrap.py).
# `make help` lists the targets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
# One target at a time, also under `make -j`: the PDF step reads the site the site step writes.
.NOTPARALLEL:
.PHONY: help book site pdf epub serve check test bench clean setup-book setup-test

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup-book:
	@$(PYTHON) scripts/bootstrap.py book

setup-test:
	@$(PYTHON) scripts/bootstrap.py test

book: setup-book ## Build the site into site/, both PDFs and both EPUBs into site/pdf/ (one build at a time per checkout)
	@$(PY) scripts/buildlock.py site $(MAKE) --no-print-directory site pdf epub

site: setup-book ## Build the site alone into site/ (a failed build keeps the old site/)
	$(PY) scripts/build_site.py

pdf: setup-book ## Build both PDFs into site/pdf/ (a failed build keeps the old PDFs)
	$(PY) scripts/build_pdf.py

epub: setup-book ## Build both EPUBs into site/pdf/ from the built site (a failed build keeps the old EPUBs)
	$(PY) scripts/build_epub.py

serve: setup-book ## Live preview at http://127.0.0.1:8000/ml-engineering/ (a page edit reloads in about a second)
	$(PY) scripts/serve.py

check: setup-test ## Run the source checks: parity, data tables, style, terminology, units (warnings)
	$(PY) scripts/check_parity.py
	$(PY) scripts/check_tables.py
	$(PY) scripts/check_style.py
	$(PY) scripts/check_terms.py
	$(PY) scripts/check_units.py

# pytest-xdist workers: one more than the cores (at most 8), as a test that waits (a browser page,
# a subprocess starting, a timeout it checks) leaves its core to the others; on 2 cores 3 workers
# ran the suite in about 150 s against about 165 s for 2. Each test file stays on one worker
# (tests/conftest.py). `make test PYTEST_WORKERS=0` runs them in one process; PYTEST_ARGS='-m unit'
# picks a tier (unit, tools, site, pdf, browser).
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 8 ? n + 1 : 8 )))
test: setup-test check book ## Run every check and test (what CI runs)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: setup-test book ## Print build, reload, page-weight and PDF figures (no pass/fail)
	$(PY) scripts/bench_site.py
	$(PY) scripts/bench_pdf.py

clean: ## Remove site/ and caches (keeps .venv)
	rm -rf site .cache .pytest_cache
