# The two commands: `make synth` and `make test`. Everything else is set-up they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
CONFIG ?= config/default.yaml
NAG ?= true
CDK_OUT ?= cdk.out
# checkov has its own venv: its pinned boto3 conflicts with requirements-dev.txt.
CHECKOV_VENV := .venv-checkov
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION ?= 1
export CDK_DISABLE_VERSION_CHECK ?= 1

.PHONY: synth test lint deploy diff clean install install-dev install-test check-templates

synth: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) synth --quiet --no-notices -c config=$(CONFIG) -c nag=$(NAG)
	@echo "Synthesized templates (and cdk-nag reports) are in cdk.out/"

# The pipeline gate on an already synthesized assembly: cfn-lint, checkov, cdk-nag reports.
check-templates: $(VENV)/.stamp-dev $(CHECKOV_VENV)/.stamp
	$(PY) -m gates.template_gate $(CDK_OUT) --checkov $(CHECKOV_VENV)/bin/checkov

# The two venvs are independent: a cold `make test` installs them side by side (make -j2).
test: install-test
	$(PY) -m ruff check --no-cache .
	$(PY) -m pytest -q

install-test:
	@$(MAKE) --no-print-directory -j2 $(VENV)/.stamp-dev $(CHECKOV_VENV)/.stamp

lint: $(VENV)/.stamp-dev
	$(PY) -m ruff check --no-cache .

deploy: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) deploy --all -c config=$(CONFIG) $(if $(PROFILE),--profile $(PROFILE),)

diff: $(VENV)/.stamp-runtime $(CDK)
	$(CDK) diff --all -c config=$(CONFIG) $(if $(PROFILE),--profile $(PROFILE),)

install: $(VENV)/.stamp-runtime $(CDK)
install-dev: $(VENV)/.stamp-dev

# pip upgrades itself first: the current pip installs these requirements with ~25% less CPU than the
# one venv ships. pip compiles the bytecode (no --no-compile): with PYTHONDONTWRITEBYTECODE set, as on
# the shared hosts, Python would otherwise compile every imported module again in every process.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.stamp-runtime: $(VENV)/bin/python requirements.txt pyproject.toml
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt: one resolve and install for both.
$(VENV)/.stamp-dev: $(VENV)/bin/python requirements.txt pyproject.toml requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.stamp-runtime $@

$(CHECKOV_VENV)/.stamp: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

$(CDK): package.json
	npm install --no-audit --no-fund --silent
	touch $@

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache
