# Two commands on a fresh machine: `make synth` and `make test`. Each installs what it needs first
# (into .venv and node_modules, inside this folder) and is fast when that is already done.
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CDK := node_modules/.bin/cdk

# Keep every cache inside the project's ignored folders: nothing is written to $HOME.
export CDK_HOME := $(CURDIR)/.cdk-home
export JSII_RUNTIME_PACKAGE_CACHE_ROOT := $(CURDIR)/.cache/jsii
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := true
export CDK_DISABLE_CLI_TELEMETRY := true
export npm_config_cache := $(CURDIR)/.cache/npm
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export PYTHONDONTWRITEBYTECODE := 1
export MPLCONFIGDIR := $(CURDIR)/.cache/mpl
# aws-cdk-lib keeps an asset fingerprint cache under the home folder (os.homedir(), no override): give the app and
# the tests a home inside the project. npm and pip keep the real one (their registry settings live there).
PROJECT_HOME := $(CURDIR)/.cache/home

.PHONY: install synth test lint typecheck bench reproduce clean constraints dist rules-docs rules-data api-coverage

install: $(VENV)/.installed node_modules/.installed

# uv resolves and installs the pinned environment several times faster than pip (the largest share of a fresh
# clone's `make test`); pip stays the fallback where uv cannot be installed or fails. uv reads no pip configuration:
# it is given pip's find-links (where a machine keeps prebuilt wheels, such as PyTorch's CPU build), so both install
# the same files. docs/benchmarks.md ("Test suite") has the figures.
UV_VERSION := 0.13.9
PIP_FIND_LINKS ?= $(shell $(PYTHON) -m pip config get global.find-links 2>/dev/null)
export UV_CACHE_DIR := $(CURDIR)/.cache/uv
export UV_LINK_MODE := copy
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if $(PIP_INSTALL) 'uv==$(UV_VERSION)' && $(BIN)/uv pip install --quiet --python $(BIN)/python \
	    $(addprefix --find-links ,$(PIP_FIND_LINKS)) -c constraints.txt -e '.[dev]'; then
	  echo "Installed with uv $(UV_VERSION)"
	else
	  echo "uv could not install the environment: installing with pip"
	  $(PIP_INSTALL) -c constraints.txt -e '.[dev]'
	fi
	touch $@

# Re-pin the development environment to what is installed now (after changing a range in pyproject.toml).
constraints: $(VENV)/.installed
	{ head -2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable --disable-pip-version-check \
	  | grep -v -i '^sagemaker-hpo-cdk' | sed 's/+cpu$$//'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: install
	mkdir -p $(PROJECT_HOME)
	HOME=$(PROJECT_HOME) $(CDK) synth --quiet --no-notices --no-version-reporting
	echo "Synthesized: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

lint: $(VENV)/.installed
	$(BIN)/ruff check constructs lambda stacks tests
	$(BIN)/ruff format --check constructs lambda stacks tests

typecheck: $(VENV)/.installed
	$(BIN)/mypy

# The suite runs in parallel (pytest-xdist): one worker per core, each test file on one worker, so that a module's
# fixtures (synthesized apps, the wheel and its virtualenv) are built once. ``loadgroup`` would balance better but
# ignores its groups under pytest 9.2 (xdist 3.8 renames ``item._nodeid``, which pytest no longer reads).
# docs/benchmarks.md ("Test suite") has the figures behind these defaults.
TEST_WORKERS ?= auto
TEST_DIST ?= loadfile
test: install lint typecheck
	mkdir -p $(PROJECT_HOME)
	HOME=$(PROJECT_HOME) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist $(TEST_DIST)

# docs/rules.md from the rule registry (tests/test_rules_registry.py fails when it is stale).
rules-docs: $(VENV)/.installed
	$(BIN)/python -m sagemaker_hpo.rules.docs

# docs/api-coverage.md: every member path of CreateHyperParameterTuningJob and how it is expressed.
api-coverage: $(VENV)/.installed
	$(BIN)/python -m sagemaker_hpo.api_coverage

# The shipped botocore facts (enums, lengths, patterns) from the installed botocore, after upgrading it.
rules-data: $(VENV)/.installed
	$(BIN)/python -m sagemaker_hpo.rules.service_model
	$(BIN)/python -m sagemaker_hpo.rules.request_model

bench: install
	mkdir -p $(PROJECT_HOME)
	HOME=$(PROJECT_HOME) $(BIN)/python -m tests.benchmarks

# The wheel and the sdist, in dist/.
dist: $(VENV)/.installed
	rm -rf dist
	$(BIN)/python -m build --outdir dist

# Experiment 1 side by side on this machine's CPU: the MLP job of the default app under Hyperband, Bayesian and Random,
# 10 seeds each, the same budget in epochs for every run (deterministic: the same tables on every machine load); writes
# docs/reproduction.md, docs/reproduction.png and docs/reproduction.json. Not part of `make test`.
REPRODUCE_EPOCHS ?= 50
REPRODUCE_SEEDS ?= 0 1 2 3 4 5 6 7 8 9
reproduce: synth
	mkdir -p $(PROJECT_HOME)
	HOME=$(PROJECT_HOME) $(BIN)/python -m sagemaker_hpo compare --app cdk.out --job MlpHyperband/MlpTuning \
	  --strategies Hyperband Bayesian Random --seeds $(REPRODUCE_SEEDS) --epoch-budget $(REPRODUCE_EPOCHS) \
	  --targets 0.96 0.975 0.978 --published Hyperband=357 Bayesian=560 Random=614 \
	  --markdown docs/reproduction.md --plot docs/reproduction.png --json docs/reproduction.json \
	  --command-line "make reproduce" --quiet

clean:
	rm -rf dist build cdk.out .cache .cdk-home .pytest_cache .mypy_cache .ruff_cache
