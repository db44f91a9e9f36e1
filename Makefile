# Two commands: `make demo` and `make test`. Each creates the virtual environment it needs on first use.
PYTHON ?= python3
AIRFLOW_VERSION ?= 3.3.2
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-airflow-$(AIRFLOW_VERSION)
PYTEST_ARGS ?=

.PHONY: help venv test lint typecheck pytest fuzz demo airflow airflow-cli integration cluster bench docs clean

help:
	@echo "make demo         set up, start the emulator and run every example DAG against it"
	@echo "make test         set up, then ruff, mypy and pytest (Airflow $(AIRFLOW_VERSION))"
	@echo "make airflow      Airflow standalone with the example DAGs, pointed at the emulator"
	@echo "make airflow-cli ARGS=\"connections test trackier_default\"   any airflow command in make airflow's environment"
	@echo "make integration  real scheduler + triggerer run of report_pull"
	@echo "make cluster      a distributed Airflow on loopback: Celery workers, PostgreSQL, Redis, S3"
	@echo "make fuzz         the bad-input property with a fresh seed and FUZZ_EXAMPLES (1000) inputs per target"
	@echo "make bench        print the benchmark figures and draw the throughput charts (docs/performance/)"
	@echo "make docs         the documentation site in build/docs/html (warnings, broken references and links are errors)"
	@echo "AIRFLOW_VERSION=2.11.2 VENV=.venv-airflow2 make pytest   the suite on Airflow 2.11"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "apache-airflow==$(AIRFLOW_VERSION)" -e ".[dev,emulator,openlineage,examples]"
	@touch $@

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: venv
	$(BIN)/mypy trackier_provider

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

#: The bad-input property explored: a fresh seed (printed, to replay a failure with --hypothesis-seed) and
#: FUZZ_EXAMPLES inputs per target instead of the suite's fixed, derandomized budget.
FUZZ_EXAMPLES ?= 1000
fuzz: venv
	@seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "make fuzz: seed $$seed, $(FUZZ_EXAMPLES) examples per target"; \
	TRACKIER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/test_bad_input_hypothesis.py -p no:randomly \
		--hypothesis-seed=$$seed --hypothesis-show-statistics -q $(PYTEST_ARGS)

demo: venv
	$(BIN)/python -m trackier_provider.demo

airflow: venv
	$(BIN)/python -m trackier_provider.demo --standalone

# Any `airflow` command with make airflow's home, database and Fernet key (e.g. from a second shell).
ARGS ?= --help
airflow-cli: venv
	$(BIN)/python -m trackier_provider.demo --airflow-cli $(ARGS)

integration: venv
	$(BIN)/python -m pytest -m integration tests/integration $(PYTEST_ARGS)

# `make cluster`: the distributed extra (Celery, PostgreSQL and S3 clients, moto's S3 server) in the same venv,
# installed on first use; PostgreSQL and Redis come from Debian (apt-get install -y postgresql redis-server).
CLUSTER_STAMP := $(VENV)/.installed-distributed

$(CLUSTER_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[distributed]"
	@touch $@

cluster: $(CLUSTER_STAMP)
	$(BIN)/python -m tests.integration.distributed

# The docs extra goes into the same venv (autodoc imports the provider and Airflow), installed on first use.
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[docs]"
	@touch $@

# Warnings are errors, and so is any reference that does not resolve (-n, nitpicky); then every internal link
# and #anchor of the built site must resolve (docs/check_links.py).
docs: $(DOCS_STAMP)
	rm -rf build/docs
	$(BIN)/python -m sphinx -W -n --keep-going -q -b html docs build/docs/html
	$(BIN)/python docs/check_links.py build/docs/html

# The bench extra (matplotlib, fastjsonschema) goes into the same venv, installed on first use. The throughput
# and trigger benchmarks also draw their charts into docs/performance/ (shown by docs/performance.md).
BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[bench]"
	@touch $@

bench: $(BENCH_STAMP)
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; \
		case $$script in *export_throughput.py|*trigger_budget.py) args="--charts docs/performance";; *) args="";; esac; \
		$(BIN)/python $$script $$args || exit 1; done

clean:
	rm -rf .venv .venv-airflow2 .airflow-home demo-output build dist .mypy_cache .ruff_cache .pytest_cache *.egg-info
