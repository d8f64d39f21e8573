# Two commands for a newcomer: `make run` and `make test`. Everything else is here for the curious.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-dev migrate demo serve bench lint fixture backup restore clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

migrate: setup
	$(PY) manage.py migrate --noinput -v0

demo: migrate
	$(PY) manage.py setup_demo

## make run: set up, load the Taicang 2023 data and demo accounts, serve http://127.0.0.1:8000
run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

## make test: set up with the dev dependencies and run the whole suite (PostgreSQL if DATABASE_URL is set)
test: setup-dev
	@scripts/ensure-chromium
	$(PY) -m pytest

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fixture: setup
	$(PY) manage.py build_fixture

## make backup: pg_dump (PostgreSQL) or dumpdata (SQLite) into backups/
backup: setup
	@scripts/backup

## make restore FILE=backups/...: replace the database's content with a backup
restore: setup
	@scripts/restore "$(FILE)"

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
