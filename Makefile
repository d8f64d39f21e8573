# Two commands for a newcomer: `make run` and `make test`. Everything else is here for the curious.
SHELL := /bin/sh
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-dev migrate serve bench lint fixture backup restore clean evaluate

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
	DJANGO_DEBUG=true DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(40))')} $(PY) manage.py migrate --noinput -v0

## make run: set up, load the Taicang 2023 data and demo accounts, then serve http://127.0.0.1:8000 with the
## task worker and the hourly reminders beside it (scripts/run-dev; Ctrl-C stops all three)
run: setup
	@HOST=$(HOST) PORT=$(PORT) scripts/run-dev

## make test: set up with the dev dependencies (Chromium and redis-server from apt when missing) and run the
## whole suite (PostgreSQL if DATABASE_URL is set)
test: setup-dev
	@scripts/ensure-chromium
	@scripts/ensure-redis
	$(PY) -m pytest -n auto

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fixture: setup
	$(PY) manage.py build_fixture

## make backup: pg_dump (PostgreSQL) or SQLite's online backup into backups/
backup: setup
	@scripts/backup

## make restore FILE=backups/...: replace the database's content with a backup
restore: setup
	@scripts/restore "$(FILE)"

## make serve: production-like local run (gunicorn, DEBUG off, static files collected); needs your own
## DJANGO_SECRET_KEY (a missing key, or one written in this repository, is refused)
serve: migrate
	DJANGO_DEBUG=false DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false $(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=false DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false $(VENV)/bin/gunicorn -c gunicorn.conf.py config.wsgi:application

## make bench: the benchmark tables at 10,000 and 100,000 suggestions (PostgreSQL database tracker_bench): hot
## paths, statistics right after a write, routing, the replica (with DATABASE_REPLICA_URL), the worker's
## memory, every target ✓/✗. BENCH_LARGE=1 adds 1,000,000 suggestions (~10 million events; the load takes
## ~10 minutes); SIZES="1000000" chooses the sizes (the database grows to each, it never shrinks)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
SIZES ?= 10000 100000 $(if $(BENCH_LARGE),1000000)
bench: setup
	@command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk missing: no throughput column")
	@psql "$$(echo $(BENCH_DATABASE_URL) | sed 's|/[^/]*$$|/postgres|')" -tAc "SELECT 1 FROM pg_database WHERE datname='tracker_bench'" | grep -q 1 \
	  || psql "$$(echo $(BENCH_DATABASE_URL) | sed 's|/[^/]*$$|/postgres|')" -c "CREATE DATABASE tracker_bench ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8' TEMPLATE template0"
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) devtools/bench/run.py --sizes $(SIZES)

## make evaluate: top-1/top-3 of the recommended departments and precision/recall of repeated topics
## (routing/data/labelled.json, docs/routing.md); TIMING=1 adds query times at 10,000 and 100,000
evaluate: setup
	DJANGO_DEBUG=true DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(40))')} $(PY) manage.py evaluate_routing $(if $(TIMING),--timing)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
