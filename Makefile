# The verbs a newcomer and CI use. `make demo` runs Attain with demo data; `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ATTAIN := $(VENV)/bin/attain
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo serve test test-fast lint format system-deps messages bench clean

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(VENV)/bin/uv --version 2>/dev/null | grep -q "$(UV_VERSION)" || { \
		$(VENV)/bin/python -m pip --version >/dev/null 2>&1 || $(VENV)/bin/python -m ensurepip --upgrade >/dev/null; \
		$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
	$(VENV)/bin/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.installed

## Run Attain with demo data on the embedded SQLite database at http://127.0.0.1:8000/
demo: install
	$(ATTAIN) demo
	$(ATTAIN) serve

serve: install
	$(ATTAIN) serve

## Debian packages the tests use: Chromium (+ CJK fonts) for the browser tests, gettext for the catalogues.
## Installed once, only if missing.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v xgettext >/dev/null 2>&1 \
		|| ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; \
	fi

## The whole test suite (unit, service, API, authorization matrix, browser end-to-end).
test: install system-deps
	$(PY) -m pytest -n 2 -q

test-fast: install
	$(PY) -m pytest -n 2 -q -m "not browser"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Regenerate translation catalogues (needs gettext) and compile them.
messages: install system-deps
	cd src/attain && ../../$(PY) ../../manage.py makemessages -l zh_Hans -l zh_Hant -l en --no-location --no-obsolete -i "tests/*" -i "static/*"
	cd src/attain && ../../$(PY) ../../manage.py compilemessages

bench: install
	$(PY) -m benchmarks.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
