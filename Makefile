# The two commands of the README: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test bench bench-instructions bench-announce bench-load bench-sqlite lint security audit translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# Compiled only when the catalogue changed, so two suites started side by side share it.
MO := portal/translations/nl/LC_MESSAGES/messages.mo
translations: $(MO)
$(MO): portal/translations/nl/LC_MESSAGES/messages.po | $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d portal/translations

## Serve the portal with demo data on http://127.0.0.1:5000 (SQLite, local files).
run: $(VENV)/.runtime translations
	PORTAL_ENV=development $(BIN)/flask db upgrade
	PORTAL_ENV=development $(BIN)/flask seed demo
	PORTAL_ENV=development $(BIN)/flask pki init
	PORTAL_ENV=development $(BIN)/flask subprocessors apply-due
	@# the task queue's worker runs beside the web server and stops with it
	PORTAL_ENV=development $(BIN)/flask tasks worker & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	PORTAL_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

# Test tools from npm (axe-core for the accessibility checks), pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Run the whole test suite (DATABASE_URL=postgresql://... runs it on PostgreSQL).
test: $(VENV)/.dev translations node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks: signing ceremony and verify page (figures go to docs/BENCHMARKS.md).
bench: $(VENV)/.dev translations
	$(BIN)/python -m bench.signing

## Instructions per signing ceremony under valgrind's callgrind (repeatable; needs valgrind).
bench-instructions: $(VENV)/.dev translations
	$(BIN)/python -m bench.instructions

## Announcing a sub-processor change to 100,000 generated customers (BENCH_CUSTOMERS=N).
bench-announce: $(VENV)/.dev translations
	$(BIN)/python -m bench.announce

## Load: dashboard and staff list under gunicorn on PostgreSQL vs a bare Flask hello (needs wrk).
bench-load: $(VENV)/.dev translations
	$(BIN)/python -m bench.load

## SQLite under write load: readers' latency beside 32 writers, gunicorn on a temporary instance.
bench-sqlite: $(VENV)/.dev translations
	$(BIN)/python -m bench.sqlite_load

## Static security check of the portal's code (medium and high findings fail).
security: $(VENV)/.dev
	$(BIN)/bandit -q -r portal -ll

## Known vulnerabilities in the installed packages (pip-audit; see tools/audit_deps.py).
audit: $(VENV)/.dev
	$(BIN)/python -m tools.audit_deps

lint: $(VENV)/.dev
	$(BIN)/ruff check portal tests migrations bench tools

## Re-extract translatable text into the catalogue (then translate portal/translations/nl).
messages: $(VENV)/.runtime
	$(BIN)/pybabel -q extract --no-location --ignore-dirs=".*" -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .
	$(BIN)/pybabel -q update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache
