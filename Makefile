# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint bench install install-dev requirements translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

# After editing requirements.in or requirements-dev.in: re-pin requirements*.txt (the only files
# installs read). Versions already pinned stay; to move one: make requirements PIP_COMPILE_ARGS="-P name".
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make requirements" $(BIN)/pip-compile --quiet --strip-extras \
	--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
requirements: $(VENV)/.dev
	$(PIP_COMPILE) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) --output-file=requirements-dev.txt requirements-dev.in

translations: install
	$(BIN)/pybabel compile --statistics -d app/translations -D messages
	$(BIN)/pybabel compile --statistics -d app/translations -D wtforms

# Creates the virtualenv, installs, migrates, seeds the demo when the database is empty, serves
# (on PORT: make run PORT=5112).
PORT ?= 5000
run: translations
	APP_ENV=development $(FLASK) db upgrade
	APP_ENV=development $(FLASK) seed-demo
	APP_ENV=development $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Installs and runs the whole test suite on both cores (each test file on one pytest-xdist worker,
# each worker on its own database; PYTEST_WORKERS=0 runs in one process).
# Browser tests skip when Chromium is absent.
PYTEST_WORKERS ?= 2
test: install-dev translations
	APP_ENV=testing $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# Static checks (run by CI): lint and import order, types of the service and query layers and
# the core, the import contracts of .importlinter (docs/architecture.md), and bandit at medium
# severity and above on the application (no findings; a justified exception carries `# nosec
# <id>` and its reason on the line). bench/ and the frozen migrations build SQL from their own
# constant table names and are not scanned.
lint: install-dev
	$(BIN)/ruff check app tests bench migrations config.py wsgi.py
	$(BIN)/mypy app/*/services.py app/*/queries.py app/periods.py app/clock.py app/permissions.py app/errors.py app/database.py
	$(BIN)/lint-imports
	$(BIN)/bandit -ll -q -r app config.py wsgi.py

# The benchmarks of issue 14 (README, Benchmark): the 20,000-staff batch benchmark and the HTTP
# benchmark, on SQLite (files under instance/bench/) and on PostgreSQL at 127.0.0.1:5432 (databases
# congvu_bench_* created and dropped by the benchmark). Installs Debian's wrk with apt-get when it is
# missing (as root, else through sudo). An op still running after BENCH_TIMEOUT seconds is stopped
# and shown as a lower bound (app_s=>T), which keeps the whole run under 10 minutes.
BENCH_STAFF ?= 20000
BENCH_TIMEOUT ?= 60
BENCH_SECONDS ?= 8
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432/congvu_bench
BENCH_SQLITE ?= sqlite:///$(CURDIR)/instance/bench/congvu_bench.db
bench: install-dev translations
	command -v wrk >/dev/null || apt-get install -y wrk || sudo apt-get install -y wrk
	$(BIN)/python -m bench run --staff $(BENCH_STAFF) --db $(BENCH_SQLITE) --timeout $(BENCH_TIMEOUT)
	$(BIN)/python -m bench run --staff $(BENCH_STAFF) --db $(BENCH_PG) --timeout $(BENCH_TIMEOUT)
	$(BIN)/python -m bench http --db $(BENCH_SQLITE) --seconds $(BENCH_SECONDS)
	$(BIN)/python -m bench http --db $(BENCH_PG) --seconds $(BENCH_SECONDS)

# After changing visible strings: refresh the English catalogue, then translate the new entries.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot --no-location --sort-output -w 100 .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l en --no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) instance/testing*.db instance/testing-gw*
