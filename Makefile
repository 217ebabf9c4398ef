# reelwright developer tasks. `make test` is what CI runs (see .ci/run and the README).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

$(BIN)/reelwright: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

.PHONY: install browser test demo screenshots bench bench-freshness bench-render bench-write bench-studio bench-schedule bench-season-overnight schemas
install: $(BIN)/reelwright

# the headless Chromium + chromedriver the studio's browser tests drive (Debian/Ubuntu apt; once)
browser:
	sh scripts/install-browser.sh

# the browser tests are required here: a missing browser fails instead of skipping
test: install browser
	REELWRIGHT_REQUIRE_BROWSER=1 $(BIN)/pytest -q

demo: install
	$(BIN)/reelwright demo reelwright-demo

# the season benchmark: 10 × 60-s episodes cold / after a one-line edit, 1 vs 2 workers, vs MoviePy 2 (~40 min
# on 2 cores; a smoke run: benchmarks/bench_season.py --episodes 2 --seconds 20 --width 270 --height 480)
bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_studio.py
	$(BIN)/python benchmarks/bench_freshness.py
	$(BIN)/python benchmarks/bench_season.py
	$(BIN)/python benchmarks/bench_schedule.py

# season-scale freshness: no-op build, one-line edit and a second deliver, for a season of 1 and of 100 episodes
bench-freshness: install
	$(BIN)/python benchmarks/bench_freshness.py

# the studio: season and episode pages of a 100-episode season against a static file, same server, side by side
bench-studio: install
	$(BIN)/python benchmarks/bench_studio.py

bench-render: install
	$(BIN)/python benchmarks/bench_render.py

# the scheduling benchmark: 80 episodes (~400 scenes) into 30 days with CP-SAT on 2 threads vs a greedy baseline
bench-schedule: install
	$(BIN)/python benchmarks/bench_schedule.py

bench-write: install
	$(BIN)/python benchmarks/bench_write.py

# the studio's screenshots in docs/img, taken by its browser tests (a plain test run writes them to a temp folder)
screenshots: install
	REELWRIGHT_SCREENSHOTS=docs/img REELWRIGHT_REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/test_studio.py

schemas: install
	$(BIN)/python -m reelwright.documents.schemas tests/golden/schemas

# premise → bible/season → N scripts → build → localise → deliver on the embedded defaults, resumable
# (run again with the same DIR); prints per-episode cost per stage and the 80-episode projection
OVERNIGHT_EPISODES ?= 6
OVERNIGHT_DIR ?= overnight-season
bench-season-overnight: install
	$(BIN)/python benchmarks/bench_overnight.py --episodes $(OVERNIGHT_EPISODES) --dir $(OVERNIGHT_DIR)
