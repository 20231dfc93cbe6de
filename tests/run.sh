#!/usr/bin/env bash
# Runs every test: the Rust unit tests and the integration tests that load
# the freshly built plugin into the real tshark. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

cargo test --release --locked
