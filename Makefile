# reelwright developer tasks. `make test` is what CI runs (see .ci/run and the README).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/reelwright: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

.PHONY: install test demo bench bench-write schemas
install: $(BIN)/reelwright

test: install
	$(BIN)/pytest -q

demo: install
	$(BIN)/reelwright demo reelwright-demo

bench: install
	$(BIN)/python benchmarks/bench_render.py

bench-write: install
	$(BIN)/python benchmarks/bench_write.py

schemas: install
	$(BIN)/python -m reelwright.documents.schemas tests/golden/schemas
