# The two commands a newcomer needs: `make run` (the portal, embedded mode) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrate demo clean catalogues messages backup restore bench

install: $(STAMP) .env catalogues

# The translations, compiled from locale/*/LC_MESSAGES/django.po (pure Python: no GNU gettext needed).
catalogues: $(STAMP)
	@$(BIN)/python -m coalition.catalogues

# After changing texts: refresh the catalogues (needs GNU gettext), then translate the new entries.
messages: install
	$(BIN)/python manage.py makemessages -l fr -l es -l ar -l zh_Hans -l ru --ignore=.venv --ignore=tests \
		--ignore=bench --ignore=docs --no-obsolete

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "Python 3.11 is required (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# A local .env with a random SECRET_KEY, so manage.py works in a checkout; never committed.
.env:
	@echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env with a fresh SECRET_KEY."

# The embedded default: SQLite, tasks in-process, local-memory cache, mail on the console.
run: export DEBUG = true
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py data_release
	@echo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

migrate: install
	$(BIN)/python manage.py migrate --no-input

demo: export DEBUG = true
demo: install
	$(BIN)/python manage.py load_demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r core coalition members stories meetings membership recommendations cooperation registry opendata --severity-level medium

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Full stack only (PostgreSQL): the database (pg_dump, custom format) and the media, into backups/<time>/.
backup: install
	$(BIN)/python manage.py backup $(if $(TO),--to $(TO),)

# make restore FROM=backups/20260101-120000 (asks before replacing anything)
restore: install
	$(BIN)/python manage.py restore --from $(FROM)

# Not part of make test: the portal under gunicorn + wrk at 10,000 and 100,000 stories (about 15 minutes).
# BENCH_SIZES=1000,5000 BENCH_SECONDS=3 make bench for a quick run.
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .coverage htmlcov
