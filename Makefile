# reelwright developer tasks. `make test` is what CI runs (see .ci/run and the README).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/reelwright: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

.PHONY: install test demo bench bench-render bench-write bench-schedule schemas
install: $(BIN)/reelwright

test: install
	$(BIN)/pytest -q

demo: install
	$(BIN)/reelwright demo reelwright-demo

# the season benchmark: 10 × 60-s episodes cold / after a one-line edit, 1 vs 2 workers, vs MoviePy 2 (~40 min
# on 2 cores; a smoke run: benchmarks/bench_season.py --episodes 2 --seconds 20 --width 270 --height 480)
bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_season.py
	$(BIN)/python benchmarks/bench_schedule.py

bench-render: install
	$(BIN)/python benchmarks/bench_render.py

# the scheduling benchmark: 80 episodes (~400 scenes) into 30 days with CP-SAT on 2 threads vs a greedy baseline
bench-schedule: install
	$(BIN)/python benchmarks/bench_schedule.py

bench-write: install
	$(BIN)/python benchmarks/bench_write.py

schemas: install
	$(BIN)/python -m reelwright.documents.schemas tests/golden/schemas
