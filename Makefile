# Two commands for a newcomer: `make run` and `make test`. Everything else is for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run serve test test-fast lint security audit load format check messages vendor screenshots

# uv itself is pinned and installed into .tools/ with the standard library's venv and pip.
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Installs exactly what uv.lock pins (hashes checked), the test tools included.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

run: install
	bin/run

# Production mode on this machine (gunicorn, worker, beat; DEBUG off; PostgreSQL and Redis).
serve: install
	bin/serve

# Browser tests inject axe-core from node_modules; without npm they skip and say so.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: accessibility checks in browser tests will be skipped"; fi

# The web font the site serves, copied from node_modules into static/ (committed, so that
# `make run` needs no npm); run after changing its version in package.json.
vendor: node_modules/.installed
	bin/vendor-static

# The README's screenshots (docs/screenshots/), from the demo data, in Chromium.
screenshots: install
	$(PY) bin/screenshots

test: install node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

# The whole suite but the browser and process tests (markers `browser`, `process`): under a
# minute, for the edit-test loop. `make test` runs everything.
test-fast: install
	$(PY) -m pytest -m "not browser and not process" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# bandit over our code; every accepted finding carries a `# nosec` with its reason.
security: install
	$(VENV)/bin/bandit -q -r accounts api commitments states public panel demo alerts ops ogptracker -x '*/migrations/*'

# pip-audit of exactly what uv.lock pins; --strict fails on a package it could not check.
audit: install
	mkdir -p var
	$(UV) export --frozen --format requirements-txt --no-emit-project --quiet > var/requirements-audit.txt
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r var/requirements-audit.txt

# The load test of the production mode (bench/load.py, a few minutes); locust is its own
# dependency group, installed here only.
load: install
	$(UV) sync --frozen --group load
	$(PY) bench/load.py $(LOAD_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Updates the catalogue after changing user-facing strings; translate, then run it again.
messages: install
	$(PY) manage.py makemessages --locale es_MX --no-obsolete --no-location --ignore '.venv/*' --ignore '.tools/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale es_MX --ignore '.venv/*' --ignore '.tools/*'
