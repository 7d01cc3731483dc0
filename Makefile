# CCHC — the two commands of the quick start are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CCHC := $(BIN)/cchc
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup venv assets messages migrate demo test test-fast test-pg lint types bench documents clean

## run: set everything up (venv, dependencies, assets, database, demo province) and serve on http://127.0.0.1:8000,
## with the background worker (imports, documents) beside the web server, both stopped together
run: setup demo
	setsid $(CCHC) run_tasks --verbosity 0 & worker=$$!; trap "kill -- -$$worker 2>/dev/null" EXIT; $(CCHC) runserver $(HOST):$(PORT)

## setup: virtual environment, pinned dependencies, front-end assets, translations, migrated database
setup: venv assets messages migrate

venv: $(VENV)/.installed
$(VENV)/.installed: requirements/lock.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

assets: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

messages: venv
	cd cchc && ../$(CCHC) compilemessages --verbosity 0

migrate: venv
	$(CCHC) migrate --noinput --verbosity 0

## demo: load the demo province when the database is empty, and print the demo logins
demo: setup
	$(CCHC) demo_data --if-empty

## test: lint, types, migration drift and the whole test suite (SQLite unless DATABASE_URL says otherwise)
test: setup lint types
	$(CCHC) makemigrations --check --dry-run --verbosity 1
	$(BIN)/pytest -n 2 --dist loadfile

## test-pg: the suite against the local PostgreSQL server (PG_URL overrides the address)
test-pg: setup
	DATABASE_URL=$${PG_URL:-postgres://postgres@127.0.0.1:5432/cchc} $(CCHC) makemigrations --check --dry-run
	DATABASE_URL=$${PG_URL:-postgres://postgres@127.0.0.1:5432/cchc} $(BIN)/pytest -n 2 --dist loadfile

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: venv
	$(BIN)/mypy cchc bench

## bench: benchmarks, printing figures and ratios against a reference measured in the same run; the
## ranking benchmark runs again on the local PostgreSQL (a database of its own, dropped afterwards;
## BENCH_DB names it, so that two checkouts benchmarking at once do not drop each other's).
## The dossier benchmark fills a 10 M-dossier store on both databases: about 35 minutes at full size;
## BENCH_DOSSIERS, BENCH_BIG and BENCH_MONTHLY scale it down (docs/performance.md)
BENCH_DB ?= cchc_bench
bench: setup
	$(BIN)/python -m bench
	dropdb --if-exists -h 127.0.0.1 -U postgres $(BENCH_DB) && createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(BIN)/python -m bench scoring report_autosave
	dropdb --if-exists -h 127.0.0.1 -U postgres $(BENCH_DB)

## documents: every default document template rendered with its sample data, to DOCX, PDF and PNG pages
## (build/documents/; PDF needs LibreOffice, PNG pdftoppm from poppler-utils), to look at
documents: setup
	rm -rf build/documents && mkdir -p build/documents
	$(CCHC) sample_documents --out build/documents
	for pdf in build/documents/*.pdf; do pdftoppm -r 50 -png "$$pdf" "$${pdf%.pdf}"; done
	test "$$(ls build/documents/*.pdf | wc -l)" -ge 6 && ls build/documents/*.png >/dev/null

clean:
	rm -rf $(VENV) node_modules staticfiles data
