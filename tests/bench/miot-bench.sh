#!/usr/bin/env bash
# What naming MIoT entries costs, as ratios from one run (medians of RUNS
# runs taken in turn; never a timed assertion): the python-miio MIoT capture
# (40 frames, 21 with MIoT entries) doubled DOUBLINGS times, dissected with
# its spec (names, checks, the named Info column) and with an empty spec
# folder (the same entries as numbers, one note), in -T fields and -V.
#
#   tests/bench/miot-bench.sh                     (10 doublings: 40,960 frames, 5 runs)
#   DOUBLINGS=6 RUNS=1 tests/bench/miot-bench.sh  (the CI-sized smoke)
#   PLUGIN_SO=path/to/miio.so ...                 (a plugin built elsewhere: no cargo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/sandbox.sh"
doublings=${DOUBLINGS:-10}
runs=${RUNS:-5}

sandbox_init "${PLUGIN_SO:-}"
corpus="$sandbox/miot.pcap"
bench_corpus "$doublings" "$corpus" python-miio-miot.pcapng
frames=$(capinfos -c -M "$corpus" | awk '/Number of packets/ {print $NF}')
mkdir -p "$sandbox/specs" "$sandbox/no-specs"
cp "$project_root/tests/captures/miot-specs/zhimi.airp.rmb1.json" "$sandbox/specs/"
chmod -R a+rwX "$sandbox"
key='uat:miio_keys:"49567965","token","00000000000000000000000000000000","purifier"'
named=$(as_user tshark -r "$corpus" -o "$key" -o "miio.miot_spec_dir:$sandbox/specs" -Y miio.miot.property -T fields -e frame.number | wc -l)
[ "$named" -gt 0 ] || { echo "miot-bench: no entry named" >&2; exit 1; }

# One case a line: NAME|tshark arguments (no spaces inside an argument).
cases=(
  "fields_names|-o miio.miot_spec_dir:$sandbox/specs -T fields -e miio.decrypted -e miio.miot.siid"
  "fields_numbers|-o miio.miot_spec_dir:$sandbox/no-specs -T fields -e miio.decrypted -e miio.miot.siid"
  "V_names|-o miio.miot_spec_dir:$sandbox/specs -V"
  "V_numbers|-o miio.miot_spec_dir:$sandbox/no-specs -V"
)
: > "$sandbox/samples"
chmod a+rw "$sandbox/samples"
for _ in $(seq 1 "$runs"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r name args <<< "$c"
    # shellcheck disable=SC2086
    as_user /usr/bin/time -f "$name %U %S %M" -a -o "$sandbox/samples" tshark -r "$corpus" -o "$key" $args >/dev/null 2>"$sandbox/stderr" ||
      { echo "miot-bench: $name failed" >&2; cat "$sandbox/stderr" >&2; exit 1; }
  done
done

echo "miot-bench: $frames frames ($named with named properties), median of $runs runs, $(nproc) cores"
printf '  %-38s %s\n' \
  "-T fields, names / numbers:" "$(bench_ratio fields_names fields_numbers cpu 3)x  ($(bench_cpu fields_names) / $(bench_cpu fields_numbers))" \
  "-V, names / numbers:" "$(bench_ratio V_names V_numbers cpu 3)x  ($(bench_cpu V_names) / $(bench_cpu V_numbers))" \
  "peak RSS, names / numbers:" "$(bench_ratio fields_names fields_numbers rss 3)x"
