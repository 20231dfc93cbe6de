#!/usr/bin/env bash
# Whole-pipeline fuzzing: corrupt the test captures with `editcap -E` (many
# seeds, several error rates) and run tshark with the plugin and every test
# key over each (two passes, full tree).
#
# Whose fault a finding is:
#   - a crash (a signal, an abort) or any non-zero exit of tshark: fails;
#   - a Rust panic message, or a "Dissector bug" in a protocol the plugin
#     registers (miIO, Roborock, Mi cloud, MiBeacon, and whatever it adds):
#     fails;
#   - a "Dissector bug" Wireshark reports in one of its own dissectors is
#     replayed on the same corrupted capture without the plugin: if Wireshark
#     alone reports the same bug, it is Wireshark's (listed, its capture kept
#     in target/fuzz-wireshark-bugs/, the run does not fail); if only the run
#     with the plugin reports it, it is counted as the plugin's and fails.
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
  parts+=("$project_root"/tests/captures/*.pcapng "$project_root"/tests/captures/mibeacon-*.pcap \
          "$project_root"/tests/captures/mibeacon-*.log "$project_root"/tests/captures/mibeacon-*.snoop)
done
mergecap -a -w "$corpus" "${parts[@]}"
# The TLS captures' secrets (Mi cloud, mijiaAPI, the Xiaomi Home integration), so their bodies reach the plugin.
cat "$project_root"/tests/captures/*.keys > "$sandbox/tls.keys"
chmod a+r "$sandbox/tls.keys"
chmod a+r "$corpus"
corpus_frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

ours=$(plugin_protocols)
[ -n "$ours" ] || { echo "tshark-fuzz: the plugin registers no protocol in this tshark (not loaded?)" >&2; exit 1; }

# bugs FILE: the "Dissector bug" reports of a tshark run's stderr, one a line
# ("protocol X, in packet N: where"), sorted.
bugs() { grep -o "Dissector bug, protocol .*" "$1" | sed 's/^Dissector bug, //' | sort -u || true; }

# ours_in LINES: the reports whose protocol is one of the plugin's.
ours_in() {
  local line proto
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    proto=${line#protocol }
    proto=${proto%%, in packet*}
    if grep -qxF "$proto" <<<"$ours"; then printf '%s\n' "$line"; fi
  done <<<"$1"
}

runs=0 frames=0 failures=0 wireshark_bugs=0
keep_failure() { # keep_failure DIR NAME: the corrupted capture, kept
  mkdir -p "$1"
  cp "$fuzzed" "$1/$2.pcapng"
}
for seed in $(seq 1 "$seeds"); do
  for rate in "${rates[@]}"; do
    fuzzed="$sandbox/fuzzed.pcapng"
    editcap -E "$rate" --seed "$seed" "$corpus" "$fuzzed" 2>/dev/null
    chmod a+r "$fuzzed"
    # Wireshark's own options: the same run without the plugin's keys (an
    # unknown preference would stop tshark without the plugin).
    wireshark_options=(-o "tls.keylog_file:$sandbox/tls.keys" -o tcp.try_heuristic_first:TRUE)
    tshark_run=(tshark -r "$fuzzed" -2 -V "${miio_test_keys[@]}" "${wireshark_options[@]}")
    set +e
    as_user "${tshark_run[@]}" >/dev/null 2>"$sandbox/stderr"
    status=$?
    set -e
    runs=$((runs + 1))
    frames=$((frames + corpus_frames))
    name="corpus-seed$seed-rate$rate"
    why=
    reported=$(bugs "$sandbox/stderr")
    if [ $status -ge 128 ]; then
      why="tshark crashed (signal $((status - 128)))"
    elif [ $status -ne 0 ]; then
      why="tshark exited $status"
    elif grep -qE "panicked|RUST_BACKTRACE" "$sandbox/stderr"; then
      why="a Rust panic"
    elif [ -n "$(ours_in "$reported")" ]; then
      why="a dissector bug in the plugin: $(ours_in "$reported" | head -1)"
    elif [ -n "$reported" ]; then
      # Wireshark's own dissectors: does Wireshark alone report the same?
      set +e
      without_plugin tshark -r "$fuzzed" -2 -V "${wireshark_options[@]}" >/dev/null 2>"$sandbox/stderr-plain"
      plain_status=$?
      set -e
      bugs "$sandbox/stderr-plain" >"$sandbox/bugs-plain"
      only_with_plugin=$(printf '%s\n' "$reported" | comm -23 - "$sandbox/bugs-plain")
      if [ $plain_status -ne 0 ]; then
        why="a dissector bug, and the replay without the plugin exited $plain_status: $(head -1 "$sandbox/stderr-plain")"
      elif [ -n "$only_with_plugin" ]; then
        why="a dissector bug reported only with the plugin loaded: $(head -1 <<<"$only_with_plugin")"
      else
        wireshark_bugs=$((wireshark_bugs + 1))
        keep_failure "$project_root/target/fuzz-wireshark-bugs" "$name"
        echo "tshark-fuzz: seed $seed rate $rate: Wireshark's own dissector bug, reported without the plugin too (not counted; capture kept in target/fuzz-wireshark-bugs/$name.pcapng):"
        sed 's/^/    /' <<<"$reported" | head -3
      fi
    fi
    if [ -n "$why" ]; then
      failures=$((failures + 1))
      keep_failure "$project_root/target/fuzz-failures" "$name"
      echo "FAIL: seed $seed rate $rate: $why (kept in target/fuzz-failures/$name.pcapng)" >&2
      head -5 "$sandbox/stderr" >&2
    fi
  done
done
echo "tshark-fuzz: $runs runs, $frames corrupted frames, $failures failures$([ $wireshark_bugs -eq 0 ] || echo ", $wireshark_bugs runs with Wireshark's own dissector bugs (not ours, listed above)")"
[ $failures -eq 0 ]
