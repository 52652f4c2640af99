# make local: run the whole pipeline locally (first use creates the virtualenvs)
# make test:  every lint gate and every test, as CI runs them
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
# sam build needs the Lambda runtime's Python (3.13) on PATH; pyenv provides it on the dev machines.
BUILD_PYENV_VERSION ?= 3.11.7:3.12.1:3.13.0
SCENARIO ?= happy
ARGS ?=

.PHONY: local scenarios render lint test unit clean

$(VENV)/.installed: requirements-dev.txt constraints-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints-dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements-sam.txt constraints-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt -c constraints-sam.txt
	touch $@

local: $(VENV)/.installed
	$(PY) scripts/run_local.py --scenario $(SCENARIO) $(ARGS)

scenarios: $(VENV)/.installed
	$(PY) scripts/run_local.py --list-scenarios

render: $(VENV)/.installed
	$(PY) render.py

lint: render $(SAM_VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/statelint --ignore=URI statemachine/pipeline.asl.json
	$(SAM) validate --lint --template template.yaml
	PYENV_VERSION=$(BUILD_PYENV_VERSION) $(SAM) build --template template.yaml --build-dir .aws-sam/build >/dev/null
	bash -n create-stack.sh delete-stack.sh scripts/start-execution scripts/invoke-endpoint scripts/build-and-push-image.sh

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit tests/render tests/training

test: lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam template.yaml statemachine/pipeline.asl.json .pytest_cache .ruff_cache
