# bench-operator. Every target does its own set-up: npm dependencies, the control-plane binaries
# and the local cluster are made when missing and reused when present.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Node 24 comes from the node@24 devDependency: npm puts node_modules/.bin first on the PATH of
# every script, and so does this Makefile for the commands it runs itself.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export BENCH_KUBECONFIG ?= $(CURDIR)/.cache/testenv/kubeconfig
KUBECTL = $(shell source hack/testenv/versions.sh && echo $$TESTENV_BIN)/kubectl --kubeconfig $(BENCH_KUBECONFIG)

DEPS := node_modules/.installed

##@ The two commands of the README

.PHONY: demo
demo: $(DEPS) cluster-up ## Run the main job: a local cluster, the operator, the examples running to completion.
	hack/demo.sh

.PHONY: demo-stop
demo-stop: ## Stop the operator `make demo` left running (the cluster stays; `make cluster-down` removes it).
	hack/demo.sh stop

.PHONY: test
test: $(DEPS) tools testenv lint test-rules test-unit test-e2e test-chaos ## Run all tests: lint, alerting rules, unit, e2e (starts the local cluster) and the short chaos test.

##@ Development

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) }' $(MAKEFILE_LIST)

$(DEPS): package.json package-lock.json
	hack/npm-ci.sh
	touch $@

.PHONY: deps
deps: $(DEPS) ## Install npm dependencies (Node 24 among them).

.PHONY: tools
tools: ## Install the Debian packages the tests use when missing (prometheus, promtool, lua5.1).
	hack/deps-apt.sh

.PHONY: testenv
testenv: ## Build the control-plane binaries from the Go module proxy (cached).
	hack/testenv/build.sh

.PHONY: testenv-flux
testenv-flux: ## Build Flux's source-controller and kustomize-controller for the GitOps e2e test (cached).
	hack/testenv/build-flux.sh

.PHONY: testenv-kueue
testenv-kueue: ## Build Kueue's manager (v0.19.2) and copy its CRDs, for the Kueue e2e tests (cached).
	hack/testenv/build-kueue.sh

.PHONY: testenv-versitygw
testenv-versitygw: ## Build versitygw (v1.8.0), the S3-compatible store of the artifact tests (cached).
	hack/testenv/build-versitygw.sh

.PHONY: testenv-argocd
testenv-argocd: ## Build Argo CD's CLI (v3.5.1) for the test running the health checks through its evaluator (cached).
	hack/testenv/argocd/build.sh >/dev/null

.PHONY: testenv-helm
testenv-helm: ## Build Helm's CLI (v4.3.2) from a pinned Go module in hack/testenv/helm, for the release-artifacts test (cached).
	hack/testenv/helm/build.sh >/dev/null

.PHONY: images
images: $(DEPS) tools ## Build the operator and runner images (and their Node 24 base) with buildah, as OCI archives in ~/.cache (cached).
	hack/images/build.sh

.PHONY: cluster-up
cluster-up: $(DEPS) testenv ## Start the local cluster with KWOK nodes (or reuse a healthy one); REAL_NODE=1 adds the real node.
	hack/testenv/cluster.sh up

.PHONY: real-node
real-node: $(DEPS) testenv tools images ## The local cluster with its real node (kubelet, containerd: real containers) and the images loaded.
	REAL_NODE=1 hack/testenv/cluster.sh up
	hack/testenv/node/node.sh load $$(hack/images/build.sh 2>/dev/null | sed -n 's/^bench-\(operator\|runner\)=//p')

.PHONY: cluster-down
cluster-down: ## Remove the local cluster, its real node with it (nothing left running or mounted).
	hack/testenv/cluster.sh down

.PHONY: install
install: $(DEPS) ## Install the CRDs into the current cluster (BENCH_KUBECONFIG) and wait until they are served.
	hack/install-crds.sh

.PHONY: uninstall
uninstall: ## Remove the CRDs (and with them every BenchmarkSuite, ProviderPolicy and SchedulePolicy).
	$(KUBECTL) delete --ignore-not-found -k config/crd

.PHONY: generate
generate: $(DEPS) ## Generate operator/src/api from the CRDs.
	npm run generate

.PHONY: run
run: $(DEPS) install ## Run the operator as a local process against BENCH_KUBECONFIG (ARGS="--namespaces=a,b").
	KUBECONFIG=$(BENCH_KUBECONFIG) node operator/src/main.ts --leader-elect=false $(ARGS)

.PHONY: lint
lint: $(DEPS) ## Typecheck, lint, check formatting.
	npm run generate:check
	tsc -p tsconfig.json --noEmit
	eslint .
	prettier --check .

.PHONY: format
format: $(DEPS) ## Format the sources.
	prettier --write .

.PHONY: test-rules
test-rules: tools ## Check the Prometheus alerting rules and run their unit tests (promtool).
	promtool check rules config/prometheus/alerts.rules.yaml
	promtool test rules test/prometheus/*.test.yaml

.PHONY: test-unit
test-unit: $(DEPS) tools ## Unit tests (pure code, no cluster).
	vitest run --project unit

.PHONY: test-e2e
test-e2e: $(DEPS) tools testenv testenv-flux testenv-kueue testenv-versitygw testenv-argocd testenv-helm images ## End-to-end tests against the local cluster (started when needed).
	vitest run --project e2e

.PHONY: test-chaos
test-chaos: $(DEPS) testenv ## The short chaos test (leader kills, control-plane restarts, 410s, audit outage) on a cluster of its own.
	CHAOS_SCALE=short hack/chaos.sh

.PHONY: chaos
chaos: $(DEPS) testenv ## The full chaos test: 1,000 runs, 50 leader kills, API server and etcd restarts; report in .cache/chaos/full.json.
	CHAOS_SCALE=full hack/chaos.sh

.PHONY: bench
bench: $(DEPS) testenv testenv-kueue ## Benchmarks (test/bench/) on a separate 100-node cluster; results in .cache/bench/.
	hack/bench.sh

##@ Release

.PHONY: build-installer
build-installer: $(DEPS) testenv ## Generate dist/install.yaml and the Helm chart dist/chart from config/ (IMG=<repository>:<tag> for another image).
	node hack/release/main.ts $(if $(IMG),--image=$(IMG))
