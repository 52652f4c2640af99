# make local: run the whole pipeline locally (first use creates the virtualenvs)
# make test:  every lint gate and every test, as CI runs them
# make help:  every target, one line each
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
SCENARIO ?= happy
DATA ?=
ARGS ?=
ENV ?= dev
# make aws-check --dry-run (make's own -n) still runs the check's dry run: it prints the plan, and touches nothing.
DRY_RUN := $(if $(findstring n,$(firstword -$(MAKEFLAGS))),--dry-run)
FAST_TESTS := tests/unit tests/render tests/emulator tests/training
LOCAL_ARGS := --scenario $(SCENARIO) $(if $(DATA),--data $(DATA)) $(if $(TARGETS),--targets $(TARGETS)) $(ARGS)

.PHONY: help local scenarios render diagram lint venvs test-fast test aws-check gate-bench clean python-check

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 22

python-check:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "needs Python 3.11 or newer as $(PYTHON) (found: $$($(PYTHON) --version 2>&1 || echo none)); install it or run make PYTHON=/path/to/python3.11" >&2; exit 2; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "$(PYTHON) cannot create virtualenvs: install its venv module (Debian/Ubuntu: apt install python3-venv)" >&2; exit 2; }

$(VENV)/.installed: requirements-dev.txt constraints-dev.txt
	@$(MAKE) --no-print-directory python-check
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints-dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt constraints-sam.txt
	@$(MAKE) --no-print-directory python-check
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt -c constraints-sam.txt
	touch $@

local: $(VENV)/.installed ## run the pipeline locally: SCENARIO=name, DATA=dir (train.csv, validation.csv), TARGETS=3 (fan-out), ARGS="--verbose ..."
	$(PY) scripts/run_local.py $(LOCAL_ARGS)

scenarios: $(VENV)/.installed ## list the local scenarios
	$(PY) scripts/run_local.py --list-scenarios

render: $(VENV)/.installed ## render template.yaml and the ASL from the Jinja templates
	$(PY) render.py

diagram: $(VENV)/.installed ## render, and redraw the state machine diagram of docs/how-it-works.md from the rendered ASL
	$(PY) render.py --diagram docs/how-it-works.md

lint: render $(SAM_VENV)/.installed ## ruff, bash -n, then statelint, cfn-lint, sam validate --lint and sam build on every build
	$(VENV)/bin/ruff check .
	bash -n create-stack.sh delete-stack.sh scripts/build-and-push-image.sh scripts/lambda-python-dir scripts/aws-setup.sh
	$(PY) scripts/lint_builds.py

venvs: ## create both virtualenvs, side by side
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed $(SAM_VENV)/.installed

test-fast: $(VENV)/.installed ## the inner loop: unit, render, emulator and container tests, no pipeline runs
	$(PY) -m pytest -n auto $(FAST_TESTS)

test: venvs lint ## every lint gate and every test: what CI runs (ends with the 10 slowest tests)
	$(PY) -m pytest -n auto --durations=10

aws-check: ## check on your AWS account once after the first deploy: ENV=dev, ARGS="--dry-run|--yes|--local"
	+@$(MAKE) --no-print-directory MAKEFLAGS= $(VENV)/.installed
	+$(PY) scripts/aws-check --env $(ENV) $(DRY_RUN) $(ARGS)

gate-bench: $(VENV)/.installed ## replay the quality gate over 150 days (stationary, drift, shift; 45 and 450 rows): docs/promotion.md's table
	$(PY) scripts/gate_bench.py $(ARGS)

clean: ## remove the virtualenvs and everything rendered or built
	rm -rf $(VENV) $(SAM_VENV) .aws-sam template.yaml statemachine/pipeline.asl.json .pytest_cache .ruff_cache
