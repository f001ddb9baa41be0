# Two commands (see README):
#   make serve   set up .venv, build data/shiwu.duckdb from data/, start Voila on 127.0.0.1:8866
#   make test    set up .venv with dev extras, install Debian's chromium/fonts/LibreOffice if missing, run pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
export UV_PYTHON_DOWNLOADS := never
PORT   ?= 8866
HOST   ?= 127.0.0.1

.PHONY: serve test setup setup-dev system-deps build lock clean lab bench

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

system-deps:
	bash scripts/ensure-system-deps.sh

build: setup
	$(BIN)/shiwu build

serve: build
	$(BIN)/shiwu serve --host $(HOST) --port $(PORT)

test: setup-dev system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-resolve the pinned versions (needs the registry), then write environment.yml from the dev lock
# with every pin (conda users get the same versions); commit the three files.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --python-version 3.11 -o requirements.lock --quiet
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock --quiet
	$(BIN)/python scripts/environment_yml.py requirements-dev.lock environment.yml

clean:
	rm -rf $(VENV) data/shiwu.duckdb test-artifacts

# JupyterLab for researchers, on the built store
lab: build
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

# Benchmarks at province scale beside each tool's floor (docs/benchmarks.md, issue 15); synthetic data
# under /tmp/shiwu-bench/. python-calamine is installed into .venv for the ingest floor only (not a
# dependency of shiwu). BENCH_ARGS="--quick" runs the smoke sizes.
bench: setup-dev system-deps
	$(UV) pip install --quiet --python $(BIN)/python "python-calamine==0.9.1"
	nice -n 10 $(BIN)/python benchmarks/run.py $(BENCH_ARGS)
