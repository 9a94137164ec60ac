# BackCheck: `make demo` to see it work, `make test` to prove it does. Both set themselves up.
# `make run` goes live with TELEGRAM_BOT_TOKEN.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo run migrate rules test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/python -m bot demo

run: setup
	$(BIN)/python -m bot run

migrate: setup
	$(BIN)/python -m bot migrate

rules: setup
	$(BIN)/python -m bot rules

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict bot

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
