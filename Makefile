# Digital PMO. `make run` starts the demo; `make test` is everything CI checks.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# pytest-xdist workers for `make test` (each has its own test database and Redis db, see
# tests/conftest.py); PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= 2
# Settings that let `check --deploy` examine the production configuration without secrets.
DEPLOY_CHECK_ENV := DJANGO_ENV=production ALLOWED_HOSTS=pmo.example.jp \
	SECRET_KEY=deploy-check-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ

.PHONY: run install migrate demo serve test lint test-python worker beat bench messages clean \
	prod-smoke backup

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_reference_data
	$(PY) manage.py load_demo

serve: install
	@echo "Digital PMO: http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

run: demo serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	SECRET_KEY=compose-config-check $(VENV)/bin/docker-compose -f docker-compose.yml config --quiet
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest -n $(PYTEST_WORKERS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: a failure, not a pass" >&2; fi; \
	exit $$status

worker: install
	$(VENV)/bin/celery -A pmo worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A pmo beat --loglevel=INFO --schedule var/celerybeat-schedule

# The compose stack without Docker on production settings, then backup and restore (CI runs it
# after `make test`; needs Postgres and Redis on 127.0.0.1, see .ci/prod-smoke for its settings).
prod-smoke: install
	bash .ci/prod-smoke

# Database (pg_dump custom format, or the SQLite file) and MEDIA_ROOT into var/backups/.
backup: install
	$(PY) ops/backup.py

bench: install
	$(PY) -m bench

messages: install
	$(PY) manage.py makemessages --locale en --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale en --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
