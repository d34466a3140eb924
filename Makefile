# The two commands of the README: `make serve` and `make test`. Everything else is a helper.
.PHONY: serve test test-rust test-web test-training build-native build-web setup bench

# Build the wasm engine and the app, then serve it on http://127.0.0.1:8080 (PORT=... to change).
serve: setup build-web
	node scripts/serve.mjs

# All tests: Rust unit + integration, browser end-to-end, data-engine tests.
test: setup build-native build-web test-rust test-web test-training

setup:
	bash scripts/setup.sh

build-native:
	cargo build --release --bin mathsnap

build-web:
	bash scripts/build_web.sh

test-rust:
	cargo test --release

test-web:
	npm test
	node --test bench/compare.test.mjs

test-training:
	bash training/run_tests.sh

# The benchmark harness (bench/README.md): native stages, browser, onnxruntime-web peer, sizes
# -> bench/RESULTS.md. Measures only; not part of `make test`.
bench: setup
	bash bench/run.sh
