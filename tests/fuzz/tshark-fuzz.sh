#!/usr/bin/env bash
# Whole-pipeline fuzzing: corrupt the test captures with `editcap -E` (many
# seeds, several error rates) and run tshark with the plugin and every test
# key over each (two passes, full tree). Fails on a crash, a non-zero exit, a
# "Dissector bug" or a Rust panic message.
#
#   tests/fuzz/tshark-fuzz.sh [SEEDS] [RATE...]
# Each run corrupts one corpus: every test capture, concatenated REPEAT times
# (environment, default 5: about 1,100 frames).
#   CI smoke (default):  4 seeds x rates 0.002 0.01 0.05 0.2   (~17,000 frames, ~30 s)
#   long campaign:       REPEAT=100 tests/fuzz/tshark-fuzz.sh 12   (~1,000,000 frames)
set -euo pipefail
source "$(dirname "$0")/../lib/sandbox.sh"

seeds=${1:-4}
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(0.002 0.01 0.05 0.2)

sandbox_init
sandbox_miot_specs # MIoT names and checks too
repeat=${REPEAT:-5}
corpus="$sandbox/corpus.pcapng"
parts=()
for _ in $(seq 1 "$repeat"); do
  parts+=("$project_root"/tests/captures/*.pcapng "$project_root"/tests/captures/mibeacon-*.pcap)
done
mergecap -a -w "$corpus" "${parts[@]}"
# The Mi cloud captures' TLS secrets, so their bodies reach the plugin.
cat "$project_root"/tests/captures/micloud-*.keys > "$sandbox/tls.keys"
chmod a+r "$sandbox/tls.keys"
chmod a+r "$corpus"
corpus_frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

runs=0 frames=0 failures=0
for seed in $(seq 1 "$seeds"); do
  for rate in "${rates[@]}"; do
    fuzzed="$sandbox/fuzzed.pcapng"
    editcap -E "$rate" --seed "$seed" "$corpus" "$fuzzed" 2>/dev/null
    chmod a+r "$fuzzed"
    set +e
    as_user tshark -r "$fuzzed" -2 -V "${miio_test_keys[@]}" -o "tls.keylog_file:$sandbox/tls.keys" >/dev/null 2>"$sandbox/stderr"
    status=$?
    set -e
    runs=$((runs + 1))
    frames=$((frames + corpus_frames))
    if [ $status -ne 0 ] || grep -qE "Dissector bug|panicked|RUST_BACKTRACE" "$sandbox/stderr"; then
      failures=$((failures + 1))
      keep="$project_root/target/fuzz-failures"
      mkdir -p "$keep"
      cp "$fuzzed" "$keep/corpus-seed$seed-rate$rate.pcapng"
      echo "FAIL: seed $seed rate $rate: exit $status (kept in $keep)" >&2
      head -5 "$sandbox/stderr" >&2
    fi
  done
done
echo "tshark-fuzz: $runs runs, $frames corrupted frames, $failures failures"
[ $failures -eq 0 ]
