# Giliran: `make run` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# A throwaway key for commands that only check the project (never for serving).
CHECK_ENV := SECRET_KEY=giliran-make-check-not-a-real-key

.PHONY: help install install-dev migrate demo serve run worker beat lint format test \
	test-slow check messages bench bench-rotation clean

help:
	@echo "make run      set up .venv, migrate, load the demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test     install the test tools and run lint, checks and the test suite"
	@echo "make test-slow  the slow tier: fuzzing and exhaustive property runs (CI runs it)"
	@echo "make install | migrate | demo | serve | worker | beat | lint | format | messages | bench | db-roles"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=true $(BIN)/python manage.py load_demo

serve: install
	@echo "Giliran is at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# With REDIS_URL set, a worker with an embedded beat runs beside the server and
# stops with it; without it, tasks run in-process and `run_periodic` runs the beat
# schedule (reminders, the morning report) beside the server.
run: demo
	@echo ""
	@echo "Giliran is at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Log in with one of the demo logins above; Ctrl-C stops it."
	@if [ -n "$$REDIS_URL" ]; then \
		DEBUG=true $(BIN)/celery -A config worker --beat -l info & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
		DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		DEBUG=true $(BIN)/python manage.py run_periodic & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
		DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

worker: install
	$(BIN)/celery -A config worker -l info

beat: install
	$(BIN)/celery -A config beat -l info

# ruff, then the layers of the code (import-linter's contracts in pyproject.toml).
lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: install-dev
	$(CHECK_ENV) $(BIN)/python manage.py check --fail-level WARNING
	$(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

messages: install-dev
	DEBUG=true $(BIN)/python manage.py makemessages -l id -l en --ignore '.venv/*' --ignore 'tests/*' --ignore 'bench/*'
	DEBUG=true $(BIN)/python manage.py makemessages -d djangojs -l id -l en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'static/vendor/*'
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore '.venv/*'

# The suite runs on every core (pytest-xdist; each worker has a test database of its
# own, and the tests of the real Celery worker share one process). PYTEST_WORKERS=0
# runs it in this process.
PYTEST_WORKERS ?= auto
PYTEST := $(CHECK_ENV) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup

test: lint check
	$(PYTEST) -m "not slow"

# Long fuzzing and exhaustive property runs, kept out of the everyday suite.
test-slow: install-dev
	$(PYTEST) -m slow

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis

# Benchmarks print figures (never assertions) and keep them in docs/bench/*.md.
bench: bench-rotation

# The rotation generator on a synthetic city (PostgreSQL).
bench-rotation: install-dev
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/giliran_bench} \
		$(BIN)/python bench/rotation.py

# The API against gunicorn on PostgreSQL: shifts/ for a zone-month and
# nights/tonight/, beside a trivial and a bare-SQL endpoint (prints figures only).
.PHONY: bench-api
bench-api: install-dev
	BENCH_API_DATABASE_URL=$${BENCH_API_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/giliran_bench_api} \
		$(BIN)/python bench/api.py
bench: bench-api

# CPU milliseconds per request of the load test's pages and pulls, in-process on
# PostgreSQL with the load city (prints figures only).
.PHONY: bench-pages
bench-pages: install-dev
	BENCH_PAGES_DATABASE_URL=$${BENCH_PAGES_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/giliran_bench_pages} \
		$(BIN)/python bench/pages.py
bench: bench-pages

# Two PostgreSQL roles (README, "Database roles"): DB_OWNER owns every table and runs
# migrations, DB_APP is the role the app connects as, which may only read and add
# audit events. Run as a superuser (DATABASE_URL), once and after each migration;
# passwords from DATABASE_OWNER_PASSWORD and DATABASE_APP_PASSWORD.
DB_OWNER ?= giliran_owner
DB_APP ?= giliran_app
.PHONY: db-roles
db-roles: install
	$(BIN)/python manage.py set_up_database_roles --owner $(DB_OWNER) --app $(DB_APP)

# Issue 7: outages and task faults against a throwaway PostgreSQL cluster and Redis
# server on spare ports (gunicorn and a worker; PASS/FAIL per check, exit 1 on any FAIL).
.PHONY: faults
faults: install-dev
	$(BIN)/python ops/faults.py

# Issue 7: 200 simulated users (70% pages, 20% API pulls, 10% roster edits) against
# gunicorn on PostgreSQL with the bench city; exit 1 past the p95 limits or on a 5xx.
# USERS=500 (or make load-500) is issue 21's run that must not fall over.
USERS ?= 200
.PHONY: load load-500
load: install-dev
	LOAD_DATABASE_URL=$${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/giliran_load} \
		$(BIN)/python ops/load.py --users $(USERS)

load-500:
	$(MAKE) load USERS=500

# Issue 20: a region on this machine: a PostgreSQL primary and a streaming replica
# (pg_basebackup, spare ports), Redis, two gunicorns, two workers and two beats; 500
# users with a mirror on the replica, the replica killed and the primary restarted
# mid-run (PASS/FAIL per check, figures in docs/bench/region.md; docs/scaling.md).
.PHONY: region region-short
region: install-dev
	$(BIN)/python ops/region.py

# The short version CI runs (60 users, 60 s).
region-short: install-dev
	$(BIN)/python ops/region.py --short
