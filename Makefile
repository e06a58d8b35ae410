# mailoauth — build, test, demo and bench entry points.
#   make test          everything, green (installs what it needs on a fresh Debian machine)
#   make demo          build and serve the web page on http://127.0.0.1:$(PORT)
#   make test-vectors  every binding's vector runner against $(MAILOAUTH_VECTORS)
#   make bench         benchmarks and size report
#   make fuzz          longer fuzzing campaign (FUZZ_SECONDS per target)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

MAILOAUTH_VECTORS ?= $(CURDIR)/tests/vectors
export MAILOAUTH_VECTORS
PORT ?= 8080
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS ?= 300

.PHONY: help deps test lint purity wasm-check test-rust test-python test-vectors fuzz-smoke fuzz demo bench
.PHONY: uniffi-lib uniffi-bindings test-kotlin

help:
	@sed -n '2,7p' Makefile | sed 's/^# //'

deps:
	.ci/install-deps rust fuzz

## The whole suite. Each step prints a header so a failure is easy to find in the log.
test: deps lint purity wasm-check test-rust test-python test-kotlin test-vectors fuzz-smoke
	@echo "make test: all green"

lint:
	@echo "==> cargo fmt --check"
	cargo fmt --all -- --check
	@echo "==> cargo clippy"
	cargo clippy --workspace --all-targets --locked -- -D warnings
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
	bindings-uniffi/kotlin/run-vectors

## UniFFI (Kotlin/Swift): release cdylib + stripped copy in target/uniffi/, generated bindings in
## target/uniffi/{kotlin,swift,python}, JUnit 5 on the JVM and the Swift API check.
uniffi-lib:
	@echo "==> UniFFI cdylib"
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

fuzz: deps
	.ci/fuzz-smoke $(FUZZ_SECONDS)

demo:
	@echo "web demo not built yet (it arrives with the WebAssembly binding)"

bench:
	@echo "==> benchmarks"
	cargo bench -p mailoauth --bench core --locked
