# Strikeforge. `make help` lists the targets; every target installs what it needs first (tools/install.sh).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
export HYPOTHESIS_PROFILE ?= ci
# ape-vyper 0.8.12's config model trips a pydantic-settings warning on every command; it is harmless.
export PYTHONWARNINGS := ignore:Field 'import_remapping' has an incomplete definition
DEMO_NETWORK ?= foundry
NETWORK ?= ethereum:local:foundry
DEPLOY_ARGS ?=
PYTEST_ARGS ?=
TESTS ?= tests
# The contract tests behind the release report's coverage and gas tables (the invariant machines and their mutation
# checks run separately).
AUDIT_TESTS ?= $(filter-out %_invariants.py %_properties.py %_mutants.py,$(wildcard tests/options/test_*.py \
	tests/oracles/test_*.py tests/vaults/test_*.py tests/settlement/test_settlement_ledger.py \
	tests/settlement/test_data_challenge.py))

SOLIDITY_SOURCES = $(shell find contracts -name '*.sol')
VYPER_SOURCES = $(shell find contracts -name '*.vy' -o -name '*.vyi')

.PHONY: help install chain chain-stop demo deploy test fuzz-ci lint audit audit-tests audit-report prove release fmt bench compile doctor lock \
	clean

# One target a line; the description column is as wide as the longest target name plus two spaces.
help: ## List the targets.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {n++; t[n] = $$1; d[n] = $$2; if (length($$1) > w) w = length($$1)} \
		END {for (i = 1; i <= n; i++) printf "  make %-" w "s  %s\n", t[i], d[i]}' $(MAKEFILE_LIST)

install: ## Install everything (Python venv from requirements.lock, npm packages, compilers, anvil); fast when done.
	@tools/install.sh all

demo: install ## The main job: a local chain (DEMO_NETWORK=foundry|test|node), deploy, run one epoch end to end, summarise.
	ape run demo --network ethereum:local:$(DEMO_NETWORK)

chain: install ## Start the persistent local chain (anvil at ape-config's ethereum:local:node, state in .cache/chain/).
	strikeforge chain start

chain-stop: ## Stop the persistent local chain; its state is saved and reloaded by the next `make chain`.
	@if [ -x $(VENV)/bin/strikeforge ]; then strikeforge chain stop; else echo "chain: not installed"; fi

deploy: install ## Deploy on NETWORK (default ethereum:local:foundry); DEPLOY_ARGS="--dry-run" prints the plan only.
	ape run deploy --network $(NETWORK) $(DEPLOY_ARGS)

test: install ## The test suite: unit, integration and fuzz (HYPOTHESIS_PROFILE=ci|dev|campaign) and the Python tests.
	ape test $(TESTS) $(PYTEST_ARGS)

# The settlement ledger's machines at CI depth, on both cores (issue 16: the `ci` profile's 3,000 steps let a real
# failing sequence through): 1,000 examples x 50 steps of each, the adversarial machine and the honest one.
FUZZ_CI_SEED ?= 0
fuzz-ci: install ## The ledger's state machines at CI depth (100,000 steps on two workers; FUZZ_CI_SEED=N).
	ape compile
	strikeforge fuzz campaign tests.settlement.test_ledger_adversarial:AdversarialLedgerMachine --workers 2 \
		--examples 1000 --steps 50 --seed $(FUZZ_CI_SEED) --database .hypothesis/ci-campaigns
	strikeforge fuzz campaign tests.settlement.test_ledger_invariants:LedgerMachine --workers 2 \
		--examples 1000 --steps 50 --seed $(FUZZ_CI_SEED) --database .hypothesis/ci-campaigns

lint: install ## ruff (check and format), forge fmt --check (Solidity), mamushi --check (Vyper).
	ruff check .
	ruff format --check .
	forge fmt --check $(SOLIDITY_SOURCES)
	mamushi --check --line-length 120 $(VYPER_SOURCES)

audit: install ## Static audit of contracts/ (Slither + our Vyper analyzer, triaged); fails on untriaged Medium or High.
	@mkdir -p .build/audit
	strikeforge audit --fail-on medium --json .build/audit/findings.json --sarif .build/audit/findings.sarif \
		--md .build/audit/checklist.md

# On the EthereumTester provider: with --coverage on anvil, Ape routes calls through tracing and ape.reverts() on a
# reverting view call fails ("Transaction did not revert"), so the suite cannot pass there.
audit-tests: install ## Coverage and gas for the release report: ape test --coverage --gas -> .build/audit/tests.json.
	STRIKEFORGE_TEST_EXPORT=.build/audit/tests.json ape test $(AUDIT_TESTS) --coverage --gas -q \
		-p strikeforge.audit.ape_export

# halmos runs from its own venv (.venv/tools/halmos, from requirements-halmos.lock; strikeforge prove installs it once).
prove: install ## Symbolic checks (halmos) of tests/symbolic/ -> .build/audit/prove.json.
	strikeforge prove --json .build/audit/prove.json

audit-report: install ## The per-release report (RELEASE=X.Y.Z): audits/vX.Y.Z/, after make audit-tests.
	@test -n "$(RELEASE)" || { echo "make audit-report: set RELEASE=X.Y.Z" >&2; exit 2; }
	strikeforge audit report --release $(RELEASE)

release: install ## Cut VERSION=X.Y.Z: tests, audit, report, audit-power gate, CHANGELOG.md, a commit and tag vX.Y.Z.
	@test -n "$(VERSION)" || { echo "make release: set VERSION=X.Y.Z" >&2; exit 2; }
	strikeforge release check $(VERSION)
	$(MAKE) test
	$(MAKE) audit
	$(MAKE) prove
	$(MAKE) audit-tests
	python bench/audit_power.py --json .build/audit/audit_power.json
	strikeforge release gate $(VERSION)
	$(MAKE) audit-report RELEASE=$(VERSION)
	strikeforge release finish $(VERSION)

fmt: install ## Format Python, Solidity and Vyper in place.
	ruff check --fix .
	ruff format .
	forge fmt $(SOLIDITY_SOURCES)
	mamushi --line-length 120 $(VYPER_SOURCES)

bench: install ## Every benchmark in bench/: each prints a table and writes bench/results/<name>.json.
	@for b in bench/[a-z]*.py; do echo "== $$b"; python "$$b"; done

compile: install ## Compile every contract with Ape.
	ape compile

doctor: install ## Show what every tool resolves to.
	strikeforge toolchain doctor

lock: ## Regenerate requirements.lock from requirements.in (exact pins for every package).
	tools/lock.sh

clean: ## Remove build outputs and caches (keeps .venv and node_modules).
	rm -rf .build .cache .pytest_cache .ruff_cache .hypothesis bench/results/*.json
