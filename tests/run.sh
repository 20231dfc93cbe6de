#!/usr/bin/env bash
# Runs every test: the hostile-input smokes (corrupted captures through
# tshark, valgrind, libFuzzer for 20 s a target (9 targets)), the README's sample outputs
# against what the commands print, then the Rust unit tests and the
# integration tests that load the freshly built plugin into the real tshark.
# Installs what is missing first. A failing step does not stop the others:
# the cargo tests always run, and the run fails at the end naming the steps
# that failed.
#   tests/run.sh            everything (CI)
#   tests/run.sh --quick    the cargo tests only
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# shellcheck disable=SC1091
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

failed=()
step() { # step NAME CMD...: runs CMD, notes NAME when it fails
  local name=$1
  shift
  echo "== $name: $*"
  "$@" || { failed+=("$name"); echo "== $name: FAILED" >&2; }
}

if [ "${1:-}" != "--quick" ]; then
  cargo build --release --locked
  step "tshark fuzz" tests/fuzz/tshark-fuzz.sh
  step "memcheck" tests/memcheck.sh
  step "libfuzzer" tests/fuzz/libfuzzer.sh 20
  step "README samples" tests/readme-samples.sh
  step "README samples self-test" tests/readme-samples.sh --self-test
  step "benchmark (short form)" env DOUBLINGS=7 RUNS=1 PLUGIN_SO=target/release/libmiio_dissector.so tests/bench/tshark-bench.sh
  step "MIoT naming benchmark (short form)" env DOUBLINGS=6 RUNS=1 PLUGIN_SO=target/release/libmiio_dissector.so tests/bench/miot-bench.sh
  step "Mi cloud benchmark (short form)" env DOUBLINGS=3 RUNS=1 PLUGIN_SO=target/release/libmiio_dissector.so tests/bench/cloud-bench.sh
  step "MiBeacon benchmark (short form)" env DOUBLINGS=5 RUNS=1 PLUGIN_SO=target/release/libmiio_dissector.so tests/bench/mibeacon-bench.sh
  step "hostile captures (short form)" env FRAMES=2000 RUNS=1 PLUGIN_SO=target/release/libmiio_dissector.so tests/bench/adversarial.sh
fi
# Last, so that its summary closes the output.
status=0
cargo test --release --locked --no-fail-fast || status=$?
if ((${#failed[@]})); then
  echo "tests/run.sh: failed steps: ${failed[*]}" >&2
  exit 1
fi
exit $status
