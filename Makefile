# traindoctor: every install step lives here, so a fresh clone needs nothing else.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PIP     := $(BIN)/pip
STAMP   := $(VENV)/.installed
TORCH   ?= torch==2.13.0

MSVENV  ?= .venv-ms
MS_STAMP := $(MSVENV)/.installed
MINDSPORE ?= mindspore==2.10.0

.PHONY: demo test test-fast bench zoo browser mindspore-env clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch first, pinned: an unpinned torch pulls several GB of CUDA builds.
$(STAMP): $(BIN)/python pyproject.toml
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/traindoctor demo

test: $(STAMP) browser mindspore-env
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow and not browser" tests

# Debian's chromium for the dashboard's browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"

bench: $(STAMP)
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/doctor_speed.py
	$(BIN)/python benchmarks/import_bench.py
	$(BIN)/python benchmarks/server_bench.py
	$(BIN)/python benchmarks/load_test.py
	$(BIN)/python benchmarks/debugger_overhead.py
	$(BIN)/python benchmarks/fixed_cost.py

# MindSpore in its own environment (its dataset module needs numpy<2), with traindoctor but
# without torch. The MindSpore tests run their trainings there and skip, saying why, if it is missing.
mindspore-env: $(MS_STAMP)
$(MS_STAMP): pyproject.toml
	@test -x $(MSVENV)/bin/python || $(PY) -m venv $(MSVENV)
	@($(MSVENV)/bin/pip install -q 'numpy<2' $(MINDSPORE) \
	  && $(MSVENV)/bin/pip install -q -e '.[import]' && touch $(MS_STAMP)) \
	  || echo "MindSpore could not be installed into $(MSVENV): the MindSpore tests will be skipped"

zoo: $(STAMP)
	$(BIN)/python benchmarks/zoo.py

clean:
	rm -rf $(VENV) $(MSVENV) tdruns .pytest_cache build *.egg-info
