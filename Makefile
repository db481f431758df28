# The two commands: `make synth` and `make test`. Everything else is set-up they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
CONFIG ?= config/default.yaml
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1
export CDK_DISABLE_VERSION_CHECK ?= 1

.PHONY: synth test lint deploy diff clean install install-dev

synth: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) synth --quiet --no-notices -c config=$(CONFIG)
	@echo "Synthesized templates are in cdk.out/"

test: $(VENV)/.stamp-dev
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: $(VENV)/.stamp-dev
	$(PY) -m ruff check .

deploy: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) deploy --all -c config=$(CONFIG) $(if $(PROFILE),--profile $(PROFILE),)

diff: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) diff --all -c config=$(CONFIG) $(if $(PROFILE),--profile $(PROFILE),)

install: $(VENV)/.stamp-runtime $(CDK)
install-dev: $(VENV)/.stamp-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-runtime: $(VENV)/bin/python requirements.txt pyproject.toml
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: $(VENV)/.stamp-runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CDK): package.json
	npm install --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache
