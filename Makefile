# Samla: `make up` runs the platform, `make test` runs the tests. Both set everything up.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STACK  := $(PY) infra/local/stack.py
PACKAGES := shared services/enrollment services/sessions services/measures services/notifications services/portal tools
# The portal's front-end assets come from npm (package-lock.json) and are copied, never committed.
PORTAL := services/portal
PORTAL_VENDOR := $(PORTAL)/samla_portal/static/vendor
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: up down status stack test-stack test install clean-stack bench browser portal-assets portal-messages helm soak soak-short demo

$(VENV)/.installed: constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@# PDFs (attendance sheets, certificates) embed DejaVu Sans so that æ ø å print; Debian ships it.
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || apt-get install -y -q fonts-dejavu-core \
		|| sudo apt-get install -y -q fonts-dejavu-core || echo "install fonts-dejavu-core for PDFs"
	@touch $@

install: $(VENV)/.installed portal-assets

## Designsystemet's CSS (and axe-core for the browser tests) from npm, copied where the portal serves it.
portal-assets: $(PORTAL_VENDOR)/.installed

$(PORTAL_VENDOR)/.installed: $(PORTAL)/package.json $(PORTAL)/package-lock.json
	cd $(PORTAL) && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(PORTAL_VENDOR)
	cp $(PORTAL)/node_modules/@digdir/designsystemet-css/dist/src/index.css $(PORTAL_VENDOR)/designsystemet.css
	cp $(PORTAL)/node_modules/@digdir/designsystemet-theme/src/themes/designsystemet.css $(PORTAL_VENDOR)/designsystemet-theme.css
	cp $(PORTAL)/node_modules/@digdir/designsystemet-css/LICENSE $(PORTAL_VENDOR)/LICENSE.designsystemet
	@touch $@

## Debian's Chromium for the browser tests (Playwright's own browser download is not reachable); only if absent.
browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

## Re-extract the portal's messages into its catalogues (nb, da, en) after changing a template.
portal-messages: install
	cd $(PORTAL) && ../../$(VENV)/bin/pybabel extract -F babel.cfg -o samla_portal/translations/messages.pot --no-location --omit-header samla_portal
	cd $(PORTAL) && ../../$(VENV)/bin/pybabel update -i samla_portal/translations/messages.pot -d samla_portal/translations --no-fuzzy-matching

## Start Kafka, FerretDB, the SMTP sink and the four services (idempotent); returns once every
## service answers 200 on /health/ready, or fails naming those that do not (SAMLA_SERVICES_READY_TIMEOUT, 180 s).
## Kafka takes only SASL clients (each service its own principal); SAMLA_KAFKA_SASL=0 for a plaintext one.
up: install
	$(STACK) up --services
	@echo "Empty tables? 'make demo' loads a small demo region (programmes, cohorts, sessions, measures)."

## Load the demo region through the services' APIs, as the demo people (after `make up`; idempotent).
demo: install
	$(PY) -m samla_ops demo

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

## helm v4 for tests/deploy/, built once from the Go module proxy into .tools/ (about 5 min the first time).
helm: install
	$(PY) tests/deploy/helm_tool.py

## Run the whole test suite against the real stack (started if it is not running). The tests use
## their own Kafka broker, so a platform started by `make up` never sees their records.
test: test-stack browser helm
	$(PY) -m pytest

## Remove all local state (Kafka log, databases, mail); the next `make up` starts empty.
clean-stack: down
	rm -rf .stack/kafka-9092 .stack/kafka-19192 .stack/ferretdb .stack/mail .stack/run

## Chaos soak on a stack of its own (ports 19292/27029/1029, state /tmp/samla-soak): load while processes
## are SIGKILLed and SIGSTOPped, then every invariant checked (docs/soak.md). Not part of `make test`.
SOAK_MINUTES ?= 10
soak: install
	$(PY) infra/soak/soak.py --minutes $(SOAK_MINUTES)

## The one-minute form of the soak.
soak-short: install
	$(PY) infra/soak/soak.py --minutes 1

## Benchmarks against the real stack (the tests' own broker, not the platform's); ratios against
## side-by-side baselines go to docs/benchmarks.md.
bench: test-stack
	$(PY) bench/run.py
