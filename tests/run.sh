#!/usr/bin/env bash
# Runs every test: the hostile-input smokes (corrupted captures through
# tshark, valgrind, libFuzzer for 30 s a target), then the Rust unit tests
# and the integration tests that load the freshly built plugin into the real
# tshark. Installs what is missing first.
#   tests/run.sh            everything (CI)
#   tests/run.sh --quick    the cargo tests only
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

if [ "${1:-}" != "--quick" ]; then
  cargo build --release --locked
  tests/fuzz/tshark-fuzz.sh
  tests/memcheck.sh
  tests/fuzz/libfuzzer.sh 30
fi
# Last, so that its summary closes the output.
cargo test --release --locked
