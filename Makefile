# The operator's front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help install build run test test-deps lint typecheck bench

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

install: ## npm packages (brings Node 24 for the npm scripts)
	npm install

build: ## compile TypeScript to dist/
	npm run build

run: ## Pharos on the embedded default, no Docker (http://localhost:4000)
	npm start

test-deps: ## install/start what the tests need (Debian packages, Redis, PostgreSQL) if missing
	bash scripts/test-deps.sh

test: test-deps ## every test: typecheck, lint, unit and end-to-end (Node 24), unit tests on Node 22 too
	npm test
	bash scripts/test-node22.sh

lint: ## ESLint
	npm run lint

typecheck: ## tsc --noEmit
	npm run typecheck

bench: ## the overhead benchmark: upstream direct vs bare Node proxy vs Pharos, side by side
	npm run bench

# --- edge and deployment (docs/deployment.md) ---------------------------------------------------
# docker-compose 1.x, else the Compose v2 plugin.
COMPOSE ?= $(shell command -v docker-compose >/dev/null 2>&1 && echo docker-compose || echo "docker compose")
# The project's Node (npm install brings Node 24), else the system's. Not named NODE: npm
# exports NODE (its own node) to everything it runs.
RUN_NODE := $(shell test -x node_modules/.bin/node && echo node_modules/.bin/node || echo node)
SERVICE ?=
CERT_NAME ?= localhost
LOADTEST_HOST ?= http://127.0.0.1:4000
LOADTEST_ARGS ?=
K8S_RULE_JOBS ?=

.PHONY: up down logs ps stack stack-down stack-status certs check probe validate loadtest k8s-rules

up: certs ## the whole stack with docker-compose: gateway, PostgreSQL, Redis, nginx, Prometheus, Alertmanager, Grafana, exporters
	@test -f .env || { echo "make up: no .env yet: cp .env.example .env, then fill the secrets (the commands are inside)" >&2; exit 1; }
	$(COMPOSE) up -d --build
	@echo "Pharos: https://localhost (nginx), http://127.0.0.1:4000 (gateway), Grafana http://127.0.0.1:3000; make check"

down: ## stop the compose stack (volumes kept; 'docker-compose down -v' also deletes the data)
	$(COMPOSE) down

logs: ## follow the compose stack's logs (SERVICE=gateway for one service)
	$(COMPOSE) logs -f --tail=200 $(SERVICE)

ps: ## the compose stack's containers and their health
	$(COMPOSE) ps

stack: build ## the native stack, no Docker: gateways, Redis, PostgreSQL, nginx, Prometheus, Alertmanager, exporters on 127.0.0.1 (.stack/)
	$(RUN_NODE) dist/scripts/stack/main.js up

stack-down: ## stop exactly the processes 'make stack' started
	@test -f dist/scripts/stack/main.js || npm run build --silent
	$(RUN_NODE) dist/scripts/stack/main.js down

stack-status: ## the native stack's processes and whether each is running
	@test -f dist/scripts/stack/main.js || npm run build --silent
	$(RUN_NODE) dist/scripts/stack/main.js status

certs: ## a self-signed TLS pair for nginx in nginx/ssl/ (CERT_NAME=host; FORCE=1 replaces it)
	bash scripts/certs.sh nginx/ssl $(CERT_NAME)

check: ## health app, readiness, models, /metrics and the nginx edge reachable (PHAROS_URL, EDGE_URL to override)
	@test -f dist/scripts/check.js || npm run build --silent
	$(RUN_NODE) dist/scripts/check.js

probe: ## one request per model group, as a table of results
	@test -f dist/scripts/probe.js || npm run build --silent
	$(RUN_NODE) dist/scripts/probe.js

validate: build ## lint every config file: compose, nginx, prometheus, rules, alertmanager, dashboards, gateway configs, k8s
	$(RUN_NODE) dist/scripts/validate.js

loadtest: build ## the seed benchmark replayed by pharos-load against LOADTEST_HOST (default the gateway on :4000; start it with make run or make stack)
	$(RUN_NODE) dist/loadtest/src/main.js replay -H $(LOADTEST_HOST) $(LOADTEST_ARGS)

k8s-rules: build ## regenerate deploy/k8s/base/prometheus-rule.yaml from prometheus/rules/ and alerts/ (K8S_RULE_JOBS="node=… prometheus=… alertmanager=…"; default kube-prometheus' job names)
	$(RUN_NODE) dist/scripts/k8s-prometheus-rule.js $(foreach job,$(K8S_RULE_JOBS),--job $(job))
