#!/usr/bin/env bash
# Where tshark's instructions go with the plugin and on the cleartext twin
# (see tshark-bench.sh): callgrind counts, which are the same from run to
# run, per frame with tshark's start-up (a one-frame run) subtracted, and the
# plugin's share per decrypted frame: the Rust core (miio_dissect_frame),
# the shim (dissect_miio without the core and the JSON dissector) and
# Wireshark's JSON dissector (call_dissector). Needs valgrind.
#
#   tests/bench/callgrind-bench.sh              (8 doublings: 6,656 frames; a few minutes)
#   PLUGIN_SO=path/to/miio.so tests/bench/callgrind-bench.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
command -v valgrind >/dev/null || { echo "callgrind-bench: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
doublings=${DOUBLINGS:-8}

sandbox_init "${PLUGIN_SO:-}"
corpus="$sandbox/corpus.pcap"
twin="$sandbox/twin.pcap"
bench_corpus "$doublings" "$corpus"
bench_twin "$corpus" "$twin"
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

instructions() { # instructions NAME TSHARK-ARGS...: total, and keeps the profile as $sandbox/NAME.cg
  as_user valgrind --tool=callgrind --callgrind-out-file="$sandbox/$1.cg" tshark "${@:2}" \
    >/dev/null 2>"$sandbox/$1.log" || { cat "$sandbox/$1.log" >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$sandbox/$1.log"
}
inclusive() { # inclusive PROFILE FUNCTION: the function's inclusive count
  # awk reads to the end: an early exit would kill callgrind_annotate (pipefail).
  callgrind_annotate --inclusive=yes --threshold=100 "$sandbox/$1.cg" 2>/dev/null |
    awk -v f="$2" '{ sub(/[ \t]+$/, "") } !found && $0 ~ ":" f "( |$)" { gsub(",", "", $1); print $1; found = 1 }'
}
per_frame() { echo $(( ($1 - $2) / (frames - 1) )); }

plugin=(-r "$corpus" -o "$bench_key")
clear=(-r "$twin" -d udp.port==54321,json)
p0=$(instructions plugin_start "${plugin[@]}" -c 1 -T fields -e miio.decrypted)
pf=$(instructions plugin_fields "${plugin[@]}" -T fields -e miio.decrypted)
pv=$(instructions plugin_V "${plugin[@]}" -V)
t0=$(instructions twin_start "${clear[@]}" -c 1 -T fields -e udp.payload)
tf=$(instructions twin_fields "${clear[@]}" -T fields -e udp.payload)
tv=$(instructions twin_V "${clear[@]}" -V)

miio=$(inclusive plugin_fields dissect_miio)
json=$(inclusive plugin_fields call_dissector)
core=$(inclusive plugin_fields miio_dissect_frame)
n=$bench_decrypted
echo "callgrind-bench: $frames frames ($n decrypted), $(tshark --version 2>/dev/null | head -1)"
printf '  %-52s %s\n' \
  "Rust core, per decrypted frame:" "$((core / n))" \
  "shim (not the core, not JSON), per decrypted frame:" "$(( (miio - json - core) / n ))" \
  "JSON dissector, per decrypted frame:" "$((json / n))" \
  "-T fields, per frame, plugin / twin:" "$(per_frame "$pf" "$p0") / $(per_frame "$tf" "$t0")" \
  "-V, per frame, plugin / twin:" "$(per_frame "$pv" "$p0") / $(per_frame "$tv" "$t0")"
