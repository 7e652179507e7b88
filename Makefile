# Samla: `make up` runs the platform, `make test` runs the tests. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  := $(PY) infra/local/stack.py
PACKAGES := shared services/enrollment services/sessions services/measures services/notifications tools

.PHONY: up down status stack test-stack test install clean-stack bench

$(VENV)/.installed: constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@touch $@

install: $(VENV)/.installed

## Start Kafka, FerretDB, the SMTP sink and the four services (idempotent); returns once every
## service answers 200 on /health/ready, or fails naming those that do not (SAMLA_SERVICES_READY_TIMEOUT, 180 s).
up: install
	$(STACK) up --services

## Stop everything `make up` started.
down:
	@if [ -x $(PY) ]; then $(STACK) down; fi

status: install
	$(STACK) status

## Start only the infrastructure (Kafka, FerretDB, the SMTP sink), without the services.
stack: install
	$(STACK) up

## Start what the tests use: a Kafka broker of their own (127.0.0.1:19192), FerretDB, the SMTP sink.
test-stack: install
	$(STACK) up --tests

## Run the whole test suite against the real stack (started if it is not running). The tests use
## their own Kafka broker, so a platform started by `make up` never sees their records.
test: test-stack
	$(PY) -m pytest

## Remove all local state (Kafka log, databases, mail); the next `make up` starts empty.
clean-stack: down
	rm -rf .stack/kafka-9092 .stack/kafka-19192 .stack/ferretdb .stack/mail .stack/run

## Benchmarks against the real stack; ratios against side-by-side baselines go to docs/benchmarks.md.
bench: stack
	$(PY) bench/run.py
