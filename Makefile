# Two entry points for a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs the package with its extras on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 -e '.[plot,torch,fast,distributed,dev]'  # the local CPU wheel; the extra takes any torch>=2.6
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/extremal demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy src
	$(BIN)/pytest

docs: $(STAMP)
	$(BIN)/python -m sphinx -q -b html docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build dist docs/_build
