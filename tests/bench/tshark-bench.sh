#!/usr/bin/env bash
# What the plugin costs tshark, as ratios measured in one run: CPU time
# (user+sys) and peak RSS, medians of RUNS runs taken in turn (case A, B, ...,
# then again), never a timed assertion.
#
# The yardstick is the cleartext twin of the corpus: the same packets
# (addresses, ports, timestamps) with every miIO payload replaced by the
# plaintext the plugin itself decrypts from it (its miio.decrypted bytes,
# written back by make-twin.py with dpkt's pcap writer), read with
# `-d udp.port==54321,json`: what Wireshark spends when the same JSON travels
# in clear. Reported:
#   - decrypting every frame, -T fields -e miio.decrypted / twin -e udp.payload;
#   - the full tree, -V / twin -V;
#   - with miio.dissect_json off / miio disabled (-e udp.payload);
#   - 1,000 configured keys of which one is right / one key;
#   - two passes (-2) / one pass;
#   - a MIoT spec folder set (tests/captures/miot-specs) / none;
#   - peak RSS per frame over tshark's own (miio disabled).
# The corpus is the python-miio capture (26 frames, 20 encrypted) doubled
# DOUBLINGS times: real frames, regenerated deterministically.
#
#   tests/bench/tshark-bench.sh                    (11 doublings: 53,248 frames, 5 runs)
#   DOUBLINGS=7 RUNS=1 tests/bench/tshark-bench.sh (the CI-sized smoke)
#   PLUGIN_SO=path/to/miio.so ...                  (a plugin built elsewhere: no cargo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
doublings=${DOUBLINGS:-11}
runs=${RUNS:-5}

sandbox_init "${PLUGIN_SO:-}"
# Classic pcap for both files: dpkt writes pcap, and both are read alike.
corpus="$sandbox/corpus.pcap"
bench_corpus "$doublings" "$corpus"
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

key=$bench_key
twin="$sandbox/twin.pcap"
bench_twin "$corpus" "$twin"
decrypted=$bench_decrypted

# 999 decoys for any device, then the right token, also for any device.
{
  for i in $(seq 1 999); do printf '"","token","%032x","decoy %d"\n' "$((i * 7919))" "$i"; done
  printf '"","token","3f4a1c2b9d8e7f60112233445566aa01","the right one"\n'
} > "$sandbox/keys.1000"

# One case a line: NAME|KEY TABLE (one, thousand)|tshark arguments.
cases=(
  "twin_fields|one|-r $twin -d udp.port==54321,json -T fields -e udp.payload"
  "fields|one|-r $corpus -o $key -T fields -e miio.decrypted"
  "twin_V|one|-r $twin -d udp.port==54321,json -V"
  "V|one|-r $corpus -o $key -V"
  "disabled|one|-r $corpus --disable-protocol miio -T fields -e udp.payload"
  "nojson|one|-r $corpus -o $key -o miio.dissect_json:FALSE -T fields -e miio.decrypted"
  "thousand_keys|thousand|-r $corpus -T fields -e miio.decrypted"
  "two_pass|one|-r $corpus -o $key -2 -T fields -e miio.decrypted"
  "spec|one|-r $corpus -o $key -o miio.miot_spec_dir:$sandbox/specs -T fields -e miio.decrypted"
)
mkdir -p "$sandbox/specs"
cp "$project_root"/tests/captures/miot-specs/*.json "$sandbox/specs/"
chmod -R a+rwX "$sandbox/specs"

use_keys() { # use_keys one|thousand
  if [ "$1" = thousand ]; then cp "$sandbox/keys.1000" "$sandbox/.config/wireshark/miio_keys"
  else rm -f "$sandbox/.config/wireshark/miio_keys"; fi
  chmod -R a+rwX "$sandbox/.config"
}

: > "$sandbox/samples"
chmod a+rw "$sandbox/samples"
for _ in $(seq 1 "$runs"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name keys args <<< "$c"
    use_keys "$keys"
    # The key option holds no spaces, so word splitting is safe here.
    # shellcheck disable=SC2086
    as_user /usr/bin/time -f "$name %U %S %M" -a -o "$sandbox/samples" tshark $args >/dev/null 2>"$sandbox/stderr" ||
      { echo "tshark-bench: $name failed: tshark $args" >&2; cat "$sandbox/stderr" >&2; exit 1; }
  done
done

echo "tshark-bench: $frames frames ($decrypted decrypted), median of $runs runs, $(nproc) cores, $(tshark --version 2>/dev/null | head -1)"
printf '  %-42s %s\n' \
  "-T fields, plugin / cleartext twin:" "$(bench_ratio fields twin_fields cpu)x  ($(bench_cpu fields) / $(bench_cpu twin_fields))" \
  "-V, plugin / cleartext twin:" "$(bench_ratio V twin_V cpu)x  ($(bench_cpu V) / $(bench_cpu twin_V))" \
  "dissect_json off / miio disabled:" "$(bench_ratio nojson disabled cpu)x  ($(bench_cpu nojson) / $(bench_cpu disabled))" \
  "1,000 keys / one key:" "$(bench_ratio thousand_keys fields cpu)x" \
  "two passes (-2) / one pass:" "$(bench_ratio two_pass fields cpu)x" \
  "MIoT spec folder set / none:" "$(bench_ratio spec fields cpu)x" \
  "peak RSS, plugin / miio disabled:" "$(bench_ratio fields disabled rss)x  ($(bench_median fields rss) KiB / $(bench_median disabled rss) KiB)"
awk -v p="$(bench_median fields rss)" -v d="$(bench_median disabled rss)" -v t="$(bench_median twin_fields rss)" -v n="$frames" \
  'BEGIN { printf "  %-42s %d B/frame over miio disabled, %d B/frame over the twin\n", "peak RSS per frame:", (p - d) * 1024 / n, (p - t) * 1024 / n }'
