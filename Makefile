# Two entry points for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test wheel-test lint bench golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py
	$(BIN)/mics build examples/kz_mics/report.yaml --out build/report
	$(BIN)/mics index examples/kz_mics/index.yaml --out build/index

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# the built wheel installed into a fresh virtual environment builds the example report
wheel-test: $(STAMP)
	PYTHON=$(PYTHON) BUILD_PYTHON=$(BIN)/python .ci/wheel-test

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_core.py

golden:
	Rscript tests/golden/make_golden.R

clean:
	rm -rf $(VENV) build .pytest_cache
