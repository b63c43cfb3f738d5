# Casework. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

.PHONY: install
install: $(STAMP) ## Create the virtual environment and install everything (pinned)

.PHONY: db
db: install ## Create or upgrade the database schema (DATABASE_URL, default SQLite in instance/)
	CASEWORK_ENV=$${CASEWORK_ENV:-development} $(FLASK) db upgrade

.PHONY: demo
demo: db ## Load the demonstration data if the database is empty
	CASEWORK_ENV=development $(FLASK) casework demo-data

.PHONY: run
run: demo ## Set up on SQLite with demonstration data; serve http://127.0.0.1:5000 and run the scheduler
	CASEWORK_ENV=development MAIL_BACKEND=$${MAIL_BACKEND:-file} $(BIN)/python -m casework.jobs.run_both --host 127.0.0.1 --port 5000

.PHONY: lint
lint: install ## ruff: lint and formatting
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

.PHONY: chromium
chromium: ## Install Debian's Chromium for the browser tests, if missing (needs root)
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Chromium is missing and this is not root: install Debian's chromium package."; fi; }

.PHONY: test
test: install chromium lint ## Set everything up and run the whole suite (SQLite and PostgreSQL)
	$(BIN)/pytest

.PHONY: bench
bench: install ## Print the speed figures (see benchmarks/)
	$(BIN)/python benchmarks/core.py
	$(BIN)/python benchmarks/alerts.py
	$(BIN)/python benchmarks/web.py
