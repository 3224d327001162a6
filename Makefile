# The command surface. `make demo` and `make test` bootstrap everything they need on a fresh clone.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install demo test lint fmt typecheck pytest all clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "surefoot needs Python 3.11 or newer: set PY=python3.11 (or newer) and retry"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

demo: $(STAMP)
	scripts/model-server.sh ensure
	$(BIN)/surefoot demo

test: $(STAMP) lint typecheck pytest

# One BLAS thread per process: the suite already keeps both cores busy, and numpy's own
# thread pool thrashing against it turns one-second statistics tests into half-minute ones.
pytest: $(STAMP)
	scripts/model-server.sh ensure
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 scripts/with-services.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy tests

all: lint typecheck pytest

clean:
	rm -rf $(VENV) .surefoot .pytest_cache .mypy_cache .ruff_cache .cache
