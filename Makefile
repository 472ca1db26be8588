# `make run` serves the portal on http://127.0.0.1:8000 (SQLite, eager Celery, e-mail to console and var/mail),
# without Django's debug pages; `make dev` serves the same with DEBUG on, for development.
# `make serve-production` runs the production shape on this machine, without Docker: https://localhost:8443
# through Caddy, gunicorn with accreditation.production, a Celery worker and beat, files in moto's S3 server.
# `make test` checks the apps' layering (lint-imports), then runs the whole suite against the local PostgreSQL and Redis.

# The first interpreter of 3.11 or newer; pyenv shims that point nowhere fail the version check and are skipped.
PYTHON := $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PG_PORT := 5432
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/accreditation
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run dev serve serve-production caddy test install chromium axe gettext messages postgres redis bench bench-load bench-lists bench-matching wrk clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test,serve]"
	touch $@

install: $(VENV)/.installed

run: DJANGO_DEBUG := 0
run: serve

dev: DJANGO_DEBUG := 1
dev: serve

# Without DEBUG, WhiteNoise serves the static files collected into staticfiles/.
serve: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=$(DJANGO_DEBUG) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The production shape, every process on this machine (honcho, deploy/Procfile); Ctrl-C stops them all.
# Each start is fresh: its own database is dropped, migrated and seeded, its Redis databases emptied, since
# moto's S3 server forgets its files when it stops.
PRODUCTION_DATABASE ?= accreditation_production
PRODUCTION_BROKER_URL ?= redis://127.0.0.1:6379/1
PRODUCTION_CACHE_URL ?= redis://127.0.0.1:6379/2
PRODUCTION_HTTPS_PORT ?= 8443
serve-production: export DJANGO_SETTINGS_MODULE = accreditation.production
serve-production: export DJANGO_SECRET_KEY = $(shell $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')
serve-production: export ALLOWED_HOSTS = localhost,127.0.0.1
serve-production: export PORTAL_URL = https://localhost:$(PRODUCTION_HTTPS_PORT)
serve-production: export DATABASE_URL = postgres://postgres@127.0.0.1:$(PG_PORT)/$(PRODUCTION_DATABASE)
serve-production: export CELERY_BROKER_URL = $(PRODUCTION_BROKER_URL)
serve-production: export CACHE_URL = $(PRODUCTION_CACHE_URL)
serve-production: export BEHIND_TLS_PROXY = 1
serve-production: export FORWARDED_ALLOW_IPS = 127.0.0.1
# HSTS would make browsers insist on HTTPS for every later localhost site, for a year.
serve-production: export SECURE_HSTS_SECONDS = 0
serve-production: export S3_PORT ?= 9000
serve-production: export AWS_S3_ENDPOINT_URL = http://127.0.0.1:$(S3_PORT)
serve-production: export AWS_STORAGE_BUCKET_NAME = portal-files
serve-production: export AWS_ACCESS_KEY_ID = local
serve-production: export AWS_SECRET_ACCESS_KEY = local
serve-production: export AWS_DEFAULT_REGION = us-east-1
serve-production: export WEB_PORT ?= 8001
serve-production: export WEB_UPSTREAMS = 127.0.0.1:$(WEB_PORT)
serve-production: export PROXY_HTTPS_PORT = $(PRODUCTION_HTTPS_PORT)
serve-production: export PROXY_HTTP_PORT ?= 8080
serve-production: export CADDY_DATA_DIR = $(CURDIR)/var/caddy
serve-production: export PATH := $(abspath $(BIN)):$(PATH)
serve-production: install caddy postgres redis
	mkdir -p var
	dropdb -h 127.0.0.1 -p $(PG_PORT) -U postgres --if-exists --force $(PRODUCTION_DATABASE)
	createdb -h 127.0.0.1 -p $(PG_PORT) -U postgres $(PRODUCTION_DATABASE)
	redis-cli -u $(PRODUCTION_BROKER_URL) flushdb >/dev/null
	redis-cli -u $(PRODUCTION_CACHE_URL) flushdb >/dev/null
	python manage.py migrate --noinput
	python manage.py collectstatic --noinput --verbosity 0
	honcho --procfile deploy/Procfile --app-root . start

# The local TLS proxy of `make serve-production`: Debian's Caddy.
caddy:
	@command -v caddy >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy; }

# Debian's Chromium drives the browser tests; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# gettext's tools extract and compile the interface's catalogues (locale/<language>/LC_MESSAGES/django.po).
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

# After changing user-facing text or a translation: collect new strings into every catalogue, then compile them.
# A new language starts with `manage.py makemessages -l <code>` and a line in settings.LANGUAGES.
# The compiled .mo files are committed, so running the portal (or its Docker image) needs no gettext;
# tests/test_languages.py fails while a .mo lags behind its .po.
messages: install gettext
	$(BIN)/python manage.py makemessages --all --no-location --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv  # locale/ and locale_allauth/ (settings.LOCALE_PATHS)

# axe-core, pinned in package-lock.json, is injected into pages by tests/browser/test_accessibility_crawl.py.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

axe: node_modules/.installed

postgres:
	@pg_isready -q -h 127.0.0.1 -p $(PG_PORT) || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p $(PG_PORT) && exit 0; sleep 1; done; echo "PostgreSQL does not answer"; exit 1

redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp

# lint-imports first: a backwards import between the apps ([tool.importlinter] in pyproject.toml) fails the build.
test: install chromium axe caddy postgres redis
	$(BIN)/lint-imports
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(REDIS_URL) $(BIN)/python -m pytest -n 2 --create-db -q

bench: install postgres
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/invoice_pdf.py
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/application_page.py

# wrk, from Debian, drives bench/load.py's HTTP load.
wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# gunicorn with the production profile under wrk at 10,000 facilities (database <name>_load_bench, recreated);
# BENCH_SECONDS=2 make bench-load is a quick smoke run. Appends the table to bench/RESULTS.md.
bench-load: install postgres redis wrk
	DATABASE_URL=$(TEST_DATABASE_URL) CACHE_URL=$(REDIS_URL) $(BIN)/python bench/load.py

# "Assign all waiting" for 500 applications over 60 assessors: the optimal plan (SciPy milp) against greedy, no database.
bench-matching: install
	$(BIN)/python bench/matching.py

# The office's lists at 10,000 facilities, timed in process (database <name>_lists_bench, recreated).
bench-lists: install postgres
	DATABASE_URL=$(TEST_DATABASE_URL)_lists_bench $(BIN)/python bench/office_lists.py

clean:
	rm -rf $(VENV) var staticfiles node_modules
