# Samla: `make up` runs the platform, `make test` runs the tests. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  := $(PY) infra/local/stack.py
PACKAGES := shared services/enrollment services/sessions services/measures services/notifications tools

.PHONY: up down status stack test install clean-stack bench

$(VENV)/.installed: constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@# PDFs (attendance sheets, certificates) embed DejaVu Sans so that æ ø å print; Debian ships it.
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || apt-get install -y -q fonts-dejavu-core \
		|| sudo apt-get install -y -q fonts-dejavu-core || echo "install fonts-dejavu-core for PDFs"
	@touch $@

install: $(VENV)/.installed

## Start Kafka, FerretDB, the SMTP sink and the four services (idempotent).
up: install
	$(STACK) up --services

## Stop everything `make up` started.
down:
	@if [ -x $(PY) ]; then $(STACK) down; fi

status: install
	$(STACK) status

## Start only the infrastructure the tests need (Kafka, FerretDB, SMTP sink).
stack: install
	$(STACK) up

## Run the whole test suite against the real stack (started if it is not running).
test: stack
	$(PY) -m pytest

## Remove all local state (Kafka log, databases, mail); the next `make up` starts empty.
clean-stack: down
	rm -rf .stack/kafka-9092 .stack/ferretdb .stack/mail .stack/run

## Benchmarks against the real stack; ratios against side-by-side baselines go to docs/benchmarks.md.
bench: stack
	$(PY) bench/run.py
