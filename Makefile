# `make run` serves the portal on http://127.0.0.1:8000 (SQLite, eager Celery, e-mail to console and var/mail),
# without Django's debug pages; `make dev` serves the same with DEBUG on, for development.
# `make test` runs the whole suite against the local PostgreSQL and Redis.

# The first interpreter of 3.11 or newer; pyenv shims that point nowhere fail the version check and are skipped.
PYTHON := $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
PG_PORT := 5432
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/accreditation
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run dev serve test install chromium axe gettext messages postgres redis bench bench-load bench-lists wrk clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test]"
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

test: install chromium axe postgres redis
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

# The office's lists at 10,000 facilities, timed in process (database <name>_lists_bench, recreated).
bench-lists: install postgres
	DATABASE_URL=$(TEST_DATABASE_URL)_lists_bench $(BIN)/python bench/office_lists.py

clean:
	rm -rf $(VENV) var staticfiles node_modules
