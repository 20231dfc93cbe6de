#!/usr/bin/env bash
# Measures what the plugin costs tshark, as ratios measured in one run
# (medians of RUNS runs; never a timed assertion):
#   - decrypting every frame (-T fields -e miio.decrypted) vs. the same tshark
#     with miio disabled (-T fields -e data.data), with the JSON dissector on
#     (the default) and off (-o miio.dissect_json:FALSE);
#   - the full tree (-V) vs. disabled;
#   - 1,000 configured keys of which one is right (trial decryption) vs. one key;
#   - peak RSS of each, and of one pass vs. two passes (-2).
# The corpus is the python-miio capture (26 frames, 20 encrypted) doubled
# DOUBLINGS times: real frames, regenerated deterministically.
#
#   tests/bench/tshark-bench.sh                 (13 doublings: 212,992 frames, 3 runs)
#   DOUBLINGS=9 RUNS=1 tests/bench/tshark-bench.sh   (the CI-sized smoke)
set -euo pipefail
source "$(dirname "$0")/../lib/sandbox.sh"
doublings=${DOUBLINGS:-13}
runs=${RUNS:-3}

sandbox_init
corpus="$sandbox/corpus.pcapng"
cp "$project_root/tests/captures/python-miio-basic.pcapng" "$corpus"
for _ in $(seq 1 "$doublings"); do
  mergecap -a -w "$sandbox/next.pcapng" "$corpus" "$corpus"
  mv "$sandbox/next.pcapng" "$corpus"
done
chmod a+r "$corpus"
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

key='uat:miio_keys:"0a1b2c3d","token","3f4a1c2b9d8e7f60112233445566aa01","vacuum"'
# 999 decoys for any device, then the right token, also for any device.
{
  for i in $(seq 1 999); do printf '"","token","%032x","decoy %d"\n' "$((i * 7919))" "$i"; done
  printf '"","token","3f4a1c2b9d8e7f60112233445566aa01","the right one"\n'
} > "$sandbox/.config/wireshark/miio_keys.1000"
chmod a+r "$sandbox/.config/wireshark/miio_keys.1000"

# measure NAME ARGS...: median seconds and median peak RSS (KiB) of RUNS runs.
measure() {
  local name=$1; shift
  local t m
  : > "$sandbox/samples"
  for _ in $(seq 1 "$runs"); do
    as_user /usr/bin/time -f "%e %M" -o "$sandbox/time" tshark -r "$corpus" "$@" >/dev/null 2>&1
    cat "$sandbox/time" >> "$sandbox/samples"
  done
  t=$(sort -n -k1 "$sandbox/samples" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  m=$(sort -n -k2 "$sandbox/samples" | awk '{a[NR]=$2} END {print a[int((NR+1)/2)]}')
  eval "time_$name=$t; rss_$name=$m"
  printf '  %-26s %8.2f s  %8d KiB  (tshark %s)\n' "$name" "$t" "$m" "$*"
}

use_keys() { # use_keys one|thousand
  if [ "$1" = thousand ]; then cp "$sandbox/.config/wireshark/miio_keys.1000" "$sandbox/.config/wireshark/miio_keys"
  else rm -f "$sandbox/.config/wireshark/miio_keys"; fi
  chmod -R a+rwX "$sandbox/.config"
}

echo "tshark-bench: $frames frames, median of $runs runs, $(nproc) cores, $(tshark --version | head -1)"
use_keys one
measure disabled      --disable-protocol miio -T fields -e data.data
measure decrypt       -o "$key" -T fields -e miio.decrypted
measure decrypt_nojson -o "$key" -o miio.dissect_json:FALSE -T fields -e miio.decrypted
measure disabled_V    --disable-protocol miio -V
measure decrypt_V     -o "$key" -V
measure decrypt_2pass -o "$key" -2 -T fields -e miio.decrypted
use_keys thousand
measure thousand_keys -T fields -e miio.decrypted
use_keys one

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
echo "ratios:"
echo "  decrypt every frame / miio disabled:      time $(ratio "$time_decrypt" "$time_disabled")x  peak RSS $(ratio "$rss_decrypt" "$rss_disabled")x"
echo "  same, miio.dissect_json off / disabled:  time $(ratio "$time_decrypt_nojson" "$time_disabled")x  peak RSS $(ratio "$rss_decrypt_nojson" "$rss_disabled")x"
echo "  full tree (-V) / disabled (-V):           time $(ratio "$time_decrypt_V" "$time_disabled_V")x  peak RSS $(ratio "$rss_decrypt_V" "$rss_disabled_V")x"
echo "  1,000 keys / one key:                     time $(ratio "$time_thousand_keys" "$time_decrypt")x  peak RSS $(ratio "$rss_thousand_keys" "$rss_decrypt")x"
echo "  two passes (-2) / one pass:               time $(ratio "$time_decrypt_2pass" "$time_decrypt")x  peak RSS $(ratio "$rss_decrypt_2pass" "$rss_decrypt")x"
