# BackCheck: `make demo` to see it work, `make test` to prove it does. Both set themselves up.
# `make run` goes live with TELEGRAM_BOT_TOKEN.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo run migrate rules test lint clean lock

# Exact versions with their hashes from requirements.lock, then the project itself.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
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

# Update requirements.lock after a change to pyproject.toml's ranges (needs the network), and
# requirements-runtime.lock, the same versions without the tools of development (the image's).
lock: setup
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --extra dev --strip-extras -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --strip-extras -c requirements.lock \
		-o requirements-runtime.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
