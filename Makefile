# mailoauth — build, test, demo and bench entry points.
#   make test          everything, green (installs what it needs on a fresh Debian machine)
#   make demo          build and serve the web page on http://127.0.0.1:$(PORT)
#   make test-vectors  every binding's vector runner against $(MAILOAUTH_VECTORS)
#   make bench         benchmarks and size report (then make bench-readme)
#   make fuzz          longer fuzzing campaign (FUZZ_SECONDS per target)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

MAILOAUTH_VECTORS ?= $(CURDIR)/tests/vectors
export MAILOAUTH_VECTORS
PORT ?= 8080
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS ?= 300

.PHONY: help deps test lint purity wasm-check test-rust test-python test-vectors fuzz-smoke fuzz demo bench bench-readme test-e2e
.PHONY: wasm-pkg wasm-page web test-wasm
.PHONY: uniffi-lib uniffi-bindings test-kotlin

help:
	@sed -n '2,7p' Makefile | sed 's/^# //'

deps:
	.ci/install-deps rust fuzz

## The whole suite. Each step prints a header so a failure is easy to find in the log.
test: deps lint purity wasm-check test-rust test-python test-kotlin test-vectors test-wasm test-e2e fuzz-smoke
	@echo "make test: all green"

lint:
	@echo "==> cargo fmt --check"
	cargo fmt --all -- --check
	@echo "==> cargo clippy"
	cargo clippy --workspace --all-targets --locked -- -D warnings
	@echo "==> cargo clippy (the page's wasm build, without feature full)"
	cargo clippy -p mailoauth-wasm --target wasm32-unknown-unknown --no-default-features --locked -- -D warnings
	@echo "==> cargo doc"
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

purity:
	@echo "==> core purity"
	.ci/core-purity

wasm-check:
	@echo "==> cargo build -p mailoauth --target wasm32-unknown-unknown"
	cargo build -p mailoauth --target wasm32-unknown-unknown --locked
	cargo build -p mailoauth --target wasm32-unknown-unknown --no-default-features --locked

test-rust:
	@echo "==> cargo test --workspace"
	cargo test --workspace --locked
	cargo test -p mailoauth --no-default-features --locked --lib

## Python: builds the package into target/py-venv, mypy.stubtest, pytest (drivers, CLI, vectors).
test-python:
	@echo "==> Python binding"
	bindings-python/run-tests

## Every binding's runner over the same folder; each prints `vectors: <binding> ran N, failed F`.
test-vectors:
	@echo "==> vectors from $(MAILOAUTH_VECTORS)"
	cargo test -p mailoauth --test vectors --locked
	bindings-python/run-vectors
	.ci/install-deps wasm && bindings-wasm/run-vectors
	bindings-uniffi/kotlin/run-vectors

## End to end: oidc-provider + Dovecot + SMTP sink on 127.0.0.1 (tests/e2e/README.md).
test-e2e:
	@echo "==> end to end (tests/e2e)"
	tests/e2e/run

## UniFFI (Kotlin/Swift): release cdylib (pinned nightly, std rebuilt for size) + stripped copy in
## target/uniffi/, generated bindings in target/uniffi/{kotlin,swift,python}, JUnit 5 on the JVM
## and the Swift API check.
uniffi-lib:
	@echo "==> UniFFI cdylib"
	.ci/install-deps uniffi
	bindings-uniffi/build-lib

uniffi-bindings: uniffi-lib
	@echo "==> UniFFI bindings"
	bindings-uniffi/generate

test-kotlin: uniffi-bindings
	@echo "==> Kotlin binding (JUnit 5), Swift API check, generated Python smoke test"
	.ci/install-deps kotlin
	bindings-uniffi/kotlin/run-tests
	bindings-uniffi/swift/check-api
	bindings-uniffi/python-smoke

fuzz-smoke:
	@echo "==> fuzz smoke ($(FUZZ_SMOKE_SECONDS)s per target)"
	.ci/fuzz-smoke $(FUZZ_SMOKE_SECONDS)

## Campaign: every target for FUZZ_SECONDS, report in target/fuzz/report.{md,json}.
fuzz: deps
	.ci/fuzz-campaign $(FUZZ_SECONDS)

## WebAssembly: the size-optimised package with every capability (target/wasm-pkg), the page's
## own smaller build (target/wasm-page: a first module and the sign-in and diagnosis module the
## page loads on first use, under 100 KB gzipped together), the site (web-demo/dist), tests.
wasm-pkg:
	.ci/install-deps wasm
	bindings-wasm/build-pkg package

wasm-page:
	.ci/install-deps wasm
	bindings-wasm/build-pkg page

web: wasm-page
	web-demo/build-site

test-wasm:
	@echo "==> WebAssembly binding and web page"
	.ci/install-deps wasm
	bindings-wasm/run-tests

demo: web
	web-demo/serve.py --port $(PORT)

## Side-by-side figures into target/bench/report.{md,json}; bench-readme quotes them in README.md.
bench:
	.ci/install-deps rust bench e2e
	tests/bench/run

bench-readme:
	tests/bench/readme.py
