# Set-up and daily commands. A fresh machine needs only Python 3.12+ and make.
SHELL := /bin/bash
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

# Django 6 needs Python 3.12 or newer: take PYTHON if given, else the first suitable one.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] ; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	  && { command -v $$p; break; }; done)

.PHONY: run test attacks lint format messages install worker clean-db

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed (Django 6). Set PYTHON=/path/to/python3.12." >&2; exit 1; fi
	@echo "Using $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

# The development environment file: DEBUG on, embedded defaults.
.env:
	@printf 'DEBUG=1\n' > .env
	@echo "Wrote .env (DEBUG=1) for development."

run: install .env
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with an account above."
	@echo "API: http://127.0.0.1:$(PORT)/api/v1/docs/ (token: POST /api/v1/auth/token/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: install lint
	$(BIN)/python manage.py makemigrations --check --dry-run --settings=tests.settings
	$(BIN)/pytest $(PYTEST_ARGS)

# The attack suite alone: every attack of the security issues, replayed (tests/attacks/).
attacks: install
	$(BIN)/pytest tests/attacks $(PYTEST_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate the translation catalogues (needs GNU gettext; the .mo files are committed).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

worker: install
	$(BIN)/celery -A liaison worker --loglevel=INFO
