# OneWindow — the two commands: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
PORT ?= 8000
BIN = $(VENV)/bin

.PHONY: run test install lint typecheck schema schema-check migrations-check messages messages-check bench bench-quick clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(BIN)/.installed

## make run: install, migrate SQLite under var/, load the demo county, start web server + worker.
run: install
	@PORT=$(PORT) VENV=$(VENV) sh scripts/run.sh

## make test: the whole suite (SQLite unless DATABASE_URL is set; browser tests need /usr/bin/chromium).
test: install
	ONEWINDOW_TESTING=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check onewindow tests bench scripts

typecheck: install
	ONEWINDOW_TESTING=1 $(BIN)/mypy onewindow

migrations-check: install
	ONEWINDOW_TESTING=1 $(BIN)/onewindow makemigrations --check --dry-run

schema: install
	mkdir -p docs/api
	ONEWINDOW_TESTING=1 $(BIN)/onewindow spectacular --file docs/api/openapi.yaml --validate

schema-check: install
	mkdir -p var
	ONEWINDOW_TESTING=1 $(BIN)/onewindow spectacular --file var/openapi-check.yaml --validate
	diff -u docs/api/openapi.yaml var/openapi-check.yaml && echo "OpenAPI schema: no drift"

## make messages: refresh the English catalogue from the code, list what needs translating, compile the .mo.
## Both .po and .mo are committed, so a clean machine needs no gettext tools.
messages: install
	ONEWINDOW_TESTING=1 $(BIN)/onewindow makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs
	-$(BIN)/python scripts/check_messages.py
	ONEWINDOW_TESTING=1 $(BIN)/onewindow compilemessages --ignore=.venv --ignore=var

## make messages-check: fail when any English msgstr is missing or fuzzy.
messages-check: install
	$(BIN)/python scripts/check_messages.py

## make bench: every benchmark under bench/ (gunicorn + PostgreSQL when DATABASE_URL is set); table + bench/results/.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) var
