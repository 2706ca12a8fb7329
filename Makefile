# The operator's front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help install build run test test-deps lint typecheck bench

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

install: ## npm packages (brings Node 24 for the npm scripts)
	npm install

build: ## compile TypeScript to dist/
	npm run build

run: ## Pharos on the embedded default, no Docker (http://localhost:4000)
	npm start

test-deps: ## install/start what the tests need (Debian packages, Redis, PostgreSQL) if missing
	bash scripts/test-deps.sh

test: test-deps ## every test: typecheck, lint, unit and end-to-end
	npm test

lint: ## ESLint
	npm run lint

typecheck: ## tsc --noEmit
	npm run typecheck

bench: ## the overhead benchmark: upstream direct vs bare Node proxy vs Pharos, side by side
	npm run bench
