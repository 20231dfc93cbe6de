#!/usr/bin/env bash
# What the MiBeacon dissector costs, as ratios from one run (medians of RUNS
# runs taken in turn; never a timed assertion): xiaomi-ble's 139 published
# adverts (mibeacon-le-ll.pcap) doubled DOUBLINGS times, dissected
#   - with the mibeacon protocol disabled (tshark's own Bluetooth dissection),
#   - with every advertiser's bindkey in a row for its MAC,
#   - with the same keys in rows for any device (trial decryption),
# in -T fields and -V.
#
#   tests/bench/mibeacon-bench.sh                     (8 doublings: 35,584 frames, 5 runs)
#   DOUBLINGS=5 RUNS=1 tests/bench/mibeacon-bench.sh  (the CI-sized smoke)
#   PLUGIN_SO=path/to/miio.so ...                     (a plugin built elsewhere: no cargo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
doublings=${DOUBLINGS:-8}
runs=${RUNS:-5}

sandbox_init "${PLUGIN_SO:-}"
corpus="$sandbox/mibeacon.pcap"
bench_corpus "$doublings" "$corpus" mibeacon-le-ll.pcap
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')

# One preferences file a key set, as the GUI saves the table.
python3 - "$project_root/tests/captures/mibeacon-vectors.jsonl" "$sandbox" <<'PY'
import json, sys
rows = set()
for line in open(sys.argv[1]):
    v = json.loads(line)
    if v["bindkey"] and v["expected"].get("outcome") != "decryption_failed":
        rows.add((v["address"], v["bindkey"]))
with open(sys.argv[2] + "/by-mac.keys", "w") as by_mac, open(sys.argv[2] + "/any-device.keys", "w") as any_device:
    for address, key in sorted(rows):
        by_mac.write("bindkey %s %s\n" % (address, key))
        any_device.write("bindkey %s\n" % key)
PY
chmod -R a+rwX "$sandbox"
decrypted=$(as_user tshark -r "$corpus" -o "miio.key_file:$sandbox/by-mac.keys" -Y 'mibeacon.mic.status == 1' -T fields -e frame.number | wc -l)
trial=$(as_user tshark -r "$corpus" -o "miio.key_file:$sandbox/any-device.keys" -Y 'mibeacon.mic.status == 1' -T fields -e frame.number | wc -l)
[ "$decrypted" -gt 0 ] && [ "$decrypted" -eq "$trial" ] ||
  { echo "mibeacon-bench: $decrypted frames decrypted by MAC, $trial by trial" >&2; exit 1; }

fields="-T fields -e btcommon.eir_ad.entry.service_data -e mibeacon.temperature -e mibeacon.humidity"
cases=(
  "fields_off|--disable-protocol mibeacon $fields"
  "fields_mac|-o miio.key_file:$sandbox/by-mac.keys $fields"
  "fields_trial|-o miio.key_file:$sandbox/any-device.keys $fields"
  "V_off|--disable-protocol mibeacon -V"
  "V_mac|-o miio.key_file:$sandbox/by-mac.keys -V"
)
: > "$sandbox/samples"
chmod a+rw "$sandbox/samples"
for _ in $(seq 1 "$runs"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name args <<< "$c"
    # shellcheck disable=SC2086
    as_user /usr/bin/time -f "$name %U %S %M" -a -o "$sandbox/samples" tshark -r "$corpus" $args >/dev/null 2>"$sandbox/stderr" ||
      { echo "mibeacon-bench: $name failed" >&2; cat "$sandbox/stderr" >&2; exit 1; }
  done
done

echo "mibeacon-bench: $frames frames ($decrypted decrypted), median of $runs runs, $(nproc) cores"
printf '  %-44s %s\n' \
  "-T fields, bindkeys by MAC / mibeacon off:" "$(bench_ratio fields_mac fields_off cpu 3)x  ($(bench_cpu fields_mac) / $(bench_cpu fields_off))" \
  "-T fields, keys for any device / by MAC:" "$(bench_ratio fields_trial fields_mac cpu 3)x  ($(bench_cpu fields_trial) / $(bench_cpu fields_mac))" \
  "-V, bindkeys by MAC / mibeacon off:" "$(bench_ratio V_mac V_off cpu 3)x  ($(bench_cpu V_mac) / $(bench_cpu V_off))" \
  "peak RSS, -V by MAC / off:" "$(bench_ratio V_mac V_off rss 3)x"
