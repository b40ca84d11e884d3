# The two commands: `make run` (the platform on the embedded default) and `make test`.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGES := contracts basemodel services/gateway services/dataset services/billing services/trainer \
	services/inference deploy/local client
MANIFESTS := constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))

CHROMIUM := /usr/bin/chromium
PROMTOOL := /usr/bin/promtool
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run demo test install lint asyncapi deploy-auth clean-data chromium screenshots bench-dashboard bench-read-path chaos

run: $(STAMP)
	$(BIN)/python -m aitrain_local

# the whole story through the public API, against a running `make run`
demo: $(STAMP)
	$(BIN)/python -m aitrain_client.demo

# one pytest-xdist worker per core; tests/xdist_groups.py decides who runs what
TEST_WORKERS ?= $(shell nproc)
test: $(STAMP) lint $(CHROMIUM) $(PROMTOOL)
	$(BIN)/pytest -n $(TEST_WORKERS)

# the alert rules are checked by promtool, from Debian's prometheus package
$(PROMTOOL):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus

# the browser tests drive Debian's Chromium (Playwright's own download cannot be reached)
chromium: $(CHROMIUM)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# the browser tests again, keeping their screenshots of every page in docs/screenshots
screenshots: $(STAMP) $(CHROMIUM)
	AITRAIN_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/e2e/test_dashboard.py

# first render and asset weight of each dashboard page, against a running `make run`
bench-dashboard: $(STAMP) $(CHROMIUM)
	$(BIN)/python scripts/bench_dashboard.py

# GET /v1/account at 200 requests/s over 20 connections (p99 target: 50 ms), against a
# running `RATE_LIMIT_SCALE=100 make run`
bench-read-path: $(STAMP)
	$(BIN)/python scripts/bench_read_path.py

# the multi-node platform under a seeded schedule of faults, then the books checked
# (scripts/chaos.py; `make test` runs a short version): `make chaos DURATION=1800 SEED=7`;
# a soak with fewer faults: `make chaos DURATION=3600 APART="120 240"`
DURATION ?= 1800
SEED ?= 1
APART ?= 8 20
chaos: $(STAMP)
	$(BIN)/python scripts/chaos.py --duration $(DURATION) --seed $(SEED) --apart $(APART)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

asyncapi: $(STAMP)
	$(BIN)/python scripts/write_asyncapi.py

# the NATS users and permissions of deploy/ (from contracts/bus/permissions.py)
deploy-auth: $(STAMP)
	$(BIN)/python scripts/write_deploy_auth.py

install: $(STAMP)

$(STAMP): $(MANIFESTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	touch $(STAMP)

clean-data:
	rm -rf .data
